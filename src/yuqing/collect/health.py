"""Source health: ok, down (failing), blocked (403/418/429), stale (nothing new for too long).

A change into a bad state, and the recovery from one, raises an in-app notification for admins
(the alerts issue will route these to other channels).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.store.tables import FetchRun, Notification, Source

log = logging.getLogger(__name__)

FAIL_THRESHOLD = 3  # consecutive failed runs before a source that had worked is "down"
STALE_AFTER = 24 * 3600  # seconds without a new item, unless the source says otherwise
BAD = frozenset({"down", "blocked", "stale"})
LABELS = {"new": "未运行", "ok": "正常", "down": "故障", "blocked": "被封禁", "stale": "无更新"}
COLOURS = {"new": "grey", "ok": "green", "down": "red", "blocked": "red", "stale": "orange"}


def fail_threshold(source: Source) -> int:
    return max(1, int((source.config or {}).get("fail_threshold") or FAIL_THRESHOLD))


def stale_after(source: Source) -> timedelta:
    """How long a source may bring nothing new: its `expected_cadence_seconds`, else a day, and never
    less than two polling intervals."""
    cadence = int((source.config or {}).get("expected_cadence_seconds") or STALE_AFTER)
    return timedelta(seconds=max(cadence, 2 * (source.interval_seconds or 0)))


def is_stale(source: Source, now: datetime) -> bool:
    ref = source.last_new_item_at or source.created_at
    return ref is not None and aware(now) - aware(ref) > stale_after(source)


def after_run(session: Session, source: Source, run: FetchRun, now: datetime | None = None) -> str:
    """Update the source's health from a finished run; returns the new health."""
    now = now or utcnow()
    old = source.health or "new"
    source.last_run_at = now
    if run.status == "ok":
        source.consecutive_failures = 0
        if run.new_items or run.updated_items:
            source.last_new_item_at = now
        new = "stale" if is_stale(source, now) else "ok"
    else:
        source.consecutive_failures = (source.consecutive_failures or 0) + 1
        if run.status == "blocked":
            new = "blocked"
        elif source.consecutive_failures >= fail_threshold(source) or old in ("new", "down"):
            # A new source that fails its first run is shown red at once: someone just added it.
            new = "down"
        else:
            new = old
    set_health(session, source, new, detail=run.error or "")
    return new


def set_health(session: Session, source: Source, new: str, *, detail: str = "") -> None:
    old = source.health or "new"
    source.health = new
    if new == old:
        return
    if new in BAD:
        kind, what = f"source.{new}", LABELS[new]
        log.warning("source %s (%s) is %s: %s", source.id, source.name, new, detail)
    elif old in BAD and new == "ok":
        kind, what = "source.recovered", "已恢复"
    else:
        return
    body = detail
    if new == "stale":
        body = f"超过 {_human(stale_after(source))} 没有新内容。" + (f"\n{detail}" if detail else "")
    elif new == "down":
        body = f"连续 {source.consecutive_failures} 次抓取失败。\n{detail}".strip()
    session.add(
        Notification(
            audience="admin",
            kind=kind,
            title=f"信息源「{source.name}」{what}",
            body=body[:2000],
            link=f"/sources/{source.id}",
        )
    )


def sweep(session: Session, now: datetime | None = None) -> list[int]:
    """Mark enabled sources that have gone quiet as stale (including push sources nobody runs)."""
    now = now or utcnow()
    changed = []
    # The 直报 source brings items only when someone reports by hand: quiet is not a fault there.
    quiet_ok = Source.kind != "direct"
    for source in session.execute(select(Source).where(Source.enabled.is_(True), quiet_ok)).scalars():
        if source.health in ("ok",) and is_stale(source, now):
            set_health(session, source, "stale")
            changed.append(source.id)
    return changed


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400} 天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} 小时"
    return f"{max(1, seconds // 60)} 分钟"
