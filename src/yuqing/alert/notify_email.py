"""Per-person notification preferences (通知设置): for each kind of notification, the inbox only (the default)
or also e-mail to the address on the person's account; and the job that e-mails them, once each.

Every notification is written to the inbox as before; `email_due` (run by `alerts run`, so every minute and
after every analysis batch) e-mails the notifications of the last day whose kind a person chose e-mail for and
whose audience (their role, unit or themselves) they are in. The unique key (notification, person) of the
e-mail log makes each go once however many runners; a failed mail is noted on the log, not retried (the inbox
has it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.notifications import KINDS
from yuqing.store.tables import Notification, User
from yuqing.store.tables_alert import NotificationEmail, NotificationPref
from yuqing.workspace import Workspace

# Notifications older than this when someone opts in are not e-mailed after the fact.
RECENT = timedelta(days=1)


def preferences(s: Any, user_id: int) -> dict[str, bool]:
    """Kind → also by e-mail, for every kind (False unless chosen)."""
    chosen = dict(s.execute(select(NotificationPref.kind, NotificationPref.email)
                            .where(NotificationPref.user_id == user_id)).all())
    return {kind: bool(chosen.get(kind, False)) for kind in KINDS}


@action("notification.prefs", permission=None)
def set_preferences(tx: Tx, choices: Mapping[str, bool]) -> list[str]:
    """A person sets their own preferences (no permission needed: only their own row is written); returns the
    kinds whose choice changed (audited with their labels)."""
    user_id = tx.actor.user_id
    if user_id is None:
        raise PermissionError("只有登录的用户可以设置自己的通知方式")
    unknown = [k for k in choices if k not in KINDS]
    if unknown:
        raise ValueError(f"未知的通知类型：{'、'.join(unknown)}")
    before = preferences(tx.session, user_id)
    changed = [k for k, v in choices.items() if before[k] != bool(v)]
    now = utcnow()
    for kind in changed:
        row = tx.session.get(NotificationPref, (user_id, kind))
        if row is None:
            tx.session.add(NotificationPref(user_id=user_id, kind=kind, email=bool(choices[kind]), updated_at=now))
        else:
            row.email, row.updated_at = bool(choices[kind]), now
    if changed:
        tx.audit("notification.prefs", "user", user_id,
                 by_email=[KINDS[k] for k in changed if choices[k]], inbox_only=[KINDS[k] for k in changed if not choices[k]])
    return changed


def _audiences(user: User) -> set[str]:
    return {user.role_code, f"user:{user.id}"} | ({f"unit:{user.unit_id}"} if user.unit_id is not None else set())


def email_due(ws: Workspace, now: datetime | None = None) -> int:
    """E-mail the notifications people chose e-mail for (once each); returns how many went out."""
    from yuqing.alert.channels.base import SendError
    from yuqing.alert.channels.email import send_mail

    now = now or utcnow()
    with ws.db.read() as s:
        wanted = s.execute(select(NotificationPref.kind, User).join(User, User.id == NotificationPref.user_id)
                           .where(NotificationPref.email.is_(True), User.active.is_(True), User.email.is_not(None),
                                  User.email != "")).all()
        if not wanted:
            return 0
        by_kind: dict[str, list[User]] = {}
        for kind, user in wanted:
            by_kind.setdefault(kind, []).append(user)
        notes = list(s.execute(select(Notification).where(
            Notification.kind.in_(list(by_kind)), Notification.created_at > now - RECENT)
            .order_by(Notification.id)).scalars())
        done = set(s.execute(select(NotificationEmail.notification_id, NotificationEmail.user_id).where(
            NotificationEmail.notification_id.in_([n.id for n in notes] or [-1]))).all())
        todo = [(n.id, n.title, n.body, n.link, u.id, str(u.email)) for n in notes for u in by_kind[n.kind]
                if n.audience in _audiences(u) and (n.id, u.id) not in done]
    base = ws.settings.public_url.rstrip("/")
    sent = 0
    for note_id, title, body, link, user_id, address in todo:
        with ws.db.write() as s:
            insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
            won = s.execute(insert(NotificationEmail).values(
                notification_id=note_id, user_id=user_id, status="sending", at=now, error="")
                .on_conflict_do_nothing().returning(NotificationEmail.id)).first()
        if won is None:
            continue  # another runner has it
        text = body + (f"\n\n查看：{base}{link}" if base and link else "") + "\n\n（按您在“通知设置”中的选择发送；可随时改为仅站内通知。）"
        error = ""
        try:
            send_mail(ws, [address], f"【舆情平台】{title}", text, f"note{note_id}.{user_id}")
        except SendError as exc:
            error = str(exc)
        with ws.db.write() as s:
            row = s.get(NotificationEmail, int(won[0]))
            if row is not None:
                row.status, row.error = ("failed", error) if error else ("sent", "")
        sent += not error
    return sent
