"""Time is an input: everything asks this module for "now", so tests can freeze it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
_frozen: datetime | None = None


def utcnow() -> datetime:
    return _frozen.astimezone(UTC) if _frozen else datetime.now(UTC)


def now_local() -> datetime:
    """Now in China Standard Time (the district's clock for deadlines and reports)."""
    return utcnow().astimezone(CHINA)


def aware(dt: datetime) -> datetime:
    """Treat a naive datetime (SQLite returns these) as UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze `utcnow()` at `at` (naive values are taken as China time)."""
    global _frozen
    before = _frozen
    _frozen = at if at.tzinfo else at.replace(tzinfo=CHINA)
    try:
        yield
    finally:
        _frozen = before
