"""In-app: a notification in the inbox of everyone with a role (target: the role code, e.g. office)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from yuqing.alert.channels.base import Channel, ChannelConfigError
from yuqing.domain.alerts import AlertMessage
from yuqing.domain.roles import PERMISSIONS, ROLE_NAMES
from yuqing.store.repositories.notifications import notify

KIND = "alert.fired"


class InappChannel(Channel):
    kind = "inapp"

    @classmethod
    def check(cls, target: str, secret: str | None, config: dict[str, Any]) -> None:
        if target not in ROLE_NAMES:
            raise ChannelConfigError("站内通知的目标须为角色代码：" + "、".join(f"{k}（{v}）" for k, v in ROLE_NAMES.items()))

    def send(self, message: AlertMessage) -> None:
        deliver_inapp(self.ws, self.spec.target, message)


def deliver_inapp(ws: Any, role: str, message: AlertMessage) -> None:
    with ws.db.write() as s:
        notify_inapp(s, role, message)


def notify_inapp(s: Session, role: str, message: AlertMessage) -> None:
    """Write the notification in `s`; its link opens the event for roles that may read events."""
    link = f"/events/{message.event_id}" if "events.read" in PERMISSIONS.get(role, frozenset()) else None
    notify(s, role, KIND, message.title, message.text(), link)
