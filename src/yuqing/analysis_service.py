"""Analysis as a service over the database: claim → analyse → store → attach follow-ups.

Any number of workers (threads, processes, Celery workers on several machines) run `analyse_pending`
on one database. The database is the truth; a worker's warm pipeline is only a cache of it:

1. **claim** a batch of pending items with a lease (`store.analysis.claim`: `FOR UPDATE` on PostgreSQL,
   claims and renewals taking turns, a conditional mark everywhere); the worker renews the lease while the
   batch is in hand (`_heartbeat`); a killed worker's claim expires and is taken again, whole;
2. **analyse** the stateless stages (normalise, relevance, sentiment, topics, event keywords:
   `Pipeline.prepare`, most of the cost) outside any lock, in parallel across workers;
3. **store**, in one transaction holding the analysis lock (the `analysis_state` row; SQLite's one
   writer): first bring the cache up to the stored version — rebuild it from the tables when an analyst
   decided something or the profile changed since (`rebuild_version`), else replay the items other
   workers analysed since (`Item.analysis_version`), batch by batch, each item into the event it first
   joined and each automatic merge right after the item that caused it (the trace stored with the item's
   features: `ev`, `mg`), so the cache becomes what the other workers' caches were — the same member caps,
   merge order and retirement points — which costs the cheap stages only because each item's event
   features are stored with it; then the stateful
   stages (near-duplicates, events: `Pipeline.assign`), then write the results of the items this batch
   still holds a claim on, clear the claims and bump the version. What analysts decided is guarded in
   SQL as well (`store.analysis.write_event`);
   Then, in a transaction of its own and outside the lock, the worker regrades the events the batch
   touched (`event_grading.regrade`: factors, score, grade I–IV and a history row when the grade
   changes; an analyst's override is kept), so grading runs in parallel across workers;
4. **attach follow-ups**: relevant posts that concern a closed case are attached to it (respond layer).
   (Early warning on new or grown events belongs to the alerts issue; nothing is notified here yet.)

Why a lock for the stateful part rather than events computed per worker and reconciled: clustering is
order-dependent, and a serial step over a prepared batch keeps the grouping equal to one process's.
For the same reason a batch waits, before its stateful step, until the batches claimed before it
(older items) are stored, unless their claim expired (it then analyses those older items first), and
checks again under the analysis lock that no older item is pending. While a worker has a batch in hand
it renews the lease (a heartbeat thread), so only a dead worker's batch is ever taken over, and then
whole (claims and renewals take turns): batches keep their boundaries and their order. `bench/scale.py` measures how close the
grouping stays to a single process's, and what the serial step costs in throughput.

A failed batch releases its claims and drops the cache (it may hold half a batch); the next batch
rebuilds it from the tables.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from yuqing.analyse.dedup import ItemId
from yuqing.analyse.pipeline import Pipeline, Prepared
from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.clock import aware, utcnow
from yuqing.event_grading import grading_config, regrade, regrade_ungraded
from yuqing.store import analysis as store
from yuqing.store.tables import Item
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

WARM_DAYS = 3.0  # a rebuilt cache replays the items of this many days before the newest analysed one
LEASE = timedelta(minutes=5)  # a claim not finished by then is taken by another worker
REPLAY_CHUNK = 1000
EXACT_REPLAY_MAX = 300_000  # a rebuild replays the whole history exactly up to this many analysed posts


def item_input(item: Item | store.StoredItem, source_name: str) -> dict[str, Any]:
    """The pipeline's input dict for one stored item (an `Item`, or a row with its columns)."""
    when = item.published_at or item.captured_at
    return {
        "id": str(item.id), "title": item.title, "text": item.text, "source": source_name,
        "published_at": aware(when).isoformat() if when else None,
        "reposts": item.reposts, "comments": item.comments, "likes": item.likes,
        "relevant": item.relevant,
    }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


@dataclass
class Cache:
    """A warm pipeline and what it knows of the stored state, valid for one (version, rebuild, profile)."""

    pipeline: Pipeline
    profile_key: tuple[int, int]
    rebuild_version: int
    version: int = 0
    to_db: dict[str, int] = field(default_factory=dict)  # pipeline event id → stored event id
    from_db: dict[int, str] = field(default_factory=dict)  # stored event id → pipeline event id

    def link(self, pid: str, db_id: int) -> None:
        self.to_db[pid] = db_id
        self.from_db[db_id] = pid

    def pid_for(self, db_id: int) -> str:
        pid = self.from_db.get(db_id)
        if pid is None:
            pid = f"db-{db_id}"
            self.link(pid, db_id)
        return pid


class Analyser:
    """One worker's view of analysis on a workspace: its cache and the steps of a batch."""

    def __init__(self, ws: Workspace, name: str | None = None, lease: timedelta = LEASE) -> None:
        self.ws = ws
        self.name = name or worker_name()
        self.lease = lease
        self.cache: Cache | None = None
        self._lock = threading.Lock()  # threads of one process share the cache: one changes it at a time
        self._stages_lock = threading.Lock()
        self._template: tuple[tuple[int, int], Pipeline] | None = None
        self._held: dict[str, store.Claim] = {}  # batches in hand, their leases renewed by `_heartbeat`
        self._held_lock = threading.Lock()
        self._beat: threading.Thread | None = None

    # ---- the cache ----------------------------------------------------------------------------------

    def _profile_key(self, profile_version: int) -> tuple[int, int]:
        """The profile's stored version and the file's modification time (a hand edit counts too)."""
        path: Path = self.ws.settings.profile_path
        return profile_version, path.stat().st_mtime_ns if path.exists() else 0

    def _stages(self, key: tuple[int, int]) -> Pipeline:
        """A pipeline with the stateless stages loaded for the profile `key` (built once per profile);
        `prepare` runs on it directly, and each cache rebuild starts from `Pipeline.fresh()` of it."""
        with self._stages_lock:
            if self._template is None or self._template[0] != key:
                self._template = (key, Pipeline(self.ws.profile()))
            return self._template[1]

    def _sync(self, session: Any, state: Any) -> Cache:
        """Bring the cache to the stored state (caller holds the analysis lock)."""
        key = self._profile_key(int(state.profile_version))
        cache = self.cache
        if cache is None or cache.profile_key != key or cache.rebuild_version != state.rebuild_version:
            cache = self._rebuild(session, key, int(state.rebuild_version))
        elif cache.version != state.version:
            self._replay(cache, store.analysed_since(session, cache.version), by_batch=True)
            for gone, into in store.merged_since(session, cache.version):
                self._follow_merge(cache, gone, into)
            cache.pipeline.skip_changes()  # what the replay changed is stored already
        cache.version = int(state.version)
        self.cache = cache
        return cache

    def _rebuild(self, session: Any, key: tuple[int, int], rebuild_version: int) -> Cache:
        """A fresh cache from the tables. While no analyst has decided anything and the profile is the first
        one (`rebuild_version` 0), and the history is not too long to read: every analysed batch replayed
        with its trace, so a worker that starts late (or again) has the cache the others have. Otherwise the
        recent analysed items, into the events they are stored in now (what analysts decided included)."""
        cache = Cache(self._stages(key).fresh(), key, rebuild_version)
        if rebuild_version == 0 and store.analysed_count(session) <= EXACT_REPLAY_MAX:
            self._replay(cache, store.analysed_since(session, 0), by_batch=True)
            for gone, into in store.merged_since(session, 0):
                self._follow_merge(cache, gone, into)
            cache.pipeline.skip_changes()
            return cache
        rows = store.analysed_window(session, WARM_DAYS)
        self._replay(cache, rows)
        titles, splits = store.analyst_state(session, cache.from_db)
        active = cache.pipeline.events.active
        for db_id, title in titles.items():
            ev = active.get(cache.from_db[db_id])
            if ev is not None:
                ev.title, ev.pinned = title, True
        for new, old in splits:  # events an analyst split stay apart
            if old in cache.from_db:
                cache.pipeline.events.apart.add(frozenset((cache.from_db[new], cache.from_db[old])))
        cache.pipeline.skip_changes()
        return cache

    def _replay(self, cache: Cache, rows: list[store.StoredItem], by_batch: bool = False) -> None:
        """Put stored items into the cache. `by_batch` (items other workers analysed since the cache's
        version, no analyst decision in between): batch by batch, each item into the event it first
        joined and each merge where it happened (the trace stored with the item's features), so the
        cache becomes what those workers' caches were. Otherwise (a rebuild): into the stored events."""
        for chunk in _chunks(rows, by_batch):
            stored: list[tuple[str, list[str], dict[str, Any] | None]] = [
                (it.sentiment or "neutral", [], it.analysis_features) for it in chunk]
            prepared = cache.pipeline.restore([item_input(it, it.name) for it in chunk], stored)
            links: list[tuple[ItemId | None, str | None]] = []
            merges: list[list[tuple[str, str]]] = []
            for it in chunk:
                trace = (it.analysis_features or {}).get("ev") if by_batch else None
                duplicate_of = str(it.duplicate_of_id) if it.duplicate_of_id else None
                if trace is None or it.event_id is None:
                    links.append((duplicate_of, cache.pid_for(it.event_id) if it.event_id is not None else None))
                    merges.append([])
                    continue
                links.append((duplicate_of, _cache_pid(cache, *trace)))
                steps = []
                for t_pid, t_db, o_pid, o_db in it.analysis_features.get("mg", []):
                    target, other = _cache_pid(cache, t_pid, t_db), _cache_pid(cache, o_pid, o_db)
                    steps.append((target, other))
                    if o_db is not None:
                        cache.from_db[int(o_db)] = target  # as `_store_events` records a merge
                    elif t_db is not None:
                        cache.to_db[other] = int(t_db)
                merges.append(steps)
            cache.pipeline.follow(prepared, links, merges)

    @staticmethod
    def _follow_merge(cache: Cache, gone: int, into: int) -> None:
        """Another worker's pipeline merged stored event `gone` into `into`: do the same in the cache."""
        events = cache.pipeline.events.active
        a, b = cache.from_db.get(gone), cache.pid_for(into)
        if a is not None and a in events and b in events and a != b:
            cache.pipeline.merge(b, a)
        cache.from_db[gone] = b

    # ---- one batch ----------------------------------------------------------------------------------

    def claim(self, limit: int) -> store.Claim:
        return store.claim(self.ws.db, limit, self.lease, self.name)

    def analyse(self, claim: store.Claim) -> tuple[dict[str, int], list[int]]:
        """Analyse a claimed batch and store what it adds: (counts, ids of the relevant items stored).

        Items the batch no longer holds (its lease expired and another worker took them) are left alone.
        While the batch is in hand its lease is renewed (`_heartbeat`), so only a dead worker loses a batch.
        """
        db = self.ws.db
        self._hold(claim)
        try:
            with db.read() as s:
                rows = store.load_items(s, claim.item_ids)
                profile_version = store.read_state(s)[2]
            inputs = [item_input(it, it.name) for it in rows]
            key = self._profile_key(profile_version)
            prepared = self._stages(key).prepare(inputs)  # the costly stateless stages: no lock held
            while True:
                self._wait_turn(claim)
                if self._catch_up(claim):
                    continue  # older posts were analysed first: look again
                with self._lock:
                    try:
                        stored = self._store(claim, inputs, prepared, key)
                    except BaseException:
                        self.cache = None  # it may hold part of this batch: rebuilt from the tables next time
                        store.release(db, claim)
                        raise
                if stored is not None:
                    break
                time.sleep(0.01)  # an older post is still pending (taken by another worker meanwhile)
        finally:
            self._drop(claim)
        counts, relevant, touched = stored
        self._regrade(touched)
        return counts, relevant

    # ---- leases -------------------------------------------------------------------------------------

    def _hold(self, claim: store.Claim) -> None:
        """This worker has the batch in hand: its lease is renewed until `_drop`."""
        with self._held_lock:
            self._held[claim.token] = claim
            if self._beat is None:
                self._beat = threading.Thread(target=self._heartbeat, name=f"lease-{self.name}", daemon=True)
                self._beat.start()

    def _drop(self, claim: store.Claim) -> None:
        with self._held_lock:
            self._held.pop(claim.token, None)

    def _heartbeat(self) -> None:
        """Renew the leases of the batches in hand every third of a lease, while there are any: a batch
        being prepared, waiting its turn or analysing older posts first keeps its posts, however long that
        takes on a loaded machine (a lease that ran out let another worker take the batch, or part of it,
        and batches stored out of order or split change the grouping). A worker killed stops renewing,
        and its batch is taken again when the lease runs out."""
        while True:
            time.sleep(max(self.lease.total_seconds() / 3, 0.05))
            with self._held_lock:
                claims = list(self._held.values())
                if not claims:
                    self._beat = None
                    return
            try:
                store.renew(self.ws.db, claims, self.lease)
            except Exception:  # the next beat tries again; a lease that runs out meanwhile is taken over
                log.exception("renewing the leases of %d batches failed", len(claims))

    def _regrade(self, touched: set[int]) -> None:
        """Grade the events the batch touched, after its transaction: grading reads every item of an event,
        the largest part of a batch's serial step once events grow, and needs no analysis lock (nor the
        cache), so workers grade in parallel. Each event is locked while graded, so the last grading
        of an event reads every item stored before it. A failure leaves the items stored and the grade
        as it was until the event's next batch (or `regrade_ungraded`)."""
        if not touched:
            return
        try:
            with self.ws.db.write() as s:
                store.lock_events(s, touched)
                regrade(s, touched, grading_config(self.ws))
        except Exception:
            log.exception("grading %d events after a batch failed; they are graded again when touched", len(touched))

    def _catch_up(self, claim: store.Claim) -> bool:
        """Analyse first the older pending posts nobody holds any more (the batch of a worker killed mid-way,
        whose lease ran out while this batch waited its turn): stored after this batch, they would change
        the order events grow in, and with it the grouping (one batch out of order: B-cubed 0.87 against
        one process over 20,000 posts). Returns whether it analysed any (the caller then looks again:
        another worker may have taken the rest of them meanwhile)."""
        older = store.claim_older(self.ws.db, claim, max(len(claim.item_ids), 1), self.lease, self.name)
        if not older.item_ids:
            return False
        self.analyse(older)
        return True

    def _wait_turn(self, claim: store.Claim) -> None:
        """Let batches claimed before this one be stored first (so events grow in time order, as in one
        process); a claim that expires (its worker died) is not waited for any longer (`_catch_up` then
        takes its posts first)."""
        pause = 0.01
        while True:
            with self.ws.db.read() as s:
                if not store.earlier_claimed(s, claim):
                    return
            time.sleep(pause)
            pause = min(0.05, pause * 1.5)  # a hand-over between workers is on the critical path

    def _store(self, claim: store.Claim, inputs: list[dict[str, Any]], prepared: list[Prepared],
               key: tuple[int, int]) -> tuple[dict[str, int], list[int], set[int]] | None:
        """The stateful step, under the analysis lock; None (nothing written) when an older post is still
        pending: stores take turns under that lock, so checking there is what keeps every batch after
        the older ones, whatever the workers did between their wait and this step."""
        counts: Counter[str] = Counter()
        with self.ws.db.write() as s:
            state = store.lock_state(s)
            if store.older_pending(s, claim):
                return None
            cache = self._sync(s, state)
            held = store.still_held(s, claim)
            if cache.profile_key != key:  # the profile changed since the batch was prepared
                prepared = cache.pipeline.prepare(inputs)
            prepared = [p for p in prepared if int(p.id) in held]
            counts["skipped"] = len(claim.item_ids) - len(prepared)
            if not prepared:
                return {k: v for k, v in counts.items() if v}, [], set()
            version = int(state.version) + 1
            results = cache.pipeline.assign(prepared)
            trace = cache.pipeline.trace
            stored_before = {pid: cache.to_db.get(pid) for joined, steps in trace if joined
                             for pid in (joined, *(p for step in steps for p in step))}
            changed = cache.pipeline.drain_events(detail=False)  # the events table keeps no timeline
            touched, fresh = self._store_events(s, cache, changed, version)

            def ref(pid: str) -> list[Any]:  # an event as [cache id, its own stored row or None]
                own = stored_before.get(pid)
                return [pid, own if own is not None else fresh.get(pid)]
            targets = store.live_targets(s, [cache.to_db[str(r["event_id"])] for r in results
                                             if r.get("event_id") and str(r["event_id"]) in cache.to_db])
            now = utcnow()
            rows: list[dict[str, Any]] = []
            for prep, out, (joined, steps) in zip(prepared, results, trace, strict=True):
                features = prep.features()
                if features is not None and joined is not None:
                    features["ev"] = ref(joined)
                    if steps:
                        features["mg"] = [ref(target) + ref(other) for target, other in steps]
                matches = {m["place"]: m for m in out.get("place_matches", [])}
                event_db = cache.to_db.get(str(out["event_id"])) if out.get("event_id") else None
                event_db = targets.get(event_db, event_db) if event_db is not None else None
                rows.append({
                    "id": int(prep.id), "analysed_at": now, "relevant": bool(out["relevant"]),
                    "places": [{"name": p, "term": matches.get(p, {}).get("term"),
                                "why": matches.get(p, {}).get("why")} for p in out["places"]],
                    "sentiment": out["sentiment"], "sentiment_score": float(out["sentiment_score"]),
                    "topics": [TOPIC_LABELS.get(t, t) for t in out["topics"]],
                    "duplicate_of_id": int(out["duplicate_of"]) if out.get("duplicate_of") else None,
                    "event_id": event_db, "analysis_features": features, "analysis_version": version,
                })
                counts["analysed"] += 1
                counts["relevant"] += int(bool(out["relevant"]))
                counts["duplicates"] += int(bool(out.get("duplicate_of")))
                if event_db is not None:
                    touched.add(event_db)
            store.write_items(s, rows)
            store.recount(s, touched)
            state.version, state.updated_at = version, now
            cache.version = version
            counts["events_changed"] = len(changed)
        return {k: v for k, v in counts.items() if v}, [r["id"] for r in rows if r["relevant"]], touched

    @staticmethod
    def _store_events(session: Any, cache: Cache, changed: list[dict[str, Any]], version: int
                      ) -> tuple[set[int], dict[str, int]]:
        """Write the events the batch changed (new, grown, merged by the pipeline); returns the stored ids
        and the new events' (cache id → stored id)."""
        fresh: list[tuple[str, dict[str, Any]]] = []
        grown: dict[int, dict[str, Any]] = {}
        for ev in changed:
            if not ev.get("merged_into"):
                values = store.event_values(ev, TOPIC_LABELS)
                db_id = cache.to_db.get(str(ev["id"]))
                if db_id is None:
                    fresh.append((str(ev["id"]), values))
                else:
                    grown[db_id] = values
        # The stored events this batch changes, locked in id order as grading locks them (a worker grading
        # its last batch's events and this batch waiting on each other in opposite orders deadlocked).
        store.lock_events(session, set(grown) | {i for ev in changed if ev.get("merged_into")
                                                 for i in (cache.to_db.get(str(ev["id"])),
                                                           cache.to_db.get(str(ev["merged_into"]))) if i is not None})
        for (pid, _), db_id in zip(fresh, store.write_events(session, [v for _, v in fresh], grown, version),
                                   strict=True):
            cache.link(pid, db_id)
        touched = set(grown) | {cache.to_db[pid] for pid, _ in fresh}
        new = {pid: cache.to_db[pid] for pid, _ in fresh}
        # Then the merges, so that an event merged into another has a stored target to point at.
        for ev in changed:
            if not ev.get("merged_into"):
                continue
            pid, into = str(ev["id"]), str(ev["merged_into"])
            db_id, target = cache.to_db.get(pid), cache.to_db.get(into)
            if target is not None and db_id is not None and db_id != target:
                store.write_merge(session, db_id, target, version)
                cache.from_db[db_id] = into
                touched.add(target)
            elif db_id is None and target is not None:
                cache.to_db[pid] = target
        return touched, new

    def run(self, batch: int = 500, progress: Callable[[int], Any] | None = None,
            max_batches: int | None = None) -> dict[str, int]:
        """Claim and analyse batches until nothing is pending (or `max_batches`); then attach follow-ups and
        grade the events that have no grade yet."""
        totals: Counter[str] = Counter()
        relevant: list[int] = []
        done = 0
        while max_batches is None or done < max_batches:
            claim = self.claim(batch)
            if not claim.item_ids:
                break
            counts, ids = self.analyse(claim)
            totals.update(counts)
            relevant += ids
            done += 1
            if progress:
                progress(len(claim.item_ids))
        if relevant:
            totals.update(attach_follow_ups(self.ws, relevant))
        graded = regrade_ungraded(self.ws)  # events stored before grading existed
        if graded:
            totals["graded"] += graded
        return dict(totals)


def attach_follow_ups(ws: Workspace, item_ids: list[int]) -> dict[str, int]:
    """Relevant posts that concern a closed case are attached to it (the office decides on reopening)."""
    from sqlalchemy import select

    from yuqing.actions.actors import jobs_actor
    from yuqing.domain.lifecycle import CLOSED_STATES
    from yuqing.respond.followups import attach_follow_ups as attach
    from yuqing.store.tables import Case

    with ws.db.read() as s:  # most batches: no closed case at all, nothing to look up per item
        if s.execute(select(Case.id).where(Case.state.in_(CLOSED_STATES)).limit(1)).first() is None:
            return {}
    attached = attach(ws, jobs_actor(ws), item_ids)  # the analysis pipeline is a job
    return {"follow_ups": len(attached)} if attached else {}


def _cache_pid(cache: Cache, pid: str, db_id: int | None) -> str:
    """The cache's id of an event another worker's trace names [its cache id, its own stored row]: the
    event this cache knows under that stored row, else (new in that batch) the worker's own id, linked
    to the row when it has one."""
    if db_id is None:
        return pid
    known = cache.from_db.get(int(db_id))
    if known is not None:
        return known
    cache.link(pid, int(db_id))
    return pid


def _chunks(rows: list[store.StoredItem], by_batch: bool) -> list[list[store.StoredItem]]:
    """Replay chunks: the batches the items were analysed in (by_batch: the pipeline then retires quiet
    events at the same points as the worker that analysed them did), else REPLAY_CHUNK rows at a time."""
    if not by_batch:
        return [rows[i : i + REPLAY_CHUNK] for i in range(0, len(rows), REPLAY_CHUNK)]
    chunks: list[list[store.StoredItem]] = []
    for row in rows:
        if not chunks or chunks[-1][-1].analysis_version != row.analysis_version:
            chunks.append([])
        chunks[-1].append(row)
    return chunks


_analysers: dict[str, Analyser] = {}
_analysers_lock = threading.Lock()


def analyser_for(ws: Workspace) -> Analyser:
    """This process's analyser for a workspace (its cache is shared by the process's threads)."""
    key = f"{ws.path}|{ws.db.url}"
    with _analysers_lock:
        if key not in _analysers:
            _analysers[key] = Analyser(ws)
        return _analysers[key]


def drop_caches() -> None:
    """Forget this process's analysers (as a new process would start); the tables keep everything."""
    with _analysers_lock:
        _analysers.clear()


def analyse_pending(ws: Workspace, batch: int = 500, progress: Callable[[int], Any] | None = None,
                    max_batches: int | None = None, lease_seconds: float | None = None) -> dict[str, int]:
    """Analyse the pending items of the workspace, one claimed batch at a time (see the module docstring)."""
    analyser = analyser_for(ws)
    if lease_seconds is not None:
        analyser.lease = timedelta(seconds=lease_seconds)
    return analyser.run(batch, progress, max_batches)
