"""The one interface every alert channel implements, and the HTTP helper the robot/webhook/SMS adapters share.

A channel gets its row (target, secret, config) and the workspace; `send(message)` delivers one message (an
alert or a report: domain/messages.py, each adapter formats both) or raises `SendError` with a Chinese reason (shown on the alert page). Retries are not the channel's job: the
sent-log schedules them with backoff.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx

from yuqing.domain.messages import Message
from yuqing.workspace import Workspace

TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class SendError(Exception):
    """The message did not arrive; the text says why, in Chinese."""


class ChannelConfigError(ValueError):
    """A channel's target, secret or config is unusable; the text names the field (Chinese)."""


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    id: int
    name: str
    kind: str
    target: str
    secret: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


class Channel(ABC):
    kind: ClassVar[str]

    def __init__(self, spec: ChannelSpec, ws: Workspace) -> None:
        self.spec = spec
        self.ws = ws

    @classmethod
    def check(cls, target: str, secret: str | None, config: dict[str, Any]) -> None:
        """Refuse a target that cannot work (ChannelConfigError); the default wants an http(s) URL."""
        check_url(target)

    @abstractmethod
    def send(self, message: Message) -> None:
        """Deliver one message (alert or report), or raise SendError."""


def check_url(url: str, what: str = "目标地址") -> None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChannelConfigError(f"{what}须为 http:// 或 https:// 开头的网址")


def post(url: str, *, body: bytes, headers: dict[str, str], method: str = "POST") -> httpx.Response:
    """One HTTP request (no proxies from the environment); connection problems become SendError."""
    host = urlsplit(url).netloc
    try:
        with httpx.Client(timeout=TIMEOUT, trust_env=False, follow_redirects=False) as client:
            response = client.request(method, url, content=body if method != "GET" else None, headers=headers)
    except httpx.TimeoutException:
        raise SendError(f"连接 {host} 超时") from None
    except httpx.HTTPError:
        raise SendError(f"无法连接 {host}") from None
    if response.status_code >= 400:
        raise SendError(f"{host} 返回 HTTP {response.status_code}")
    return response


def post_json(url: str, payload: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return post(url, body=body, headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def robot_reply(response: httpx.Response, who: str) -> None:
    """WeCom and DingTalk answer 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a failure."""
    try:
        data = response.json()
    except ValueError:
        raise SendError(f"{who}的回应无法识别") from None
    code = data.get("errcode") if isinstance(data, dict) else None
    if code != 0:
        raise SendError(f"{who}拒绝了消息（errcode {code}）")
