"""The item feed (search and filters) and the item page with its evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.clock import CHINA, now_local
from yuqing.collect.evidence import raw_evidence
from yuqing.domain.profile import DistrictProfile
from yuqing.exports import items_xlsx, record_items_export
from yuqing.store.repositories.cases import NotFound
from yuqing.store.repositories.items import get_item, sources
from yuqing.store.search import ItemFilter, search_items
from yuqing.web.deps import DbSession, Viewer, WorkspaceDep, render, require_permission
from yuqing.web.snapshot import readable

router = APIRouter()
ItemReader = Annotated[Viewer, require_permission("items.read")]
PAGE = 30


def parse_day(value: str | None, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD form value as the start (or the end) of that China-time day."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=CHINA)
    except ValueError:
        raise HTTPException(422, f"日期格式应为 YYYY-MM-DD：{value}") from None
    return day + timedelta(days=1) if end else day


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise HTTPException(422, f"{what}参数应为数字：{value}") from None


def filter_from(q: str = "", since: str | None = None, until: str | None = None, source: str | None = None,
                sentiment: str | None = None, topic: str | None = None, place: str | None = None,
                relevant: str | None = None) -> ItemFilter:
    return ItemFilter(
        query=q.strip(), since=parse_day(since), until=parse_day(until, end=True),
        source_ids=[_int(source, "来源")] if source else [], sentiment=sentiment or None, topic=topic or None,
        place=place or None, relevant={"1": True, "0": False}.get(relevant or ""),
    )


@router.get("/items")
def feed(
    request: Request, viewer: ItemReader, session: DbSession,
    q: str = "", since: str | None = None, until: str | None = None, source: str | None = None,
    sentiment: str | None = None, topic: str | None = None, place: str | None = None,
    relevant: str | None = None, page: Annotated[int, Query(ge=1)] = 1,
) -> object:
    f = filter_from(q, since, until, source, sentiment, topic, place, relevant)
    hits = search_items(session, f, limit=PAGE, offset=(page - 1) * PAGE)
    context = dict(items=hits.items, total=hits.total, count_label=hits.count_label, page=page,
                   pages=max(1, -(-hits.total // PAGE)), exact=hits.exact,
                   has_next=hits.next_cursor is not None, f=f,
                   args=dict(q=q, since=since or "", until=until or "", source=source or "",
                             sentiment=sentiment or "", topic=topic or "", place=place or "",
                             relevant=relevant or ""),
                   sources=sources(session), topics=list(TOPIC_LABELS.values()),
                   places=_place_names(request))
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "feed-results":
        return render(request, "items/_results.html", **context)
    return render(request, "items/feed.html", **context)


def _place_names(request: Request) -> list[str]:
    """The district's towns, streets and landmarks, for the place filter (read again when the profile changes)."""
    path = request.app.state.ws.settings.profile_path
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    return list(_places_of(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _places_of(path: Path, mtime_ns: int, size: int) -> tuple[str, ...]:
    profile = DistrictProfile.load(path)
    return tuple(p.name for p in profile.places if p.level in ("town", "landmark"))


EXPORT_LIMIT = 10_000


@router.get("/items/export.xlsx")
def export_items(
    viewer: ItemReader, session: DbSession, ws: WorkspaceDep,
    q: str = "", since: str | None = None, until: str | None = None, source: str | None = None,
    sentiment: str | None = None, topic: str | None = None, place: str | None = None,
    relevant: str | None = None,
) -> Response:
    """The feed's current filter as an XLSX file (at most 10,000 rows), watermarked and audited."""
    f = filter_from(q, since, until, source, sentiment, topic, place, relevant)
    hits = search_items(session, f, limit=EXPORT_LIMIT)
    rows, total = hits.items, hits.total
    body = items_xlsx(rows, f"{viewer.user.display_name}（{viewer.user.username}）")
    record_items_export(ws, viewer.actor, rows=len(rows), total=total, filters=dict(
        query=q, since=since, until=until, source=source, sentiment=sentiment, topic=topic, place=place))
    name = f"舆情信息_{now_local().strftime('%Y%m%d_%H%M')}.xlsx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: int, viewer: ItemReader, session: DbSession) -> object:
    try:
        item = get_item(session, item_id)
    except NotFound:
        raise HTTPException(404, "信息不存在") from None
    evidence = raw_evidence(session, item)
    return render(request, "items/detail.html", item=item, evidence=evidence,
                  raw_size=len(evidence.raw) if evidence.raw is not None else 0)


@router.get("/items/{item_id}/snapshot")
def item_snapshot(request: Request, item_id: int, viewer: ItemReader, session: DbSession) -> Response:
    """The raw snapshot as captured, made readable: a record as labelled fields, a feed as this item's
    entry, a page sanitised (no scripts, no handlers, nothing loaded from elsewhere), text wrapped."""
    try:
        item = get_item(session, item_id)
    except NotFound:
        raise HTTPException(404, "信息不存在") from None
    evidence = raw_evidence(session, item)
    if evidence.raw is None:
        raise HTTPException(404, "该信息没有原始快照")
    view = readable(evidence.raw, evidence.content_type, url=item.url, external_id=item.external_id)
    page = render(request, "items/snapshot.html", item=item, evidence=evidence, view=view,
                  raw_size=len(evidence.raw))
    page.headers["Content-Security-Policy"] = ("default-src 'none'; style-src 'self' 'unsafe-inline'; "
                                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return page
