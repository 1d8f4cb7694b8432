"""Replies and statements: a first draft from the case (the reply templates), 签发 by the unit leader or the
spokesperson, and the release record (the released text must be the approved text). Each change is an action.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.publish.filings import file_released_reply
from yuqing.respond.errors import CaseError, NotFound
from yuqing.respond.steps import (
    SPOKESPERSON_AUDIENCE,
    complete_task_in,
    load,
    log,
    move,
    notify,
    notify_units,
    require_lead_if_unit,
)
from yuqing.store.tables import Case
from yuqing.store.tables_case import Feedback, Reply

REPLY_KINDS = {"reply": "点对点回复", "statement": "权威发布（通稿）", "clarification": "澄清不实传言"}


def draft_text(s: Session, case: Case, kind: str) -> str:
    """A first draft from the case: what was reported and what the unit found and did."""
    fb = s.execute(select(Feedback).where(Feedback.case_id == case.id, Feedback.status.in_(
        ("accepted", "submitted"))).order_by(Feedback.id.desc()).limit(1)).scalar_one_or_none()
    units = "、".join(a.unit.name for a in case.assignments if a.unit is not None) or "相关单位"
    did = fb.text if fb else "（待补充调查处置情况）"
    if kind == "reply":
        return f"网友您好！您反映的“{case.title}”问题已收悉。经{units}调查核实：{did} 感谢您的监督。"
    return (f"关于“{case.title}”的情况通报\n\n近日，网上反映“{case.title}”。经{units}调查核实，"
            f"现将有关情况通报如下：{did}\n\n欢迎社会各界继续监督。")


@action("reply.draft", permission=("cases.handle", "cases.close", "statements.publish"))
def draft_reply(tx: Tx, case_id: int, *, kind: str = "reply", text: str | None = None) -> Reply:
    """Draft a point-to-point reply or a public statement (drafted from the case when no text is given).
    A unit drafts only as the case's lead unit (checked in the body: it depends on the case)."""
    if kind not in REPLY_KINDS:
        raise CaseError("类型只能是 reply / statement / clarification")
    case = load(tx, case_id)
    require_lead_if_unit(case, tx.actor, "起草回复")
    body = (text or "").strip() or draft_text(tx.session, case, kind)
    rep = Reply(case_id=case.id, kind=kind, text=body, drafted_by_id=tx.actor.user_id, drafted_at=utcnow())
    tx.session.add(rep)
    tx.session.flush()
    log(tx, case, "reply_drafted", kind=kind, reply_id=rep.id)
    if kind != "reply":
        notify(tx, SPOKESPERSON_AUDIENCE, "case.statement_draft", f"待审核的发布稿：{case.title}", case)
    else:
        notify_units(tx, case, "case.reply_draft", f"待审核的回复：{case.title}")
    return rep


def _reply_and_case(tx: Tx, reply_id: int) -> tuple[Reply, Case]:
    rep = tx.session.get(Reply, reply_id)
    if rep is None:
        raise NotFound(f"回复 {reply_id} 不存在")
    return rep, load(tx, rep.case_id)


@action("reply.approve", permission="cases.approve")
def approve_reply(tx: Tx, reply_id: int, *, approve: bool, note: str = "", text: str | None = None) -> Reply:
    """签发 (or 退回) by the unit leader or the spokesperson; the approved text is what may be released.
    Not by its drafter; a unit only for its own case as lead; a grade I statement only by the spokesperson
    (checked in the body: these depend on the reply and the case)."""
    rep, case = _reply_and_case(tx, reply_id)
    require_lead_if_unit(case, tx.actor, "审核回复")
    if rep.drafted_by_id is not None and rep.drafted_by_id == tx.actor.user_id:
        raise PermissionDenied("起草人不能审核自己起草的稿件，请由单位领导或新闻发言人审核")
    if rep.kind != "reply" and tx.actor.unit_bound and case.grade == "I":
        raise PermissionDenied("特别重大舆情的权威发布须由新闻发言人审核")
    if rep.status != "draft":
        raise CaseError(f"该稿件状态为“{rep.status}”，不能审核")
    if text is not None and text.strip():
        rep.text = text.strip()
    rep.status = "approved" if approve else "rejected"
    rep.approved_by_id, rep.approved_by_name, rep.approved_at = tx.actor.user_id, tx.actor.name, utcnow()
    rep.review_note = note
    log(tx, case, "reply_approved" if approve else "reply_rejected", note, reply_id=rep.id, kind=rep.kind,
        text_sha256=hashlib.sha256(rep.text.encode()).hexdigest())
    return rep


@action("reply.release", permission=lc.ACTIONS["reply"].permission)
def release_reply(tx: Tx, reply_id: int, *, url: str, released_text: str | None = None) -> Reply:
    """Record the release: the released text (must equal the approved text) and its URL.

    The matching tier task is done; a case waiting in "reviewed" moves to "replied" (lifecycle row `reply`).
    """
    url = url.strip()
    if not re.match(r"^https?://\S+$", url):
        raise CaseError("请填写发布页面的网址（http/https）")
    rep, case = _reply_and_case(tx, reply_id)
    require_lead_if_unit(case, tx.actor, "发布回复")
    if rep.status != "approved":
        raise CaseError("未经审核的稿件不能发布")
    out = (released_text if released_text is not None else rep.text).strip()
    if out != rep.text.strip():
        raise CaseError("发布文本与审核通过的文本不一致，请重新送审")
    rep.status, rep.released_text, rep.released_url = "released", out, url
    rep.released_at, rep.released_by_id = utcnow(), tx.actor.user_id
    log(tx, case, "reply_released", reply_id=rep.id, kind=rep.kind, url=url)
    file_released_reply(tx, rep, case)  # 申报备案 (R-PUBLISH-4): filed as released, in this transaction
    complete_task_in(tx, case, grading.TASK_STATEMENT if rep.kind != "reply" else grading.TASK_REPLY, url)
    if (case.state, "reply") in lc.TRANSITIONS:
        move(tx, case, "reply", reply_id=rep.id, url=url)
    return rep
