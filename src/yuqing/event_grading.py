"""Event grades in the database: recomputed from the items as events grow, kept in a history (R-ANALYSE-7).

The factors and the score are pure functions (`domain.grading.assess`); this module reads an event's items,
stores the assessment on the event and writes a history row when the grade changes. It runs inside the
transaction that changed the events: the analysis batch that touched them (`analysis_service`), an
analyst's merge or split (`events_admin`). A grade an analyst set (`events_admin.override_grade`) is never
overwritten: the computed score and factors are still stored beside it, and the grade comes back to the
computed one when the analyst lifts the override. The configuration is the workspace's `grading.json`
(over `domain.grading.DEFAULTS`), read again when the file changes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, insert, select, update
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.domain.grading import Assessment, GradeItem, GradingConfig, assess
from yuqing.store.tables import Event, EventGrade, Item, Source
from yuqing.workspace import Workspace

_configs: dict[Path, tuple[int, GradingConfig]] = {}
_configs_lock = threading.Lock()


def grading_config(ws: Workspace) -> GradingConfig:
    """The workspace's grading configuration (cached until `grading.json` changes)."""
    path = ws.settings.grading_path
    stamp = path.stat().st_mtime_ns if path.exists() else 0
    with _configs_lock:
        cached = _configs.get(path)
        if cached is None or cached[0] != stamp:
            cached = (stamp, GradingConfig.load(path))
            _configs[path] = cached
        return cached[1]


def grade_items(session: Session, event_ids: Iterable[int]) -> dict[int, list[GradeItem]]:
    """What grading reads of the items of each event (one query, no raw snapshots)."""
    ids = list(set(event_ids))
    out: dict[int, list[GradeItem]] = defaultdict(list)
    if not ids:
        return out
    rows = session.execute(
        select(Item.event_id, Item.id, Item.title, Item.text, Item.published_at, Item.captured_at, Item.reposts,
               Item.comments, Item.likes, Item.places, Item.sentiment, Source.name, Source.official)
        .join(Source, Item.source_id == Source.id).where(Item.event_id.in_(ids)).order_by(Item.id))
    for (event_id, item_id, title, text, published, captured, reposts, comments, likes, places, sentiment, source,
         official) in rows:
        when: datetime | None = published or captured
        text = text or ""
        full = text if not title or text.startswith(title) else f"{title}\n{text}"
        names = tuple(p["name"] if isinstance(p, dict) else str(p) for p in places or [])
        out[int(event_id)].append(GradeItem(
            id=int(item_id), text=full, source=source, at=aware(when).timestamp() if when else 0.0,
            reach=int(reposts or 0) + int(comments or 0) + int(likes or 0), places=names, official=bool(official),
            sentiment=sentiment))
    return out


def summary(assessment: Assessment, top: int = 6) -> list[dict[str, Any]]:
    """The factors kept with a history row: the contributing ones, strongest first."""
    return [{"name": f.name, "label": f.label, "contribution": f.contribution}
            for f in assessment.factors if f.contribution > 0][:top]


def regrade(session: Session, event_ids: Iterable[int], config: GradingConfig,
            now: datetime | None = None, *, record: bool = True) -> dict[int, Assessment]:
    """Recompute and store the grades of the live events given; a history row when a grade changes
    (unless `record` is false: the caller writes its own row, e.g. an analyst lifting an override).

    An overridden event keeps its grade (guarded in SQL too): only its computed score and factors move.
    """
    ids = sorted(set(event_ids))
    if not ids:
        return {}
    now = now or utcnow()
    live = {int(i): (g, bool(o)) for i, g, o in session.execute(
        select(Event.id, Event.grade, Event.grade_overridden).where(Event.id.in_(ids), Event.merged_into_id.is_(None)))}
    items = grade_items(session, live)
    done = {event_id: assess(items.get(event_id, []), config) for event_id in live}
    if not done:
        return done
    # The computed score and factors of every event, in one round trip.
    table = cast(Table, Event.__table__)
    session.flush()
    session.connection().execute(
        update(table).where(table.c.id == bindparam("b_id"))
        .values(grade_factors=bindparam("b_factors"), grade_score=bindparam("b_score"), graded_at=now),
        [{"b_id": event_id, "b_factors": dict(result.to_dict(), computed_at=now.isoformat()),
          "b_score": result.score} for event_id, result in done.items()])
    # The grades that change, in one statement guarded in SQL (an override wins); history for those changed.
    moving = {event_id: result.grade for event_id, result in done.items()
              if not live[event_id][1] and live[event_id][0] != result.grade}
    if moving:
        changed = set(session.execute(
            update(table).where(table.c.id.in_(moving), table.c.grade_overridden.is_(False))
            .values(grade=case(moving, value=table.c.id)).returning(table.c.id)).scalars())
        if record and changed:
            session.execute(insert(EventGrade), [
                {"event_id": event_id, "at": now, "kind": "computed", "from_grade": live[event_id][0],
                 "to_grade": done[event_id].grade, "score": done[event_id].score, "why": done[event_id].why(),
                 "factors": summary(done[event_id])} for event_id in sorted(changed)])
    return done


SETTLE = timedelta(minutes=2)  # an event a batch stored this recently is being graded by that batch's worker


def regrade_ungraded(ws: Workspace, limit: int = 500, settle: timedelta = SETTLE) -> int:
    """Grade the live events that have items but no grade yet: events stored before grading existed (a
    workspace upgraded since), or whose grading after their batch failed; run after analysis, so an old event
    need not grow to get its grade. Events created in the last `settle` are left to the batch that stored
    them (its worker grades them right after): grading them here too did the work twice, and each worker
    ending a task found the others' new events ungraded. Each event is locked while graded, as after a batch;
    the analysis lock is not taken, so batches are stored meanwhile."""
    from yuqing.store.analysis import lock_events

    with ws.db.read() as s:
        ids = list(s.execute(select(Event.id).where(
            Event.graded_at.is_(None), Event.merged_into_id.is_(None), Event.item_count > 0,
            Event.created_at < utcnow() - settle).order_by(Event.id).limit(limit)).scalars())
    if ids:
        with ws.db.write() as s:
            lock_events(s, set(ids))
            regrade(s, ids, grading_config(ws))
    return len(ids)


def history(session: Session, event_id: int) -> list[EventGrade]:
    """The grade history of an event, newest first."""
    return list(session.execute(select(EventGrade).where(EventGrade.event_id == event_id)
                                .order_by(EventGrade.at.desc(), EventGrade.id.desc())).scalars())


def report(event: Event) -> dict[str, Any]:
    """The grade of an event as the CLI prints it: {grade, score, factors, overridden}."""
    stored = event.grade_factors or {}
    return {
        "grade": event.grade,
        "score": event.grade_score,
        "factors": [{"name": f["name"], "value": f["value"], "contribution": f["contribution"],
                     "evidence_item_ids": list(f.get("evidence_item_ids", []))}
                    for f in stored.get("factors", [])],
        "overridden": bool(event.grade_overridden),
    }
