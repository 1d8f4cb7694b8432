"""Item queries for the feed, item pages and dashboard counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from yuqing.clock import now_local, utcnow
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import Actor
from yuqing.store.repositories.cases import NotFound, visible
from yuqing.store.tables import Assignment, Case, Event, Item, Source


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


def new_since(since: datetime, now: datetime) -> Any:
    """Items that appeared since `since`, by publication time; the capture time stands in when a post
    has no publication time or claims one in the future (a wrong clock at the source)."""
    published = Item.published_at
    return or_(
        and_(published.is_not(None), published >= since, published <= now),
        and_(published.is_(None), Item.captured_at >= since),
        and_(published > now, Item.captured_at >= since),
    )


def dashboard_counts(session: Session, actor: Actor) -> dict[str, int]:
    """The dashboard's cards, only those the actor may see: item and event counts for readers of the
    feed, case counts scoped to the cases the actor may see (a unit sees its own), sources for admins."""
    now = utcnow()

    def count(stmt: Any) -> int:
        return int(session.execute(stmt).scalar_one())

    def where(condition: Any) -> Any:  # counts the rows meeting it, inside one query's aggregate
        return func.count(case((condition, 1)))

    out: dict[str, int] = {}
    if actor.can("items.read"):  # one pass over the items for all four cards
        row = session.execute(select(
            func.count(Item.id), where(new_since(now - timedelta(days=1), now)),
            where(Item.relevant.is_(True)), where(Item.sentiment == "negative"))).one()
        out |= dict(zip(("total", "items_24h", "relevant", "negative"), map(int, row), strict=True))
    if actor.can("events.read"):
        out["events"] = count(select(func.count(Event.id)).where(Event.merged_into_id.is_(None)))
    if actor.can("cases.read_all") or (actor.can("cases.read_own") and actor.unit_id is not None):
        open_cases, overdue = session.execute(
            visible(select(func.count(Case.id), where(and_(Case.due_at.is_not(None), Case.due_at < now))), actor)
            .where(Case.state.in_(lc.OPEN_STATES))).one()
        out |= {"open_cases": int(open_cases), "overdue": int(overdue)}
        if actor.unit_bound:
            out["to_sign"] = count(select(func.count(Assignment.case_id)).join(Case).where(
                Assignment.unit_id == actor.unit_id, Assignment.signed_at.is_(None),
                Case.state.in_(lc.WITH_UNIT_STATES)))
    if actor.can("sources.manage"):
        n, bad = session.execute(select(func.count(Source.id),
                                        where(Source.health.in_(("down", "blocked", "stale"))))).one()
        out |= {"sources": int(n), "sources_bad": int(bad)}
    return out


def sources(session: Session) -> list[Source]:
    return list(session.execute(select(Source).order_by(Source.name)).scalars())
