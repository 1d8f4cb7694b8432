"""Pressing the responsible units: 督办 by the office or a leader (also automatic, from the reminder job), and
leaders' 批示 with their completion. Each change is an action; supervision counts against the unit.
"""

from __future__ import annotations

from datetime import datetime

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain import lifecycle as lc
from yuqing.respond.deadlines import case_detail, to_utc
from yuqing.respond.display import fmt
from yuqing.respond.errors import CaseError, NotFound
from yuqing.respond.steps import (
    LEADER_AUDIENCE,
    OFFICE_AUDIENCE,
    lead_of,
    load,
    log,
    mark,
    notify,
    notify_units,
)
from yuqing.store.tables import Case
from yuqing.store.tables_case import Instruction, Supervision


@action("case.supervise", permission=("cases.supervise", "cases.instruct"))
def supervise(tx: Tx, case_id: int, reason: str, *, level: str = "office") -> Supervision:
    """督办: the office (or a leader) presses the responsible unit; it is recorded against the unit.
    Office-level 督办 needs cases.supervise; a leader's (level="leader") either right (checked in the body)."""
    if level != "leader":
        tx.require("cases.supervise")
    if not reason.strip():
        raise CaseError("督办须写明事由")
    case = load(tx, case_id)
    if not lc.is_open(case.state):
        raise CaseError("已办结的案件无需督办")
    return supervise_in(tx, case, reason, level=level, automatic=False)


def supervise_in(tx: Tx, case: Case, reason: str, *, level: str, automatic: bool) -> Supervision:
    """督办 inside a running action (the reminder job's automatic 督办 uses it)."""
    lead = lead_of(case)
    sup = Supervision(case_id=case.id, unit_id=lead.unit_id if lead else None, level=level, reason=reason,
                      automatic=automatic, by_id=tx.actor.user_id, at=utcnow())
    tx.session.add(sup)
    tx.session.flush()
    mark(tx, sup.unit_id, case, "supervised", reason)
    log(tx, case, "supervise", reason, level=level, automatic=automatic, supervision_id=sup.id)
    title = f"督办：{case.title}"
    notify_units(tx, case, "case.supervision", title, f"{reason}；办理期限：{fmt(case.due_at)}")
    notify(tx, OFFICE_AUDIENCE, "case.supervision", title, case, reason)
    notify(tx, LEADER_AUDIENCE, "case.supervision", title, case, reason)
    return sup


@action("case.instruct", permission="cases.instruct")
def instruct(tx: Tx, case_id: int, text: str, *, due_at: datetime | None = None) -> Instruction:
    """批示 by a district leader; the case goes on the ledger and the units and office are told."""
    if not text.strip():
        raise CaseError("批示内容不能为空")
    case = load(tx, case_id)
    ins = Instruction(case_id=case.id, leader_id=tx.actor.user_id, leader_name=tx.actor.name, text=text.strip(),
                      at=utcnow(), due_at=to_utc(due_at) if due_at else None)
    tx.session.add(ins)
    tx.session.flush()
    case_detail(tx, case).ledger = True
    log(tx, case, "instruction", text.strip(), instruction_id=ins.id, due_at=due_at)
    body = f"{tx.actor.name}批示：{text.strip()}"
    notify(tx, OFFICE_AUDIENCE, "case.instruction", f"领导批示：{case.title}", case, body)
    notify_units(tx, case, "case.instruction", f"领导批示：{case.title}", body)
    return ins


@action("case.complete_instruction", permission=("cases.supervise", "cases.handle"))
def complete_instruction(tx: Tx, instruction_id: int, note: str) -> Instruction:
    """Record that an instruction has been carried out (by the office, or the responsible unit)."""
    if not note.strip():
        raise CaseError("请写明批示落实情况")
    ins = tx.session.get(Instruction, instruction_id)
    if ins is None:
        raise NotFound(f"批示 {instruction_id} 不存在")
    case = load(tx, ins.case_id)
    if ins.status == "done":
        raise CaseError("该批示已办结")
    ins.status, ins.done_at, ins.done_by_id, ins.done_note = "done", utcnow(), tx.actor.user_id, note.strip()
    log(tx, case, "instruction_done", note.strip(), instruction_id=ins.id)
    notify(tx, LEADER_AUDIENCE, "case.instruction_done", f"批示已落实：{case.title}", case, note.strip())
    return ins
