"""A generic webhook: POST the alert (or report: `kind` "report"; publishing finding: `kind` "publish") as JSON,
signed with HMAC-SHA256.

Headers: `X-Yuqing-Timestamp` (Unix seconds), `X-Yuqing-Signature: sha256=<hex>` where the HMAC key is the
channel's secret and the signed bytes are `<timestamp>.` followed by the raw body, and `X-Yuqing-Delivery`
(the sent-log id, the same on every retry; report-<id> for a report). A receiver recomputes the HMAC, compares
in constant time, rejects a timestamp more than REPLAY_WINDOW seconds from its own clock (a captured request
cannot be replayed later) and drops a delivery id it has already seen (a retry after a lost answer). `verify` does it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from yuqing.alert.channels.base import Channel, ChannelConfigError, check_url, post
from yuqing.domain.alerts import AlertMessage, grade_label
from yuqing.domain.messages import Message, PublishMessage, ReportMessage

REPLAY_WINDOW = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, body: bytes, headers: Mapping[str, str], now: float | None = None,
           window: int = REPLAY_WINDOW) -> bool:
    """What a receiver does: the signature matches and the timestamp is within the replay window."""
    try:
        ts = int(headers.get("X-Yuqing-Timestamp") or headers.get("x-yuqing-timestamp") or "")
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > window:
        return False
    sent = headers.get("X-Yuqing-Signature") or headers.get("x-yuqing-signature") or ""
    return hmac.compare_digest(sent, signature(secret, ts, body))


def payload(message: Message) -> dict[str, Any]:
    """The JSON body: `kind` "report" for a report, "publish" for a publishing finding, "forward" for a forward
    package, else the alert's fields."""
    if isinstance(message, ReportMessage):
        return {"kind": "report", "delivery_id": message.delivery_id, "report_type": message.report_type,
                "title": message.title, "period": message.period,
                "summary": [{"name": k, "value": v} for k, v in message.summary], "link": message.link,
                "text": message.text()}
    if isinstance(message, PublishMessage):
        return {"kind": "publish", "delivery_id": message.delivery_id, "finding_kind": message.finding_kind,
                "title": message.title, "channel": message.channel, "unit": message.unit, "found": message.found,
                "answerable": [{"role": w, "name": n} for w, n in message.answerable], "link": message.link,
                "diff": [{"signed": "".join(str(t) for t, _ in left), "live": "".join(str(t) for t, _ in right)}
                         for _op, left, right in message.diff],
                "changed": message.changed, "text": message.text()}
    assert isinstance(message, AlertMessage)
    if message.package is not None:  # a forward package (上报): the package itself, with its title and text
        return {"kind": "forward", "title": message.title, "text": message.text(), "package": dict(message.package)}
    return {"delivery_id": message.delivery_id, "event_id": message.event_id, "event_title": message.event_title,
            "grade": message.grade, "grade_label": grade_label(message.grade), "rule": message.rule_name,
            "item_count": message.item_count, "places": list(message.places), "topics": list(message.topics),
            "link": message.link, "title": message.title, "text": message.text()}


class WebhookChannel(Channel):
    kind = "webhook"

    @classmethod
    def check(cls, target: str, secret: str | None, config: dict[str, Any]) -> None:
        check_url(target)
        if not secret:
            raise ChannelConfigError("通用 Webhook 须设置签名密钥（--secret）")

    def send(self, message: Message) -> None:
        body = json.dumps(payload(message), ensure_ascii=False).encode("utf-8")
        ts = int(time.time())
        post(self.spec.target, body=body, headers={
            "Content-Type": "application/json; charset=utf-8", "X-Yuqing-Timestamp": str(ts),
            "X-Yuqing-Signature": signature(self.spec.secret or "", ts, body),
            "X-Yuqing-Delivery": message.key})
