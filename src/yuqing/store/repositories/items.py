"""Item queries for the feed, item pages and dashboard counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from yuqing.clock import now_local, utcnow
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Case, Event, Item, Source

OPEN_CASE_EXCLUDED = ("closed", "follow_up", "evaluated")


def get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"信息 {item_id} 不存在")
    return item


def local_day(session: Session) -> Any:
    """SQL for the China-time calendar day of an item."""
    if session.get_bind().dialect.name == "sqlite":
        return literal_column("date(coalesce(items.published_at, items.captured_at), '+8 hours')")
    return literal_column(
        "to_char((coalesce(items.published_at, items.captured_at) AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD')"
    )


def daily_counts(session: Session, days: int = 14) -> dict[str, Any]:
    """Items per China-time day for the last `days` days, split by sentiment."""
    today = now_local().date()
    first = today - timedelta(days=days - 1)
    day = local_day(session)
    since = utcnow() - timedelta(days=days + 1)
    rows = session.execute(
        select(day.label("day"), Item.sentiment, func.count())
        .where(func.coalesce(Item.published_at, Item.captured_at) >= since)
        .group_by(day, Item.sentiment)
    ).all()
    labels = [(first + timedelta(days=i)).isoformat() for i in range(days)]
    series: dict[str, list[int]] = {k: [0] * days for k in ("negative", "neutral", "positive", "unknown")}
    index = {d: i for i, d in enumerate(labels)}
    for d, sentiment, n in rows:
        if str(d) in index:
            series[sentiment or "unknown"][index[str(d)]] += n
    return {"labels": labels, "series": series}


def dashboard_counts(session: Session) -> dict[str, int]:
    day_ago = utcnow() - timedelta(days=1)

    def count(stmt: Any) -> int:
        return int(session.execute(stmt).scalar_one())

    return {
        "total": count(select(func.count(Item.id))),
        "items_24h": count(select(func.count(Item.id)).where(Item.captured_at >= day_ago)),
        "relevant": count(select(func.count(Item.id)).where(Item.relevant.is_(True))),
        "negative": count(select(func.count(Item.id)).where(Item.sentiment == "negative")),
        "events": count(select(func.count(Event.id)).where(Event.merged_into_id.is_(None))),
        "open_cases": count(select(func.count(Case.id)).where(Case.state.not_in(OPEN_CASE_EXCLUDED))),
        "overdue": count(select(func.count(Case.id)).where(
            Case.state.not_in(OPEN_CASE_EXCLUDED), Case.due_at.is_not(None), Case.due_at < utcnow())),
        "sources": count(select(func.count(Source.id))),
        "sources_bad": count(select(func.count(Source.id)).where(Source.health.in_(("down", "blocked", "stale")))),
    }


def sources(session: Session) -> list[Source]:
    return list(session.execute(select(Source).order_by(Source.name)).scalars())
