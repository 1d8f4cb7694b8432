"""How case times read on the desk: China local time, hours left, the workbench countdown."""

from __future__ import annotations

from datetime import datetime, timedelta

from yuqing.clock import CHINA, aware, utcnow
from yuqing.store.tables import Case


def local_time(dt: datetime | None) -> datetime | None:
    return aware(dt).astimezone(CHINA) if dt else None


def fmt(dt: datetime | None) -> str:
    """2026-10-08 10:00 (China time), or — when there is no time."""
    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if dt else "—"


def hours_left(case: Case, now: datetime | None = None) -> float | None:
    if case.due_at is None:
        return None
    return (aware(case.due_at) - (now or utcnow())).total_seconds() / 3600


def countdown(due_at: datetime | None, now: datetime | None = None) -> str:
    """剩余 2天3小时 / 已超期 5小时 — the workbench countdown."""
    if due_at is None:
        return "无期限"
    delta = aware(due_at) - (now or utcnow())
    over = delta < timedelta(0)
    secs = int(abs(delta.total_seconds()))
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    text = (f"{d}天" if d else "") + (f"{h}小时" if h or d else "") + ("" if d else f"{m}分钟")
    return f"已超期 {text}" if over else f"剩余 {text}"
