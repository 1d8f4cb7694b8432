"""Case deadlines: explicit, N days or N working days, or the workspace default (3 days, 实施意见 §三.2).

The calendar (holidays as data) is `domain.deadlines`; here it is applied to cases. A year the holiday data
does not cover warns the administrator once (a notification), inside the action that set the deadline.
"""

from __future__ import annotations

import warnings
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import exists, select

from yuqing.actions import Tx
from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain.deadlines import Calendar, CalendarGapWarning
from yuqing.respond.calendar import load_calendar
from yuqing.respond.errors import CaseError
from yuqing.store.tables import Case, Notification, NotificationRead
from yuqing.store.tables_case import CaseDetail
from yuqing.workspace import Workspace


def calendar_for(ws: Workspace) -> Calendar:
    return load_calendar(ws.path)


def to_utc(dt: datetime) -> datetime:
    """Store times in UTC (SQLite drops the zone); a naive value from a user is China time."""
    return (dt if dt.tzinfo else dt.replace(tzinfo=CHINA)).astimezone(UTC)


def due_from_date(day: date) -> datetime:
    """An explicit deadline given as a date ends at the close of that day, China time."""
    return datetime.combine(day, time(23, 59), tzinfo=CHINA)


def compute_due(ws: Workspace, start: datetime, *, days: int | None = None, working_days: int | None = None,
                due_at: datetime | None = None) -> tuple[datetime, dict[str, Any]]:
    """The deadline: explicit, or N days / N working days, or the workspace default (3 days, 实施意见 §三.2)."""
    if due_at is not None:
        return to_utc(due_at), {"explicit": True}
    if days is None and working_days is None:
        n = ws.settings.default_deadline_days
        if ws.settings.deadline_counting == "working":
            working_days = n
        else:
            days = n
    local = aware(start).astimezone(CHINA)
    due = calendar_for(ws).due(local, days=days, working_days=working_days)
    assert isinstance(due, datetime)
    due = to_utc(due)
    basis = {"days": days} if days is not None else {"working_days": working_days}
    return due, basis


def deadline_request(*, due_at: datetime | None, days: int | None, working_days: int | None) -> dict[str, Any]:
    """The deadline asked for at opening, checked (one kind only, 1–365 days, a date in the future)."""
    given = [x for x in (due_at, days, working_days) if x is not None]
    if len(given) > 1:
        raise CaseError("办理期限只能选一种：指定日期、自然日天数或工作日天数")
    if days is not None or working_days is not None:
        n = days if days is not None else working_days
        assert n is not None
        if n < 1 or n > 365:
            raise CaseError("办理期限的天数须在 1 到 365 之间")
        return {"days": n} if days is not None else {"working_days": n}
    if due_at is not None:
        due = to_utc(due_at)
        if due <= utcnow():
            raise CaseError("办理期限须晚于现在")
        return {"due_at": due.isoformat()}
    return {}


def case_detail(tx: Tx, case: Case) -> CaseDetail:
    """The case's detail row (routing, deadline basis, resolution), made when missing."""
    d = tx.session.get(CaseDetail, case.id)
    if d is None:
        d = CaseDetail(case_id=case.id, routing={}, deadline_basis={})
        tx.session.add(d)
        tx.session.flush()
    return d


def set_deadline(tx: Tx, case: Case, *, start: datetime | None = None, days: int | None = None,
                 working_days: int | None = None, due_at: datetime | None = None) -> datetime:
    """Start the case's deadline now (or at `start`), keeping what was asked at opening beside the basis."""
    start = start or utcnow()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarGapWarning)
        due, basis = compute_due(tx.ws, start, days=days, working_days=working_days, due_at=due_at)
    for w in caught:
        if issubclass(w.category, CalendarGapWarning):
            warn_admin(tx, str(w.message))
        else:  # pragma: no cover - pass other warnings on
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    case.due_at = due
    d = case_detail(tx, case)
    asked = (d.deadline_basis or {}).get("requested")
    d.deadline_basis = {**basis, "requested": asked} if asked else basis
    d.deadline_started_at = start
    return due


def warn_admin(tx: Tx, message: str) -> None:
    """Tell the admin (once, while unread) that the calendar lacks official holidays for a year."""
    title = "节假日数据缺失：" + message[:60]
    nobody_read = ~exists().where(NotificationRead.notification_id == Notification.id)
    seen = tx.session.execute(select(Notification.id).where(
        Notification.kind == "calendar.gap", Notification.title == title, nobody_read)).first()
    if not seen:
        tx.notify("admin", "calendar.gap", title,
                  message + "。请在工作区 calendar.toml 中补充该年的法定节假日和调休上班日。")
