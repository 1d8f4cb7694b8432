"""The responsible units' work on a case: sign, start, feed back (with evidence), the unit leader's approval,
assisting units' parts, the office's review, tier tasks, deadline extensions. Each is an action.

Only the lead unit acts for the case (lifecycle `unit_action` rows); an assisting unit signs for its own part
and contributes an opinion beside the lifecycle (separation of duties).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond.cases import permission_of
from yuqing.respond.deadlines import compute_due, set_deadline, to_utc
from yuqing.respond.display import fmt
from yuqing.respond.errors import CaseError, NotFound, TransitionRefused
from yuqing.respond.steps import (
    OFFICE_AUDIENCE,
    complete_task_in,
    lead_of,
    load,
    log,
    mark,
    move,
    notify,
    notify_units,
    own_assignment,
)
from yuqing.respond.uploads import Upload, check_upload, store_upload
from yuqing.store.tables import Case
from yuqing.store.tables_case import CaseTask, ExtensionRequest, Feedback

# Feedback statuses beside submitted | accepted | rejected | false.
FEEDBACK_PENDING_LEADER = "pending_leader"  # drafted by the handler, waiting for the unit leader
FEEDBACK_CONTRIBUTION = "contribution"  # an assisting unit's part (协办意见)
FEEDBACK_STATUS_LABELS = {FEEDBACK_PENDING_LEADER: "待单位领导审核", "submitted": "待办公室审核",
                          "accepted": "已审核", "rejected": "已退回", "false": "虚假反馈",
                          "returned": "单位领导退回", FEEDBACK_CONTRIBUTION: "协办意见"}
# While the case is with the units, an assisting unit may contribute its part.
CONTRIBUTION_STATES = lc.WITH_UNIT_STATES | {lc.FEEDBACK_DRAFTED, lc.FEEDBACK_SUBMITTED}


def latest_feedback(tx: Tx, case: Case) -> Feedback | None:
    """The lead unit's latest feedback (assisting units' opinions are beside it, not instead of it)."""
    return tx.session.execute(select(Feedback).where(Feedback.case_id == case.id,
                                                     Feedback.status != FEEDBACK_CONTRIBUTION)
                              .order_by(Feedback.id.desc()).limit(1)).scalar_one_or_none()


@action("case.sign", permission=permission_of("sign"))
def sign(tx: Tx, case_id: int) -> Case:
    """签收. The lead unit's signing moves the case; an assisting unit's signing is recorded only."""
    case = load(tx, case_id)
    own = own_assignment(case, tx.actor)
    if own is not None and own.role == "assist":
        if case.state not in lc.WITH_UNIT_STATES:
            raise TransitionRefused(f"案件处于“{lc.label(case.state)}”状态，不能签收")
        if own.signed_at is not None:
            raise CaseError("本单位已签收")
        own.signed_at = utcnow()
        log(tx, case, "sign_assist", unit_id=own.unit_id)
        return case
    move(tx, case, "sign")
    lead = own or lead_of(case)
    if lead is not None:
        lead.signed_at = utcnow()
        hours = (aware(lead.signed_at) - aware(lead.assigned_at)).total_seconds() / 3600
        log(tx, case, "time_to_sign", unit_id=lead.unit_id, hours=round(hours, 2))
    return case


@action("case.start", permission=permission_of("start"))
def start(tx: Tx, case_id: int, note: str = "") -> Case:
    """开始办理."""
    case = load(tx, case_id)
    move(tx, case, "start", note)
    return case


@action("case.submit_feedback", permission=permission_of("submit_feedback"))
def submit_feedback(tx: Tx, case_id: int, text: str, *, attachments: Sequence[Upload] = (),
                    explanation: str = "") -> Feedback:
    """反馈 what the lead unit did, with evidence; it goes to the unit leader first (单位领导审核), then to the
    office. Late feedback is recorded against the unit; when the problem cannot be solved in time a written
    explanation (书面说明) is required."""
    text = text.strip()
    if not text:
        raise CaseError("反馈内容不能为空")
    types = [check_upload(u) for u in attachments]  # refuse bad files before anything changes
    case = load(tx, case_id)
    now = utcnow()
    late = case.due_at is not None and now > aware(case.due_at)
    if late and not explanation.strip():
        raise CaseError("已超过办理期限：请附书面说明（未能按期办结的原因）")
    own = own_assignment(case, tx.actor) or lead_of(case)
    move(tx, case, "submit_feedback", late=late)
    fb = Feedback(case_id=case.id, unit_id=own.unit_id if own else None, author_id=tx.actor.user_id, text=text,
                  explanation=explanation.strip(), submitted_at=now, due_at=case.due_at, late=late,
                  status=FEEDBACK_PENDING_LEADER)
    tx.session.add(fb)
    tx.session.flush()
    for upload, ctype in zip(attachments, types, strict=True):
        store_upload(tx, case, upload, ctype, fb)
    if own is not None:
        hours = (now - aware(own.assigned_at)).total_seconds() / 3600
        log(tx, case, "time_to_feedback", unit_id=own.unit_id, hours=round(hours, 2), late=late)
        if late:
            mark(tx, own.unit_id, case, "late_feedback", f"期限 {fmt(case.due_at)}，反馈于 {fmt(now)}")
    notify_units(tx, case, "case.feedback_to_approve", f"反馈待单位领导审核：{case.title}", text[:200],
                 units=[own.unit_id] if own else None)
    return fb


@action("case.approve_feedback", permission=permission_of("approve_feedback"))
def approve_feedback(tx: Tx, case_id: int, note: str = "") -> Feedback:
    """The lead unit's leader approves its feedback (单位领导审核); only then does it reach the office."""
    case = load(tx, case_id)
    lc.next_state(case.state, "approve_feedback")  # the table refuses first
    fb = latest_feedback(tx, case)
    if fb is None or fb.status != FEEDBACK_PENDING_LEADER:
        raise CaseError("没有待单位领导审核的反馈")
    if fb.author_id is not None and fb.author_id == tx.actor.user_id:
        raise PermissionDenied("反馈的撰写人不能审核自己的反馈")
    move(tx, case, "approve_feedback", note, feedback_id=fb.id)
    fb.status = "submitted"
    notify(tx, OFFICE_AUDIENCE, "case.feedback", f"单位已反馈：{case.title}", case,
           f"{tx.actor.name}审核通过。{fb.text[:200]}")
    return fb


@action("case.return_feedback", permission=permission_of("return_feedback"))
def return_feedback(tx: Tx, case_id: int, reason: str) -> Feedback:
    """The unit leader sends the feedback back to the handler to be redone; the office never sees it."""
    case = load(tx, case_id)
    lc.next_state(case.state, "return_feedback")
    fb = latest_feedback(tx, case)
    if fb is None or fb.status != FEEDBACK_PENDING_LEADER:
        raise CaseError("没有待单位领导审核的反馈")
    move(tx, case, "return_feedback", reason, feedback_id=fb.id)
    fb.status, fb.review_note, fb.reviewed_at, fb.reviewed_by_id = "returned", reason, utcnow(), tx.actor.user_id
    notify_units(tx, case, "case.feedback_returned", f"单位领导退回反馈：{case.title}", reason,
                 units=[fb.unit_id] if fb.unit_id else None)
    return fb


@action("case.contribute", permission="cases.handle")
def contribute(tx: Tx, case_id: int, text: str, *, attachments: Sequence[Upload] = ()) -> Feedback:
    """协办意见: an assisting unit that signed for the case contributes its part; the lead unit is told.
    Only an assisting unit of this case may (checked in the body: it depends on the case)."""
    text = text.strip()
    if not text:
        raise CaseError("协办意见不能为空")
    types = [check_upload(u) for u in attachments]
    case = load(tx, case_id)
    own = own_assignment(case, tx.actor)
    if own is None or own.role != "assist":
        raise PermissionDenied("只有本案件的协办单位可以提交协办意见")
    if not lc.is_open(case.state) or case.state not in CONTRIBUTION_STATES:
        raise TransitionRefused(f"案件处于“{lc.label(case.state)}”状态，不能提交协办意见")
    if own.signed_at is None:
        raise CaseError("请先签收本案件，再提交协办意见")
    fb = Feedback(case_id=case.id, unit_id=own.unit_id, author_id=tx.actor.user_id, text=text,
                  submitted_at=utcnow(), due_at=case.due_at, status=FEEDBACK_CONTRIBUTION)
    tx.session.add(fb)
    tx.session.flush()
    for upload, ctype in zip(attachments, types, strict=True):
        store_upload(tx, case, upload, ctype, fb)
    log(tx, case, "assist_opinion", unit_id=own.unit_id, feedback_id=fb.id)
    lead = lead_of(case)
    notify_units(tx, case, "case.assist_opinion", f"协办单位提交意见：{case.title}", text[:200],
                 units=[lead.unit_id] if lead else None)
    return fb


@action("case.review", permission=permission_of("review"))
def review(tx: Tx, case_id: int, note: str = "") -> Case:
    """The office accepts the feedback: the investigation task is done."""
    case = load(tx, case_id)
    move(tx, case, "review", note)
    fb = latest_feedback(tx, case)
    if fb is not None:
        fb.status, fb.review_note, fb.reviewed_at, fb.reviewed_by_id = "accepted", note, utcnow(), tx.actor.user_id
    complete_task_in(tx, case, grading.TASK_INVESTIGATION, note or "反馈已审核通过")
    return case


@action("case.reject_feedback", permission=permission_of("reject_feedback"))
def reject_feedback(tx: Tx, case_id: int, reason: str, *, false_feedback: bool = False,
                    days: int | None = None, working_days: int | None = None) -> Case:
    """Send the feedback back; false feedback (虚假反馈) is recorded against the unit (通报批评)."""
    case = load(tx, case_id)
    # The new deadline goes into the history line of the rejection (a refused move rolls all of it back).
    renewed = {"due_at": set_deadline(tx, case, days=days, working_days=working_days)} \
        if days is not None or working_days is not None else {}
    move(tx, case, "reject_feedback", reason, false_feedback=false_feedback, **renewed)
    fb = latest_feedback(tx, case)
    if fb is not None:
        fb.status = "false" if false_feedback else "rejected"
        fb.review_note, fb.reviewed_at, fb.reviewed_by_id = reason, utcnow(), tx.actor.user_id
        if false_feedback:
            mark(tx, fb.unit_id, case, "false_feedback", reason)
    if renewed:
        reason = f"{reason}（重新办理期限：{fmt(renewed['due_at'])}）"
    notify_units(tx, case, "case.feedback_rejected", f"反馈被退回重办：{case.title}", reason)
    return case


@action("case.complete_task", permission="cases.supervise")
def complete_task(tx: Tx, case_id: int, code: str, note: str = "") -> CaseTask:
    """Record a manual tier task as done (the leading group convened, the joint meeting held)."""
    case = load(tx, case_id)
    task = tx.session.execute(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.code == code)) \
        .scalar_one_or_none()
    if task is None:
        raise CaseError(f"本案件没有任务“{code}”")
    if grading.TASKS[code].done_by != "manual":
        raise CaseError(f"“{task.label}”由相应操作自动完成，不能手工勾选")
    if not complete_task_in(tx, case, code, note):
        raise CaseError(f"“{task.label}”已完成")
    return task


# ---- deadline extensions --------------------------------------------------------------------------------


@action("case.request_extension", permission="cases.handle")
def request_extension(tx: Tx, case_id: int, *, reason: str, days: int | None = None,
                      working_days: int | None = None, new_due_at: datetime | None = None) -> ExtensionRequest:
    """延期申请 by the handling unit, with its written reason; the office approves or rejects.
    Only the lead unit may ask (checked in the body: it depends on the case)."""
    if not reason.strip():
        raise CaseError("延期申请须写明理由")
    case = load(tx, case_id)
    if case.state not in lc.WITH_UNIT_STATES:
        raise CaseError(f"案件处于“{lc.label(case.state)}”状态，不能申请延期")
    lead = lead_of(case)
    if tx.actor.unit_bound and (lead is None or tx.actor.unit_id != lead.unit_id):
        raise PermissionDenied("只有牵头单位可以申请延期")
    pending = tx.session.execute(select(ExtensionRequest.id).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending")).first()
    if pending:
        raise CaseError("已有待审批的延期申请")
    if new_due_at is None:
        if days is None and working_days is None:
            raise CaseError("请给出延长的天数或新的期限")
        base = aware(case.due_at) if case.due_at else utcnow()
        new_due_at, _ = compute_due(tx.ws, base, days=days, working_days=working_days)
    new_due_at = to_utc(new_due_at)
    if case.due_at is not None and new_due_at <= aware(case.due_at):
        raise CaseError("新期限须晚于原期限")
    req = ExtensionRequest(case_id=case.id, unit_id=tx.actor.unit_id, requested_by_id=tx.actor.user_id,
                           requested_at=utcnow(), reason=reason.strip(), old_due_at=case.due_at,
                           new_due_at=new_due_at)
    tx.session.add(req)
    tx.session.flush()
    log(tx, case, "extension_requested", reason, request_id=req.id, new_due_at=new_due_at)
    notify(tx, OFFICE_AUDIENCE, "case.extension", f"延期申请待审批：{case.title}", case,
           f"申请延至 {fmt(new_due_at)}：{reason}")
    return req


@action("case.decide_extension", permission="cases.supervise")
def decide_extension(tx: Tx, request_id: int, *, approve: bool, note: str = "") -> ExtensionRequest:
    """The office approves (the deadline moves) or rejects an extension request; an explicit decision."""
    req = tx.session.get(ExtensionRequest, request_id)
    if req is None:
        raise NotFound(f"延期申请 {request_id} 不存在")
    case = load(tx, req.case_id)
    if req.status != "pending":
        raise CaseError("该申请已处理")
    req.status = "approved" if approve else "rejected"
    req.decided_by_id, req.decided_at, req.decision_note = tx.actor.user_id, utcnow(), note
    if approve:
        case.due_at = req.new_due_at
    log(tx, case, "extension_approved" if approve else "extension_rejected", note, request_id=req.id,
        due_at=case.due_at)
    notify_units(tx, case, "case.extension_decided", f"延期申请{'已批准' if approve else '未批准'}：{case.title}",
                 f"办理期限：{fmt(case.due_at)}。{note}", units=[req.unit_id] if req.unit_id else None)
    return req
