"""Early warning (预警, R-ANALYSE-8): find the spikes of the last hour and the emergency keywords, as warnings.

Run by `alerts run` (so after every analysis batch) before the rules are evaluated:
1. Count the posts (relevant or not yet judged; duplicates and reposts are volume too) of the last hour and of
   the same hour on each of the previous 14 days, per event and per topic × place (an item counts for each
   of its topics and places).
2. A count that is a spike against its baseline (yuqing.domain.early_warning: same hour of day, median + MAD,
   minimum count) is a warning, with its reason in Chinese. A topic × place warning points at the event most
   of that hour's posts belong to (the one to open); none yet, and it waits for the next run; that event
   spiking itself, the event's warning says it (one burst, one warning).
3. While a monitoring window (emergency mode) with keywords is on, a post of an event naming one of them is a
   warning at once (no baseline).
Each warning is one row keyed (kind, subject, China date), and a subject that warned is not warned again for
COOLDOWN: a spike that lasts all evening warns once. Rules with early_warning route warnings through the same
sent-log, channels and duty paging as graded alerts (yuqing.alert.run).

The last hour is the hour before now, or before the newest post when the newest post is older (an imported
archive, the demo): the same anchoring as the rules' lookback.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import early_warning as ew
from yuqing.store.tables import Event, Item
from yuqing.store.tables_alert import AlertWarning
from yuqing.workspace import Workspace

NO_TOPIC = "other"


@dataclass(slots=True)
class Found:
    kind: str
    subject: str
    event_id: int | None
    count: int
    reason: str
    topic: str | None = None
    place: str | None = None
    keyword: str | None = None
    median: float | None = None
    threshold: int | None = None


def _place(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else str(value)


def anchor(s: Session, now: datetime) -> datetime:
    """The end of the last hour: now, or just after the newest post when that is older."""
    newest = [aware(v) for v in (s.execute(select(func.max(Item.published_at))).scalar_one_or_none(),
                                 s.execute(select(func.max(Item.captured_at))).scalar_one_or_none()) if v is not None]
    if not newest:
        return now
    return min(now, max(newest) + timedelta(seconds=1))


def _in_windows(wins: list[tuple[datetime, datetime]]) -> Any:
    """Posted (or, without a time of posting, captured) in one of the windows: ranges on the expression index
    ix_items_time (coalesce(published_at, captured_at)), one short range scan per window."""
    at = func.coalesce(Item.published_at, Item.captured_at)
    return or_(*[and_(at >= a, at < b) for a, b in wins])


def count(s: Session, end: datetime, days: int) -> tuple[dict[int, list[int]], dict[tuple[str, str], list[int]],
                                                           dict[tuple[str, str], Counter[int]]]:
    """Per event and per (topic, place): the counts of the last hour (index 0) and of the same hour on each of
    the previous days (index d); and per (topic, place) the events of the last hour's posts."""
    wins = ew.windows(end, days)
    events: dict[int, list[int]] = defaultdict(lambda: [0] * (days + 1))
    areas: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * (days + 1))
    area_events: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    rows = s.execute(select(Item.published_at, Item.captured_at, Item.event_id, Item.topics, Item.places)
                     .where(_in_windows(wins), Item.relevant.is_not(False)))
    for published, captured, event_id, topics, places in rows:
        at = aware(published or captured)
        d = int((end - at) // timedelta(days=1))
        if d > days or not (wins[d][0] <= at < wins[d][1]):
            continue
        if event_id is not None:
            events[event_id][d] += 1
        names = {_place(p) for p in places or []} - {""}
        for topic in {str(t) for t in topics or []} - {NO_TOPIC, ""}:
            for place in names:
                areas[(topic, place)][d] += 1
                if d == 0 and event_id is not None:
                    area_events[(topic, place)][event_id] += 1
    return events, areas, area_events


def find(ws: Workspace, s: Session, end: datetime, now: datetime | None = None) -> list[Found]:
    """The spikes and emergency keywords of the hour before `end` (before cooldown and the sent-log); the
    keywords of the monitoring windows on `now`."""
    days, least = ws.settings.warning_baseline_days, ws.settings.warning_min_count
    events, areas, area_events = count(s, end, days)
    found: list[Found] = []
    live = {e.id: e for e in s.execute(select(Event).where(Event.id.in_(
        [i for i, c in events.items() if c[0] >= least] or [-1]))).scalars()}
    for event_id, counts in sorted(events.items()):
        ev = live.get(event_id)
        b = ew.spike(counts[0], counts[1:], least) if counts[0] >= least else None
        if b is not None and ev is not None:
            target = ev.merged_into_id or ev.id
            found.append(Found("event_spike", f"event:{target}", target, counts[0],
                               ew.spike_reason(counts[0], b), median=b.median,
                               threshold=b.threshold))
    spiking = {f.event_id for f in found}
    for (topic, place), counts in sorted(areas.items()):
        b = ew.spike(counts[0], counts[1:], least) if counts[0] >= least else None
        if b is None or not area_events[(topic, place)]:
            continue
        main = area_events[(topic, place)].most_common(1)[0][0]
        main = live[main].merged_into_id or main if main in live else main
        if main in spiking:
            continue  # the event's own spike says it (one warning, not two, for one burst)
        label = f"{place}·{TOPIC_LABELS.get(topic, topic)}"
        found.append(Found("area_spike", f"area:{topic}|{place}"[:300], main, counts[0],
                           ew.spike_reason(counts[0], b, label), topic=topic, place=place[:100],
                           median=b.median, threshold=b.threshold))
    return found + _keywords(s, end, now or end)


def _keywords(s: Session, end: datetime, now: datetime) -> list[Found]:
    """Posts naming an emergency keyword of an active monitoring window: a warning at once per keyword and event."""
    from yuqing.collect.schedule import active_windows

    windows = [w for w in active_windows(s, now) if w.keywords]
    if not windows:
        return []
    start = end - ew.WINDOW
    hits: dict[tuple[str, int], int] = Counter()
    named: dict[str, str] = {}
    for w in windows:
        for k in w.keywords or []:
            named.setdefault(str(k), w.name)
    rows = s.execute(select(Item.event_id, Item.extra).where(
        _in_windows([(start, end)]), Item.event_id.is_not(None), Item.relevant.is_not(False)))
    for event_id, extra in rows:
        for k in (extra or {}).get("emergency_keywords", []) if isinstance(extra, dict) else []:
            if str(k) in named:
                hits[(str(k), int(event_id))] += 1
    return [Found("keyword", f"keyword:{k}|event:{event_id}"[:300], event_id, n,
                  ew.keyword_reason(k, n, named[k]), keyword=k[:100]) for (k, event_id), n in sorted(hits.items())]


def detect(ws: Workspace, now: datetime | None = None) -> list[int]:
    """Record the new warnings of the last hour; returns their ids (those another runner recorded, or that a
    subject's cooldown holds, are not new)."""
    now = now or utcnow()
    with ws.db.read() as s:
        end = anchor(s, now)
        found = find(ws, s, end, now)
        if not found:
            return []
        recent = set(s.execute(select(AlertWarning.kind, AlertWarning.subject).where(
            AlertWarning.window_end > end - ew.COOLDOWN, AlertWarning.window_end <= end + ew.COOLDOWN)).all())
    fresh = [f for f in found if (f.kind, f.subject) not in recent]
    if not fresh:
        return []
    day = end.astimezone(CHINA).date().isoformat()
    ids: list[int] = []
    with ws.db.write() as s:
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        for f in fresh:
            row = s.execute(insert(AlertWarning).values(
                kind=f.kind, subject=f.subject, day=day, event_id=f.event_id, topic=f.topic, place=f.place,
                keyword=f.keyword, window_start=end - ew.WINDOW, window_end=end, count=f.count,
                baseline_median=f.median, threshold=f.threshold, reason=f.reason, created_at=now,
            ).on_conflict_do_nothing().returning(AlertWarning.id)).first()
            if row is not None:
                ids.append(int(row[0]))
    return ids


def recent(s: Session, now: datetime, limit: int = 50) -> list[AlertWarning]:
    """The warnings raised in the last COOLDOWN (those the rules still route), newest first."""
    return list(s.execute(select(AlertWarning).where(AlertWarning.created_at > now - ew.COOLDOWN)
                          .order_by(AlertWarning.id.desc()).limit(limit)).scalars())
