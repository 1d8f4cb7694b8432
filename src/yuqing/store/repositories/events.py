"""Event queries: the event list by heat, and one event with its items, timeline and splits."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import EVENT_LISTED, ITEM_LISTED, Event, Item


def list_events(session: Session, *, limit: int = 100, q: str = "") -> list[Event]:
    stmt = select(Event).options(*EVENT_LISTED).where(Event.merged_into_id.is_(None))
    if q:
        stmt = stmt.where(Event.title.contains(q))
    return list(session.execute(stmt.order_by(Event.heat.desc(), Event.last_seen_at.desc()).limit(limit)).scalars())


def get_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"事件 {event_id} 不存在")
    return event


def event_items(session: Session, event_id: int) -> list[Item]:
    stmt = select(Item).options(*ITEM_LISTED).where(Item.event_id == event_id).order_by(
        func.coalesce(Item.published_at, Item.captured_at))
    return list(session.execute(stmt).scalars())


def _when(item: Item) -> datetime:
    return aware(item.published_at or item.captured_at).astimezone(CHINA)


def event_overview(items: list[Item]) -> dict[str, Any]:
    """What the event page shows: sentiment split, sources, places, a timeline and the key items."""
    originals = [i for i in items if i.duplicate_of_id is None]
    sentiment = Counter(i.sentiment or "unknown" for i in items)
    sources = Counter(i.source.name for i in items)
    places: Counter[str] = Counter()
    for i in items:
        for p in i.places or []:
            places[p["name"] if isinstance(p, dict) else str(p)] += 1
    buckets: dict[str, list[int]] = {}
    for running, i in enumerate(items, start=1):
        key = _when(i).strftime("%m-%d %H时")
        b = buckets.setdefault(key, [0, 0, 0])
        b[0] += 1
        b[1] = running
        b[2] += i.reposts
    key_items = sorted(originals, key=lambda i: i.reposts + i.comments + i.likes, reverse=True)[:10]
    return {
        "count": len(items),
        "originals": len(originals),
        "spread": len(items) - len(originals),
        "reach": sum(i.reposts + i.comments + i.likes for i in items),
        "sentiment": dict(sentiment),
        "sources": sources.most_common(),
        "places": places.most_common(10),
        "timeline": {"labels": list(buckets), "posts": [b[0] for b in buckets.values()],
                     "cumulative": [b[1] for b in buckets.values()], "reposts": [b[2] for b in buckets.values()]},
        "key_items": key_items,
        "first": _when(items[0]) if items else None,
        "last": _when(items[-1]) if items else None,
    }
