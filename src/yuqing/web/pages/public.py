"""三率公开: the public accountability page, without login, only when `public_accountability` is on."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from yuqing.clock import now_local
from yuqing.reports.public import public_figures
from yuqing.web.deps import DbSession, WorkspaceDep, render

router = APIRouter()


@router.get("/public/accountability")
def accountability(request: Request, ws: WorkspaceDep, session: DbSession) -> object:
    if not ws.settings.public_accountability:
        raise HTTPException(404, "页面不存在")
    figures = public_figures(session, ws.path, now_local().date(), cache_key=ws.settings.resolved_database_url)
    return render(request, "public/accountability.html", figures=figures)
