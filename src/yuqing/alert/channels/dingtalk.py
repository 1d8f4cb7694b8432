"""DingTalk (钉钉) group robot: markdown message; with a secret ("加签"), the URL carries `timestamp` (ms) and
`sign` = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret")))."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from yuqing.alert.channels.base import Channel, post_json, robot_reply
from yuqing.domain.messages import Message


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature of a timestamp, url-encoded, as its documentation computes it."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign(secret, ts)}"


class DingtalkChannel(Channel):
    kind = "dingtalk"

    def send(self, message: Message) -> None:
        payload = {"msgtype": "markdown", "markdown": {"title": message.title, "text": message.markdown()}}
        robot_reply(post_json(signed_url(self.spec.target, self.spec.secret), payload), "钉钉机器人")
