"""One collect round: fetch each source, store its items batch by batch, record the run and health.

Every batch is its own transaction, and the source's conditional-GET state is written only in the
run's final transaction, after all its items are committed. So a kill -9 at any point loses nothing
committed, and the next run fetches again whatever the killed one had not stored; the (source, key)
uniqueness makes that re-fetch duplicate nothing. A run left "running" by a killed process is marked
interrupted when the source runs next.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from yuqing.clock import utcnow
from yuqing.collect import FETCHED_KINDS, fetcher_for, health
from yuqing.collect.base import FetchedItem, FetchOutcome, SourceConfigError, SourceSpec, canonical_url
from yuqing.collect.http import FetchError, HttpClient, HttpPolicy
from yuqing.collect.schedule import keywords_by_source
from yuqing.collect.store import SaveCounts, save_items, save_raw_body, sha256_hex
from yuqing.store.tables import FetchRun, Item, Source
from yuqing.store.tables_collect import SourceState
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

BATCH_SIZE = 100
RUNNING_PREFIX = "运行中：pid "
ORPHAN_AFTER = 6 * 3600  # seconds: a run on another host still "running" after this is taken as dead
KNOWN_URLS_LIMIT = 5000


@dataclass(slots=True)
class SourceResult:
    source_id: int
    name: str = ""
    status: str = "ok"  # ok | error | blocked | not_modified | skipped
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    bytes: int = 0
    duration_ms: int = 0
    http_status: int | None = None
    error: str | None = None
    item_errors: list[str] = field(default_factory=list)
    run_id: int | None = None


@dataclass(slots=True)
class CollectSummary:
    results: list[SourceResult] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.results)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.status in ("error", "blocked"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": len(self.results),
            "new": self.new,
            "updated": self.updated,
            "failed": self.failed,
            "results": [asdict(r) for r in self.results],
        }


def collect_once(
    ws: Workspace,
    source_ids: Sequence[int] | None = None,
    *,
    client: HttpClient | None = None,
    policy: HttpPolicy | None = None,
    workers: int = 4,
    batch_size: int = BATCH_SIZE,
) -> CollectSummary:
    """Run one round over the given sources (default: every enabled fetchable source)."""
    with ws.db.read() as session:
        if source_ids is None:
            ids = list(
                session.execute(
                    select(Source.id)
                    .where(Source.enabled.is_(True), Source.kind.in_(FETCHED_KINDS))
                    .order_by(Source.id)
                ).scalars()
            )
        else:
            ids = list(source_ids)
        keywords = keywords_by_source(session, ids)
    own_client = client is None
    http = client or HttpClient(policy)
    summary = CollectSummary()
    try:
        if workers <= 1 or len(ids) <= 1:
            summary.results = [
                run_source(ws, sid, http, batch_size=batch_size, keywords=keywords.get(sid, []))
                for sid in ids
            ]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
                summary.results = list(
                    pool.map(
                        lambda sid: run_source(
                            ws, sid, http, batch_size=batch_size, keywords=keywords.get(sid, [])
                        ),
                        ids,
                    )
                )
    finally:
        if own_client:
            http.close()
    return summary


def _spec(session: Any, source: Source) -> SourceSpec:
    state = session.get(SourceState, source.id)
    spec = SourceSpec(
        id=source.id,
        kind=source.kind,
        url=source.url or "",
        name=source.name,
        config=dict(source.config or {}),
        official=bool(source.official),
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
        last_body_sha256=state.last_body_sha256 if state else None,
    )
    if source.kind in ("web", "account"):
        urls = session.execute(
            select(Item.url)
            .where(Item.source_id == source.id, Item.url.is_not(None))
            .order_by(Item.id.desc())
            .limit(KNOWN_URLS_LIMIT)
        ).scalars()
        spec.known_urls = frozenset(canonical_url(u) for u in urls if u)
    return spec


_OWNER = f"{RUNNING_PREFIX}{os.getpid()}@{socket.gethostname()}"
_OWNER_RE = re.compile(rf"^{re.escape(RUNNING_PREFIX)}(\d+)@(.+)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _close_orphans(session: Any, source_id: int, now: Any) -> None:
    """Mark runs of this source left "running" by a process that is gone (kill -9, crash, reboot) as
    interrupted. A run still going in a live process here, or recently on another host, is left alone."""
    from yuqing.clock import aware

    runs = session.execute(
        select(FetchRun).where(FetchRun.source_id == source_id, FetchRun.status == "running")
    ).scalars()
    for run in runs:
        m = _OWNER_RE.match(run.error or "")
        if m is not None:
            if m.group(2) == socket.gethostname():
                if _alive(int(m.group(1))):
                    continue  # still running in a live process (maybe this one, in another thread)
            elif (aware(now) - aware(run.started_at)).total_seconds() < ORPHAN_AFTER:
                continue
        run.status, run.finished_at = "error", now
        run.error = "中断：上一次抓取没有正常结束（进程被终止？）"


def run_source(
    ws: Workspace,
    source_id: int,
    client: HttpClient,
    *,
    batch_size: int = BATCH_SIZE,
    keywords: Sequence[str] = (),
) -> SourceResult:
    """Fetch and store one source; failures are recorded on the run, never raised."""
    salt = ws.settings.author_salt
    started = utcnow()
    with ws.db.write() as s:
        source = s.get(Source, source_id)
        if source is None:
            return SourceResult(source_id, status="error", error=f"没有编号为 {source_id} 的信息源")
        _close_orphans(s, source_id, started)
        if source.kind not in FETCHED_KINDS:
            return SourceResult(source_id, name=source.name, status="skipped",
                                error=f"{source.kind} 来源不需要抓取（由对方推送或手动导入）")
        spec = _spec(s, source)
        run = FetchRun(source_id=source_id, started_at=started, status="running", error=_OWNER)
        s.add(run)
        s.flush()
        result = SourceResult(source_id, name=source.name, run_id=run.id)
    t0 = time.monotonic()
    outcome: FetchOutcome | None = None
    shared_sha: str | None = None
    totals = SaveCounts()

    def store(batch: list[FetchedItem]) -> None:
        nonlocal shared_sha
        if not batch:
            return
        for attempt in (1, 2):
            try:
                with ws.db.write() as s:
                    sha = shared_sha
                    if sha is None and outcome is not None and outcome.body is not None \
                            and any(i.raw is None for i in batch):
                        sha = save_raw_body(s, outcome.body, outcome.body_url, outcome.body_content_type, started,
                                            salt=salt, official=spec.official)
                    counts = save_items(s, spec.id, spec.official, batch, salt, shared_raw_sha=sha,
                                        keywords=keywords)
                    # Progress is committed with the items, so a killed run still shows what it stored.
                    s.execute(update(FetchRun).where(FetchRun.id == result.run_id).values(
                        new_items=FetchRun.new_items + counts.new,
                        updated_items=FetchRun.updated_items + counts.updated))
                break
            except IntegrityError:
                # Another collector (another process) stored some of these items between our read and
                # our write; the batch was rolled back whole, and reading again sees its rows.
                if attempt == 2:
                    raise
        shared_sha = sha
        totals.add(counts)

    try:
        outcome = fetcher_for(spec.kind).fetch(spec, client)
        result.http_status = outcome.http_status
        batch: list[FetchedItem] = []
        try:
            for item in outcome.items:
                batch.append(item)
                if len(batch) >= batch_size:
                    pending, batch = batch, []
                    store(pending)
        except FetchError:
            store(batch)  # keep what was fetched before the site started refusing us
            raise
        store(batch)
        result.status = "not_modified" if outcome.not_modified else "ok"
    except FetchError as exc:
        result.status = "blocked" if exc.blocked else "error"
        result.error = str(exc)
        result.http_status = exc.status
    except SourceConfigError as exc:
        result.status, result.error = "error", f"配置错误：{exc}"
    except Exception as exc:  # a bug or hostile input must not stop the other sources
        log.exception("collect: source %s failed", source_id)
        result.status, result.error = "error", f"{type(exc).__name__}: {exc}"[:2000]
    result.new, result.updated, result.unchanged = totals.new, totals.updated, totals.unchanged
    result.duration_ms = int((time.monotonic() - t0) * 1000)
    if outcome is not None:
        result.bytes = outcome.nbytes
        result.item_errors = list(outcome.errors)
    _finish(ws, result, outcome)
    return result


def _finish(ws: Workspace, result: SourceResult, outcome: FetchOutcome | None) -> None:
    now = utcnow()
    error = result.error
    if error is None and outcome is not None:
        if outcome.errors:
            more = f"（另有 {len(outcome.errors) - 3} 个）" if len(outcome.errors) > 3 else ""
            error = f"{len(outcome.errors)} 个条目出错：" + "；".join(outcome.errors[:3]) + more
        elif outcome.warnings and not (result.new or result.updated or result.unchanged):
            error = "提示：" + outcome.warnings[0]
    with ws.db.write() as s:
        run = s.get(FetchRun, result.run_id)
        source = s.get(Source, result.source_id)
        if run is None or source is None:
            return
        run.status = "ok" if result.status in ("ok", "not_modified") else result.status
        run.finished_at = now
        run.http_status = result.http_status
        run.new_items, run.updated_items = result.new, result.updated
        run.bytes = result.bytes
        run.duration_ms = result.duration_ms
        run.error = error[:4000] if error else None
        s.flush()
        health.after_run(s, source, run, now)
        complete = outcome is not None and not outcome.errors and outcome.complete
        if run.status == "ok" and complete and outcome is not None and not outcome.not_modified:
            state = s.get(SourceState, source.id) or SourceState(source_id=source.id)
            state.etag = (outcome.etag or "")[:300] or None
            state.last_modified = (outcome.last_modified or "")[:100] or None
            state.last_body_sha256 = sha256_hex(outcome.body) if outcome.body is not None else None
            state.updated_at = now
            s.add(state)
