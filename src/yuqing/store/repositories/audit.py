"""Audit-log queries for the audit page: by person, unit, object, action and China-time date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, and_, cast, or_, select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA
from yuqing.store.tables import Assignment, AuditEntry, Unit, User

PAGE = 100


@dataclass(slots=True)
class AuditFilter:
    actor_id: int | None = None
    unit_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    since: date | None = None  # China-time days, inclusive
    until: date | None = None
    before_id: int | None = None  # paging: entries older than this one


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def _filtered(stmt: Select, f: AuditFilter) -> Select:
    if f.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == f.actor_id)
    if f.unit_id is not None:
        # A unit's record: what its people did, and what was done on the cases it holds.
        people = select(User.id).where(User.unit_id == f.unit_id)
        cases = select(cast(Assignment.case_id, String)).where(Assignment.unit_id == f.unit_id)
        stmt = stmt.where(or_(
            AuditEntry.actor_id.in_(people),
            and_(AuditEntry.object_type == "case", AuditEntry.object_id.in_(cases)),
            and_(AuditEntry.object_type == "unit", AuditEntry.object_id == str(f.unit_id)),
        ))
    if f.object_type:
        stmt = stmt.where(AuditEntry.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEntry.object_id == f.object_id)
    if f.action:
        stmt = stmt.where(AuditEntry.action == f.action)
    if f.since:
        stmt = stmt.where(AuditEntry.at >= _day_start(f.since))
    if f.until:
        stmt = stmt.where(AuditEntry.at < _day_start(f.until + timedelta(days=1)))
    if f.before_id:
        stmt = stmt.where(AuditEntry.id < f.before_id)
    return stmt


def search_audit(session: Session, f: AuditFilter, limit: int = PAGE) -> list[AuditEntry]:
    """The newest entries matching the filter, newest first."""
    stmt = _filtered(select(AuditEntry), f).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.execute(stmt).scalars())


def actors(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.display_name)).scalars())


def unit_names(session: Session, ids: set[int] | None = None) -> dict[int, str]:
    stmt = select(Unit.id, Unit.name)
    if ids is not None:
        stmt = stmt.where(Unit.id.in_(ids))
    return {i: n for i, n in session.execute(stmt).all()}
