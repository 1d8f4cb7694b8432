"""Analysis state in the database: claims on pending items, the analysis version, stored results.

The database is the truth of analysis (DESIGN: nothing that decides lives only in a process's memory):
- a worker claims a batch of pending items with a lease (`claim`): the rows are taken `FOR UPDATE` on
  PostgreSQL, then marked with the worker's token and an expiry; the mark is conditional (unclaimed or
  expired), which is what keeps SQLite's processes apart too. Claims and lease renewals take turns (an
  advisory lock on PostgreSQL, the one writer on SQLite), so a claim takes a whole expired batch or none
  of it: batches keep their boundaries. A live worker renews its leases (`renew`); a worker killed
  mid-batch leaves its claim to expire, and another worker takes the items again;
- the one `analysis_state` row is locked (`lock_state`) by every batch's stateful step and by every
  analyst decision, so those run one at a time, each in one transaction; each bumps `version`, analyst
  decisions and profile edits also bump `rebuild_version` (`decided`, `profile_edited`);
- the results of a batch are written (`write_events`, `write_items`) only for the items the batch still
  holds a claim on, in the transaction that clears the claim, so nothing is lost or counted twice; the
  SQL guards what an analyst decided (a pinned title is never rewritten, a merged event never revived).

Orchestration (the pipeline, its cache, follow-ups) lives in `yuqing.analysis_service`, not here.
The analyst's merge, split and retitle are actions in `yuqing.events_admin`; `decided` is what they call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.store.db import Database
from yuqing.store.tables import AnalysisState, Event, Item, Source

STATE_ID = 1
CLAIMS_LOCK = 7_170_001  # PostgreSQL advisory lock key: claims and lease renewals one at a time
ITEM_TIME = func.coalesce(Item.published_at, Item.captured_at)
# What analysis reads of an item (never the raw snapshot, which can be large), as plain rows: an item's
# columns by the same names as on `Item`, and `name`, its source's (no ORM objects: a replay reads thousands).
READ = (Item.id, Item.title, Item.text, Item.published_at, Item.captured_at, Item.reposts, Item.comments,
        Item.likes, Item.relevant, Item.sentiment, Item.duplicate_of_id, Item.event_id, Item.analysis_features,
        Item.analysed_at, Item.analysis_version, Source.name)
StoredItem = Row[Any]  # a row of READ


def lock_state(session: Session) -> AnalysisState:
    """Lock the analysis state row for this transaction (created when missing) and return it.

    PostgreSQL: `SELECT … FOR UPDATE` on the row (other batches and decisions wait for the commit).
    SQLite: the first statement is a write, so the transaction holds the database's one write lock.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(AnalysisState).where(AnalysisState.id == STATE_ID)
                        .values(version=AnalysisState.version).execution_options(synchronize_session=False))
    state = session.execute(select(AnalysisState).where(AnalysisState.id == STATE_ID)
                            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if state is None:  # (the migration inserts it; an emptied table gets it back, whoever comes first)
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        session.execute(insert(AnalysisState).values(id=STATE_ID, version=0, rebuild_version=0, profile_version=0,
                                                     updated_at=utcnow()).on_conflict_do_nothing())
        state = session.execute(select(AnalysisState).where(AnalysisState.id == STATE_ID)
                                .with_for_update().execution_options(populate_existing=True)).scalar_one()
    return state


def lock_events(session: Session, event_ids: set[int]) -> None:
    """Lock events for regrading or for a batch's writes, in id order (two workers regrading one event take
    turns, and the one after reads what the one before wrote; a batch and a grading never wait on each other
    in opposite orders). SQLite: the transaction takes the one write lock first, so that its reads and writes
    see one state."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(AnalysisState).where(AnalysisState.id == STATE_ID)
                        .values(version=AnalysisState.version).execution_options(synchronize_session=False))
        return
    if event_ids:
        session.execute(select(Event.id).where(Event.id.in_(sorted(event_ids))).order_by(Event.id)
                        .with_for_update())


def read_state(session: Session) -> tuple[int, int, int]:
    """(version, rebuild_version, profile_version) as committed, without locking."""
    row = session.execute(select(AnalysisState.version, AnalysisState.rebuild_version, AnalysisState.profile_version)
                          .where(AnalysisState.id == STATE_ID)).first()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)


def bump(session: Session, *, rebuild: bool = False, profile: bool = False) -> AnalysisState:
    """Lock the state and move its version (and the rebuild/profile versions when asked)."""
    state = lock_state(session)
    state.version += 1
    if rebuild or profile:
        state.rebuild_version += 1
    if profile:
        state.profile_version += 1
    state.updated_at = utcnow()
    return state


def decided(session: Session) -> None:
    """An analyst decision (merge, split, retitle, relevance) is being written in this transaction:
    every worker's cache is rebuilt from the tables before its next batch."""
    bump(session, rebuild=True)


def profile_edited(session: Session) -> None:
    """The district profile changed in this transaction: every worker reloads it at its next batch."""
    bump(session, profile=True)


# ---- claims ---------------------------------------------------------------------------------------------


@dataclass
class Claim:
    """A batch of pending items one worker holds until `expires_at` (the items in time order)."""

    token: str
    item_ids: list[int]
    expires_at: datetime


def _claims_turn(session: Session, db: Database) -> None:
    """Wait until no other claim or renewal is running (PostgreSQL; SQLite's writer lock does this already).

    Without it a claim could see a batch whose lease just ran out half renewed, or half taken by another
    claim, and take part of it: the batch would be split, and events grow differently from one process."""
    if not db.is_sqlite:
        session.execute(select(func.pg_advisory_xact_lock(CLAIMS_LOCK)))


def claim(db: Database, limit: int, lease: timedelta, worker: str) -> Claim:
    """Claim up to `limit` pending items (oldest first) that nobody holds, or whose claim expired."""
    now = utcnow()
    token = f"{worker}:{uuid.uuid4().hex[:12]}"[-80:]
    expires = now + lease
    free = or_(Item.claim_expires_at.is_(None), Item.claim_expires_at < now)
    with db.write() as s:
        _claims_turn(s, db)
        query = select(Item.id).where(Item.analysed_at.is_(None), free).order_by(ITEM_TIME, Item.id).limit(limit)
        if not db.is_sqlite:  # rows a batch is storing are waited for, then seen analysed and passed over
            query = query.with_for_update()
        ids = list(s.execute(query).scalars())
        if not ids:
            return Claim(token, [], expires)
        # Conditional: only what is still free is taken (another process may have taken some meanwhile).
        s.execute(update(Item).where(Item.id.in_(ids), Item.analysed_at.is_(None), free)
                  .values(claimed_by=token, claim_expires_at=expires).execution_options(synchronize_session=False))
        got = list(s.execute(select(Item.id).where(Item.claimed_by == token).order_by(ITEM_TIME, Item.id)).scalars())
    return Claim(token, got, expires)


def release(db: Database, claim_: Claim) -> None:
    """Give back what a failed batch still holds, so another worker takes it at once."""
    with db.write() as s:
        s.execute(update(Item).where(Item.claimed_by == claim_.token, Item.analysed_at.is_(None))
                  .values(claimed_by=None, claim_expires_at=None).execution_options(synchronize_session=False))


def still_held(session: Session, claim_: Claim) -> set[int]:
    """The claimed items this batch may still write (not retaken after expiry, not analysed by another)."""
    return set(session.execute(select(Item.id).where(Item.claimed_by == claim_.token,
                                                     Item.analysed_at.is_(None))).scalars())


def _older_than(session: Session, claim_: Claim) -> ColumnElement[bool] | None:
    """The condition "before the claim's first item" in claim order (time, then id); None for an empty claim
    or one whose first item is gone."""
    first = session.execute(select(ITEM_TIME, Item.id).where(Item.id == claim_.item_ids[0])).first() \
        if claim_.item_ids else None
    if first is None:
        return None
    return tuple_(ITEM_TIME, Item.id) < tuple_(literal(first[0], ITEM_TIME.type), literal(first[1]))


def earlier_claimed(session: Session, claim_: Claim) -> bool:
    """Whether another live claim holds pending items older than this claim's first one."""
    older = _older_than(session, claim_)
    if older is None:
        return False
    return session.execute(select(Item.id).where(
        Item.claimed_by.is_not(None), Item.claimed_by != claim_.token, Item.analysed_at.is_(None),
        Item.claim_expires_at >= utcnow(), older).limit(1)).first() is not None


def older_pending(session: Session, claim_: Claim) -> bool:
    """Whether a pending item older than this claim's first one is not this claim's (held by another
    batch, or by nobody): the batch must not be stored before it. Checked under the analysis lock, where
    stores take turns, so no older item can be stored after this batch."""
    older = _older_than(session, claim_)
    if older is None:
        return False
    not_mine = or_(Item.claimed_by.is_(None), Item.claimed_by != claim_.token)
    return session.execute(select(Item.id).where(Item.analysed_at.is_(None), older, not_mine).limit(1)).first() \
        is not None


def claim_older(db: Database, claim_: Claim, limit: int, lease: timedelta, worker: str) -> Claim:
    """Claim up to `limit` pending items older than `claim_`'s first one that nobody holds any more (a
    killed worker's batch whose lease ran out), oldest first; `claim_` keeps its items and gets a fresh lease
    (its worker analyses the older ones first, so that events grow in time order as in one process)."""
    now = utcnow()
    token = f"{worker}:{uuid.uuid4().hex[:12]}"[-80:]
    expires = now + lease
    free = or_(Item.claim_expires_at.is_(None), Item.claim_expires_at < now)
    with db.write() as s:
        _claims_turn(s, db)
        older = _older_than(s, claim_)
        if older is None:
            return Claim(token, [], expires)
        s.execute(update(Item).where(Item.claimed_by == claim_.token, Item.analysed_at.is_(None))
                  .values(claim_expires_at=expires + lease).execution_options(synchronize_session=False))
        claim_.expires_at = expires + lease
        query = (select(Item.id).where(Item.analysed_at.is_(None), free, older)
                 .order_by(ITEM_TIME, Item.id).limit(limit))
        if not db.is_sqlite:
            query = query.with_for_update()
        ids = list(s.execute(query).scalars())
        if not ids:
            return Claim(token, [], expires)
        s.execute(update(Item).where(Item.id.in_(ids), Item.analysed_at.is_(None), free)
                  .values(claimed_by=token, claim_expires_at=expires).execution_options(synchronize_session=False))
        got = list(s.execute(select(Item.id).where(Item.claimed_by == token).order_by(ITEM_TIME, Item.id)).scalars())
    return Claim(token, got, expires)


def renew(db: Database, claims: Iterable[Claim], lease: timedelta) -> None:
    """Extend the leases of what the claims still hold (a live worker's heartbeat: a batch being prepared,
    waiting its turn or analysing older items first never loses its items to another worker)."""
    held = {c.token: c for c in claims if c.item_ids}
    if not held:
        return
    expires = utcnow() + lease
    with db.write() as s:
        _claims_turn(s, db)
        rows = select(Item.id).where(Item.claimed_by.in_(list(held)), Item.analysed_at.is_(None)).order_by(Item.id)
        if not db.is_sqlite:  # rows the batch is being stored with are passed over: never wait on its own store
            rows = rows.with_for_update(skip_locked=True)  # (waiting on it deadlocked with it, in the bench)
        ids = list(s.execute(rows).scalars())
        if ids:
            s.execute(update(Item).where(Item.id.in_(ids), Item.claimed_by.in_(list(held)), Item.analysed_at.is_(None))
                      .values(claim_expires_at=expires).execution_options(synchronize_session=False))
    for c in held.values():
        c.expires_at = expires


def analysed_count(session: Session) -> int:
    return int(session.execute(select(func.count(Item.id)).where(Item.analysed_at.is_not(None))).scalar_one())


def pending_count(session: Session) -> int:
    return int(session.execute(select(func.count(Item.id)).where(Item.analysed_at.is_(None))).scalar_one())


@dataclass
class Batch:
    """A batch in hand (`worker`: host:pid:thread of the claim) or one stored lately (`worker` None)."""

    worker: str | None
    items: int
    at: datetime | None  # in hand: when its lease runs out; stored: when it was written
    expired: bool = False


@dataclass
class QueueStatus:
    """What an operator sees of analysis: the backlog, the batches in hand, the batches stored lately."""

    pending: int
    free: int  # pending and held by nobody (or by a lease that ran out): the next claims take these
    in_hand: list[Batch]
    recent: list[Batch]
    version: int
    last_stored: datetime | None


def _at(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


def queue_status(session: Session, recent: int = 8) -> QueueStatus:
    """The analysis queue now (the pending-items index keeps this cheap however many posts are stored)."""
    now = utcnow()
    pending = pending_count(session)
    held = session.execute(
        select(Item.claimed_by, func.count(Item.id), func.max(Item.claim_expires_at))
        .where(Item.analysed_at.is_(None), Item.claimed_by.is_not(None)).group_by(Item.claimed_by)).all()
    in_hand = sorted((Batch(str(token).rsplit(":", 1)[0], int(n), _at(expires), (_at(expires) or now) < now)
                      for token, n, expires in held), key=lambda b: b.at or now)
    live = sum(b.items for b in in_hand if not b.expired)
    version, _, _ = read_state(session)
    rows = session.execute(select(Item.analysis_version, func.count(Item.id), func.max(Item.analysed_at))
                           .where(Item.analysis_version > version - recent).group_by(Item.analysis_version)
                           .order_by(Item.analysis_version.desc())).all() if version else []
    stored = [Batch(None, int(n), _at(at)) for _, n, at in rows]
    return QueueStatus(pending, pending - live, in_hand, stored, version, stored[0].at if stored else None)


# ---- stored results -------------------------------------------------------------------------------------


def load_items(session: Session, ids: Iterable[int]) -> list[StoredItem]:
    """The items with their source names, in time order."""
    ids = list(ids)
    if not ids:
        return []
    return list(session.execute(select(*READ).join(Source, Item.source_id == Source.id)
                                .where(Item.id.in_(ids)).order_by(ITEM_TIME, Item.id)).all())


def analysed_since(session: Session, version: int) -> list[StoredItem]:
    """Items analysed by batches after `version`, in the order they were analysed."""
    return list(session.execute(select(*READ).join(Source, Item.source_id == Source.id)
                                .where(Item.analysis_version > version)
                                .order_by(Item.analysis_version, ITEM_TIME, Item.id)).all())


def analysed_window(session: Session, days: float) -> list[StoredItem]:
    """Items analysed that were published within `days` of the newest analysed one, in time order."""
    newest = session.execute(select(func.max(ITEM_TIME)).where(Item.analysed_at.is_not(None))).scalar_one()
    if newest is None:
        return []
    since = aware(newest) - timedelta(days=days)
    return list(session.execute(select(*READ).join(Source, Item.source_id == Source.id)
                                .where(Item.analysed_at.is_not(None), since <= ITEM_TIME)
                                .order_by(ITEM_TIME, Item.id)).all())


def merged_since(session: Session, version: int) -> list[tuple[int, int]]:
    """(event, the event it was merged into) for merges written after `version`."""
    return [(int(a), int(b or 0)) for a, b in session.execute(
        select(Event.id, Event.merged_into_id)
        .where(Event.analysis_version > version, Event.merged_into_id.is_not(None))
        .order_by(Event.analysis_version, Event.id)).all()]


def analyst_state(session: Session, event_ids: Iterable[int]) -> tuple[dict[int, str], list[tuple[int, int]]]:
    """Of the given stored events: the titles analysts pinned, and the (new, from) pairs analysts split."""
    ids = list(set(event_ids))
    if not ids:
        return {}, []
    titles = {int(i): str(t) for i, t in session.execute(
        select(Event.id, Event.title).where(Event.id.in_(ids), Event.title_pinned.is_(True))).all()}
    splits = [(int(a), int(b or 0)) for a, b in session.execute(
        select(Event.id, Event.split_from_id).where(Event.id.in_(ids), Event.split_from_id.is_not(None))).all()]
    return titles, splits


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def event_values(ev: Mapping[str, Any], topic_labels: Mapping[str, str]) -> dict[str, Any]:
    """The events-table columns of a pipeline event dict (`EventState.to_dict`)."""
    return dict(
        title=str(ev["title"])[:300], keywords=list(ev["keywords"]), places=list(ev["places"]),
        topics=[topic_labels.get(t, t) for t in ev["topics"]], item_count=int(ev["item_count"]),
        heat=float(ev["heat"]), heat_factors=dict(ev["heat_factors"]),
        first_seen_at=_time(ev["first_seen_at"]) or utcnow(), last_seen_at=_time(ev["last_seen_at"]) or utcnow(),
    )


def write_events(session: Session, new: list[dict[str, Any]], changed: dict[int, dict[str, Any]],
                 version: int) -> list[int]:
    """Insert new events (returns their ids, in order) and update live ones, each in one round trip.

    An update never rewrites a title an analyst pinned, and never touches an event merged away.
    """
    ids: list[int] = []
    if new:
        rows = [dict(v, analysis_version=version) for v in new]
        ids = [int(i) for i in session.execute(insert(Event).returning(Event.id, sort_by_parameter_order=True),
                                               rows).scalars()]
    if changed:
        cols = ["keywords", "places", "topics", "item_count", "heat", "heat_factors", "first_seen_at", "last_seen_at"]
        table = cast(Table, Event.__table__)
        stmt = (update(table)
                .where(table.c.id == bindparam("b_id"), table.c.merged_into_id.is_(None))
                .values({**{c: bindparam(f"b_{c}") for c in cols}, "analysis_version": version,
                         "title": case((table.c.title_pinned.is_(True), table.c.title), else_=bindparam("b_title"))}))
        session.connection().execute(stmt, [{"b_id": db_id, **{f"b_{k}": v for k, v in values.items()}}
                                            for db_id, values in changed.items()])
    return ids


def write_merge(session: Session, db_id: int, target_id: int, version: int) -> None:
    """The pipeline merged stored event `db_id` into `target_id`: mark it merged and move its items."""
    session.execute(update(Item).where(Item.event_id == db_id).values(event_id=target_id)
                    .execution_options(synchronize_session=False))
    session.execute(update(Event).where(Event.id == db_id, Event.merged_into_id.is_(None))
                    .values(merged_into_id=target_id, status="merged", item_count=0, analysis_version=version)
                    .execution_options(synchronize_session=False))


def live_targets(session: Session, event_ids: Iterable[int]) -> dict[int, int]:
    """Each stored event id → the live event it stands for now (following merges, in SQL)."""
    out = {i: i for i in set(event_ids)}
    todo = set(out)
    for _ in range(16):  # merge chains are short
        if not todo:
            break
        merged = {int(a): int(b or 0) for a, b in session.execute(
            select(Event.id, Event.merged_into_id).where(Event.id.in_(todo), Event.merged_into_id.is_not(None)))}
        for src, now in out.items():
            if now in merged:
                out[src] = merged[now]
        todo = set(merged.values())
    return out


def write_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store analysis results by item id and clear the claims (one executemany)."""
    if rows:
        session.execute(update(Item), [dict(r, claimed_by=None, claim_expires_at=None) for r in rows])


def recount(session: Session, event_ids: Iterable[int]) -> None:
    """Set the events' item counts from the items that point at them (the tables, not a cache, count)."""
    ids = list(set(event_ids))
    if ids:
        count = select(func.count(Item.id)).where(Item.event_id == Event.id).scalar_subquery()
        session.execute(update(Event).where(Event.id.in_(ids), Event.merged_into_id.is_(None))
                        .values(item_count=count).execution_options(synchronize_session=False))
