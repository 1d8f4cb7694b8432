"""重要时间节点 (R-COLLECT-2): the planned monitoring windows of the coming months, by month, and the form to plan
one (sources, keywords, polling rate); it switches on and off by itself at its start and end."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request

from yuqing.clock import CHINA, utcnow
from yuqing.collect import sources
from yuqing.collect.schedule import ScheduleError, close_windows
from yuqing.domain.roles import PermissionDenied
from yuqing.store.tables import Source
from yuqing.web.deps import (
    CsrfViewer,
    CurrentViewer,
    DbSession,
    Viewer,
    WorkspaceDep,
    redirect_with_flash,
    render,
)

router = APIRouter()


def _may_view(viewer: Viewer) -> None:
    if not (viewer.can("sources.manage") or viewer.can("events.read")):
        raise HTTPException(403, "无权访问：重点时段监测供管理员、监测员和领导小组办公室查看")


RECENT = timedelta(days=60)  # ended windows stay on the page this long, with their history


def _shown(row: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    starts = datetime.fromisoformat(row["starts_at"]).astimezone(CHINA)
    ends = datetime.fromisoformat(row["ends_at"]).astimezone(CHINA) if row["ends_at"] else None
    return {**row, "from": starts.strftime("%m-%d %H:%M"), "to": ends.strftime("%m-%d %H:%M") if ends else "手动结束",
            "year": starts.year, "month": starts.month, "history": history}


def _page(request: Request, viewer: Viewer, session: DbSession, ws: Any, status: int = 200, **extra: Any) -> Any:
    _may_view(viewer)
    every = sources.windows_list(ws, include_ended=True)
    now = utcnow()
    recent = [r for r in every if r["state"] == "ended" and r["ends_at"]
              and now - datetime.fromisoformat(r["ends_at"]) <= RECENT]
    history = sources.window_history(ws, [r["id"] for r in every if r["state"] != "ended" or r in recent])
    months: dict[str, list[dict[str, Any]]] = {}
    for row in every:
        if row["state"] != "ended":
            shown = _shown(row, history.get(row["id"], []))
            months.setdefault(f"{shown['year']}年{shown['month']}月", []).append(shown)
    ended = [_shown(r, history.get(r["id"], [])) for r in reversed(recent)]
    choices = [(s.id, s.name) for s in session.query(Source).order_by(Source.id)] if viewer.can("sources.manage") else []
    extra.setdefault("form", {"interval": "300"})
    return render(request, "windows/list.html", status, months=months, ended=ended, choices=choices,
                  manage=viewer.can("sources.manage"), **extra)


@router.get("/windows")
def windows_page(request: Request, viewer: CurrentViewer, session: DbSession, ws: WorkspaceDep) -> object:
    return _page(request, viewer, session, ws)


def _when(text: str, label: str) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise ScheduleError(f"{label}应写成 2027-06-07 08:00（北京时间）") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=CHINA)


@router.post("/windows")
def windows_add(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                name: Annotated[str, Form()] = "", starts: Annotated[str, Form()] = "",
                ends: Annotated[str, Form()] = "", keywords: Annotated[str, Form()] = "",
                interval: Annotated[str, Form()] = "300", duty: Annotated[str, Form()] = "",
                source_ids: Annotated[list[str] | None, Form()] = None) -> object:
    form = {"name": name, "starts": starts, "ends": ends, "keywords": keywords, "interval": interval,
            "duty": duty, "source_ids": source_ids or []}
    try:
        if not name.strip():
            raise ScheduleError("请填写名称，如“2027年高考”")
        if not interval.strip().isdigit():
            raise ScheduleError("采集间隔应为秒数，如 300")
        words = [w.strip() for w in keywords.replace("，", ",").split(",") if w.strip()]
        ids = [int(x) for x in source_ids or [] if x.isdigit()]
        people = [p.strip() for p in duty.replace("，", ",").replace("、", ",").split(",") if p.strip()]
        window = sources.plan_window(ws, viewer.actor, name.strip(), _when(starts, "开始时间"), _when(ends, "结束时间"),
                                     ids, words, int(interval), people)
    except ScheduleError as exc:
        return _page(request, viewer, session, ws, 400, error=str(exc), form=form)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    return redirect_with_flash("/windows", f"已计划重点时段监测（#{window}）：{name.strip()}，到点自动开启和结束")


@router.post("/windows/{window_id}/end")
def windows_end(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, window_id: int) -> object:
    try:
        ended = close_windows(ws, viewer.actor, window_id)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    return redirect_with_flash("/windows", "已提前结束该监测时段" if ended else "该监测时段尚未开始或已结束")
