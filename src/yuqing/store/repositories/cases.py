"""Case queries. A unit user sees only cases assigned to its own unit; enforced here, below the routes."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.store.tables import Assignment, Case


class NotFound(LookupError):
    """No such record, or not one the actor may see (pages answer 404 either way)."""


def visible(stmt: Select, actor: Actor) -> Select:
    """Narrow a SELECT over cases to what `actor` may see."""
    if actor.can("cases.read_all"):
        return stmt
    if actor.can("cases.read_own") and actor.unit_id is not None:
        own = select(Assignment.case_id).where(Assignment.unit_id == actor.unit_id)
        return stmt.where(Case.id.in_(own))
    raise PermissionDenied(f"{actor.name} 无权查看案件")


def list_cases(session: Session, actor: Actor, *, state: str | None = None, limit: int = 200) -> list[Case]:
    stmt = visible(select(Case), actor)
    if state:
        stmt = stmt.where(Case.state == state)
    return list(session.execute(stmt.order_by(Case.id.desc()).limit(limit)).scalars())


def get_case(session: Session, actor: Actor, case_id: int) -> Case:
    """One case, or NotFound when it does not exist or lies outside the actor's unit."""
    case = session.execute(visible(select(Case), actor).where(Case.id == case_id)).scalar_one_or_none()
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在或无权查看")
    return case
