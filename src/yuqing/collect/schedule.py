"""Which sources are due now: each source's own interval, shortened while a monitoring window is active.

Emergency mode (突发事件24小时监测) is an open-ended window started by hand and ended by hand;
planned windows (重要时间节点: exams, holidays, big local events) have a start and an end set ahead.
Starting and ending either is an audited action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.collect import FETCHED_KINDS
from yuqing.store.tables import Source
from yuqing.store.tables_collect import MonitoringWindow

MIN_INTERVAL = 10  # seconds; nobody needs a source polled faster, and sites would block us
MIN_RETRY = 60  # seconds between confirming retries of a failing source


class ScheduleError(ValueError):
    """A monitoring window that cannot be set up as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Plan:
    """For each due source, the interval that made it due (for logs and the sources page)."""

    due: list[int]
    intervals: dict[int, int]


def active_windows(session: Session, now: datetime | None = None) -> list[MonitoringWindow]:
    now = now or utcnow()
    rows = session.execute(
        select(MonitoringWindow).where(
            MonitoringWindow.starts_at <= now,
            or_(MonitoringWindow.ends_at.is_(None), MonitoringWindow.ends_at > now),
        )
    ).scalars()
    return list(rows)


def _applies(window: MonitoringWindow, source_id: int) -> bool:
    return not window.source_ids or source_id in {int(s) for s in window.source_ids}


def effective_interval(source: Source, windows: Sequence[MonitoringWindow]) -> int:
    """The source's interval, shortened by active windows and while a failure is being confirmed.

    After a failed run a source is retried sooner (its interval split over the failures still needed
    to call it down), so a dead source turns red within one interval rather than after several; a
    source that is already down keeps its normal interval, and a blocked one is polled half as often.
    """
    from yuqing.collect.health import fail_threshold

    interval = source.interval_seconds or 1800
    failures = source.consecutive_failures or 0
    if source.health == "blocked":
        interval *= 2
    elif failures and source.health != "down":
        interval = max(MIN_RETRY, interval // (fail_threshold(source) + 1))
    for w in windows:
        if _applies(w, source.id):
            interval = min(interval, w.interval_seconds)
    return max(MIN_INTERVAL, interval)


def keywords_by_source(
    session: Session, source_ids: Sequence[int], now: datetime | None = None
) -> dict[int, list[str]]:
    """The watch keywords of the active windows that cover each source."""
    windows = active_windows(session, now)
    out: dict[int, list[str]] = {}
    for sid in source_ids:
        words: list[str] = []
        for w in windows:
            if _applies(w, sid):
                words.extend(str(k) for k in w.keywords or [] if str(k) not in words)
        if words:
            out[sid] = words
    return out


def due_sources(session: Session, now: datetime | None = None) -> Plan:
    """Enabled, fetchable sources whose effective interval has passed since their last run."""
    now = now or utcnow()
    windows = active_windows(session, now)
    due: list[int] = []
    intervals: dict[int, int] = {}
    sources = session.execute(
        select(Source).where(Source.enabled.is_(True), Source.kind.in_(FETCHED_KINDS)).order_by(Source.id)
    ).scalars()
    for source in sources:
        interval = effective_interval(source, windows)
        if source.interval_seconds == 0 and not any(_applies(w, source.id) for w in windows):
            continue  # interval 0: only collected by hand
        last = source.last_run_at
        # A little slack so a runner ticking every 60 s does not miss a 60 s interval by milliseconds.
        if last is None or (aware(now) - aware(last)).total_seconds() >= interval - 5:
            due.append(source.id)
            intervals[source.id] = interval
    return Plan(due, intervals)


@action("collect.window_on", permission="sources.manage")
def open_window(
    tx: Tx,
    *,
    source_ids: Sequence[int] = (),
    keywords: Sequence[str] = (),
    interval: int = 60,
    name: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    kind: str = "emergency",
) -> MonitoringWindow:
    """Start emergency mode (or plan a window when `starts_at`/`ends_at` are given); audited."""
    session = tx.session
    if interval < MIN_INTERVAL:
        raise ScheduleError(f"轮询间隔不能小于 {MIN_INTERVAL} 秒")
    ids = sorted({int(s) for s in source_ids})
    if ids:
        found = set(session.execute(select(Source.id).where(Source.id.in_(ids))).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ScheduleError(f"没有这些信息源：{', '.join(map(str, missing))}")
    words = [k.strip() for k in keywords if k and k.strip()]
    now = utcnow()
    # SQLite keeps datetimes without a zone: store UTC so comparisons with utcnow() hold.
    starts_at = aware(starts_at).astimezone(UTC) if starts_at else None
    ends_at = aware(ends_at).astimezone(UTC) if ends_at else None
    if ends_at is not None and aware(ends_at) <= aware(starts_at or now):
        raise ScheduleError("结束时间必须晚于开始时间")
    window = MonitoringWindow(
        kind=kind,
        name=name or ("突发事件24小时监测" if kind == "emergency" else "重点时段监测"),
        source_ids=ids,
        keywords=words,
        interval_seconds=interval,
        starts_at=starts_at or now,
        ends_at=ends_at,
        created_by=tx.actor.name,
        created_at=now,
    )
    session.add(window)
    session.flush()
    tx.audit(
        f"collect.{kind}_on",
        "monitoring_window",
        window.id,
        sources=ids,
        keywords=words,
        interval=interval,
        starts_at=window.starts_at,
        ends_at=ends_at,
    )
    return window


@action("collect.window_off", permission="sources.manage")
def close_windows(tx: Tx, window_id: int | None = None) -> int:
    """End the active emergency windows (or one window by id); audited. Returns how many were ended."""
    now = utcnow()
    windows = [
        w
        for w in active_windows(tx.session, now)
        if (w.id == window_id if window_id is not None else w.kind == "emergency")
    ]
    for w in windows:
        w.ends_at = now
        w.ended_by = tx.actor.name
        tx.audit(f"collect.{w.kind}_off", "monitoring_window", w.id, started_at=w.starts_at,
                 sources=list(w.source_ids or []))
    return len(windows)
