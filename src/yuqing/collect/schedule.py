"""Which sources are due now: each source's own interval, shortened while a monitoring window is active.

Emergency mode (突发事件24小时监测) is an open-ended window started by hand and ended by hand;
planned windows (重要时间节点: exams, holidays, big local events) have a start and an end set ahead.
Starting and ending either is an audited action.

A planned window is on from its start to its end by the clock alone (due_sources reads it each tick), so
polling goes up and back even when no job runs. The window job (`switch_windows`, every minute) writes that
history: when it found the window started and ended, each source's interval before and after, and it tells
the office and the window's duty arrangement (值班安排), who are the ones paged while it is on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
    duty_user_ids: Sequence[int] = (),
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
        duty_user_ids=list(dict.fromkeys(int(u) for u in duty_user_ids)),
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
        duty=_names(session, window.duty_user_ids),
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
        w.switched_off_at = now
        tx.audit(f"collect.{w.kind}_off", "monitoring_window", w.id, started_at=w.starts_at,
                 sources=list(w.source_ids or []))
        if w.kind == "planned":  # the office and the people on duty learn it ended early, and by whom
            _tell(tx, w, f"重点时段监测已提前结束：{w.name}", f"{tx.actor.name} 提前结束，已恢复常规采集。")
    return len(windows)


def _names(session: Session, user_ids: Sequence[Any]) -> list[str]:
    """Display names of the people of a duty arrangement, in its order."""
    from yuqing.store.tables import User

    ids = [int(u) for u in user_ids or []]
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    return [str(names.get(u, "已删除的账号")) for u in ids]


def _interval_changes(session: Session, window: MonitoringWindow, others: list[MonitoringWindow],
                      starting: bool) -> list[dict[str, Any]]:
    """Each collected source the window covers whose interval it changes: {"source", "before", "after"} (seconds)."""
    out = []
    for src in session.execute(select(Source).where(Source.enabled.is_(True), Source.kind.in_(FETCHED_KINDS))
                               .order_by(Source.id)).scalars():
        if not _applies(window, src.id):
            continue
        without, with_it = effective_interval(src, others), effective_interval(src, [*others, window])
        if without != with_it:
            before, after = (without, with_it) if starting else (with_it, without)
            out.append({"source": src.name, "before": before, "after": after})
    return out


def _tell(tx: Tx, window: MonitoringWindow, title: str, body: str) -> None:
    tx.notify("office", "collect.window", title, body, link=f"/windows#window-{window.id}")
    for user_id in window.duty_user_ids or []:
        tx.notify(f"user:{int(user_id)}", "collect.window", title, body, link=f"/windows#window-{window.id}")


def _summary(changes: list[dict[str, Any]]) -> str:
    if not changes:
        return "所涉信息源的采集间隔没有变化。"
    shown = "；".join(f"{c['source']} {c['before']} 秒→{c['after']} 秒" for c in changes[:5])
    more = f"等 {len(changes)} 个信息源" if len(changes) > 5 else ""
    return f"采集间隔：{shown}{more}。"


@action("collect.window_switch", permission="sources.collect")
def switch_windows(tx: Tx) -> dict[str, list[int]]:
    """The window job: record each planned window that has started or ended since the last run (audited as
    collect.window_started / collect.window_ended with each source's interval before and after) and tell the
    office and the window's duty arrangement; once each. Returns the ids found started and ended."""
    session, now = tx.session, utcnow()
    rows = list(session.execute(select(MonitoringWindow).where(
        MonitoringWindow.kind == "planned",
        or_((MonitoringWindow.switched_on_at.is_(None)) & (MonitoringWindow.starts_at <= now),
            (MonitoringWindow.switched_off_at.is_(None)) & (MonitoringWindow.ends_at <= now)))
        .order_by(MonitoringWindow.starts_at, MonitoringWindow.id)).scalars())
    started: list[int] = []
    ended: list[int] = []
    for w in rows:
        ends = aware(w.ends_at) if w.ends_at is not None else None
        others = [x for x in active_windows(session, now) if x.id != w.id]
        duty = _names(session, w.duty_user_ids)
        on_duty = f"值班安排：{'、'.join(duty)}。" if duty else ""
        if ends is None or ends > now:
            if w.switched_on_at is None:
                changes = _interval_changes(session, w, others, starting=True)
                w.switched_on_at = now
                tx.audit("collect.window_started", "monitoring_window", w.id, name=w.name, intervals=changes,
                         keywords=list(w.keywords or []), duty=duty)
                _tell(tx, w, f"重点时段监测已开启：{w.name}", f"{_summary(changes)}{on_duty}")
                started.append(w.id)
            continue
        changes = _interval_changes(session, w, others, starting=False)
        missed = w.switched_on_at is None  # started and ended between two runs of the job
        w.switched_off_at = now
        tx.audit("collect.window_ended", "monitoring_window", w.id, name=w.name, intervals=changes,
                 missed_start=missed)
        _tell(tx, w, f"重点时段监测已结束：{w.name}", f"已恢复常规采集。{_summary(changes)}")
        ended.append(w.id)
    return {"started": started, "ended": ended}
