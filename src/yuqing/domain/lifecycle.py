"""The case lifecycle (R-CASE-4) as one table: states, actions, `(state, action) -> state`, permissions.

The UI, the API and the docs are generated from `TRANSITIONS`; every case action (`yuqing.respond.cases`,
`casework`, `replies`, `spotchecks`) asks `next_state()` first, so a move that is not in the table is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from yuqing.domain.roles import Actor, PermissionDenied, require

# States, in the order of the normal path:
# 发现 → 研判 → 报送 → 交办 → 签收 → 办理 → 反馈 → 单位领导审核 → 办公室审核 → 回复 → 销号 → 后期处置 → 总结评估.
FOUND = "found"
ASSESSED = "assessed"
REPORTED = "reported"
ASSIGNED = "assigned"
SIGNED = "signed"
IN_PROGRESS = "in_progress"
FEEDBACK_DRAFTED = "feedback_drafted"  # the handler's feedback waits for the unit leader (单位领导审核)
FEEDBACK_SUBMITTED = "feedback_submitted"  # the unit leader approved it: it is with the office
REVIEWED = "reviewed"
REPLIED = "replied"
# Three distinct closing states, so "closed" is never counted as "solved":
CLOSED = "closed"  # 销号: the unit reported it done and the office crossed it off
CONFIRMED = "confirmed"  # the person or venue confirmed it is solved
VERIFIED = "verified"  # it passed a spot check (抽查复核)
FOLLOW_UP = "follow_up"  # 后期处置: trend watch after closing
EVALUATED = "evaluated"  # 总结评估 written
# Off the normal path:
ESCALATED = "escalated"  # forwarded to the city level (R-ALERT-3)
DISMISSED = "dismissed"  # not a real problem for the district (no case to handle)

STATE_LABELS: dict[str, str] = {
    FOUND: "已发现",
    ASSESSED: "已研判",
    REPORTED: "已报送",
    ASSIGNED: "已交办",
    SIGNED: "已签收",
    IN_PROGRESS: "办理中",
    FEEDBACK_DRAFTED: "反馈待单位领导审核",
    FEEDBACK_SUBMITTED: "已反馈（待办公室审核）",
    REVIEWED: "已审核",
    REPLIED: "已回复",
    CLOSED: "已销号（单位报结）",
    CONFIRMED: "已销号（当事方确认）",
    VERIFIED: "已销号（抽查通过）",
    FOLLOW_UP: "后期跟踪",
    EVALUATED: "已总结评估",
    ESCALATED: "已上报市级",
    DISMISSED: "不予立案",
}
STATES: tuple[str, ...] = tuple(STATE_LABELS)

# Groups (as fixmystreet does with open / closed / fixed).
CLOSED_STATES = frozenset({CLOSED, CONFIRMED, VERIFIED, FOLLOW_UP, EVALUATED})
SOLVED_STATES = frozenset({CONFIRMED, VERIFIED})  # only these count as solved
FINISHED_STATES = CLOSED_STATES | {DISMISSED}  # no longer open; a new case may be opened for the event
OPEN_STATES = frozenset(STATES) - FINISHED_STATES
# States in which a responsible unit holds the case and a deadline runs.
WITH_UNIT_STATES = frozenset({ASSIGNED, SIGNED, IN_PROGRESS})
# States in which the responsible unit's work waits for someone's approval.
AWAITING_UNIT_LEADER = frozenset({FEEDBACK_DRAFTED})
# Resolution levels reached when closing (kept on the case, survive follow-up and evaluation).
RESOLUTION_REPORTED = "reported"
RESOLUTION_CONFIRMED = "confirmed"
RESOLUTION_VERIFIED = "verified"
RESOLUTION_LABELS = {RESOLUTION_REPORTED: "单位报结", RESOLUTION_CONFIRMED: "当事方确认",
                     RESOLUTION_VERIFIED: "抽查通过"}


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter an action takes from a form or a JSON body (the page and API are generated from these).

    kind: text | longtext | int | bool | grade | unit (id or name) | units (list, or "、"-separated) | id | url.
    """

    name: str
    kind: str
    label: str
    required: bool = False


def _reason(label: str = "说明", required: bool = False) -> Param:
    return Param("reason", "text", label, required)


_DAYS = (Param("days", "int", "自然日天数"), Param("working_days", "int", "工作日天数"))

# 总结评估 template: section code → heading (the evaluation form and `respond.cases.evaluate`).
EVALUATION_TEMPLATE = "总结评估-v2"
EVALUATION_SECTIONS: dict[str, str] = {
    "overview": "事件经过",
    "handling": "处置措施",
    "practices": "经验做法",
    "lessons": "教训与改进",
}
REQUIRED_SECTIONS = tuple(EVALUATION_SECTIONS)  # all four
# Headings of evaluations written with the first template (still shown on their cases).
EVALUATION_SECTIONS_V1: dict[str, str] = {
    "overview": "事件概况", "handling": "处置过程", "response": "回应与发布", "effect": "处置效果",
    "lessons": "经验教训", "improvements": "改进措施",
}


@dataclass(frozen=True, slots=True)
class Action:
    code: str
    label: str
    permission: str
    needs_reason: bool = False  # the UI asks why; the action refuses an empty reason
    unit_action: bool = False  # done by the responsible unit: only the lead unit acts for the case
    params: tuple[Param, ...] = ()  # what the action takes, in form order (`respond.dispatch` parses them)
    # Which case-page form offers it: "act" (the generic lifecycle form), "feedback" (with files),
    # "release" (beside each approved reply), "spot_check" (beside each pending check), "evaluate".
    form: str = "act"


ACTIONS: dict[str, Action] = {a.code: a for a in (
    Action("assess", "研判", "cases.open", params=(Param("grade", "grade", "等级"), _reason())),
    Action("report", "报送", "cases.open", params=(_reason(),)),
    Action("assign", "交办", "cases.dispatch",
           params=(Param("lead", "unit", "牵头单位"), Param("assists", "units", "协办单位"), *_DAYS, _reason())),
    Action("sign", "签收", "cases.handle", unit_action=True),
    Action("start", "开始办理", "cases.handle", unit_action=True, params=(_reason(),)),
    Action("submit_feedback", "提交反馈（送单位领导审核）", "cases.handle", unit_action=True, form="feedback",
           params=(Param("text", "longtext", "办理情况", True), Param("explanation", "longtext", "书面说明"))),
    # The unit leader approves the unit's feedback before it goes to the office (REQUIREMENTS, users).
    Action("approve_feedback", "单位领导审核通过反馈", "cases.approve_feedback", unit_action=True,
           params=(_reason("审核意见"),)),
    Action("return_feedback", "单位领导退回反馈", "cases.approve_feedback", needs_reason=True, unit_action=True,
           params=(_reason("退回理由", True),)),
    Action("return", "退回（非本单位职责）", "cases.handle", needs_reason=True, unit_action=True,
           params=(_reason("退回理由", True),)),
    Action("review", "审核通过反馈", "cases.close", params=(_reason("审核意见"),)),
    Action("reject_feedback", "退回反馈重办", "cases.close", needs_reason=True,
           params=(_reason("退回理由", True), Param("false_feedback", "bool", "虚假反馈（通报）"), *_DAYS)),
    Action("reply", "回复发布", "cases.approve", form="release",
           params=(Param("reply_id", "id", "稿件编号", True), Param("url", "url", "发布页面网址", True))),
    Action("close", "销号", "cases.close", params=(_reason(),)),
    Action("confirm", "当事方确认解决", "cases.close",
           params=(Param("by", "text", "确认人（当事人或场所）", True),
                   Param("satisfaction", "text", "满意度（满意、基本满意或不满意；未评价留空）"), _reason())),
    Action("pass_check", "抽查通过", "cases.spot_check", form="spot_check",
           params=(Param("check_id", "id", "抽查记录编号", True), _reason("复核情况"))),
    Action("fail_check", "抽查未通过（重新办理）", "cases.spot_check", needs_reason=True, form="spot_check",
           params=(Param("check_id", "id", "抽查记录编号", True), _reason("未通过原因", True), *_DAYS)),
    Action("watch", "转入后期跟踪", "cases.close", params=(_reason(),)),
    Action("evaluate", "总结评估", "cases.close", form="evaluate",
           params=tuple(Param(k, "longtext", v, k in REQUIRED_SECTIONS) for k, v in EVALUATION_SECTIONS.items())),
    Action("reopen", "重新打开", "cases.close", needs_reason=True, params=(_reason("理由", True), *_DAYS)),
    Action("reassign", "改派", "cases.dispatch", needs_reason=True,
           params=(Param("lead", "unit", "牵头单位", True), Param("assists", "units", "协办单位"), *_DAYS,
                   _reason("改派理由", True))),
    Action("escalate", "上报市级", "cases.dispatch", needs_reason=True,
           params=(_reason("上报理由", True), Param("to", "text", "上报至（默认市级）"))),
    Action("dismiss", "不予立案", "cases.dispatch", needs_reason=True, params=(_reason("理由", True),)),
)}

_CLOSING = (CLOSED, CONFIRMED, VERIFIED)

# The transition table: (state, action) -> next state. Nothing else is allowed.
TRANSITIONS: dict[tuple[str, str], str] = {
    (FOUND, "assess"): ASSESSED,
    (ASSESSED, "report"): REPORTED,
    (REPORTED, "assign"): ASSIGNED,
    (ASSIGNED, "sign"): SIGNED,
    (SIGNED, "start"): IN_PROGRESS,
    (SIGNED, "submit_feedback"): FEEDBACK_DRAFTED,
    (IN_PROGRESS, "submit_feedback"): FEEDBACK_DRAFTED,
    (FEEDBACK_DRAFTED, "approve_feedback"): FEEDBACK_SUBMITTED,
    (FEEDBACK_DRAFTED, "return_feedback"): IN_PROGRESS,
    # Return to sender: the unit says the case is not theirs; the office routes it again.
    (ASSIGNED, "return"): REPORTED,
    (SIGNED, "return"): REPORTED,
    (FEEDBACK_SUBMITTED, "review"): REVIEWED,
    (FEEDBACK_SUBMITTED, "reject_feedback"): IN_PROGRESS,
    (REVIEWED, "reply"): REPLIED,
    # Close after the reply, or straight after review when the grade needs no reply (grade IV);
    # the action checks the tier tasks (domain.grading) before it closes.
    (REPLIED, "close"): CLOSED,
    (REVIEWED, "close"): CLOSED,
    (ESCALATED, "close"): CLOSED,
    (CLOSED, "confirm"): CONFIRMED,
    (CLOSED, "pass_check"): VERIFIED,
    (CONFIRMED, "pass_check"): VERIFIED,
    **{(s, "fail_check"): ASSIGNED for s in (*_CLOSING, FOLLOW_UP)},
    **{(s, "watch"): FOLLOW_UP for s in _CLOSING},
    **{(s, "evaluate"): EVALUATED for s in (*_CLOSING, FOLLOW_UP)},
    **{(s, "reopen"): ASSIGNED for s in (*_CLOSING, FOLLOW_UP, EVALUATED)},
    **{(s, "reassign"): ASSIGNED for s in (ASSIGNED, SIGNED, IN_PROGRESS, FEEDBACK_DRAFTED, FEEDBACK_SUBMITTED)},
    **{(s, "escalate"): ESCALATED for s in (ASSESSED, REPORTED, ASSIGNED, SIGNED, IN_PROGRESS)},
    **{(s, "dismiss"): DISMISSED for s in (FOUND, ASSESSED, REPORTED)},
}


class TransitionRefused(ValueError):
    """The action is not allowed from this state (or for this actor); the message says why, in Chinese."""


def label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def next_state(state: str, action: str) -> str:
    """The state after `action`, or TransitionRefused when the table has no such move."""
    if action not in ACTIONS:
        raise TransitionRefused(f"未知操作：{action}")
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(
            f"案件处于“{label(state)}”状态，不能执行“{ACTIONS[action].label}”") from None


def may(actor: Actor, action: str, *, assigned_units: frozenset[int] | set[int] = frozenset(),
        lead_unit: int | None = None) -> bool:
    """Whether `actor` holds the permission for `action` and, for unit actions, acts for the lead unit.

    Only the lead unit acts for the case (return, sign, handle, feedback and its approval); assisting units
    sign for their own part and contribute an opinion beside the lifecycle (separation of duties). When
    `lead_unit` is not given, any assigned unit counts (callers that know only the set of units).
    """
    act = ACTIONS[action]
    if not actor.can(act.permission):
        return False
    if act.unit_action and actor.unit_bound:
        if actor.unit_id is None:
            return False
        if lead_unit is not None:
            return actor.unit_id == lead_unit
        return actor.unit_id in assigned_units
    return True


def allowed_actions(state: str, actor: Actor, *, assigned_units: frozenset[int] | set[int] = frozenset(),
                    lead_unit: int | None = None) -> list[Action]:
    """The actions the table allows from `state` that this actor may take, in table order."""
    return [ACTIONS[a] for (s, a) in TRANSITIONS
            if s == state and may(actor, a, assigned_units=assigned_units, lead_unit=lead_unit)]


def check(state: str, action: str, actor: Actor, *, reason: str = "",
          assigned_units: frozenset[int] | set[int] = frozenset(), lead_unit: int | None = None) -> str:
    """Refuse a move the table or the actor's rights do not allow; return the next state."""
    target = next_state(state, action)
    act = ACTIONS[action]
    require(actor, act.permission)
    if not may(actor, action, assigned_units=assigned_units, lead_unit=lead_unit):
        if lead_unit is not None and actor.unit_id in assigned_units:
            raise PermissionDenied(f"{actor.name} 所在单位是本案件的协办单位，只有牵头单位可以执行“{act.label}”")
        raise PermissionDenied(f"{actor.name} 所在单位不是本案件的责任单位，不能执行“{act.label}”")
    if act.needs_reason and not reason.strip():
        raise TransitionRefused(f"“{act.label}”需要填写理由")
    return target


def is_open(state: str) -> bool:
    return state in OPEN_STATES


def is_solved(state: str) -> bool:
    return state in SOLVED_STATES


def transition_table_markdown() -> str:
    """The table as Markdown, for the docs (generated, so it cannot rot)."""
    rows = ["| 当前状态 | 操作 | 新状态 | 权限 |", "|---|---|---|---|"]
    for (s, a), t in TRANSITIONS.items():
        rows.append(f"| {label(s)} | {ACTIONS[a].label} | {label(t)} | {ACTIONS[a].permission} |")
    return "\n".join(rows)
