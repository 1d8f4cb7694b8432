"""Every change on the case desk is one action: permission → transition table → change → audit → notification,
in one transaction (`ws.db.write()`). Pages, the API, the CLI and jobs all call these functions.

Actions take the workspace and the acting user (`Actor`) and return the changed row. A move the lifecycle
table does not allow raises `TransitionRefused`; a missing right raises `PermissionDenied`; a case outside
the actor's unit raises `NotFound`; anything else that cannot be done raises `CaseError` (message in Chinese).
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.deadlines import Calendar, CalendarGapWarning
from yuqing.domain.roles import Actor, PermissionDenied, require
from yuqing.domain.routing import CaseFacts, Proposal, Rule, propose
from yuqing.respond.calendar import load_calendar
from yuqing.store import audit
from yuqing.store.repositories.cases import NotFound, get_case
from yuqing.store.tables import Assignment, Case, Event, Item, Notification, NotificationRead, Unit
from yuqing.store.tables_case import (
    Attachment,
    CaseDetail,
    CaseHistory,
    CaseItem,
    CaseTask,
    Evaluation,
    ExtensionRequest,
    Feedback,
    Instruction,
    Reply,
    ResponsibilityRule,
    SpotCheck,
    Supervision,
    UnitMark,
)
from yuqing.workspace import Workspace

__all__ = ["CaseError", "DuplicateOpenCase", "NotFound", "PermissionDenied", "TransitionRefused"]
TransitionRefused = lc.TransitionRefused

OFFICE_AUDIENCE = "office"
LEADER_AUDIENCE = "leader"
SPOKESPERSON_AUDIENCE = "spokesperson"

# Feedback attachments: what may be uploaded, and how big (实施意见: evidence of handling, photos, documents).
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    # extension: (content type, accepted leading bytes — empty means plain text)
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "txt": ("text/plain", ()),
}

EVALUATION_TEMPLATE = "总结评估-v1"
EVALUATION_SECTIONS: dict[str, str] = {
    "overview": "事件概况",
    "handling": "处置过程（时间线、责任单位、采取的措施）",
    "response": "回应与发布（回复、通稿及网民反应）",
    "effect": "处置效果（是否真正解决、当事方评价）",
    "lessons": "经验教训",
    "improvements": "改进措施",
}
REQUIRED_SECTIONS = ("overview", "handling", "effect", "lessons")


# Feedback statuses beside submitted | accepted | rejected | false.
FEEDBACK_PENDING_LEADER = "pending_leader"  # drafted by the handler, waiting for the unit leader
FEEDBACK_CONTRIBUTION = "contribution"  # an assisting unit's part (协办意见)
FEEDBACK_STATUS_LABELS = {FEEDBACK_PENDING_LEADER: "待单位领导审核", "submitted": "待办公室审核",
                          "accepted": "已审核", "rejected": "已退回", "false": "虚假反馈",
                          "returned": "单位领导退回", FEEDBACK_CONTRIBUTION: "协办意见"}
# While the case is with the units, an assisting unit may contribute its part.
CONTRIBUTION_STATES = lc.WITH_UNIT_STATES | {lc.FEEDBACK_DRAFTED, lc.FEEDBACK_SUBMITTED}


class CaseError(ValueError):
    """A case-desk change that cannot be made; the message says why, in Chinese for the UI."""


class DuplicateOpenCase(CaseError):
    """The event already has an open case (one open case per event)."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file handed to an action (from a form or the CLI)."""

    filename: str
    data: bytes


# ---- helpers ---------------------------------------------------------------------------------------------


def calendar_for(ws: Workspace) -> Calendar:
    return load_calendar(ws.path)


def compute_due(ws: Workspace, start: datetime, *, days: int | None = None, working_days: int | None = None,
                due_at: datetime | None = None) -> tuple[datetime, dict[str, Any]]:
    """The deadline: explicit, or N days / N working days, or the workspace default (3 days, 实施意见 §三.2)."""
    if due_at is not None:
        return to_utc(due_at), {"explicit": True}
    if days is None and working_days is None:
        n = ws.settings.default_deadline_days
        if ws.settings.deadline_counting == "working":
            working_days = n
        else:
            days = n
    local = aware(start).astimezone(CHINA)
    due = calendar_for(ws).due(local, days=days, working_days=working_days)
    assert isinstance(due, datetime)
    due = to_utc(due)
    basis = {"days": days} if days is not None else {"working_days": working_days}
    return due, basis


def to_utc(dt: datetime) -> datetime:
    """Store times in UTC (SQLite drops the zone); a naive value from a user is China time."""
    return (dt if dt.tzinfo else dt.replace(tzinfo=CHINA)).astimezone(UTC)


def _detail(s: Session, case: Case) -> CaseDetail:
    d = s.get(CaseDetail, case.id)
    if d is None:
        d = CaseDetail(case_id=case.id, routing={}, deadline_basis={})
        s.add(d)
        s.flush()
    return d


def _units_of(case: Case) -> set[int]:
    return {a.unit_id for a in case.assignments}


def _lead(case: Case) -> Assignment | None:
    return next((a for a in case.assignments if a.role == "lead"), None)


def _log(s: Session, actor: Actor, case: Case, action: str, reason: str = "", *,
         from_state: str | None = None, to_state: str | None = None, **detail: Any) -> CaseHistory:
    row = CaseHistory(case_id=case.id, at=utcnow(), action=action, from_state=from_state, to_state=to_state,
                      actor_id=actor.user_id, actor_name=actor.name, reason=reason,
                      detail=_jsonable(detail))
    s.add(row)
    audit.append(s, actor, f"case.{action}", "case", case.id, from_state=from_state, to_state=to_state,
                 reason=reason, **detail)
    return row


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in detail.items():
        out[k] = v.isoformat() if isinstance(v, datetime) else v
    return out


def _move(s: Session, actor: Actor, case: Case, action: str, reason: str = "", **detail: Any) -> str:
    """Check the table and the actor, change the state, write history and audit."""
    before = case.state
    lead = _lead(case)
    after = lc.check(before, action, actor, reason=reason, assigned_units=_units_of(case),
                     lead_unit=lead.unit_id if lead else None)
    case.state = after
    case.updated_at = utcnow()
    _log(s, actor, case, action, from_state=before, to_state=after, reason=reason, **detail)
    return after


def _notify(s: Session, audience: str, kind: str, title: str, case: Case, body: str = "") -> None:
    s.add(Notification(audience=audience, kind=kind, title=title, body=body, link=f"/cases/{case.id}"))


def _notify_units(s: Session, case: Case, kind: str, title: str, body: str = "",
                  units: Iterable[int] | None = None) -> None:
    for uid in sorted(set(units) if units is not None else _units_of(case)):
        _notify(s, f"unit:{uid}", kind, title, case, body)


def _mark(s: Session, unit_id: int | None, case: Case, kind: str, note: str = "") -> None:
    if unit_id is not None:
        s.add(UnitMark(unit_id=unit_id, case_id=case.id, kind=kind, at=utcnow(), note=note))


def _load(s: Session, actor: Actor, case_id: int) -> Case:
    return get_case(s, actor, case_id)


def _open_case_for_event(s: Session, event_id: int, *, other_than: int | None = None) -> Case | None:
    stmt = select(Case).where(Case.event_id == event_id, Case.state.in_(lc.OPEN_STATES))
    if other_than is not None:
        stmt = stmt.where(Case.id != other_than)
    return s.execute(stmt.limit(1)).scalar_one_or_none()


def _ensure_tasks(s: Session, case: Case) -> None:
    have = {t.code for t in s.execute(select(CaseTask).where(CaseTask.case_id == case.id)).scalars()}
    for task in grading.tier_tasks(case.grade):
        if task.code not in have:
            s.add(CaseTask(case_id=case.id, code=task.code, label=task.label, created_at=utcnow()))
    s.flush()


def _complete_task(s: Session, actor: Actor, case: Case, code: str, note: str = "") -> bool:
    task = s.execute(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.code == code)) \
        .scalar_one_or_none()
    if task is None or task.done_at is not None:
        return False
    task.done_at = utcnow()
    task.done_by_id = actor.user_id
    task.note = note
    _log(s, actor, case, "task_done", task=code, label=task.label, note=note)
    return True


def _set_deadline(ws: Workspace, s: Session, case: Case, *, start: datetime | None = None,
                  days: int | None = None, working_days: int | None = None,
                  due_at: datetime | None = None) -> datetime:
    start = start or utcnow()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarGapWarning)
        due, basis = compute_due(ws, start, days=days, working_days=working_days, due_at=due_at)
    for w in caught:
        if issubclass(w.category, CalendarGapWarning):
            _warn_admin(s, str(w.message))
        else:  # pragma: no cover - pass other warnings on
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    case.due_at = due
    d = _detail(s, case)
    asked = (d.deadline_basis or {}).get("requested")
    d.deadline_basis = {**basis, "requested": asked} if asked else basis
    d.deadline_started_at = start
    return due


def _warn_admin(s: Session, message: str) -> None:
    """Tell the admin (once, while unread) that the calendar lacks official holidays for a year."""
    title = "节假日数据缺失：" + message[:60]
    nobody_read = ~exists().where(NotificationRead.notification_id == Notification.id)
    seen = s.execute(select(Notification.id).where(Notification.kind == "calendar.gap", Notification.title == title,
                                                   nobody_read)).first()
    if not seen:
        s.add(Notification(audience="admin", kind="calendar.gap", title=title,
                           body=message + "。请在工作区 calendar.toml 中补充该年的法定节假日和调休上班日。"))


def _fmt(dt: datetime | None) -> str:
    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if dt else "—"


# ---- opening, assessing, reporting -----------------------------------------------------------------------


def due_from_date(day: date) -> datetime:
    """An explicit deadline given as a date ends at the close of that day, China time."""
    return datetime.combine(day, time(23, 59), tzinfo=CHINA)


def open_case(ws: Workspace, actor: Actor, *, title: str, summary: str = "", event_id: int | None = None,
              grade: str | None = None, item_ids: Sequence[int] = (), ledger: bool = False,
              lead: int | str | None = None, assists: Sequence[int | str] | None = None,
              due_at: datetime | None = None, days: int | None = None, working_days: int | None = None,
              then: str = "", second_case: bool = False, note: str = "") -> Case:
    """立案: open a case from an event, from items or by hand (R-CASE-1); one action for pages, API and CLI.

    The routing proposal of the responsibility list is kept on the case with the reason for each unit
    (属地/属事/属人); `lead`/`assists` change it. The deadline asked for (a date, N days or N working days;
    3 days when none, 实施意见 §三.2) starts when the case is assigned. `then` carries it on in the same
    transaction: "report" (研判 and 报送 to the office) or "assign" (the office's shortcut: 交办 to the
    proposed units at once, so the deadline starts). An event with an open case gets a second one only with
    `second_case` (the page asks for confirmation); it cites the event's posts and records the event in
    `extra["related_event_id"]`, while the event keeps its one open linked case.
    """
    require(actor, "cases.open")
    title = title.strip()
    if not title:
        raise CaseError("案件标题不能为空")
    if grade is not None and grade not in grading.GRADES:
        raise CaseError(f"等级只能是 {'/'.join(grading.GRADES)}")
    if then not in ("", "report", "assign"):
        raise CaseError("立案后的操作只能是：报送（report）或交办（assign）")
    if then == "assign":
        require(actor, "cases.dispatch")
    requested = _deadline_request(due_at=due_at, days=days, working_days=working_days)
    with ws.db.write() as s:
        existing = None
        if event_id is not None:
            event = s.get(Event, event_id)
            if event is None:
                raise CaseError(f"事件 {event_id} 不存在")
            existing = _open_case_for_event(s, event_id)
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
                    opened_by_id=actor.user_id, created_at=utcnow(), updated_at=utcnow(), extra=extra)
        s.add(case)
        s.flush()
        s.add(CaseDetail(case_id=case.id, ledger=ledger or grade in ("I", "II"), routing={},
                         deadline_basis={"requested": requested} if requested else {}))
        for iid in dict.fromkeys(item_ids):
            s.add(CaseItem(case_id=case.id, item_id=iid, attached_at=utcnow()))
        s.flush()
        routed = _routing_at_open(s, case, lead, assists)
        _detail(s, case).routing = {"proposal": routed, "explain": _explain(routed)}
        _log(s, actor, case, "open", note, to_state=lc.FOUND, event_id=event_id, grade=grade, title=title,
             items=len(item_ids), proposal=_explain(routed), deadline=requested or {"default": True},
             second_case_for=existing.id if existing is not None else None)
        if grade:
            _ensure_tasks(s, case)
        if then:
            _move(s, actor, case, "assess", grade=case.grade)
            if case.grade == "I":
                _notify(s, LEADER_AUDIENCE, "case.grade_i", f"特别重大舆情：{case.title}", case,
                        "须报领导小组，召开联席会议，权威发布须审核后发布")
            _move(s, actor, case, "report")
            if then == "report":
                _notify(s, OFFICE_AUDIENCE, "case.reported", f"新报送案件待交办：{case.title}", case)
            else:
                _assign_in(ws, s, actor, case, note="立案即交办（按立案时的交办建议）")
        return case


def _deadline_request(*, due_at: datetime | None, days: int | None, working_days: int | None) -> dict[str, Any]:
    given = [x for x in (due_at, days, working_days) if x is not None]
    if len(given) > 1:
        raise CaseError("办理期限只能选一种：指定日期、自然日天数或工作日天数")
    if days is not None or working_days is not None:
        n = days if days is not None else working_days
        assert n is not None
        if n < 1 or n > 365:
            raise CaseError("办理期限的天数须在 1 到 365 之间")
        return {"days": n} if days is not None else {"working_days": n}
    if due_at is not None:
        due = to_utc(due_at)
        if due <= utcnow():
            raise CaseError("办理期限须晚于现在")
        return {"due_at": due.isoformat()}
    return {}


def _routing_at_open(s: Session, case: Case, lead: int | str | None,
                     assists: Sequence[int | str] | None) -> list[dict[str, Any]]:
    """The units proposed at opening, each with its reason: from the rules, or as the opener chose them."""
    proposal = propose(_rules(s), facts_of(s, case))
    why = {u.unit: (u.reason, u.rule_id) for u in proposal.units}
    if lead is None:
        chosen = [(u.unit, u.role) for u in proposal.units]
        if assists is not None:  # the opener kept the proposed lead and changed the assisting units
            lead_name = proposal.lead.unit if proposal.lead else None
            chosen = ([(lead_name, "lead")] if lead_name else []) + [
                (n, "assist") for n in _unit_names(s, assists) if n != lead_name]
    else:
        lead_name = _unit_names(s, [lead])[0]
        chosen = [(lead_name, "lead")] + [(n, "assist") for n in _unit_names(s, assists or []) if n != lead_name]
    return [{"unit": n, "role": r, "reason": why.get(n, ("立案人指定", None))[0],
             "rule_id": why.get(n, ("", None))[1]} for n, r in chosen]


def _unit_names(s: Session, refs: Iterable[int | str]) -> list[str]:
    names = {uid: name for uid, name in s.execute(select(Unit.id, Unit.name))}
    return [names[u] for u in _unit_ids(s, refs)]


def _explain(routed: list[dict[str, Any]]) -> str:
    if not routed:
        return "没有匹配的责任规则，请办公室人工指定责任单位"
    return "；".join(f"{'牵头' if u['role'] == 'lead' else '协办'}：{u['unit']}（"
                    + (f"规则 #{u['rule_id']}，" if u.get("rule_id") else "") + f"{u['reason']}）" for u in routed)


def proposal_of(s: Session, case: Case) -> list[dict[str, Any]]:
    """The routing proposal kept on the case (at opening), else the rules' proposal now."""
    d = s.get(CaseDetail, case.id)
    kept = (d.routing or {}).get("proposal") if d else None
    if kept:
        return list(kept)
    p = propose(_rules(s), facts_of(s, case))
    return [{"unit": u.unit, "role": u.role, "reason": u.reason, "rule_id": u.rule_id} for u in p.units]


def assess(ws: Workspace, actor: Actor, case_id: int, *, grade: str | None = None, note: str = "") -> Case:
    """研判: confirm the grade; the tiered-response tasks of that grade are created."""
    if grade is not None and grade not in grading.GRADES:
        raise CaseError(f"等级只能是 {'/'.join(grading.GRADES)}")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        if grade:
            case.grade = grade
        _move(s, actor, case, "assess", note, grade=case.grade)
        _ensure_tasks(s, case)
        if case.grade in ("I", "II"):
            _detail(s, case).ledger = True
        if case.grade == "I":
            _notify(s, LEADER_AUDIENCE, "case.grade_i", f"特别重大舆情：{case.title}", case,
                    "须报领导小组，召开联席会议，权威发布须审核后发布")
        return case


def report(ws: Workspace, actor: Actor, case_id: int, note: str = "") -> Case:
    """报送 to the office, which routes and assigns it."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "report", note)
        _notify(s, OFFICE_AUDIENCE, "case.reported", f"新报送案件待交办：{case.title}", case)
        return case


def dismiss(ws: Workspace, actor: Actor, case_id: int, reason: str) -> Case:
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "dismiss", reason)
        return case


# ---- routing and assignment ------------------------------------------------------------------------------


def _rules(s: Session) -> list[Rule]:
    names = {uid: name for uid, name in s.execute(select(Unit.id, Unit.name))}
    rows = s.execute(select(ResponsibilityRule).order_by(ResponsibilityRule.id)).scalars()
    return [Rule(r.id, r.kind, r.pattern, names.get(r.lead_unit_id, ""),
                 tuple(names[u] for u in r.assist_unit_ids if u in names), r.priority, r.active, r.note)
            for r in rows]


def facts_of(s: Session, case: Case) -> CaseFacts:
    """What routing looks at: the event's places and topics, its items' analysis, and the case text."""
    places: list[str] = []
    topics: list[str] = []
    texts = [case.title, case.summary]
    if case.event_id is not None:
        event = s.get(Event, case.event_id)
        if event is not None:
            places += [str(p) for p in event.places]
            topics += [str(t) for t in event.topics]
            texts.append(event.title)
    items = s.execute(select(Item).join(CaseItem, CaseItem.item_id == Item.id)
                      .where(CaseItem.case_id == case.id).limit(50)).scalars()
    for item in items:
        places += [str(p if isinstance(p, str) else p.get("name", "")) for p in item.places]
        topics += [str(t if isinstance(t, str) else t.get("name", "")) for t in item.topics]
        texts += [item.title, item.text[:2000]]
    return CaseFacts(tuple(dict.fromkeys(p for p in places if p)), tuple(dict.fromkeys(t for t in topics if t)),
                     (), "\n".join(texts))


def propose_units(ws: Workspace, actor: Actor, case_id: int) -> Proposal:
    """Which units the responsibility list proposes, with the rule that fired (nothing is changed)."""
    with ws.db.read() as s:
        case = _load(s, actor, case_id)
        return propose(_rules(s), facts_of(s, case))


def _unit_ids(s: Session, names_or_ids: Iterable[int | str]) -> list[int]:
    out: list[int] = []
    for ref in names_or_ids:
        if isinstance(ref, int):
            unit = s.get(Unit, ref)
        else:
            unit = s.execute(select(Unit).where(Unit.name == ref)).scalar_one_or_none()
        if unit is None:
            raise CaseError(f"单位“{ref}”不存在")
        if unit.id not in out:
            out.append(unit.id)
    return out


def assign(ws: Workspace, actor: Actor, case_id: int, *, lead: int | str | None = None,
           assists: Sequence[int | str] | None = None, days: int | None = None,
           working_days: int | None = None, due_at: datetime | None = None, note: str = "") -> Case:
    """交办: the office confirms (or changes) the routing proposal; the deadline starts now.

    Without `lead`, the proposal kept at opening (else the responsibility list's) is taken as it is; without
    a deadline, the one asked for at opening (else the workspace default).
    """
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        return _assign_in(ws, s, actor, case, lead=lead, assists=assists, days=days, working_days=working_days,
                          due_at=due_at, note=note)


def _assign_in(ws: Workspace, s: Session, actor: Actor, case: Case, *, lead: int | str | None = None,
               assists: Sequence[int | str] | None = None, days: int | None = None,
               working_days: int | None = None, due_at: datetime | None = None, note: str = "") -> Case:
    lc.next_state(case.state, "assign")  # refuse early, before touching assignments
    require(actor, lc.ACTIONS["assign"].permission)
    proposal = proposal_of(s, case)
    if lead is None:
        lead_row = next((u for u in proposal if u["role"] == "lead"), None)
        if lead_row is None:
            raise CaseError("责任清单没有匹配的规则，请指定牵头单位")
        lead = lead_row["unit"]
        if assists is None:
            assists = [u["unit"] for u in proposal if u["role"] == "assist"]
    lead_id = _unit_ids(s, [lead])[0]
    assist_ids = [u for u in _unit_ids(s, assists or []) if u != lead_id]
    _replace_assignments(s, case, lead_id, assist_ids)
    if days is None and working_days is None and due_at is None:
        asked = (_detail(s, case).deadline_basis or {}).get("requested") or {}
        days, working_days = asked.get("days"), asked.get("working_days")
        if asked.get("due_at"):
            due_at = datetime.fromisoformat(asked["due_at"])
    due = _set_deadline(ws, s, case, days=days, working_days=working_days, due_at=due_at)
    proposed = [(u["unit"], u["role"], u.get("rule_id")) for u in proposal]
    chosen = [(n, r) for n, r in _names(s, lead_id, assist_ids)]
    followed = [(u, r) for u, r, _ in proposed] == chosen
    explain = _explain(proposal)
    d = _detail(s, case)
    d.routing = {**(d.routing or {}), "proposed": [list(p) for p in proposed], "explain": explain,
                 "chosen": [list(c) for c in chosen], "followed_proposal": followed}
    _move(s, actor, case, "assign", note, lead_unit_id=lead_id, assist_unit_ids=assist_ids, due_at=due,
          routing=explain, followed_proposal=followed)
    _notify_units(s, case, "case.assigned", f"新交办案件：{case.title}", f"办理期限：{_fmt(due)}；请及时签收")
    return case


def _names(s: Session, lead_id: int, assist_ids: list[int]) -> list[tuple[str, str]]:
    names = {uid: name for uid, name in s.execute(select(Unit.id, Unit.name))}
    return [(names[lead_id], "lead")] + [(names[u], "assist") for u in assist_ids]


def _replace_assignments(s: Session, case: Case, lead_id: int, assist_ids: list[int]) -> None:
    for a in list(case.assignments):
        case.assignments.remove(a)
    s.flush()
    now = utcnow()
    case.assignments.append(Assignment(unit_id=lead_id, role="lead", assigned_at=now))
    for uid in assist_ids:
        case.assignments.append(Assignment(unit_id=uid, role="assist", assigned_at=now))
    s.flush()


def reassign(ws: Workspace, actor: Actor, case_id: int, *, lead: int | str, assists: Sequence[int | str] = (),
             reason: str, days: int | None = None, working_days: int | None = None,
             due_at: datetime | None = None) -> Case:
    """改派 to other units; a new deadline starts when one is given, else the old one stands."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        lc.next_state(case.state, "reassign")
        old_units = _units_of(case)
        lead_id = _unit_ids(s, [lead])[0]
        assist_ids = [u for u in _unit_ids(s, assists) if u != lead_id]
        _replace_assignments(s, case, lead_id, assist_ids)
        if days is not None or working_days is not None or due_at is not None:
            _set_deadline(ws, s, case, days=days, working_days=working_days, due_at=due_at)
        _move(s, actor, case, "reassign", reason, lead_unit_id=lead_id, assist_unit_ids=assist_ids,
              due_at=case.due_at)
        _notify_units(s, case, "case.assigned", f"改派案件：{case.title}", f"办理期限：{_fmt(case.due_at)}")
        _notify_units(s, case, "case.unassigned", f"案件已改派其他单位：{case.title}", reason,
                      units=old_units - _units_of(case))
        return case


def return_case(ws: Workspace, actor: Actor, case_id: int, reason: str) -> Case:
    """退回: the lead unit says the case is not its responsibility; it goes back to the office for routing."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "return", reason, unit_id=actor.unit_id)
        _notify(s, OFFICE_AUDIENCE, "case.returned", f"案件被退回：{case.title}", case, reason)
        return case


def escalate(ws: Workspace, actor: Actor, case_id: int, reason: str, to: str = "市级") -> Case:
    """上报 a matter that belongs to a higher level (R-ALERT-3)."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "escalate", reason, to=to)
        _notify(s, LEADER_AUDIENCE, "case.escalated", f"案件已上报{to}：{case.title}", case, reason)
        _notify_units(s, case, "case.escalated", f"案件已上报{to}：{case.title}", reason)
        return case


# ---- the unit's work ------------------------------------------------------------------------------------


def _own_assignment(case: Case, actor: Actor) -> Assignment | None:
    if actor.unit_id is None:
        return None
    return next((a for a in case.assignments if a.unit_id == actor.unit_id), None)


def sign(ws: Workspace, actor: Actor, case_id: int) -> Case:
    """签收. The lead unit's signing moves the case; an assisting unit's signing is recorded only."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        own = _own_assignment(case, actor)
        if own is not None and own.role == "assist":
            require(actor, "cases.handle")
            if case.state not in lc.WITH_UNIT_STATES:
                raise TransitionRefused(f"案件处于“{lc.label(case.state)}”状态，不能签收")
            if own.signed_at is not None:
                raise CaseError("本单位已签收")
            own.signed_at = utcnow()
            _log(s, actor, case, "sign_assist", unit_id=own.unit_id)
            return case
        _move(s, actor, case, "sign")
        lead = own or _lead(case)
        if lead is not None:
            lead.signed_at = utcnow()
            hours = (aware(lead.signed_at) - aware(lead.assigned_at)).total_seconds() / 3600
            _log(s, actor, case, "time_to_sign", unit_id=lead.unit_id, hours=round(hours, 2))
        return case


def start(ws: Workspace, actor: Actor, case_id: int, note: str = "") -> Case:
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "start", note)
        return case


def check_upload(upload: Upload, max_bytes: int = MAX_ATTACHMENT_BYTES) -> str:
    """The content type of an allowed upload; CaseError when its type or size is not allowed."""
    name = upload.filename.strip()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise CaseError(f"附件“{name}”类型不允许；允许：{'、'.join(sorted(ALLOWED_TYPES))}")
    if not upload.data:
        raise CaseError(f"附件“{name}”是空文件")
    if len(upload.data) > max_bytes:
        raise CaseError(f"附件“{name}”超过 {max_bytes // (1024 * 1024)} MB")
    ctype, magics = ALLOWED_TYPES[ext]
    if magics and not any(upload.data.startswith(m) for m in magics):
        raise CaseError(f"附件“{name}”的内容与扩展名 .{ext} 不符")
    if not magics:
        try:
            upload.data.decode("utf-8")
        except UnicodeDecodeError:
            raise CaseError(f"附件“{name}”不是 UTF-8 文本") from None
    return ctype


def _safe_name(name: str) -> str:
    base = Path(name).name
    base = re.sub(r"[^\w.\-一-鿿]", "_", base)
    return base[-120:] or "file"


def _store_upload(ws: Workspace, s: Session, actor: Actor, case: Case, upload: Upload, ctype: str,
                  feedback: Feedback | None) -> Attachment:
    digest = hashlib.sha256(upload.data).hexdigest()
    rel = Path("attachments") / str(case.id) / f"{digest[:16]}_{_safe_name(upload.filename)}"
    dest = ws.path / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        dest.write_bytes(upload.data)
    att = Attachment(case_id=case.id, feedback_id=feedback.id if feedback else None,
                     filename=upload.filename[:255], content_type=ctype, size=len(upload.data),
                     sha256=digest, path=rel.as_posix(), uploaded_by_id=actor.user_id, uploaded_at=utcnow())
    s.add(att)
    return att


def submit_feedback(ws: Workspace, actor: Actor, case_id: int, text: str, *,
                    attachments: Sequence[Upload] = (), explanation: str = "") -> Feedback:
    """反馈 what the lead unit did, with evidence; it goes to the unit leader first (单位领导审核), then to the
    office. Late feedback is recorded against the unit; when the problem cannot be solved in time a written
    explanation (书面说明) is required."""
    text = text.strip()
    if not text:
        raise CaseError("反馈内容不能为空")
    types = [check_upload(u) for u in attachments]  # refuse bad files before anything changes
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        now = utcnow()
        late = case.due_at is not None and now > aware(case.due_at)
        if late and not explanation.strip():
            raise CaseError("已超过办理期限：请附书面说明（未能按期办结的原因）")
        own = _own_assignment(case, actor) or _lead(case)
        _move(s, actor, case, "submit_feedback", late=late)
        fb = Feedback(case_id=case.id, unit_id=own.unit_id if own else None, author_id=actor.user_id, text=text,
                      explanation=explanation.strip(), submitted_at=now, due_at=case.due_at, late=late,
                      status=FEEDBACK_PENDING_LEADER)
        s.add(fb)
        s.flush()
        for upload, ctype in zip(attachments, types, strict=True):
            _store_upload(ws, s, actor, case, upload, ctype, fb)
        if own is not None:
            hours = (now - aware(own.assigned_at)).total_seconds() / 3600
            _log(s, actor, case, "time_to_feedback", unit_id=own.unit_id, hours=round(hours, 2), late=late)
            if late:
                _mark(s, own.unit_id, case, "late_feedback", f"期限 {_fmt(case.due_at)}，反馈于 {_fmt(now)}")
        _notify_units(s, case, "case.feedback_to_approve", f"反馈待单位领导审核：{case.title}", text[:200],
                      units=[own.unit_id] if own else None)
        return fb


def approve_feedback(ws: Workspace, actor: Actor, case_id: int, note: str = "") -> Feedback:
    """The lead unit's leader approves its feedback (单位领导审核); only then does it reach the office."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        lc.next_state(case.state, "approve_feedback")  # the table refuses first
        fb = _latest_feedback(s, case)
        if fb is None or fb.status != FEEDBACK_PENDING_LEADER:
            raise CaseError("没有待单位领导审核的反馈")
        if fb.author_id is not None and fb.author_id == actor.user_id:
            raise PermissionDenied("反馈的撰写人不能审核自己的反馈")
        _move(s, actor, case, "approve_feedback", note, feedback_id=fb.id)
        fb.status = "submitted"
        _notify(s, OFFICE_AUDIENCE, "case.feedback", f"单位已反馈：{case.title}", case,
                f"{actor.name}审核通过。{fb.text[:200]}")
        return fb


def return_feedback(ws: Workspace, actor: Actor, case_id: int, reason: str) -> Feedback:
    """The unit leader sends the feedback back to the handler to be redone; the office never sees it."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        lc.next_state(case.state, "return_feedback")
        fb = _latest_feedback(s, case)
        if fb is None or fb.status != FEEDBACK_PENDING_LEADER:
            raise CaseError("没有待单位领导审核的反馈")
        _move(s, actor, case, "return_feedback", reason, feedback_id=fb.id)
        fb.status, fb.review_note, fb.reviewed_at, fb.reviewed_by_id = "returned", reason, utcnow(), actor.user_id
        _notify_units(s, case, "case.feedback_returned", f"单位领导退回反馈：{case.title}", reason,
                      units=[fb.unit_id] if fb.unit_id else None)
        return fb


def contribute(ws: Workspace, actor: Actor, case_id: int, text: str, *,
               attachments: Sequence[Upload] = ()) -> Feedback:
    """协办意见: an assisting unit that signed for the case contributes its part; the lead unit is told."""
    require(actor, "cases.handle")
    text = text.strip()
    if not text:
        raise CaseError("协办意见不能为空")
    types = [check_upload(u) for u in attachments]
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        own = _own_assignment(case, actor)
        if own is None or own.role != "assist":
            raise PermissionDenied("只有本案件的协办单位可以提交协办意见")
        if not lc.is_open(case.state) or case.state not in CONTRIBUTION_STATES:
            raise TransitionRefused(f"案件处于“{lc.label(case.state)}”状态，不能提交协办意见")
        if own.signed_at is None:
            raise CaseError("请先签收本案件，再提交协办意见")
        fb = Feedback(case_id=case.id, unit_id=own.unit_id, author_id=actor.user_id, text=text,
                      submitted_at=utcnow(), due_at=case.due_at, status=FEEDBACK_CONTRIBUTION)
        s.add(fb)
        s.flush()
        for upload, ctype in zip(attachments, types, strict=True):
            _store_upload(ws, s, actor, case, upload, ctype, fb)
        _log(s, actor, case, "assist_opinion", unit_id=own.unit_id, feedback_id=fb.id)
        lead = _lead(case)
        _notify_units(s, case, "case.assist_opinion", f"协办单位提交意见：{case.title}", text[:200],
                      units=[lead.unit_id] if lead else None)
        return fb


def _latest_feedback(s: Session, case: Case) -> Feedback | None:
    """The lead unit's latest feedback (assisting units' opinions are beside it, not instead of it)."""
    return s.execute(select(Feedback).where(Feedback.case_id == case.id,
                                            Feedback.status != FEEDBACK_CONTRIBUTION)
                     .order_by(Feedback.id.desc()).limit(1)).scalar_one_or_none()


def review(ws: Workspace, actor: Actor, case_id: int, note: str = "") -> Case:
    """The office accepts the feedback: the investigation task is done."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "review", note)
        fb = _latest_feedback(s, case)
        if fb is not None:
            fb.status, fb.review_note, fb.reviewed_at, fb.reviewed_by_id = "accepted", note, utcnow(), actor.user_id
        _complete_task(s, actor, case, grading.TASK_INVESTIGATION, note or "反馈已审核通过")
        return case


def reject_feedback(ws: Workspace, actor: Actor, case_id: int, reason: str, *, false_feedback: bool = False,
                    days: int | None = None, working_days: int | None = None) -> Case:
    """Send the feedback back; false feedback (虚假反馈) is recorded against the unit (通报批评)."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "reject_feedback", reason, false_feedback=false_feedback)
        fb = _latest_feedback(s, case)
        if fb is not None:
            fb.status = "false" if false_feedback else "rejected"
            fb.review_note, fb.reviewed_at, fb.reviewed_by_id = reason, utcnow(), actor.user_id
            if false_feedback:
                _mark(s, fb.unit_id, case, "false_feedback", reason)
        if days is not None or working_days is not None:
            _set_deadline(ws, s, case, days=days, working_days=working_days)
        _notify_units(s, case, "case.feedback_rejected", f"反馈被退回重办：{case.title}", reason)
        return case


def complete_task(ws: Workspace, actor: Actor, case_id: int, code: str, note: str = "") -> CaseTask:
    """Record a manual tier task as done (the leading group convened, the joint meeting held)."""
    require(actor, "cases.supervise")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        task = s.execute(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.code == code)) \
            .scalar_one_or_none()
        if task is None:
            raise CaseError(f"本案件没有任务“{code}”")
        if grading.TASKS[code].done_by != "manual":
            raise CaseError(f"“{task.label}”由相应操作自动完成，不能手工勾选")
        if not _complete_task(s, actor, case, code, note):
            raise CaseError(f"“{task.label}”已完成")
        return task


# ---- deadlines: extensions, reminders, supervision ------------------------------------------------------


def request_extension(ws: Workspace, actor: Actor, case_id: int, *, reason: str, days: int | None = None,
                      working_days: int | None = None, new_due_at: datetime | None = None) -> ExtensionRequest:
    """延期申请 by the handling unit, with its written reason; the office approves or rejects."""
    require(actor, "cases.handle")
    if not reason.strip():
        raise CaseError("延期申请须写明理由")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        if case.state not in lc.WITH_UNIT_STATES:
            raise CaseError(f"案件处于“{lc.label(case.state)}”状态，不能申请延期")
        lead = _lead(case)
        if actor.unit_bound and (lead is None or actor.unit_id != lead.unit_id):
            raise PermissionDenied("只有牵头单位可以申请延期")
        pending = s.execute(select(ExtensionRequest.id).where(
            ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending")).first()
        if pending:
            raise CaseError("已有待审批的延期申请")
        if new_due_at is None:
            if days is None and working_days is None:
                raise CaseError("请给出延长的天数或新的期限")
            base = aware(case.due_at) if case.due_at else utcnow()
            new_due_at, _ = compute_due(ws, base, days=days, working_days=working_days)
        new_due_at = to_utc(new_due_at)
        if case.due_at is not None and new_due_at <= aware(case.due_at):
            raise CaseError("新期限须晚于原期限")
        req = ExtensionRequest(case_id=case.id, unit_id=actor.unit_id, requested_by_id=actor.user_id,
                               requested_at=utcnow(), reason=reason.strip(), old_due_at=case.due_at,
                               new_due_at=new_due_at)
        s.add(req)
        s.flush()
        _log(s, actor, case, "extension_requested", reason, request_id=req.id, new_due_at=new_due_at)
        _notify(s, OFFICE_AUDIENCE, "case.extension", f"延期申请待审批：{case.title}", case,
                f"申请延至 {_fmt(new_due_at)}：{reason}")
        return req


def decide_extension(ws: Workspace, actor: Actor, request_id: int, *, approve: bool, note: str = "") -> ExtensionRequest:
    require(actor, "cases.supervise")
    with ws.db.write() as s:
        req = s.get(ExtensionRequest, request_id)
        if req is None:
            raise NotFound(f"延期申请 {request_id} 不存在")
        case = _load(s, actor, req.case_id)
        if req.status != "pending":
            raise CaseError("该申请已处理")
        req.status = "approved" if approve else "rejected"
        req.decided_by_id, req.decided_at, req.decision_note = actor.user_id, utcnow(), note
        if approve:
            case.due_at = req.new_due_at
        _log(s, actor, case, "extension_approved" if approve else "extension_rejected", note,
             request_id=req.id, due_at=case.due_at)
        _notify_units(s, case, "case.extension_decided",
                      f"延期申请{'已批准' if approve else '未批准'}：{case.title}",
                      f"办理期限：{_fmt(case.due_at)}。{note}", units=[req.unit_id] if req.unit_id else None)
        return req


def supervise(ws: Workspace, actor: Actor, case_id: int, reason: str, *, level: str = "office") -> Supervision:
    """督办: the office (or a leader) presses the responsible unit; it is recorded against the unit."""
    if level == "leader":
        if not (actor.can("cases.supervise") or actor.can("cases.instruct")):
            raise PermissionDenied(f"{actor.name} 无权督办")
    else:
        require(actor, "cases.supervise")
    if not reason.strip():
        raise CaseError("督办须写明事由")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        if not lc.is_open(case.state):
            raise CaseError("已办结的案件无需督办")
        return _supervise(s, actor, case, reason, level=level, automatic=False)


def _supervise(s: Session, actor: Actor, case: Case, reason: str, *, level: str, automatic: bool) -> Supervision:
    lead = _lead(case)
    sup = Supervision(case_id=case.id, unit_id=lead.unit_id if lead else None, level=level, reason=reason,
                      automatic=automatic, by_id=actor.user_id, at=utcnow())
    s.add(sup)
    s.flush()
    _mark(s, sup.unit_id, case, "supervised", reason)
    _log(s, actor, case, "supervise", reason, level=level, automatic=automatic, supervision_id=sup.id)
    title = f"督办：{case.title}"
    _notify_units(s, case, "case.supervision", title, f"{reason}；办理期限：{_fmt(case.due_at)}")
    _notify(s, OFFICE_AUDIENCE, "case.supervision", title, case, reason)
    _notify(s, LEADER_AUDIENCE, "case.supervision", title, case, reason)
    return sup


# ---- replies and statements -----------------------------------------------------------------------------


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


def draft_reply(ws: Workspace, actor: Actor, case_id: int, *, kind: str = "reply",
                text: str | None = None) -> Reply:
    """Draft a point-to-point reply or a public statement (drafted from the case when no text is given)."""
    if not (actor.can("cases.handle") or actor.can("cases.close") or actor.can("statements.publish")):
        raise PermissionDenied(f"{actor.name} 无权起草回复")
    if kind not in ("reply", "statement", "clarification"):
        raise CaseError("类型只能是 reply / statement / clarification")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _require_lead_if_unit(case, actor, "起草回复")
        body = (text or "").strip() or draft_text(s, case, kind)
        rep = Reply(case_id=case.id, kind=kind, text=body, drafted_by_id=actor.user_id, drafted_at=utcnow())
        s.add(rep)
        s.flush()
        _log(s, actor, case, "reply_drafted", kind=kind, reply_id=rep.id)
        audience = SPOKESPERSON_AUDIENCE if kind != "reply" else None
        if audience:
            _notify(s, audience, "case.statement_draft", f"待审核的发布稿：{case.title}", case)
        else:
            _notify_units(s, case, "case.reply_draft", f"待审核的回复：{case.title}")
        return rep


def _require_lead_if_unit(case: Case, actor: Actor, what: str) -> None:
    """A unit acts for a case only as its lead unit; assisting units contribute their part (协办意见)."""
    if not actor.unit_bound:
        return
    lead = _lead(case)
    if lead is None or actor.unit_id != lead.unit_id:
        raise PermissionDenied(f"只有牵头单位可以{what}；协办单位请提交协办意见")


def _reply_and_case(s: Session, actor: Actor, reply_id: int) -> tuple[Reply, Case]:
    rep = s.get(Reply, reply_id)
    if rep is None:
        raise NotFound(f"回复 {reply_id} 不存在")
    return rep, _load(s, actor, rep.case_id)


def approve_reply(ws: Workspace, actor: Actor, reply_id: int, *, approve: bool, note: str = "",
                  text: str | None = None) -> Reply:
    """签发 by the unit leader or the spokesperson; the approved text is what may be released."""
    require(actor, "cases.approve")
    with ws.db.write() as s:
        rep, case = _reply_and_case(s, actor, reply_id)
        _require_lead_if_unit(case, actor, "审核回复")
        if rep.drafted_by_id is not None and rep.drafted_by_id == actor.user_id:
            raise PermissionDenied("起草人不能审核自己起草的稿件，请由单位领导或新闻发言人审核")
        if rep.kind != "reply" and actor.unit_bound and case.grade == "I":
            raise PermissionDenied("特别重大舆情的权威发布须由新闻发言人审核")
        if rep.status != "draft":
            raise CaseError(f"该稿件状态为“{rep.status}”，不能审核")
        if text is not None and text.strip():
            rep.text = text.strip()
        rep.status = "approved" if approve else "rejected"
        rep.approved_by_id, rep.approved_by_name, rep.approved_at = actor.user_id, actor.name, utcnow()
        rep.review_note = note
        _log(s, actor, case, "reply_approved" if approve else "reply_rejected", note, reply_id=rep.id,
             kind=rep.kind, text_sha256=hashlib.sha256(rep.text.encode()).hexdigest())
        return rep


def release_reply(ws: Workspace, actor: Actor, reply_id: int, *, url: str,
                  released_text: str | None = None) -> Reply:
    """Record the release: the released text (must equal the approved text) and its URL.

    The matching tier task is done; a case waiting in "reviewed" moves to "replied".
    """
    require(actor, "cases.approve")
    url = url.strip()
    if not re.match(r"^https?://\S+$", url):
        raise CaseError("请填写发布页面的网址（http/https）")
    with ws.db.write() as s:
        rep, case = _reply_and_case(s, actor, reply_id)
        _require_lead_if_unit(case, actor, "发布回复")
        if rep.status != "approved":
            raise CaseError("未经审核的稿件不能发布")
        out = (released_text if released_text is not None else rep.text).strip()
        if out != rep.text.strip():
            raise CaseError("发布文本与审核通过的文本不一致，请重新送审")
        rep.status, rep.released_text, rep.released_url = "released", out, url
        rep.released_at, rep.released_by_id = utcnow(), actor.user_id
        _log(s, actor, case, "reply_released", reply_id=rep.id, kind=rep.kind, url=url)
        _complete_task(s, actor, case, grading.TASK_STATEMENT if rep.kind != "reply" else grading.TASK_REPLY,
                       url)
        if (case.state, "reply") in lc.TRANSITIONS:
            _move(s, actor, case, "reply", reply_id=rep.id, url=url)
        return rep


# ---- closing and after ----------------------------------------------------------------------------------


def close(ws: Workspace, actor: Actor, case_id: int, note: str = "") -> Case:
    """销号 on the unit's report. Refused while the grade's tier tasks are undone. Closed is not solved."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
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
        _move(s, actor, case, "close", note, unsigned_assists=unsigned)
        case.closed_at = utcnow()
        _detail(s, case).resolution = lc.RESOLUTION_REPORTED
        for sup in s.execute(select(Supervision).where(Supervision.case_id == case.id,
                                                       Supervision.resolved_at.is_(None))).scalars():
            sup.resolved_at = utcnow()
        _notify_units(s, case, "case.closed", f"案件已销号：{case.title}")
        if case.opened_by_id is not None:  # whoever opened it learns how it ended
            _notify(s, f"user:{case.opened_by_id}", "case.closed", f"您立案的案件已销号：{case.title}", case,
                    note)
        return case


def confirm(ws: Workspace, actor: Actor, case_id: int, *, by: str, note: str = "") -> Case:
    """The person or venue confirms the problem is solved (the second closing state)."""
    if not by.strip():
        raise CaseError("请写明由谁确认（当事人或场所）")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "confirm", note, confirmed_by=by)
        _detail(s, case).resolution = lc.RESOLUTION_CONFIRMED
        return case


def watch(ws: Workspace, actor: Actor, case_id: int, note: str = "") -> Case:
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _move(s, actor, case, "watch", note)
        return case


def _reopen(ws: Workspace, s: Session, actor: Actor, case: Case, action: str, reason: str, *,
            days: int | None = None, working_days: int | None = None, **detail: Any) -> None:
    if case.event_id is not None:
        other = _open_case_for_event(s, case.event_id, other_than=case.id)
        if other is not None:
            raise DuplicateOpenCase(f"事件 {case.event_id} 已有未办结的案件 #{other.id}，不能重新打开本案件")
    lc.next_state(case.state, action)
    if not case.assignments:
        raise CaseError("案件没有责任单位，不能重新打开")
    _set_deadline(ws, s, case, days=days, working_days=working_days)
    _move(s, actor, case, action, reason, due_at=case.due_at, **detail)
    for a in case.assignments:
        a.signed_at = None
        a.assigned_at = utcnow()
    case.closed_at = None
    d = _detail(s, case)
    d.resolution = None
    d.reopen_count += 1
    # The unit must investigate again: its feedback has to be accepted anew before the case can close.
    for task in s.execute(select(CaseTask).where(CaseTask.case_id == case.id,
                                                 CaseTask.code == grading.TASK_INVESTIGATION)).scalars():
        task.done_at, task.done_by_id, task.note = None, None, f"重新办理：{reason}"
    _notify_units(s, case, "case.reopened", f"案件重新办理：{case.title}",
                  f"{reason}；新的办理期限：{_fmt(case.due_at)}")


def reopen(ws: Workspace, actor: Actor, case_id: int, reason: str, *, days: int | None = None,
           working_days: int | None = None) -> Case:
    """重新打开: back to the same units with a new deadline (they sign again)."""
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        _reopen(ws, s, actor, case, "reopen", reason, days=days, working_days=working_days)
        return case


def evaluate(ws: Workspace, actor: Actor, case_id: int, sections: dict[str, str]) -> Evaluation:
    """总结评估 from the template (`EVALUATION_SECTIONS`), attached to the case."""
    clean = {k: v.strip() for k, v in sections.items() if k in EVALUATION_SECTIONS and v and v.strip()}
    unknown = set(sections) - set(EVALUATION_SECTIONS)
    if unknown:
        raise CaseError(f"评估模板没有这些栏目：{'、'.join(sorted(unknown))}")
    missing = [EVALUATION_SECTIONS[k] for k in REQUIRED_SECTIONS if k not in clean]
    if missing:
        raise CaseError("请填写：" + "、".join(missing))
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        lc.next_state(case.state, "evaluate")
        ev = Evaluation(case_id=case.id, template=EVALUATION_TEMPLATE, sections=clean,
                        written_by_id=actor.user_id, written_at=utcnow())
        s.add(ev)
        s.flush()
        _move(s, actor, case, "evaluate", evaluation_id=ev.id)
        return ev


def evaluation_template() -> dict[str, str]:
    """The sections of the evaluation template, code → Chinese heading."""
    return dict(EVALUATION_SECTIONS)


# ---- leader instructions --------------------------------------------------------------------------------


def instruct(ws: Workspace, actor: Actor, case_id: int, text: str, *, due_at: datetime | None = None) -> Instruction:
    """批示 by a district leader; the case goes on the ledger and the units and office are told."""
    require(actor, "cases.instruct")
    if not text.strip():
        raise CaseError("批示内容不能为空")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        ins = Instruction(case_id=case.id, leader_id=actor.user_id, leader_name=actor.name, text=text.strip(),
                          at=utcnow(), due_at=to_utc(due_at) if due_at else None)
        s.add(ins)
        s.flush()
        _detail(s, case).ledger = True
        _log(s, actor, case, "instruction", text.strip(), instruction_id=ins.id, due_at=due_at)
        body = f"{actor.name}批示：{text.strip()}"
        _notify(s, OFFICE_AUDIENCE, "case.instruction", f"领导批示：{case.title}", case, body)
        _notify_units(s, case, "case.instruction", f"领导批示：{case.title}", body)
        return ins


def complete_instruction(ws: Workspace, actor: Actor, instruction_id: int, note: str) -> Instruction:
    """Record that an instruction has been carried out (by the office, or the responsible unit)."""
    if not (actor.can("cases.supervise") or actor.can("cases.handle")):
        raise PermissionDenied(f"{actor.name} 无权办结批示")
    if not note.strip():
        raise CaseError("请写明批示落实情况")
    with ws.db.write() as s:
        ins = s.get(Instruction, instruction_id)
        if ins is None:
            raise NotFound(f"批示 {instruction_id} 不存在")
        case = _load(s, actor, ins.case_id)
        if ins.status == "done":
            raise CaseError("该批示已办结")
        ins.status, ins.done_at, ins.done_by_id, ins.done_note = "done", utcnow(), actor.user_id, note.strip()
        _log(s, actor, case, "instruction_done", note.strip(), instruction_id=ins.id)
        _notify(s, LEADER_AUDIENCE, "case.instruction_done", f"批示已落实：{case.title}", case, note.strip())
        return ins


# ---- follow-up posts ------------------------------------------------------------------------------------


def attach_item(ws: Workspace, actor: Actor, case_id: int, item_id: int, *, reason: str = "",
                reopen_case: bool = False) -> CaseItem:
    """Link a post to a case; a post arriving after closing is a follow-up and may reopen the case."""
    require(actor, "cases.close" if reopen_case else "cases.open")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        link = _attach(s, actor, case, item_id, reason)
        if reopen_case:
            _reopen(ws, s, actor, case, "reopen", reason or "后续帖子显示问题未解决", item_id=item_id)
        return link


def _attach(s: Session, actor: Actor, case: Case, item_id: int, reason: str) -> CaseItem:
    if s.get(Item, item_id) is None:
        raise CaseError(f"信息 {item_id} 不存在")
    link = s.execute(select(CaseItem).where(CaseItem.case_id == case.id, CaseItem.item_id == item_id)) \
        .scalar_one_or_none()
    if link is not None:
        return link
    after = case.state in lc.CLOSED_STATES
    link = CaseItem(case_id=case.id, item_id=item_id, attached_at=utcnow(), after_close=after, reason=reason)
    s.add(link)
    s.flush()
    _log(s, actor, case, "item_attached", reason, item_id=item_id, after_close=after)
    if after:
        _notify(s, OFFICE_AUDIENCE, "case.follow_up_post", f"已销号案件出现后续帖子：{case.title}", case,
                "请研判是否重新打开")
    return link


def match_closed_case(s: Session, item: Item) -> Case | None:
    """The closed case a new post belongs to: same event, else same place and same matter (topic)."""
    closed = select(Case).where(Case.state.in_(lc.CLOSED_STATES)).order_by(Case.closed_at.desc(), Case.id.desc())
    if item.event_id is not None:
        hit = s.execute(closed.where(Case.event_id == item.event_id).limit(1)).scalar_one_or_none()
        if hit is not None:
            return hit
    places = {str(p if isinstance(p, str) else p.get("name", "")) for p in item.places} - {""}
    topics = {str(t if isinstance(t, str) else t.get("name", "")) for t in item.topics} - {""}
    if not places or not topics:
        return None
    for case in s.execute(closed.where(Case.event_id.is_not(None)).limit(500)).scalars():
        event = s.get(Event, case.event_id)
        if event and places & {str(p) for p in event.places} and topics & {str(t) for t in event.topics}:
            return case
    return None


def attach_follow_ups(ws: Workspace, item_ids: Iterable[int], actor: Actor | None = None) -> list[tuple[int, int]]:
    """Job: attach newly analysed posts that concern a closed case (the office decides on reopening).

    Returns (item id, case id) pairs attached.
    """
    from yuqing.domain.roles import SYSTEM

    who = actor or SYSTEM
    out: list[tuple[int, int]] = []
    with ws.db.write() as s:
        for iid in item_ids:
            item = s.get(Item, iid)
            if item is None:
                continue
            case = match_closed_case(s, item)
            if case is None:
                continue
            reason = "同一事件的后续帖子" if item.event_id == case.event_id else "同地点同事项的后续帖子"
            _attach(s, who, case, iid, reason)
            out.append((iid, case.id))
    return out


# ---- responsibility list --------------------------------------------------------------------------------


def save_rule(ws: Workspace, actor: Actor, *, kind: str, pattern: str, lead: int | str,
              assists: Sequence[int | str] = (), priority: int = 0, active: bool = True, note: str = "",
              rule_id: int | None = None) -> ResponsibilityRule:
    """Create or change one rule of the responsibility list."""
    from yuqing.domain.routing import KIND_LABELS

    require(actor, "rules.manage")
    if kind not in KIND_LABELS:
        raise CaseError("类型只能是 place（属地）/ matter（属事）/ person（属人）")
    if not pattern.strip():
        raise CaseError("匹配内容不能为空")
    with ws.db.write() as s:
        lead_id = _unit_ids(s, [lead])[0]
        assist_ids = [u for u in _unit_ids(s, assists) if u != lead_id]
        if rule_id is None:
            rule = ResponsibilityRule(created_at=utcnow())
            s.add(rule)
        else:
            found = s.get(ResponsibilityRule, rule_id)
            if found is None:
                raise NotFound(f"规则 {rule_id} 不存在")
            rule = found
        rule.kind, rule.pattern, rule.lead_unit_id, rule.assist_unit_ids = kind, pattern.strip(), lead_id, assist_ids
        rule.priority, rule.active, rule.note, rule.updated_at = priority, active, note, utcnow()
        s.flush()
        audit.append(s, actor, "rule.save", "responsibility_rule", rule.id, kind=kind, pattern=rule.pattern,
                     lead_unit_id=lead_id, assist_unit_ids=assist_ids, priority=priority, active=active)
        return rule


def delete_rule(ws: Workspace, actor: Actor, rule_id: int) -> None:
    require(actor, "rules.manage")
    with ws.db.write() as s:
        rule = s.get(ResponsibilityRule, rule_id)
        if rule is None:
            raise NotFound(f"规则 {rule_id} 不存在")
        audit.append(s, actor, "rule.delete", "responsibility_rule", rule.id, pattern=rule.pattern)
        s.delete(rule)


def list_rules(ws: Workspace) -> list[Rule]:
    with ws.db.read() as s:
        return _rules(s)


def export_rules_xlsx(ws: Workspace, actor: Actor) -> bytes:
    """The responsibility list as an XLSX workbook (columns: routing.EXPORT_COLUMNS)."""
    import io

    from openpyxl import Workbook

    from yuqing.domain.routing import EXPORT_COLUMNS, rule_to_row

    require(actor, "rules.manage")
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "责任清单"
    sheet.append(list(EXPORT_COLUMNS))
    with ws.db.write() as s:
        for rule in _rules(s):
            sheet.append(rule_to_row(rule))
        audit.append(s, actor, "rule.export", "responsibility_rule", None)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def import_rules_xlsx(ws: Workspace, actor: Actor, data: bytes, *, replace: bool = False) -> int:
    """Read rules from an XLSX workbook (first sheet, header row first). Rows with an id that exists are
    updated; others are added. With `replace`, rules not in the file are deleted. All or nothing."""
    from yuqing.collect.files import XlsxError, open_workbook, sheet_rows
    from yuqing.domain.routing import row_to_rule

    require(actor, "rules.manage")
    parsed: list[Rule] = []
    try:
        wb = open_workbook(data)  # bounded: the same checked reader as `yuqing import`
        for n, cells in sheet_rows(wb):
            if n == 1 or not any(c not in (None, "") for c in cells):
                continue
            parsed.append(row_to_rule(cells, line=n))
    except XlsxError as exc:
        raise CaseError(f"无法读取 XLSX 文件：{exc}") from None
    except ValueError as exc:
        raise CaseError(str(exc)) from None
    with ws.db.write() as s:
        keep: set[int] = set()
        for rule in parsed:
            lead_id = _unit_ids(s, [rule.lead_unit])[0]
            assist_ids = [u for u in _unit_ids(s, rule.assist_units) if u != lead_id]
            row = s.get(ResponsibilityRule, rule.id) if rule.id else None
            if row is None:
                row = ResponsibilityRule(created_at=utcnow())
                s.add(row)
            row.kind, row.pattern, row.lead_unit_id, row.assist_unit_ids = (rule.kind, rule.pattern, lead_id,
                                                                            assist_ids)
            row.priority, row.active, row.note, row.updated_at = rule.priority, rule.active, rule.note, utcnow()
            s.flush()
            keep.add(row.id)
        if replace:
            for old in s.execute(select(ResponsibilityRule)).scalars():
                if old.id not in keep:
                    s.delete(old)
        audit.append(s, actor, "rule.import", "responsibility_rule", None, rows=len(parsed), replace=replace)
    return len(parsed)


def local_time(dt: datetime | None) -> datetime | None:
    return aware(dt).astimezone(CHINA) if dt else None


def hours_left(case: Case, now: datetime | None = None) -> float | None:
    if case.due_at is None:
        return None
    return (aware(case.due_at) - (now or utcnow())).total_seconds() / 3600


def countdown(due_at: datetime | None, now: datetime | None = None) -> str:
    """剩余 2天3小时 / 已超期 5小时 — the workbench countdown."""
    if due_at is None:
        return "无期限"
    delta = aware(due_at) - (now or utcnow())
    over = delta < timedelta(0)
    secs = int(abs(delta.total_seconds()))
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    text = (f"{d}天" if d else "") + (f"{h}小时" if h or d else "") + ("" if d else f"{m}分钟")
    return f"已超期 {text}" if over else f"剩余 {text}"



# ---- spot checks ----------------------------------------------------------------------------------------


def request_spot_check(ws: Workspace, actor: Actor, case_id: int, reason: str) -> SpotCheck:
    """The office picks one closed case for re-check by hand (beside the weekly random draw), with a reason."""
    require(actor, "cases.spot_check")
    if not reason.strip():
        raise CaseError("指定复核须写明理由")
    with ws.db.write() as s:
        case = _load(s, actor, case_id)
        if case.state not in lc.CLOSED_STATES:
            raise CaseError("只能复核已销号的案件")
        pending = s.execute(select(SpotCheck.id).where(SpotCheck.case_id == case.id,
                                                       SpotCheck.result == "pending")).first()
        if pending:
            raise CaseError("该案件已在待复核名单中")
        chk = SpotCheck(case_id=case.id, run_id=None, created_at=utcnow(), note="")
        s.add(chk)
        s.flush()
        _log(s, actor, case, "spot_check_requested", reason.strip(), spot_check_id=chk.id)
        return chk


def record_spot_check(ws: Workspace, actor: Actor, check_id: int, *, passed: bool, note: str = "",
                      days: int | None = None, working_days: int | None = None) -> SpotCheck:
    """The office records a spot check: passed → the third closing state (verified); failed → the case is
    reopened to the same units with a new deadline, and the failure counts against the lead unit."""
    require(actor, "cases.spot_check")
    if not passed and not note.strip():
        raise CaseError("抽查未通过须写明原因")
    with ws.db.write() as s:
        chk = s.get(SpotCheck, check_id)
        if chk is None:
            raise NotFound(f"抽查记录 {check_id} 不存在")
        case = _load(s, actor, chk.case_id)
        if chk.result != "pending":
            raise CaseError("该抽查已有结论")
        chk.result = "passed" if passed else "failed"
        chk.checked_by_id, chk.checked_at, chk.note = actor.user_id, utcnow(), note.strip()
        if passed:
            if (case.state, "pass_check") in lc.TRANSITIONS:
                _move(s, actor, case, "pass_check", note, spot_check_id=chk.id)
            else:  # already in follow-up: the level is recorded without moving back
                _log(s, actor, case, "pass_check", note, spot_check_id=chk.id)
            _detail(s, case).resolution = lc.RESOLUTION_VERIFIED
        else:
            lead = _lead(case)
            _reopen(ws, s, actor, case, "fail_check", note.strip(), days=days, working_days=working_days,
                    spot_check_id=chk.id)
            _mark(s, lead.unit_id if lead else None, case, "spot_check_failed", note.strip())
        return chk


# ---- one entry point for forms and the API --------------------------------------------------------------

SIMPLE_ACTIONS = ("assess", "report", "assign", "sign", "start", "return", "approve_feedback", "return_feedback",
                  "review", "reject_feedback", "close", "confirm", "watch", "reopen", "reassign", "escalate",
                  "dismiss")


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CaseError(f"“{value}”不是整数") from None


def perform(ws: Workspace, actor: Actor, case_id: int, action: str, params: dict[str, Any]) -> Case | None:
    """Run one lifecycle action by its code with loosely typed parameters (a form or JSON body).

    Parameters: reason / note, grade, lead, assists (list or "、"-separated), days, working_days, by,
    false_feedback. Returns the case (None when the action returns something else).
    """
    if action not in SIMPLE_ACTIONS:
        raise TransitionRefused(f"未知操作：{action}")
    reason = str(params.get("reason") or params.get("note") or "").strip()
    days, wdays = _int(params.get("days")), _int(params.get("working_days"))
    assists_raw = params.get("assists") or []
    if isinstance(assists_raw, str):
        assists_raw = [a for a in re.split(r"[、,，\s]+", assists_raw) if a]
    assists = [int(a) if isinstance(a, int) or str(a).isdigit() else str(a) for a in assists_raw]
    lead_raw = params.get("lead")
    lead: int | str | None = (int(lead_raw) if isinstance(lead_raw, int) or str(lead_raw).isdigit()
                              else str(lead_raw)) if lead_raw not in (None, "") else None
    if action == "assess":
        return assess(ws, actor, case_id, grade=params.get("grade") or None, note=reason)
    if action == "report":
        return report(ws, actor, case_id, reason)
    if action == "assign":
        return assign(ws, actor, case_id, lead=lead, assists=assists if lead is not None else None, days=days,
                      working_days=wdays, note=reason)
    if action == "sign":
        return sign(ws, actor, case_id)
    if action == "start":
        return start(ws, actor, case_id, reason)
    if action == "return":
        return return_case(ws, actor, case_id, reason)
    if action == "approve_feedback":
        approve_feedback(ws, actor, case_id, reason)
        return None
    if action == "return_feedback":
        return_feedback(ws, actor, case_id, reason)
        return None
    if action == "review":
        return review(ws, actor, case_id, reason)
    if action == "reject_feedback":
        return reject_feedback(ws, actor, case_id, reason,
                               false_feedback=str(params.get("false_feedback", "")).lower() in ("1", "true", "on"),
                               days=days, working_days=wdays)
    if action == "close":
        return close(ws, actor, case_id, reason)
    if action == "confirm":
        return confirm(ws, actor, case_id, by=str(params.get("by") or ""), note=reason)
    if action == "watch":
        return watch(ws, actor, case_id, reason)
    if action == "reopen":
        return reopen(ws, actor, case_id, reason, days=days, working_days=wdays)
    if action == "reassign":
        if lead is None:
            raise CaseError("请指定改派的牵头单位")
        return reassign(ws, actor, case_id, lead=lead, assists=assists, reason=reason, days=days,
                        working_days=wdays)
    if action == "escalate":
        return escalate(ws, actor, case_id, reason, to=str(params.get("to") or "市级"))
    return dismiss(ws, actor, case_id, reason)
