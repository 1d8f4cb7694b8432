"""The dashboard: live counts and the daily chart (htmx refreshes the counts)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from yuqing.store.repositories.events import list_events
from yuqing.store.repositories.items import dashboard_counts, sources
from yuqing.web.deps import CurrentViewer, DbSession, render

router = APIRouter()


@router.get("/")
def dashboard(request: Request, viewer: CurrentViewer, session: DbSession, wall: bool = False) -> object:
    return render(request, "dashboard.html", counts=dashboard_counts(session, viewer.actor), wall=wall,
                  events=list_events(session, limit=8) if viewer.can("events.read") else None,
                  sources=sources(session) if viewer.can("sources.manage") or viewer.can("items.read") else None)


@router.get("/partials/counts")
def counts_partial(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    return render(request, "partials/counts.html", counts=dashboard_counts(session, viewer.actor))
