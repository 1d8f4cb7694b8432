"""WeCom (企业微信) group robot: POST {"msgtype": "markdown", "markdown": {"content": …}} to the robot's URL."""

from __future__ import annotations

from yuqing.alert.channels.base import Channel, post_json, robot_reply
from yuqing.domain.messages import Message

# WeCom refuses markdown content longer than 4096 bytes.
MAX_BYTES = 4096


def clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[: limit - 3].decode("utf-8", "ignore") + "…"


class WecomChannel(Channel):
    kind = "wecom"

    def send(self, message: Message) -> None:
        payload = {"msgtype": "markdown", "markdown": {"content": clip(message.markdown(), MAX_BYTES)}}
        robot_reply(post_json(self.spec.target, payload), "企业微信机器人")
