"""Notifications: written by actions and jobs, read in each person's inbox, read state kept per user.

A notification addressed to a role or a unit is shared by everyone in it; a read receipt
(NotificationRead) marks it read for one user only. The bell's unread count is one indexed query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.clock import utcnow
from yuqing.domain.notifications import audiences_of, kind_label
from yuqing.domain.roles import Actor
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Notification, NotificationRead

__all__ = ["InboxRow", "NotFound", "get_notification", "inbox", "kind_counts", "mark_all_read", "mark_read",
           "notify", "unread_count"]


def notify(s: Session, audience: str, kind: str, title: str, body: str = "",
           link: str | None = None) -> Notification:
    """Write one notification to an audience (a role code, "unit:<id>" or "user:<id>")."""
    note = Notification(audience=audience, kind=kind, title=title[:300], body=body, link=link, created_at=utcnow())
    s.add(note)
    return note


def _mine(actor: Actor) -> ColumnElement[bool]:
    return Notification.audience.in_(audiences_of(actor))


def _read_by(user_id: int) -> ColumnElement[bool]:
    return exists().where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user_id)


def unread_count(s: Session, actor: Actor) -> int:
    """How many notifications addressed to this person they have not read (the bell)."""
    if actor.user_id is None:
        return 0
    stmt = select(func.count(Notification.id)).where(_mine(actor), ~_read_by(actor.user_id))
    return int(s.execute(stmt).scalar_one())


@dataclass
class InboxRow:
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    read: bool


def inbox(s: Session, actor: Actor, *, kind: str | None = None, unread_only: bool = False,
          limit: int = 100, offset: int = 0) -> list[InboxRow]:
    """This person's notifications, newest first, each with its read state for them."""
    if actor.user_id is None:
        return []
    read = NotificationRead.read_at.label("read_at")
    stmt = (select(Notification, read).outerjoin(NotificationRead, and_(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == actor.user_id))
        .where(_mine(actor)))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    if unread_only:
        stmt = stmt.where(NotificationRead.read_at.is_(None))
    rows = s.execute(stmt.order_by(Notification.id.desc()).limit(limit).offset(offset)).all()
    return [InboxRow(id=n.id, kind=n.kind, kind_label=kind_label(n.kind), title=n.title, body=n.body,
                     link=n.link, created_at=n.created_at, read=at is not None) for n, at in rows]


def kind_counts(s: Session, actor: Actor) -> dict[str, tuple[int, int]]:
    """Kind → (all, unread) for this person, for the inbox's filter."""
    if actor.user_id is None:
        return {}
    unread = func.count(Notification.id) - func.count(NotificationRead.user_id)
    stmt = (select(Notification.kind, func.count(Notification.id), unread)
            .outerjoin(NotificationRead, and_(NotificationRead.notification_id == Notification.id,
                                              NotificationRead.user_id == actor.user_id))
            .where(_mine(actor)).group_by(Notification.kind))
    return {k: (int(total), int(left or 0)) for k, total, left in s.execute(stmt)}


def get_notification(s: Session, actor: Actor, notification_id: int) -> Notification:
    """One notification addressed to this person, or NotFound."""
    note = s.execute(select(Notification).where(Notification.id == notification_id, _mine(actor))) \
        .scalar_one_or_none()
    if note is None:
        raise NotFound(f"通知 {notification_id} 不存在或不是发给您的")
    return note


def _insert_receipts(s: Session, user_id: int, ids: Iterable[int]) -> int:
    ids = sorted(set(ids))
    if not ids:
        return 0
    have = set(s.execute(select(NotificationRead.notification_id).where(
        NotificationRead.user_id == user_id, NotificationRead.notification_id.in_(ids))).scalars())
    rows: list[dict[str, Any]] = [{"notification_id": i, "user_id": user_id, "read_at": utcnow()}
                                  for i in ids if i not in have]
    if not rows:
        return 0
    # Two tabs marking the same one at once: the second insert is a no-op, not an error.
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(insert(NotificationRead).values(rows).on_conflict_do_nothing())
    return len(rows)


def mark_read(s: Session, actor: Actor, ids: Iterable[int]) -> int:
    """Mark these notifications read for this person only (ids not addressed to them are ignored)."""
    if actor.user_id is None:
        return 0
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    mine = s.execute(select(Notification.id).where(Notification.id.in_(wanted), _mine(actor))).scalars()
    return _insert_receipts(s, actor.user_id, mine)


def mark_all_read(s: Session, actor: Actor, kind: str | None = None) -> int:
    """Mark everything (or every notification of one kind) read for this person; returns how many."""
    if actor.user_id is None:
        return 0
    stmt = select(Notification.id).where(_mine(actor), ~_read_by(actor.user_id))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return _insert_receipts(s, actor.user_id, s.execute(stmt).scalars())
