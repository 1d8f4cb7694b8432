"""Run the analysis pipeline over the items the database holds and store what it adds.

The pipeline keeps its incremental state (dedup index, active events) in memory. One pipeline lives per
workspace and process; when it is (re)built it is warmed by replaying the recent analysed items, and its
events are mapped back to the stored ones by the event most of their items already belong to. New items
are then analysed in time order, so later posts join existing events.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from yuqing.analyse.dedup import ItemId
from yuqing.analyse.heat import HeatInput, heat_factors, heat_score
from yuqing.analyse.pipeline import Pipeline
from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.clock import aware, utcnow
from yuqing.domain.roles import Actor, require
from yuqing.store import audit
from yuqing.store.tables import Event, Item, Source
from yuqing.workspace import Workspace

WARM_DAYS = 3
_lock = threading.Lock()
_cache: dict[str, Analyser] = {}


def item_input(item: Item, source_name: str) -> dict[str, Any]:
    """The pipeline's input dict for one stored item."""
    when = item.published_at or item.captured_at
    return {
        "id": str(item.id), "title": item.title, "text": item.text, "source": source_name,
        "published_at": aware(when).isoformat() if when else None,
        "reposts": item.reposts, "comments": item.comments, "likes": item.likes,
    }


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@dataclass
class Analyser:
    """A warmed pipeline and the mapping of its event ids to stored event ids."""

    ws: Workspace
    pipeline: Pipeline
    event_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, ws: Workspace) -> Analyser:
        analyser = cls(ws, Pipeline(ws.profile()))
        analyser.warm()
        return analyser

    def warm(self) -> None:
        """Replay recent analysed items so dedup and events continue where they stopped.

        The replay clusters afresh; the stored grouping then wins (`Pipeline.adopt`), so events an
        analyst merged stay merged, events an analyst split stay apart and titles an analyst chose stay.
        """
        since = utcnow() - timedelta(days=WARM_DAYS)
        with self.ws.db.read() as s:
            rows = s.execute(
                select(Item, Source.name).join(Source, Item.source_id == Source.id)
                .where(Item.analysed_at.is_not(None), func.coalesce(Item.published_at, Item.captured_at) >= since)
                .order_by(func.coalesce(Item.published_at, Item.captured_at), Item.id)
            ).all()
            owner: dict[ItemId, int] = {str(it.id): it.event_id for it, _ in rows if it.event_id is not None}
            held = set(owner.values())
            titles = dict(s.execute(select(Event.id, Event.title)
                                    .where(Event.title_pinned.is_(True), Event.id.in_(held))).all()) if held else {}
            for start in range(0, len(rows), 1000):
                self.pipeline.run([item_input(it, name) for it, name in rows[start : start + 1000]])
        self.event_ids = self.pipeline.adopt(owner, titles)
        self.pipeline.drain_events()  # what the replay changed is stored already

    def analyse(self, session: Session, items: list[tuple[Item, str]]) -> dict[str, int]:
        """Analyse `items` (in time order) and write results and events in the caller's transaction."""
        results = self.pipeline.run([item_input(it, name) for it, name in items])
        now = utcnow()
        changed = self.pipeline.drain_events()
        # Surviving events first, so that events merged into them (by the pipeline's second pass) have a
        # stored target to point at.
        for ev in sorted(changed, key=lambda e: bool(e.get("merged_into"))):
            self._store_event(session, ev)
        counts = Counter[str]()
        for (item, _), out in zip(items, results, strict=True):
            matches = {m["place"]: m for m in out.get("place_matches", [])}
            item.analysed_at = now
            item.relevant = bool(out["relevant"])
            item.places = [{"name": p, "term": matches.get(p, {}).get("term"), "why": matches.get(p, {}).get("why")}
                           for p in out["places"]]
            item.sentiment = out["sentiment"]
            item.sentiment_score = float(out["sentiment_score"])
            item.topics = [TOPIC_LABELS.get(t, t) for t in out["topics"]]
            item.duplicate_of_id = int(out["duplicate_of"]) if out.get("duplicate_of") else None
            item.event_id = self.event_ids.get(str(out["event_id"])) if out.get("event_id") else None
            counts["analysed"] += 1
            counts["relevant"] += int(item.relevant)
            counts["duplicates"] += int(item.duplicate_of_id is not None)
        counts["events_changed"] = len(changed)
        return dict(counts)

    def _store_event(self, session: Session, ev: dict[str, Any]) -> None:
        pid = str(ev["id"])
        if ev.get("merged_into"):
            self._store_merge(session, pid, str(ev["merged_into"]))
            return
        values = dict(
            title=str(ev["title"])[:300], keywords=list(ev["keywords"]), places=list(ev["places"]),
            topics=[TOPIC_LABELS.get(t, t) for t in ev["topics"]], item_count=int(ev["item_count"]),
            heat=float(ev["heat"]), heat_factors=dict(ev["heat_factors"]),
            first_seen_at=_time(ev["first_seen_at"]) or utcnow(), last_seen_at=_time(ev["last_seen_at"]) or utcnow(),
        )
        db_id = self.event_ids.get(pid)
        if db_id is None:
            row = Event(**values)
            session.add(row)
            session.flush()
            self.event_ids[pid] = row.id
        else:
            session.execute(update(Event).where(Event.id == db_id).values(**values))


    def _store_merge(self, session: Session, pid: str, into: str) -> None:
        """The pipeline merged event `pid` into `into`: mark the stored one merged and move its items."""
        db_id, target_id = self.event_ids.get(pid), self.event_ids.get(into)
        if db_id is None or target_id is None or db_id == target_id:
            if db_id is None and target_id is not None:
                self.event_ids[pid] = target_id
            return
        session.execute(update(Item).where(Item.event_id == db_id).values(event_id=target_id))
        session.execute(update(Event).where(Event.id == db_id)
                        .values(merged_into_id=target_id, status="merged", item_count=0))
        self.event_ids[pid] = target_id


def analyser_for(ws: Workspace) -> Analyser:
    key = str(ws.path)
    if key not in _cache:
        _cache[key] = Analyser.build(ws)
    return _cache[key]


def forget(ws: Workspace) -> None:
    """Drop the cached pipeline (after an analyst merged or split events); the next run rebuilds it."""
    _cache.pop(str(ws.path), None)


def analyse_pending(ws: Workspace, batch: int = 500, progress: Any = None) -> dict[str, int]:
    """Analyse every item not analysed yet, oldest first, one transaction per batch; then attach relevant
    posts that concern a closed case to it (the office decides whether to reopen)."""
    from yuqing.respond.actions import attach_follow_ups

    totals: Counter[str] = Counter()
    relevant: list[int] = []
    with _lock:
        analyser = analyser_for(ws)
        while True:
            with ws.db.write() as s:
                rows = s.execute(
                    select(Item, Source.name).join(Source, Item.source_id == Source.id)
                    .where(Item.analysed_at.is_(None))
                    .order_by(func.coalesce(Item.published_at, Item.captured_at), Item.id).limit(batch)
                ).all()
                if not rows:
                    break
                totals.update(analyser.analyse(s, [(it, name) for it, name in rows]))
                relevant += [it.id for it, _ in rows if it.relevant]
            if progress:
                progress(len(rows))
    if relevant:
        attached = attach_follow_ups(ws, relevant)
        if attached:
            totals["follow_ups"] = len(attached)
    return dict(totals)


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


def merge_events(ws: Workspace, actor: Actor, target_id: int, other_id: int, reason: str) -> Event:
    """An analyst merges `other` into `target` (same happening, split by the clustering). Audited."""
    require(actor, "events.edit")
    if target_id == other_id:
        raise EventError("不能把事件合并到它自己")
    if not reason.strip():
        raise EventError("请填写合并理由")
    with ws.db.write() as s:
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
        audit.append(s, actor, "event.merge", "event", target.id, merged=other.id, items=len(moved),
                     reason=reason.strip())
    forget(ws)
    return target


def split_event(ws: Workspace, actor: Actor, event_id: int, item_ids: list[int], title: str, reason: str) -> Event:
    """An analyst moves some items of an event into a new event (different happenings). Audited."""
    require(actor, "events.edit")
    if not title.strip() or not reason.strip():
        raise EventError("请填写新事件标题和拆分理由")
    with ws.db.write() as s:
        source = s.get(Event, event_id)
        if source is None or source.merged_into_id:
            raise EventError("事件不存在或已被合并")
        chosen = list(s.execute(select(Item).where(Item.event_id == event_id, Item.id.in_(item_ids))).scalars())
        if not chosen or len(chosen) == source.item_count:
            raise EventError("请选择部分（而非全部）信息拆出")
        new = Event(title=title.strip()[:300], title_pinned=True, keywords=[], places=[], topics=list(source.topics))
        s.add(new)
        s.flush()
        for item in chosen:
            item.event_id = new.id
        s.flush()
        _refresh(s, source)
        _refresh(s, new)
        audit.append(s, actor, "event.split", "event", source.id, new_event=new.id, items=[i.id for i in chosen],
                     reason=reason.strip())
    forget(ws)
    return new


def rename_event(ws: Workspace, actor: Actor, event_id: int, title: str, reason: str) -> Event:
    """An analyst gives an event its title; the title is pinned (kept as the event grows). Audited."""
    require(actor, "events.edit")
    title, reason = title.strip(), reason.strip()
    if not title or not reason:
        raise EventError("请填写事件标题和修改理由")
    with ws.db.write() as s:
        event = s.get(Event, event_id)
        if event is None or event.merged_into_id:
            raise EventError("事件不存在或已被合并")
        before = event.title
        event.title, event.title_pinned = title[:300], True
        audit.append(s, actor, "event.rename", "event", event.id, before=before, after=event.title, reason=reason)
    forget(ws)
    return event
