"""An SMS gateway through a configurable HTTP template (gateways differ; most take a URL or a form/JSON body).

target: the request URL, may hold placeholders. config (all optional): `method` (GET without a body, else
POST), `body` (a template; JSON-escaped when `content_type` is JSON, url-encoded for a form), `headers`
(templates too), `content_type`, `ok_contains` (text the answer must contain: many gateways answer 200 with
an error code inside). Placeholders: {text} (the short alert or report line), {title}, {grade} and {event_id} (empty for a report or a publishing finding),
{secret}
(the channel's API key, kept out of the target).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from yuqing.alert.channels.base import Channel, ChannelConfigError, SendError, check_url, post
from yuqing.domain.alerts import AlertMessage
from yuqing.domain.messages import Message

FIELDS = ("text", "title", "grade", "event_id", "secret")


def _fill(template: str, values: dict[str, str], escape: Any) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", escape(value))
    return out


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


class SmsChannel(Channel):
    kind = "sms"

    @classmethod
    def check(cls, target: str, secret: str | None, config: dict[str, Any]) -> None:
        check_url(target.replace("{", "").replace("}", ""), "短信网关地址")
        if config.get("method", "POST" if config.get("body") else "GET").upper() not in ("GET", "POST", "PUT"):
            raise ChannelConfigError("短信网关的 method 只能是 GET、POST 或 PUT")
        if "{text}" not in target + str(config.get("body", "")):
            raise ChannelConfigError("短信网关的地址或正文模板须含 {text}（短信内容）")

    def send(self, message: Message) -> None:
        cfg = self.spec.config or {}
        alert = message if isinstance(message, AlertMessage) else None  # a report has no grade nor event
        values = {"text": message.short(), "title": message.title, "grade": alert.grade if alert else "",
                  "event_id": str(alert.event_id) if alert else "", "secret": self.spec.secret or ""}
        url = _fill(self.spec.target, values, lambda v: quote(v, safe=""))
        body_template = str(cfg.get("body") or "")
        ctype = str(cfg.get("content_type") or ("application/json" if body_template.lstrip().startswith("{")
                                                 else "application/x-www-form-urlencoded"))
        escape = _json_escape if "json" in ctype else (lambda v: quote(v, safe=""))
        body = _fill(body_template, values, escape).encode("utf-8")
        method = str(cfg.get("method") or ("POST" if body_template else "GET")).upper()
        headers = {k: _fill(str(v), values, str) for k, v in (cfg.get("headers") or {}).items()}
        if body_template:
            headers.setdefault("Content-Type", f"{ctype}; charset=utf-8")
        response = post(url, body=body, headers=headers, method=method)
        wanted = cfg.get("ok_contains")
        if wanted and str(wanted) not in response.text:
            raise SendError("短信网关回应中没有成功标志（ok_contains）")
