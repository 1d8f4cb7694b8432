"""The analyst's decisions on stored events: merge, split, retitle and grade override, each an action (`fn(ws, actor, ...)`,
permission events.edit, audited in one transaction).

Each first locks the analysis state and bumps its rebuild version (`store.analysis.decided`): it waits for a
running batch's write, and every analysis worker rebuilds its cache from the tables before its next batch,
so a decision is never undone by a worker's stale memory. The SQL of the workers keeps what was decided
(a pinned title is never rewritten, a merged event never revived, an overridden grade never recomputed).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.analyse.heat import HeatInput, heat_factors, heat_score
from yuqing.clock import aware, utcnow
from yuqing.domain.grading import GRADES
from yuqing.event_grading import grading_config, regrade, summary
from yuqing.store.analysis import decided, lock_state
from yuqing.store.tables import Event, EventGrade, Item, Source


class EventError(ValueError):
    """The merge or split cannot be made; the message (Chinese) says why."""


def _refresh(session: Session, event: Event) -> None:
    """Recompute an event's counts, span, places and heat from the items it now holds."""
    items = list(session.execute(select(Item, Source.name).join(Source, Item.source_id == Source.id)
                                 .where(Item.event_id == event.id)).all())
    if not items:
        event.item_count, event.heat, event.heat_factors = 0, 0.0, {}
        return
    times = [aware(it.published_at or it.captured_at) for it, _ in items]
    rows = [HeatInput(t.timestamp(), name, it.reposts + it.comments + it.likes, it.sentiment == "negative")
            for t, (it, name) in zip(times, items, strict=True)]
    factors = heat_factors(rows)
    event.item_count = len(items)
    event.first_seen_at, event.last_seen_at = min(times), max(times)
    event.heat, event.heat_factors = heat_score(factors), factors
    places: Counter[str] = Counter(p["name"] if isinstance(p, dict) else str(p) for it, _ in items
                                   for p in it.places or [])
    event.places = [p for p, _ in places.most_common(10)]


@action("event.merge", permission="events.edit")
def merge_events(tx: Tx, target_id: int, other_id: int, reason: str) -> Event:
    """An analyst merges `other` into `target` (same happening, split by the clustering). Audited."""
    if target_id == other_id:
        raise EventError("不能把事件合并到它自己")
    if not reason.strip():
        raise EventError("请填写合并理由")
    s = tx.session
    decided(s)  # first: waits for a running batch's write, and makes every worker rebuild after
    target, other = s.get(Event, target_id), s.get(Event, other_id)
    if target is None or other is None or target.merged_into_id or other.merged_into_id:
        raise EventError("事件不存在或已被合并")
    moved = list(s.execute(select(Item).where(Item.event_id == other.id)).scalars())
    for item in moved:
        item.event_id = target.id
    s.flush()
    other.merged_into_id, other.status, other.item_count = target.id, "merged", 0
    target.keywords = list(dict.fromkeys([*target.keywords, *other.keywords]))[:24]
    _refresh(s, target)
    s.flush()
    regrade(s, [target.id], grading_config(tx.ws))
    tx.audit("event.merge", "event", target.id, merged=other.id, items=len(moved), reason=reason.strip())
    return target


@action("event.split", permission="events.edit")
def split_event(tx: Tx, event_id: int, item_ids: list[int], title: str, reason: str) -> Event:
    """An analyst moves some items of an event into a new event (different happenings). Audited."""
    if not title.strip() or not reason.strip():
        raise EventError("请填写新事件标题和拆分理由")
    s = tx.session
    decided(s)  # first: waits for a running batch's write, and makes every worker rebuild after
    source = s.get(Event, event_id)
    if source is None or source.merged_into_id:
        raise EventError("事件不存在或已被合并")
    chosen = list(s.execute(select(Item).where(Item.event_id == event_id, Item.id.in_(item_ids))).scalars())
    if not chosen or len(chosen) == source.item_count:
        raise EventError("请选择部分（而非全部）信息拆出")
    new = Event(title=title.strip()[:300], title_pinned=True, keywords=[], places=[], topics=list(source.topics),
                split_from_id=source.id)
    s.add(new)
    s.flush()
    for item in chosen:
        item.event_id = new.id
    s.flush()
    _refresh(s, source)
    _refresh(s, new)
    s.flush()
    regrade(s, [source.id, new.id], grading_config(tx.ws))
    tx.audit("event.split", "event", source.id, new_event=new.id, items=[i.id for i in chosen],
             reason=reason.strip())
    return new


@action("event.rename", permission="events.edit")
def rename_event(tx: Tx, event_id: int, title: str, reason: str) -> Event:
    """An analyst gives an event its title; the title is pinned (kept as the event grows). Audited."""
    title, reason = title.strip(), reason.strip()
    if not title or not reason:
        raise EventError("请填写事件标题和修改理由")
    s = tx.session
    decided(s)  # first: waits for a running batch's write, and makes every worker rebuild after
    event = s.get(Event, event_id)
    if event is None or event.merged_into_id:
        raise EventError("事件不存在或已被合并")
    before = event.title
    event.title, event.title_pinned = title[:300], True
    tx.audit("event.rename", "event", event.id, before=before, after=event.title, reason=reason)
    return event


@action("event.grade_override", permission="events.edit")
def override_grade(tx: Tx, event_id: int, grade: str, reason: str) -> Event:
    """An analyst sets the event's grade (I–IV) with a reason; it holds until an analyst lifts it. Audited."""
    reason = reason.strip()
    if grade not in GRADES:
        raise EventError("请选择等级（I、II、III 或 IV 级）")
    if not reason:
        raise EventError("请填写认定等级的理由")
    s = tx.session
    lock_state(s)  # waits for a running batch's write: its regrade cannot interleave with this one
    event = s.get(Event, event_id, populate_existing=True)
    if event is None or event.merged_into_id:
        raise EventError("事件不存在或已被合并")
    before, now = event.grade, utcnow()
    event.grade, event.grade_overridden = grade, True
    computed = (event.grade_factors or {}).get("grade")
    s.add(EventGrade(event_id=event.id, at=now, kind="override", from_grade=before, to_grade=grade,
                     score=event.grade_score, why=reason[:2000], factors=[],
                     actor_id=tx.actor.user_id, actor_name=tx.actor.name))
    tx.audit("event.grade_override", "event", event.id, before=before, after=grade, computed=computed,
             reason=reason)
    return event


@action("event.grade_lift", permission="events.edit")
def lift_grade_override(tx: Tx, event_id: int, reason: str) -> Event:
    """An analyst lifts an override: the grade is computed from the factors again at once. Audited."""
    reason = reason.strip()
    if not reason:
        raise EventError("请填写撤销认定的理由")
    s = tx.session
    lock_state(s)
    event = s.get(Event, event_id, populate_existing=True)
    if event is None or event.merged_into_id:
        raise EventError("事件不存在或已被合并")
    if not event.grade_overridden:
        raise EventError("该事件的等级不是人工认定的，无需撤销")
    before = event.grade
    event.grade_overridden = False
    s.flush()
    result = regrade(s, [event.id], grading_config(tx.ws), record=False).get(event.id)
    s.refresh(event)
    s.add(EventGrade(event_id=event.id, at=utcnow(), kind="lift", from_grade=before, to_grade=event.grade,
                     score=event.grade_score, why=reason[:2000], factors=summary(result) if result else [],
                     actor_id=tx.actor.user_id, actor_name=tx.actor.name))
    tx.audit("event.grade_lift", "event", event.id, before=before, after=event.grade, reason=reason)
    return event
