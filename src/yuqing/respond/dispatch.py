"""Lifecycle actions by code: one row of `domain.lifecycle.ACTIONS` ↔ one handler here, so the case page
(`POST /cases/{id}/act`) and the API (`POST /api/cases/{id}/actions/{code}`) dispatch the same way and a new
action is added in one place (its row, with its parameters, and its line in `HANDLERS`).

`DESK_FORMS` does the same for the case page's other forms (`POST /cases/{id}/more`, field `what`):
extension, supervision, instruction, replies, tier tasks, spot checks, evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from yuqing.domain import lifecycle as lc
from yuqing.domain.lifecycle import Param
from yuqing.domain.roles import Actor
from yuqing.respond import cases, casework, replies, spotchecks, supervision, venues
from yuqing.respond.errors import CaseError, NotFound, TransitionRefused
from yuqing.respond.forms import decision, parse
from yuqing.store.repositories.cases import get_case
from yuqing.store.tables_case import Reply, SpotCheck
from yuqing.workspace import Workspace

# handler(ws, actor, case_id, parsed arguments) → what the action returns (a Case for most).
Handler = Callable[[Workspace, Actor, int, dict[str, Any]], Any]


def _days(a: dict[str, Any]) -> dict[str, Any]:
    return {"days": a.get("days"), "working_days": a.get("working_days")}


def _own(ws: Workspace, table: Any, row_id: int, case_id: int, what: str) -> int:
    """A reply or spot check named in a case's form must belong to that case."""
    with ws.db.read() as s:
        found = s.execute(select(table.case_id).where(table.id == row_id)).scalar_one_or_none()
    if found != case_id:
        raise NotFound(f"{what} {row_id} 不存在")
    return row_id


def _assign(ws: Workspace, actor: Actor, cid: int, a: dict[str, Any]) -> Any:
    lead = a["lead"]
    return cases.assign(ws, actor, cid, lead=lead, assists=a["assists"] if lead is not None else None,
                        note=a["reason"], **_days(a))


def _reassign(ws: Workspace, actor: Actor, cid: int, a: dict[str, Any]) -> Any:
    if a["lead"] is None:
        raise CaseError("请指定改派的牵头单位")
    return cases.reassign(ws, actor, cid, lead=a["lead"], assists=a["assists"], reason=a["reason"], **_days(a))


def _check(passed: bool) -> Handler:
    def run(ws: Workspace, actor: Actor, cid: int, a: dict[str, Any]) -> Any:
        check_id = _own(ws, SpotCheck, a["check_id"], cid, "抽查记录")
        extra = {} if passed else _days(a)
        return spotchecks.record_spot_check(ws, actor, check_id, passed=passed, note=a["reason"], **extra)
    return run


HANDLERS: dict[str, Handler] = {
    "assess": lambda ws, actor, cid, a: cases.assess(ws, actor, cid, grade=a["grade"], note=a["reason"]),
    "report": lambda ws, actor, cid, a: cases.report(ws, actor, cid, a["reason"]),
    "assign": _assign,
    "sign": lambda ws, actor, cid, a: casework.sign(ws, actor, cid),
    "start": lambda ws, actor, cid, a: casework.start(ws, actor, cid, a["reason"]),
    "submit_feedback": lambda ws, actor, cid, a: casework.submit_feedback(
        ws, actor, cid, a["text"], explanation=a["explanation"], attachments=a.get("attachments", ())),
    "approve_feedback": lambda ws, actor, cid, a: casework.approve_feedback(ws, actor, cid, a["reason"]),
    "return_feedback": lambda ws, actor, cid, a: casework.return_feedback(ws, actor, cid, a["reason"]),
    "return": lambda ws, actor, cid, a: cases.return_case(ws, actor, cid, a["reason"]),
    "review": lambda ws, actor, cid, a: casework.review(ws, actor, cid, a["reason"]),
    "reject_feedback": lambda ws, actor, cid, a: casework.reject_feedback(
        ws, actor, cid, a["reason"], false_feedback=a["false_feedback"], **_days(a)),
    "reply": lambda ws, actor, cid, a: replies.release_reply(
        ws, actor, _own(ws, Reply, a["reply_id"], cid, "回复"), url=a["url"]),
    "close": lambda ws, actor, cid, a: cases.close(ws, actor, cid, a["reason"]),
    "confirm": lambda ws, actor, cid, a: cases.confirm(ws, actor, cid, by=a["by"], note=a["reason"],
                                                         satisfaction=a.get("satisfaction") or ""),
    "pass_check": _check(True),
    "fail_check": _check(False),
    "watch": lambda ws, actor, cid, a: cases.watch(ws, actor, cid, a["reason"]),
    "evaluate": lambda ws, actor, cid, a: cases.evaluate(ws, actor, cid,
                                                         {k: a[k] for k in lc.EVALUATION_SECTIONS}),
    "reopen": lambda ws, actor, cid, a: cases.reopen(ws, actor, cid, a["reason"], **_days(a)),
    "reassign": _reassign,
    "escalate": lambda ws, actor, cid, a: cases.escalate(ws, actor, cid, a["reason"], to=a["to"] or "市级"),
    "dismiss": lambda ws, actor, cid, a: cases.dismiss(ws, actor, cid, a["reason"]),
}


def arguments(code: str, values: dict[str, Any]) -> dict[str, Any]:
    """The row's parameters read from a form or JSON body (the reason itself is checked by the table, so a
    missing one is refused with the table's message, 409)."""
    act = lc.ACTIONS.get(code)
    if act is None or code not in HANDLERS:
        raise TransitionRefused(f"未知操作：{code}")
    params = tuple(Param(p.name, p.kind, p.label, p.required and p.name != "reason") for p in act.params)
    return parse(params, values)


# Actions that record their result even where the table has no move (a release after closing, a passed
# check during follow-up): the table is asked inside the action, not before.
MOVES_ONLY_IF_ALLOWED = frozenset({"reply", "pass_check"})


def perform(ws: Workspace, actor: Actor, case_id: int, code: str, values: dict[str, Any],
            **extra: Any) -> Any:
    """Run one lifecycle action by its code with loosely typed values (a form or a JSON body); `extra` is
    passed through as it is (uploads for feedback). Returns what the action returns.

    The table answers first: a move it does not allow from the case's state is refused (409) before the
    actor's rights or the parameters are looked at."""
    if code not in HANDLERS:
        raise TransitionRefused(f"未知操作：{code}")
    if code not in MOVES_ONLY_IF_ALLOWED:
        with ws.db.read() as s:
            lc.next_state(get_case(s, actor, case_id).state, code)
    args = arguments(code, values)
    return HANDLERS[code](ws, actor, case_id, {**args, **extra})


# ---- the case page's other forms (not lifecycle moves) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeskForm:
    """One of the case page's other forms: its parameters and what it runs."""

    label: str
    params: tuple[Param, ...]
    run: Handler


def _decided(a: dict[str, Any]) -> bool:
    return decision(a.get("approve"))


DESK_FORMS: dict[str, DeskForm] = {
    "assist_sign": DeskForm("签收（协办）", (), lambda ws, actor, cid, a: casework.sign(ws, actor, cid)),
    "extension": DeskForm(
        "申请延期", (Param("reason", "text", "理由"), Param("days", "int", "延长天数"),
                     Param("working_days", "int", "延长工作日")),
        lambda ws, actor, cid, a: casework.request_extension(ws, actor, cid, reason=a["reason"], **_days(a))),
    "extension_decision": DeskForm(
        "审批延期", (Param("request_id", "id", "申请编号", True), Param("approve", "text", "是否批准"),
                     Param("note", "text", "意见")),
        lambda ws, actor, cid, a: casework.decide_extension(ws, actor, a["request_id"], approve=_decided(a),
                                                            note=a["note"])),
    "supervise": DeskForm(
        "督办", (Param("reason", "text", "督办事由"), Param("level", "text", "督办级别")),
        lambda ws, actor, cid, a: supervision.supervise(ws, actor, cid, a["reason"], level=a["level"] or "office")),
    "instruct": DeskForm("批示", (Param("text", "text", "批示内容"),),
                         lambda ws, actor, cid, a: supervision.instruct(ws, actor, cid, a["text"])),
    "instruction_done": DeskForm(
        "办结批示", (Param("instruction_id", "id", "批示编号", True), Param("note", "text", "落实情况")),
        lambda ws, actor, cid, a: supervision.complete_instruction(ws, actor, a["instruction_id"], a["note"])),
    "draft": DeskForm(
        "起草回复", (Param("kind", "text", "类型"), Param("text", "longtext", "文本")),
        lambda ws, actor, cid, a: replies.draft_reply(ws, actor, cid, kind=a["kind"] or "reply",
                                                      text=a["text"] or None)),
    "approve": DeskForm(
        "审核回复", (Param("reply_id", "id", "稿件编号", True), Param("approve", "text", "是否签发"),
                     Param("note", "text", "审核意见"), Param("text", "longtext", "文本")),
        lambda ws, actor, cid, a: replies.approve_reply(ws, actor, _own(ws, Reply, a["reply_id"], cid, "回复"),
                                                        approve=_decided(a), note=a["note"],
                                                        text=a["text"] or None)),
    "release": DeskForm(
        "记录发布", (Param("reply_id", "id", "稿件编号", True), Param("url", "url", "发布页面网址")),
        lambda ws, actor, cid, a: HANDLERS["reply"](ws, actor, cid, a)),
    "task": DeskForm(
        "记为完成", (Param("code", "text", "任务"), Param("note", "text", "说明")),
        lambda ws, actor, cid, a: casework.complete_task(ws, actor, cid, a["code"], a["note"])),
    "spot_request": DeskForm("指定复核", (Param("reason", "text", "指定复核理由"),),
                             lambda ws, actor, cid, a: spotchecks.request_spot_check(ws, actor, cid, a["reason"])),
    "spot_result": DeskForm(
        "抽查复核", (Param("check_id", "id", "抽查记录编号", True), Param("passed", "bool", "是否通过"),
                     Param("note", "text", "复核情况")),
        lambda ws, actor, cid, a: (_check(True) if a["passed"] else _check(False))(
            ws, actor, cid, {**a, "reason": a["note"], "days": None, "working_days": None})),
    "venue_contact": DeskForm(
        "与信息发布平台沟通", (Param("venue", "text", "沟通平台（媒体或论坛）"), Param("explained_by", "text", "沟通人"),
                               Param("content", "longtext", "沟通内容"), Param("contacted_at", "text", "沟通时间"),
                               Param("outcome", "longtext", "沟通结果")),
        lambda ws, actor, cid, a: venues.log_contact(ws, actor, cid, venue=a["venue"] or "",
                                                     explained_by=a["explained_by"] or "", content=a["content"] or "",
                                                     contacted_at=a["contacted_at"] or "",
                                                     outcome=a["outcome"] or "")),
    "evaluate": DeskForm(
        "总结评估", tuple(Param(k, "longtext", v) for k, v in lc.EVALUATION_SECTIONS.items()),
        lambda ws, actor, cid, a: HANDLERS["evaluate"](ws, actor, cid, a)),
}


def perform_form(ws: Workspace, actor: Actor, case_id: int, what: str, values: dict[str, Any]) -> Any:
    """Run one of the case page's other forms by its `what` field."""
    form = DESK_FORMS.get(what)
    if form is None:
        raise CaseError(f"未知操作：{what}")
    return form.run(ws, actor, case_id, parse(form.params, values))
