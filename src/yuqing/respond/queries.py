"""Case-desk views: a unit's to-dos with countdowns, the office board, the ledger, a case's history.

Every query goes through `store.repositories.cases.visible()`, so a unit sees only its own cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import Actor
from yuqing.respond.display import countdown
from yuqing.store.repositories.cases import get_case, visible
from yuqing.store.tables import Assignment, Case, Unit
from yuqing.store.tables_case import (
    CaseDetail,
    CaseHistory,
    CaseTask,
    ExtensionRequest,
    Feedback,
    Instruction,
    Reminder,
    Reply,
    SpotCheck,
    Supervision,
    UnitMark,
)


@dataclass
class CaseRow:
    id: int
    title: str
    state: str
    state_label: str
    grade: str | None
    due_at: datetime | None
    overdue: bool
    countdown: str
    lead_unit: str | None
    resolution: str | None = None
    my_role: str | None = None  # lead | assist, for a unit user
    signed: bool | None = None
    notes: list[str] = field(default_factory=list)


def _rows(s: Session, cases: list[Case], actor: Actor, now: datetime) -> list[CaseRow]:
    ids = [c.id for c in cases]
    names = {uid: name for uid, name in s.execute(select(Unit.id, Unit.name))}
    details = {d.case_id: d for d in s.execute(select(CaseDetail).where(CaseDetail.case_id.in_(ids))).scalars()}
    out = []
    for c in cases:
        lead = next((a for a in c.assignments if a.role == "lead"), None)
        mine = next((a for a in c.assignments if a.unit_id == actor.unit_id), None) if actor.unit_id else None
        overdue = c.due_at is not None and lc.is_open(c.state) and aware(c.due_at) < now
        d = details.get(c.id)
        out.append(CaseRow(
            id=c.id, title=c.title, state=c.state, state_label=lc.label(c.state), grade=c.grade, due_at=c.due_at,
            overdue=overdue, countdown=countdown(c.due_at, now) if lc.is_open(c.state) else "",
            lead_unit=names.get(lead.unit_id) if lead else None, resolution=d.resolution if d else None,
            my_role=mine.role if mine else None, signed=(mine.signed_at is not None) if mine else None))
    return out


def todos(s: Session, actor: Actor, now: datetime | None = None) -> list[CaseRow]:
    """The unit's open cases that wait on it (to sign, to handle, to redo), soonest deadline first."""
    now = now or utcnow()
    stmt = visible(select(Case), actor).where(Case.state.in_(lc.WITH_UNIT_STATES | lc.AWAITING_UNIT_LEADER))
    if actor.unit_id is not None:
        stmt = stmt.where(Case.id.in_(select(Assignment.case_id).where(Assignment.unit_id == actor.unit_id)))
    cases = list(s.execute(stmt).scalars())
    rows = _rows(s, cases, actor, now)
    pending_ext = set(s.execute(select(ExtensionRequest.case_id).where(
        ExtensionRequest.status == "pending", ExtensionRequest.case_id.in_([c.id for c in cases]))).scalars())
    ids = [c.id for c in cases]
    due_keys = {c.id: aware(c.due_at).astimezone(UTC).isoformat(timespec="seconds") for c in cases if c.due_at}
    reminded: dict[int, set[str]] = {}
    for case_id, kind, key in s.execute(select(Reminder.case_id, Reminder.kind, Reminder.due_key)
                                        .where(Reminder.case_id.in_(ids))):
        if due_keys.get(case_id) == key:  # reminders about an earlier deadline no longer apply
            reminded.setdefault(case_id, set()).add(kind)
    supervised = set(s.execute(select(Supervision.case_id).where(
        Supervision.case_id.in_(ids), Supervision.resolved_at.is_(None))).scalars())
    instructed = set(s.execute(select(Instruction.case_id).where(
        Instruction.case_id.in_(ids), Instruction.status == "open")).scalars())
    for r in rows:
        if r.my_role and not r.signed:
            r.notes.append("待签收")
        if r.state in lc.AWAITING_UNIT_LEADER:
            r.notes.append("反馈待单位领导审核")
        if r.id in pending_ext:
            r.notes.append("延期审批中")
        kinds = reminded.get(r.id, set())
        if "overdue" in kinds:
            r.notes.append("超期催办")
        elif "before_due" in kinds:
            r.notes.append("已催办")
        if r.id in supervised or "supervision" in kinds:
            r.notes.append("督办中")
        if r.id in instructed:
            r.notes.append("领导批示待落实")
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (aware(r.due_at) if r.due_at else far, r.id))


def board(s: Session, actor: Actor, now: datetime | None = None, *,
          include_finished: bool = False) -> dict[str, list[CaseRow]]:
    """The office board: cases grouped by state (in lifecycle order), overdue first, then by deadline."""
    now = now or utcnow()
    stmt = visible(select(Case), actor)
    if not include_finished:
        stmt = stmt.where(Case.state.in_(lc.OPEN_STATES))
    rows = _rows(s, list(s.execute(stmt).scalars()), actor, now)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    out: dict[str, list[CaseRow]] = {}
    for state in lc.STATES:
        group = [r for r in rows if r.state == state]
        if group:
            out[state] = sorted(group, key=lambda r: (not r.overdue, aware(r.due_at) if r.due_at else far, r.id))
    return out


def overdue_first(s: Session, actor: Actor, now: datetime | None = None) -> list[CaseRow]:
    """All open cases as one list: overdue ones first (most overdue at the top), then by deadline."""
    rows = [r for group in board(s, actor, now).values() for r in group]
    far = datetime.max.replace(tzinfo=(now or utcnow()).tzinfo)
    return sorted(rows, key=lambda r: (not r.overdue, aware(r.due_at) if r.due_at else far, r.id))


def ledger(s: Session, actor: Actor, now: datetime | None = None) -> list[CaseRow]:
    """台账: key cases (grade I–II, marked, or with a leader's instruction) until really solved —
    a case leaves the ledger only when confirmed or verified, not when merely closed."""
    now = now or utcnow()
    key = (select(CaseDetail.case_id).where(CaseDetail.ledger.is_(True))
           .union(select(Instruction.case_id)))
    stmt = visible(select(Case), actor).where(Case.id.in_(key) | Case.grade.in_(("I", "II")))
    cases = list(s.execute(stmt.order_by(Case.id)).scalars())
    rows = _rows(s, cases, actor, now)
    open_ins = dict(s.execute(select(Instruction.case_id, Instruction.text).where(
        Instruction.status == "open", Instruction.case_id.in_([c.id for c in cases]))).all())
    out = []
    for r in rows:
        if r.resolution in (lc.RESOLUTION_CONFIRMED, lc.RESOLUTION_VERIFIED) or r.state == lc.DISMISSED:
            continue
        if r.id in open_ins:
            r.notes.append(f"批示待落实：{open_ins[r.id]}")
        if r.state in lc.CLOSED_STATES:
            r.notes.append("已销号，尚未确认解决")
        out.append(r)
    return out


def history(s: Session, actor: Actor, case_id: int) -> list[CaseHistory]:
    """Everything that happened to a case, oldest first (NotFound outside the actor's unit)."""
    get_case(s, actor, case_id)
    return list(s.execute(select(CaseHistory).where(CaseHistory.case_id == case_id)
                          .order_by(CaseHistory.id)).scalars())


def available_actions(s: Session, actor: Actor, case_id: int) -> list[lc.Action]:
    """The transitions the table allows this actor on this case (for buttons and the API)."""
    case = get_case(s, actor, case_id)
    lead = next((a.unit_id for a in case.assignments if a.role == "lead"), None)
    return lc.allowed_actions(case.state, actor, assigned_units={a.unit_id for a in case.assignments},
                              lead_unit=lead)


def tasks(s: Session, actor: Actor, case_id: int) -> list[CaseTask]:
    get_case(s, actor, case_id)
    return list(s.execute(select(CaseTask).where(CaseTask.case_id == case_id).order_by(CaseTask.id)).scalars())


def replies(s: Session, actor: Actor, case_id: int) -> list[Reply]:
    get_case(s, actor, case_id)
    return list(s.execute(select(Reply).where(Reply.case_id == case_id).order_by(Reply.id)).scalars())


def pending_spot_checks(s: Session, actor: Actor) -> list[SpotCheck]:
    ids = select(visible(select(Case.id), actor).subquery().c.id)
    return list(s.execute(select(SpotCheck).where(SpotCheck.result == "pending", SpotCheck.case_id.in_(ids))
                          .order_by(SpotCheck.id)).scalars())


def unit_marks(s: Session, actor: Actor, unit_id: int | None = None) -> list[UnitMark]:
    """What is recorded against units (a unit user sees its own only)."""
    stmt = select(UnitMark).order_by(UnitMark.id)
    if actor.unit_bound:
        stmt = stmt.where(UnitMark.unit_id == actor.unit_id)
    elif not actor.can("cases.read_all"):
        return []
    if unit_id is not None:
        stmt = stmt.where(UnitMark.unit_id == unit_id)
    return list(s.execute(stmt).scalars())


@dataclass
class InstructionRow:
    id: int
    case_id: int
    case_title: str
    case_state_label: str
    text: str
    at: datetime
    due_at: datetime | None
    done: bool
    done_at: datetime | None
    done_note: str
    overdue: bool


def my_instructions(s: Session, actor: Actor, now: datetime | None = None) -> list[InstructionRow]:
    """The 批示 this leader gave, open ones first (soonest deadline first), with how far each has come."""
    if actor.user_id is None:
        return []
    now = now or utcnow()
    stmt = (visible(select(Instruction, Case).join(Case, Case.id == Instruction.case_id), actor)
            .where(Instruction.leader_id == actor.user_id))
    rows = []
    for ins, case in s.execute(stmt):
        done = ins.status == "done"
        rows.append(InstructionRow(
            id=ins.id, case_id=case.id, case_title=case.title, case_state_label=lc.label(case.state), text=ins.text,
            at=ins.at, due_at=ins.due_at, done=done, done_at=ins.done_at, done_note=ins.done_note,
            overdue=not done and ins.due_at is not None and aware(ins.due_at) < now))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (r.done, aware(r.due_at) if r.due_at else far, -r.id))


@dataclass
class ApprovalRow:
    id: int  # the reply or the feedback
    case_id: int
    case_title: str
    kind_label: str
    text: str
    drafted_at: datetime


REPLY_KIND_LABELS = {"reply": "点对点回复", "statement": "权威发布", "clarification": "澄清说明"}


def replies_awaiting_approval(s: Session, actor: Actor) -> list[ApprovalRow]:
    """Drafts this person may approve: a unit leader those on his unit's cases (grade I statements excepted,
    they are the spokesperson's); the spokesperson every statement and clarification, and grade I drafts."""
    if not actor.can("cases.approve"):
        return []
    stmt = visible(select(Reply, Case).join(Case, Case.id == Reply.case_id), actor).where(Reply.status == "draft")
    out = []
    for rep, case in s.execute(stmt.order_by(Reply.id)):
        if actor.unit_bound:
            if rep.kind != "reply" and case.grade == "I":
                continue
        elif rep.kind == "reply" and case.grade != "I":
            continue  # point-to-point replies are approved by the unit's leader
        out.append(ApprovalRow(id=rep.id, case_id=case.id, case_title=case.title,
                               kind_label=REPLY_KIND_LABELS.get(rep.kind, rep.kind), text=rep.text,
                               drafted_at=rep.drafted_at))
    return out


def feedback_awaiting_approval(s: Session, actor: Actor) -> list[ApprovalRow]:
    """单位领导审核: the feedback of cases his unit leads that waits for this unit leader's approval."""
    if not actor.can("cases.approve_feedback") or actor.unit_id is None:
        return []
    lead = select(Assignment.case_id).where(Assignment.unit_id == actor.unit_id, Assignment.role == "lead")
    stmt = (visible(select(Case), actor).where(Case.state.in_(lc.AWAITING_UNIT_LEADER), Case.id.in_(lead))
            .order_by(Case.id))
    out = []
    for case in s.execute(stmt).scalars():
        fb = s.execute(select(Feedback).where(Feedback.case_id == case.id, Feedback.unit_id == actor.unit_id)
                       .order_by(Feedback.id.desc()).limit(1)).scalar_one_or_none()
        out.append(ApprovalRow(id=fb.id if fb else 0, case_id=case.id, case_title=case.title,
                               kind_label="单位反馈", text=fb.text if fb else "",
                               drafted_at=fb.submitted_at if fb else case.updated_at))
    return out


def _iso(dt: datetime | None) -> str | None:
    return aware(dt).isoformat() if dt else None


def case_json(ws: Any, actor: Actor, case_id: int) -> dict[str, Any]:
    """One case as the CLI (`cases show --json`) and the API show it:
    {id, state, event_id, units: [{id, name, role}], proposal: [{unit, role, reason}], due_at, history}."""
    from yuqing.respond.routing import proposal_of

    with ws.db.read() as s:
        case = get_case(s, actor, case_id)
        hist = list(s.execute(select(CaseHistory).where(CaseHistory.case_id == case_id)
                              .order_by(CaseHistory.id)).scalars())
        lead_first = sorted(case.assignments, key=lambda a: (a.role != "lead", a.id))
        return {
            "id": case.id, "title": case.title, "state": case.state, "state_label": lc.label(case.state),
            "event_id": case.event_id, "grade": case.grade,
            "units": [{"id": a.unit_id, "name": a.unit.name if a.unit else "", "role": a.role,
                       "signed_at": _iso(a.signed_at)} for a in lead_first],
            "proposal": [{"unit": u["unit"], "role": u["role"], "reason": u["reason"]}
                         for u in proposal_of(s, case)],
            "due_at": _iso(case.due_at),
            "actions": [a.code for a in available_actions(s, actor, case_id)],
            "history": [{"at": _iso(h.at), "action": h.action, "from_state": h.from_state, "to_state": h.to_state,
                         "actor": h.actor_name, "reason": h.reason} for h in hist],
        }
