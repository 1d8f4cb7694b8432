"""What the 立案 forms show before a case exists: a draft prefilled from an event or from items, the routing
proposal with the reason for each unit, and the deadline a choice would give (R-CASE-1, R-CASE-3).

Nothing here changes anything; `respond.cases.open_case` does, with the same routing and deadline rules.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import lifecycle as lc
from yuqing.domain.deadlines import CalendarGapWarning
from yuqing.domain.routing import CaseFacts, propose
from yuqing.respond.deadlines import compute_due, deadline_request, due_from_date
from yuqing.respond.errors import CaseError, NotFound
from yuqing.respond.rules import load_rules
from yuqing.store.repositories.events import event_items, event_overview
from yuqing.store.tables import Case, Event, Item
from yuqing.workspace import Workspace

KEY_POSTS = 5


@dataclass
class Draft:
    """A case as the form proposes it; every field is editable before opening."""

    title: str = ""
    summary: str = ""
    event_id: int | None = None
    item_ids: list[int] = field(default_factory=list)
    grade: str | None = None
    places: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    proposal: list[dict[str, Any]] = field(default_factory=list)  # [{unit, role, reason, rule_id}]
    open_case: Case | None = None  # the event's case still open, if any (a second one needs confirmation)


def _names(values: Sequence[Any]) -> list[str]:
    out = [str(v.get("name", "")) if isinstance(v, dict) else str(v) for v in values]
    return list(dict.fromkeys(v for v in out if v))


def _post_line(n: int, item: Item) -> str:
    when = aware(item.published_at or item.captured_at).astimezone(CHINA).strftime("%m-%d %H:%M")
    text = " ".join((item.title or item.text or "").split())[:80]
    return f"{n}. {when} {item.source.name if item.source else ''}：{text}（信息 #{item.id}）"


def _summary(lead: str, items: list[Item], places: list[str], topics: list[str]) -> str:
    parts = [lead]
    if places:
        parts.append("涉及地点：" + "、".join(places[:6]))
    if topics:
        parts.append("主题：" + "、".join(topics[:4]))
    text = "。".join(p.rstrip("。") for p in parts) + "。"
    originals = [i for i in items if i.duplicate_of_id is None] or items
    key = sorted(originals, key=lambda i: i.reposts + i.comments + i.likes, reverse=True)[:KEY_POSTS]
    if key:
        text += "\n关键帖子：\n" + "\n".join(_post_line(n, i) for n, i in enumerate(key, start=1))
    return text


def _proposal(s: Session, title: str, summary: str, places: list[str], topics: list[str],
              items: list[Item]) -> list[dict[str, Any]]:
    texts = [title, summary] + [f"{i.title}\n{i.text[:2000]}" for i in items[:50]]
    facts = CaseFacts(tuple(places), tuple(topics), (), "\n".join(texts))
    return [{"unit": u.unit, "role": u.role, "reason": u.reason, "rule_id": u.rule_id}
            for u in propose(load_rules(s), facts).units]


def draft_from_event(s: Session, event_id: int) -> Draft:
    """立案交办 from an event: its title, a summary with its key posts, places, topic areas and grade."""
    event = s.get(Event, event_id)
    if event is None:
        raise NotFound(f"事件 {event_id} 不存在")
    items = event_items(s, event_id)
    o = event_overview(items)
    places = list(dict.fromkeys(_names(event.places or []) + [name for name, _ in o["places"]]))
    topics = [t for t in _names(event.topics or []) if t != "其他"]
    first = o["first"].strftime("%Y-%m-%d %H:%M") if o["first"] else ""
    lead = (f"{first} 起网上出现“{event.title}”相关信息 {o['count']} 条（原帖 {o['originals']} 条，"
            f"转发/重复 {o['spread']} 条），互动量 {o['reach']}")
    summary = _summary(lead, items, places, topics)
    open_case = s.execute(select(Case).where(Case.event_id == event_id, Case.state.in_(lc.OPEN_STATES))
                          .order_by(Case.id).limit(1)).scalar_one_or_none()
    return Draft(title=event.title, summary=summary, event_id=event_id, item_ids=[i.id for i in items],
                 grade=event.grade, places=places, topics=topics,
                 proposal=_proposal(s, event.title, summary, places, topics, items), open_case=open_case)


def draft_from_items(s: Session, item_ids: Sequence[int]) -> Draft:
    """新建案件 / 以此立案: a draft citing the chosen items (none: an empty form with no proposal)."""
    items = [i for i in (s.get(Item, iid) for iid in dict.fromkeys(item_ids)) if i is not None]
    if not items:
        return Draft()
    places = _names([p for i in items for p in (i.places or [])])
    topics = [t for t in _names([t for i in items for t in (i.topics or [])]) if t != "其他"]
    first = items[0]
    title = " ".join((first.title or first.text or "").split())[:60]
    summary = _summary(f"网上反映：{title}", items, places, topics)
    return Draft(title=title, summary=summary, item_ids=[i.id for i in items], places=places, topics=topics,
                 proposal=_proposal(s, title, summary, places, topics, items))


def parse_due_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CaseError(f"期限日期须为 YYYY-MM-DD，而不是“{text}”") from None


def deadline_choice(kind: str, value: str) -> dict[str, Any]:
    """The deadline fields of a form as `open_case` arguments: kind is date | days | working_days."""
    value = (value or "").strip()
    if kind in ("", "default") or not value:
        return {}
    if kind == "date":
        return {"due_at": due_from_date(parse_due_date(value))}
    if kind not in ("days", "working_days"):
        raise CaseError("办理期限的方式只能是：指定日期、自然日或工作日")
    try:
        n = int(value)
    except ValueError:
        raise CaseError(f"天数须为整数，而不是“{value}”") from None
    return {kind: n}


def preview_due(ws: Workspace, choice: dict[str, Any], start: datetime | None = None) -> tuple[datetime, list[str]]:
    """The end date a deadline choice gives if the case were assigned now (or at `start`), with any
    calendar warnings (a year the holiday data does not cover)."""
    start = start or utcnow()
    if not choice:
        choice = ({"working_days": ws.settings.default_deadline_days} if ws.settings.deadline_counting == "working"
                  else {"days": ws.settings.default_deadline_days})
    deadline_request(due_at=choice.get("due_at"), days=choice.get("days"),
                     working_days=choice.get("working_days"))  # same bounds as opening
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarGapWarning)
        due, _ = compute_due(ws, start, days=choice.get("days"), working_days=choice.get("working_days"),
                             due_at=choice.get("due_at"))
    return due, [str(w.message) for w in caught if issubclass(w.category, CalendarGapWarning)]
