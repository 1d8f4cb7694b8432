"""A case's course on the desk (R-CASE-1…9): open, assess, report, assign, reassign, return, escalate,
dismiss, close, confirm, watch, reopen, evaluate. Each is an action (`fn(ws, actor, ...)`): the permission of
its lifecycle row, the move the table allows, the change, history and audit, notifications, one transaction.
The unit's own work is in `respond.casework`; replies in `respond.replies`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.respond.deadlines import case_detail, deadline_request, set_deadline
from yuqing.respond.display import fmt
from yuqing.respond.errors import CaseError, DuplicateOpenCase
from yuqing.respond.routing import explain, proposal_of, routing_at_open
from yuqing.respond.steps import (
    LEADER_AUDIENCE,
    OFFICE_AUDIENCE,
    ensure_tasks,
    load,
    log,
    move,
    notify,
    notify_units,
    open_case_for_event,
    unit_ids,
    units_of,
)
from yuqing.store.tables import Assignment, Case, Event, Item, Unit
from yuqing.store.tables_case import CaseDetail, CaseItem, CaseTask, Evaluation, Supervision

EVALUATION_TEMPLATE = lc.EVALUATION_TEMPLATE
EVALUATION_SECTIONS = lc.EVALUATION_SECTIONS
REQUIRED_SECTIONS = lc.REQUIRED_SECTIONS


def permission_of(code: str) -> str:
    """The permission of a lifecycle row (the table is the one source)."""
    return lc.ACTIONS[code].permission


def _grade_i_alert(tx: Tx, case: Case) -> None:
    if case.grade == "I":
        notify(tx, LEADER_AUDIENCE, "case.grade_i", f"特别重大舆情：{case.title}", case,
               "须报领导小组，召开联席会议，权威发布须审核后发布")


@action("case.view", permission=None)
def record_view(tx: Tx, case_id: int) -> None:
    """保密: who saw which case is part of the audit log (R-PLATFORM-2). No permission of its own: the case
    must be in the actor's scope (checked in the body)."""
    load(tx, case_id)
    tx.audit("case.view", "case", case_id)


# ---- opening, assessing, reporting -----------------------------------------------------------------------


@action("case.open", permission="cases.open")
def open_case(tx: Tx, *, title: str, summary: str = "", event_id: int | None = None,
              grade: str | None = None, item_ids: Sequence[int] = (), ledger: bool = False,
              lead: int | str | None = None, assists: Sequence[int | str] | None = None,
              due_at: datetime | None = None, days: int | None = None, working_days: int | None = None,
              then: str = "", second_case: bool = False, note: str = "") -> Case:
    """立案: open a case from an event, from items or by hand (R-CASE-1); one action for pages, API and CLI.

    The routing proposal of the responsibility list is kept on the case with the reason for each unit
    (属地/属事/属人); `lead`/`assists` change it. The deadline asked for (a date, N days or N working days;
    3 days when none, 实施意见 §三.2) starts when the case is assigned. `then` carries it on in the same
    transaction: "report" (研判 and 报送 to the office) or "assign" (the office's shortcut: 交办 to the
    proposed units at once, so the deadline starts; needs cases.dispatch too, checked in the body). An event
    with an open case gets a second one only with `second_case` (the page asks for confirmation); it cites
    the event's posts and records the event in `extra["related_event_id"]`, while the event keeps its one
    open linked case.
    """
    s = tx.session
    title = title.strip()
    if not title:
        raise CaseError("案件标题不能为空")
    if grade is not None and grade not in grading.GRADES:
        raise CaseError(f"等级只能是 {'/'.join(grading.GRADES)}")
    if then not in ("", "report", "assign"):
        raise CaseError("立案后的操作只能是：报送（report）或交办（assign）")
    if then == "assign":
        tx.require("cases.dispatch")
    requested = deadline_request(due_at=due_at, days=days, working_days=working_days)
    existing = None
    if event_id is not None:
        event = s.get(Event, event_id)
        if event is None:
            raise CaseError(f"事件 {event_id} 不存在")
        existing = open_case_for_event(tx, event_id)
        if existing is not None and not second_case:
            raise DuplicateOpenCase(f"事件 {event_id} 已有未办结的案件 #{existing.id}“{existing.title}”")
        grade = grade or event.grade
        if not item_ids:
            item_ids = list(s.execute(select(Item.id).where(Item.event_id == event_id)).scalars())
    for iid in item_ids:
        if s.get(Item, iid) is None:
            raise CaseError(f"信息 {iid} 不存在")
    # One open case per event holds in the database too: a confirmed second case cites the event's posts
    # and names the event, without taking its link.
    link, extra = (None, {"related_event_id": event_id}) if existing is not None else (event_id, {})
    case = Case(title=title, summary=summary.strip(), state=lc.FOUND, grade=grade, event_id=link,
                opened_by_id=tx.actor.user_id, created_at=utcnow(), updated_at=utcnow(), extra=extra)
    s.add(case)
    s.flush()
    s.add(CaseDetail(case_id=case.id, ledger=ledger or grade in ("I", "II"), routing={},
                     deadline_basis={"requested": requested} if requested else {}))
    for iid in dict.fromkeys(item_ids):
        s.add(CaseItem(case_id=case.id, item_id=iid, attached_at=utcnow()))
    s.flush()
    routed = routing_at_open(tx, case, lead, assists)
    case_detail(tx, case).routing = {"proposal": routed, "explain": explain(routed)}
    log(tx, case, "open", note, to_state=lc.FOUND, event_id=event_id, grade=grade, title=title,
        items=len(item_ids), proposal=explain(routed), deadline=requested or {"default": True},
        second_case_for=existing.id if existing is not None else None)
    if grade:
        ensure_tasks(tx, case)
    if then:
        move(tx, case, "assess", grade=case.grade)
        _grade_i_alert(tx, case)
        move(tx, case, "report")
        if then == "report":
            notify(tx, OFFICE_AUDIENCE, "case.reported", f"新报送案件待交办：{case.title}", case)
        else:
            assign_in(tx, case, note="立案即交办（按立案时的交办建议）")
    return case


@action("case.assess", permission=permission_of("assess"))
def assess(tx: Tx, case_id: int, *, grade: str | None = None, note: str = "") -> Case:
    """研判: confirm the grade; the tiered-response tasks of that grade are created."""
    if grade is not None and grade not in grading.GRADES:
        raise CaseError(f"等级只能是 {'/'.join(grading.GRADES)}")
    case = load(tx, case_id)
    if grade:
        case.grade = grade
    move(tx, case, "assess", note, grade=case.grade)
    ensure_tasks(tx, case)
    if case.grade in ("I", "II"):
        case_detail(tx, case).ledger = True
    _grade_i_alert(tx, case)
    return case


@action("case.report", permission=permission_of("report"))
def report(tx: Tx, case_id: int, note: str = "") -> Case:
    """报送 to the office, which routes and assigns it."""
    case = load(tx, case_id)
    move(tx, case, "report", note)
    notify(tx, OFFICE_AUDIENCE, "case.reported", f"新报送案件待交办：{case.title}", case)
    return case


@action("case.dismiss", permission=permission_of("dismiss"))
def dismiss(tx: Tx, case_id: int, reason: str) -> Case:
    """不予立案: not a problem for the district to handle (a reason is required)."""
    case = load(tx, case_id)
    move(tx, case, "dismiss", reason)
    return case


# ---- routing and assignment ------------------------------------------------------------------------------


@action("case.assign", permission=permission_of("assign"))
def assign(tx: Tx, case_id: int, *, lead: int | str | None = None, assists: Sequence[int | str] | None = None,
           days: int | None = None, working_days: int | None = None, due_at: datetime | None = None,
           note: str = "") -> Case:
    """交办: the office confirms (or changes) the routing proposal; the deadline starts now.

    Without `lead`, the proposal kept at opening (else the responsibility list's) is taken as it is; without
    a deadline, the one asked for at opening (else the workspace default).
    """
    return assign_in(tx, load(tx, case_id), lead=lead, assists=assists, days=days, working_days=working_days,
                     due_at=due_at, note=note)


def assign_in(tx: Tx, case: Case, *, lead: int | str | None = None, assists: Sequence[int | str] | None = None,
              days: int | None = None, working_days: int | None = None, due_at: datetime | None = None,
              note: str = "") -> Case:
    """交办 inside a running action (opening with `then="assign"` uses it)."""
    s = tx.session
    lc.next_state(case.state, "assign")  # refuse early, before touching assignments
    tx.require(permission_of("assign"))
    proposal = proposal_of(s, case)
    if lead is None:
        lead_row = next((u for u in proposal if u["role"] == "lead"), None)
        if lead_row is None:
            raise CaseError("责任清单没有匹配的规则，请指定牵头单位")
        lead = lead_row["unit"]
        if assists is None:
            assists = [u["unit"] for u in proposal if u["role"] == "assist"]
    lead_id = unit_ids(tx, [lead])[0]
    assist_ids = [u for u in unit_ids(tx, assists or []) if u != lead_id]
    _replace_assignments(tx, case, lead_id, assist_ids)
    if days is None and working_days is None and due_at is None:
        asked = (case_detail(tx, case).deadline_basis or {}).get("requested") or {}
        days, working_days = asked.get("days"), asked.get("working_days")
        if asked.get("due_at"):
            due_at = datetime.fromisoformat(asked["due_at"])
    due = set_deadline(tx, case, days=days, working_days=working_days, due_at=due_at)
    proposed = [(u["unit"], u["role"], u.get("rule_id")) for u in proposal]
    chosen = _names(tx, lead_id, assist_ids)
    followed = [(u, r) for u, r, _ in proposed] == chosen
    why = explain(proposal)
    d = case_detail(tx, case)
    d.routing = {**(d.routing or {}), "proposed": [list(p) for p in proposed], "explain": why,
                 "chosen": [list(c) for c in chosen], "followed_proposal": followed}
    move(tx, case, "assign", note, lead_unit_id=lead_id, assist_unit_ids=assist_ids, due_at=due,
         routing=why, followed_proposal=followed)
    notify_units(tx, case, "case.assigned", f"新交办案件：{case.title}", f"办理期限：{fmt(due)}；请及时签收")
    return case


def _names(tx: Tx, lead_id: int, assist_ids: list[int]) -> list[tuple[str, str]]:
    names = {uid: name for uid, name in tx.session.execute(select(Unit.id, Unit.name))}
    return [(names[lead_id], "lead")] + [(names[u], "assist") for u in assist_ids]


def _replace_assignments(tx: Tx, case: Case, lead_id: int, assist_ids: list[int]) -> None:
    for a in list(case.assignments):
        case.assignments.remove(a)
    tx.session.flush()
    now = utcnow()
    case.assignments.append(Assignment(unit_id=lead_id, role="lead", assigned_at=now))
    for uid in assist_ids:
        case.assignments.append(Assignment(unit_id=uid, role="assist", assigned_at=now))
    tx.session.flush()


@action("case.reassign", permission=permission_of("reassign"))
def reassign(tx: Tx, case_id: int, *, lead: int | str, assists: Sequence[int | str] = (), reason: str,
             days: int | None = None, working_days: int | None = None, due_at: datetime | None = None) -> Case:
    """改派 to other units; a new deadline starts when one is given, else the old one stands."""
    case = load(tx, case_id)
    lc.next_state(case.state, "reassign")
    old_units = units_of(case)
    lead_id = unit_ids(tx, [lead])[0]
    assist_ids = [u for u in unit_ids(tx, assists) if u != lead_id]
    _replace_assignments(tx, case, lead_id, assist_ids)
    if days is not None or working_days is not None or due_at is not None:
        set_deadline(tx, case, days=days, working_days=working_days, due_at=due_at)
    move(tx, case, "reassign", reason, lead_unit_id=lead_id, assist_unit_ids=assist_ids, due_at=case.due_at)
    notify_units(tx, case, "case.assigned", f"改派案件：{case.title}", f"办理期限：{fmt(case.due_at)}")
    notify_units(tx, case, "case.unassigned", f"案件已改派其他单位：{case.title}", reason,
                 units=old_units - units_of(case))
    return case


@action("case.return", permission=permission_of("return"))
def return_case(tx: Tx, case_id: int, reason: str) -> Case:
    """退回: the lead unit says the case is not its responsibility; it goes back to the office for routing."""
    case = load(tx, case_id)
    move(tx, case, "return", reason, unit_id=tx.actor.unit_id)
    notify(tx, OFFICE_AUDIENCE, "case.returned", f"案件被退回：{case.title}", case, reason)
    return case


@action("case.escalate", permission=permission_of("escalate"))
def escalate(tx: Tx, case_id: int, reason: str, to: str = "市级") -> Case:
    """上报 a matter that belongs to a higher level (R-ALERT-3)."""
    case = load(tx, case_id)
    move(tx, case, "escalate", reason, to=to)
    notify(tx, LEADER_AUDIENCE, "case.escalated", f"案件已上报{to}：{case.title}", case, reason)
    notify_units(tx, case, "case.escalated", f"案件已上报{to}：{case.title}", reason)
    return case


# ---- closing and after ----------------------------------------------------------------------------------


@action("case.close", permission=permission_of("close"))
def close(tx: Tx, case_id: int, note: str = "") -> Case:
    """销号 on the unit's report. Refused while the grade's tier tasks are undone. Closed is not solved."""
    s = tx.session
    case = load(tx, case_id)
    lc.next_state(case.state, "close")
    if case.state != lc.ESCALATED:
        done = s.execute(select(CaseTask.code).where(CaseTask.case_id == case.id,
                                                     CaseTask.done_at.is_not(None))).scalars()
        missing = grading.missing_tasks(case.grade, done)
        if missing:
            raise CaseError("还不能销号，未完成：" + "；".join(t.label for t in missing))
    unsigned = [a.unit.name if a.unit else str(a.unit_id) for a in case.assignments
                if a.role == "assist" and a.signed_at is None]
    if unsigned and not note.strip():
        raise CaseError(f"协办单位{'、'.join(unsigned)}未签收：销号须写明理由")
    move(tx, case, "close", note, unsigned_assists=unsigned)
    case.closed_at = utcnow()
    case_detail(tx, case).resolution = lc.RESOLUTION_REPORTED
    for sup in s.execute(select(Supervision).where(Supervision.case_id == case.id,
                                                   Supervision.resolved_at.is_(None))).scalars():
        sup.resolved_at = utcnow()
    notify_units(tx, case, "case.closed", f"案件已销号：{case.title}")
    if case.opened_by_id is not None:  # whoever opened it learns how it ended
        notify(tx, f"user:{case.opened_by_id}", "case.closed", f"您立案的案件已销号：{case.title}", case, note)
    return case


# What the confirming party may say of the handling (12345's 满意率 counts the first two as satisfied).
SATISFACTION_LEVELS = ("满意", "基本满意", "不满意")


@action("case.confirm", permission=permission_of("confirm"))
def confirm(tx: Tx, case_id: int, *, by: str, note: str = "", satisfaction: str = "") -> Case:
    """The person or venue confirms the problem is solved (the second closing state), with their satisfaction
    when they gave one (满意 / 基本满意 / 不满意: counted in the monthly statistics' 满意率)."""
    if not by.strip():
        raise CaseError("请写明由谁确认（当事人或场所）")
    satisfaction = satisfaction.strip()
    if satisfaction and satisfaction not in SATISFACTION_LEVELS:
        raise CaseError(f"满意度只能是{'、'.join(SATISFACTION_LEVELS)}之一，未评价请留空")
    case = load(tx, case_id)
    move(tx, case, "confirm", note, confirmed_by=by, satisfaction=satisfaction or None)
    case_detail(tx, case).resolution = lc.RESOLUTION_CONFIRMED
    return case


@action("case.watch", permission=permission_of("watch"))
def watch(tx: Tx, case_id: int, note: str = "") -> Case:
    """转入后期跟踪: trend watch after closing."""
    case = load(tx, case_id)
    move(tx, case, "watch", note)
    return case


def reopen_in(tx: Tx, case: Case, action_code: str, reason: str, *, days: int | None = None,
              working_days: int | None = None, **detail: Any) -> None:
    """Back to the same units with a new deadline, inside a running action (reopen, a failed spot check,
    a follow-up post)."""
    s = tx.session
    if case.event_id is not None:
        other = open_case_for_event(tx, case.event_id, other_than=case.id)
        if other is not None:
            raise DuplicateOpenCase(f"事件 {case.event_id} 已有未办结的案件 #{other.id}，不能重新打开本案件")
    lc.next_state(case.state, action_code)
    if not case.assignments:
        raise CaseError("案件没有责任单位，不能重新打开")
    set_deadline(tx, case, days=days, working_days=working_days)
    move(tx, case, action_code, reason, due_at=case.due_at, **detail)
    for a in case.assignments:
        a.signed_at = None
        a.assigned_at = utcnow()
    case.closed_at = None
    d = case_detail(tx, case)
    d.resolution = None
    d.reopen_count += 1
    # The unit must investigate again: its feedback has to be accepted anew before the case can close.
    for task in s.execute(select(CaseTask).where(CaseTask.case_id == case.id,
                                                 CaseTask.code == grading.TASK_INVESTIGATION)).scalars():
        task.done_at, task.done_by_id, task.note = None, None, f"重新办理：{reason}"
    notify_units(tx, case, "case.reopened", f"案件重新办理：{case.title}",
                 f"{reason}；新的办理期限：{fmt(case.due_at)}")


@action("case.reopen", permission=permission_of("reopen"))
def reopen(tx: Tx, case_id: int, reason: str, *, days: int | None = None,
           working_days: int | None = None) -> Case:
    """重新打开: back to the same units with a new deadline (they sign again)."""
    case = load(tx, case_id)
    reopen_in(tx, case, "reopen", reason, days=days, working_days=working_days)
    return case


@action("case.evaluate", permission=permission_of("evaluate"))
def evaluate(tx: Tx, case_id: int, sections: dict[str, str]) -> Evaluation:
    """总结评估 from the template (`EVALUATION_SECTIONS`), attached to the case."""
    clean = {k: v.strip() for k, v in sections.items() if k in EVALUATION_SECTIONS and v and v.strip()}
    unknown = set(sections) - set(EVALUATION_SECTIONS)
    if unknown:
        raise CaseError(f"评估模板没有这些栏目：{'、'.join(sorted(unknown))}")
    missing = [EVALUATION_SECTIONS[k] for k in REQUIRED_SECTIONS if k not in clean]
    if missing:
        raise CaseError("请填写：" + "、".join(missing))
    case = load(tx, case_id)
    lc.next_state(case.state, "evaluate")
    ev = Evaluation(case_id=case.id, template=EVALUATION_TEMPLATE, sections=clean,
                    written_by_id=tx.actor.user_id, written_at=utcnow())
    tx.session.add(ev)
    tx.session.flush()
    move(tx, case, "evaluate", evaluation_id=ev.id)
    return ev


def evaluation_template() -> dict[str, str]:
    """The sections of the evaluation template, code → Chinese heading."""
    return dict(EVALUATION_SECTIONS)
