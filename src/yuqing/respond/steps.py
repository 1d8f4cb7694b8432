"""The steps every case action is made of, inside its transaction (`Tx`): load the case within the actor's
scope, move it along the lifecycle table, write its history (and the audit entry), notify, mark a unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from yuqing.actions import Tx
from yuqing.clock import utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.respond.errors import CaseError
from yuqing.store.repositories.cases import get_case
from yuqing.store.tables import Assignment, Case, Unit
from yuqing.store.tables_case import CaseHistory, CaseTask, UnitMark

OFFICE_AUDIENCE = "office"
LEADER_AUDIENCE = "leader"
SPOKESPERSON_AUDIENCE = "spokesperson"


def load(tx: Tx, case_id: int) -> Case:
    """The case, or NotFound when it does not exist or lies outside the actor's unit."""
    return get_case(tx.session, tx.actor, case_id)


def units_of(case: Case) -> set[int]:
    return {a.unit_id for a in case.assignments}


def lead_of(case: Case) -> Assignment | None:
    return next((a for a in case.assignments if a.role == "lead"), None)


def own_assignment(case: Case, actor: Actor) -> Assignment | None:
    if actor.unit_id is None:
        return None
    return next((a for a in case.assignments if a.unit_id == actor.unit_id), None)


def require_lead_if_unit(case: Case, actor: Actor, what: str) -> None:
    """A unit acts for a case only as its lead unit; assisting units contribute their part (协办意见)."""
    if not actor.unit_bound:
        return
    lead = lead_of(case)
    if lead is None or actor.unit_id != lead.unit_id:
        raise PermissionDenied(f"只有牵头单位可以{what}；协办单位请提交协办意见")


def log(tx: Tx, case: Case, action: str, reason: str = "", *, from_state: str | None = None,
        to_state: str | None = None, **detail: Any) -> CaseHistory:
    """One line of the case history, and its audit entry (`case.<action>`)."""
    row = CaseHistory(case_id=case.id, at=utcnow(), action=action, from_state=from_state, to_state=to_state,
                      actor_id=tx.actor.user_id, actor_name=tx.actor.name, reason=reason,
                      detail=_jsonable(detail))
    tx.session.add(row)
    tx.audit(f"case.{action}", "case", case.id, from_state=from_state, to_state=to_state, reason=reason, **detail)
    return row


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in detail.items()}


def move(tx: Tx, case: Case, action: str, reason: str = "", **detail: Any) -> str:
    """Check the table and the actor (lead unit, reason), change the state, write history and audit."""
    before = case.state
    lead = lead_of(case)
    after = lc.check(before, action, tx.actor, reason=reason, assigned_units=units_of(case),
                     lead_unit=lead.unit_id if lead else None)
    case.state = after
    case.updated_at = utcnow()
    log(tx, case, action, from_state=before, to_state=after, reason=reason, **detail)
    return after


def notify(tx: Tx, audience: str, kind: str, title: str, case: Case, body: str = "") -> None:
    """A notification that links to the case."""
    tx.notify(audience, kind, title, body, link=f"/cases/{case.id}")


def notify_units(tx: Tx, case: Case, kind: str, title: str, body: str = "",
                 units: Iterable[int] | None = None) -> None:
    """Notify each unit of the case (or the given ones)."""
    for uid in sorted(set(units) if units is not None else units_of(case)):
        notify(tx, f"unit:{uid}", kind, title, case, body)


def mark(tx: Tx, unit_id: int | None, case: Case, kind: str, note: str = "") -> None:
    """Record against a unit (late, false feedback, supervised, failed check): counts in its assessment."""
    if unit_id is not None:
        tx.session.add(UnitMark(unit_id=unit_id, case_id=case.id, kind=kind, at=utcnow(), note=note))


def open_case_for_event(tx_or_session: Any, event_id: int, *, other_than: int | None = None) -> Case | None:
    """The event's open case, if any (a `Tx` or a plain session)."""
    s = tx_or_session.session if isinstance(tx_or_session, Tx) else tx_or_session
    stmt = select(Case).where(Case.event_id == event_id, Case.state.in_(lc.OPEN_STATES))
    if other_than is not None:
        stmt = stmt.where(Case.id != other_than)
    return s.execute(stmt.limit(1)).scalar_one_or_none()


def ensure_tasks(tx: Tx, case: Case) -> None:
    """The tiered-response tasks of the case's grade (domain.grading), made once."""
    s = tx.session
    have = {t.code for t in s.execute(select(CaseTask).where(CaseTask.case_id == case.id)).scalars()}
    for task in grading.tier_tasks(case.grade):
        if task.code not in have:
            s.add(CaseTask(case_id=case.id, code=task.code, label=task.label, created_at=utcnow()))
    s.flush()


def complete_task_in(tx: Tx, case: Case, code: str, note: str = "") -> bool:
    """Mark a tier task done (False when there is none or it is done already)."""
    task = tx.session.execute(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.code == code)) \
        .scalar_one_or_none()
    if task is None or task.done_at is not None:
        return False
    task.done_at = utcnow()
    task.done_by_id = tx.actor.user_id
    task.note = note
    log(tx, case, "task_done", task=code, label=task.label, note=note)
    return True


def unit_ids(tx: Tx, names_or_ids: Iterable[int | str]) -> list[int]:
    """Unit ids from ids or names, in order, without repeats; CaseError for a unit that does not exist."""
    out: list[int] = []
    for ref in names_or_ids:
        if isinstance(ref, int):
            unit = tx.session.get(Unit, ref)
        else:
            unit = tx.session.execute(select(Unit).where(Unit.name == ref)).scalar_one_or_none()
        if unit is None:
            raise CaseError(f"单位“{ref}”不存在")
        if unit.id not in out:
            out.append(unit.id)
    return out


def unit_names(tx: Tx, refs: Iterable[int | str]) -> list[str]:
    names = {uid: name for uid, name in tx.session.execute(select(Unit.id, Unit.name))}
    return [names[u] for u in unit_ids(tx, refs)]
