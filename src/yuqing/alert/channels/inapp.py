"""In-app: a notification in the inbox of everyone with a role (target: the role code, e.g. office) or of
one person (target: user:USERNAME)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.alert.channels.base import Channel, ChannelConfigError, SendError
from yuqing.domain.alerts import AlertMessage
from yuqing.domain.messages import Message, PublishMessage, ReportMessage
from yuqing.domain.roles import PERMISSIONS, ROLE_NAMES
from yuqing.store.repositories.notifications import notify
from yuqing.store.tables import User

KIND = "alert.fired"


class InappChannel(Channel):
    kind = "inapp"

    @classmethod
    def check(cls, target: str, secret: str | None, config: dict[str, Any]) -> None:
        if target not in ROLE_NAMES and not (target.startswith("user:") and target[5:].strip()):
            raise ChannelConfigError("站内通知的目标须为角色代码（" + "、".join(f"{k} {v}" for k, v in ROLE_NAMES.items())
                                     + "）或 user:用户名")

    def send(self, message: Message) -> None:
        deliver_inapp(self.ws, self.spec.target, message)


def deliver_inapp(ws: Any, role: str, message: Message) -> None:
    with ws.db.write() as s:
        notify_inapp(s, role, message)


def notify_inapp(s: Session, target: str, message: Message) -> None:
    """Write the notification in `s` (SendError for a person who no longer has an active account); its link
    opens the event (the report, the channel's page) for those who may read events (reports, channels)."""
    audience, role = target, target
    if target.startswith("user:"):
        user = s.execute(select(User).where(User.username == target[5:].strip())).scalar_one_or_none()
        if user is None or not user.active:
            raise SendError(f"站内通知的接收人“{target[5:]}”不存在或已停用")
        audience, role = f"user:{user.id}", user.role_code
    may = PERMISSIONS.get(role, frozenset())
    if isinstance(message, ReportMessage):
        notify(s, audience, message.inbox_kind, message.title, message.text(),
               message.path if "reports.read" in may and message.path else None)
        return
    if isinstance(message, PublishMessage):
        notify(s, audience, message.inbox_kind, message.title, message.text(),
               message.path if "channels.read" in may and message.path else None)
        return
    assert isinstance(message, AlertMessage)
    link = f"/events/{message.event_id}" if "events.read" in may else None
    notify(s, audience, KIND, message.title, message.text(), link)
