"""舆情直报 (R-COLLECT-5): the phone-friendly form for reporting an item by hand, and the unit's reports today."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile

from yuqing.clock import utcnow
from yuqing.collect import direct
from yuqing.domain.roles import PermissionDenied
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
FORM_FIELDS = ("text", "url", "note", "urgency", "poster")


def _may_report(viewer: Viewer) -> None:
    if not viewer.can("items.report"):
        raise HTTPException(403, "无权访问：舆情直报供各单位、监测员和领导小组办公室使用")


def _page(request: Request, viewer: Viewer, session: DbSession, status: int = 200, **extra: Any) -> Any:
    _may_report(viewer)
    day = direct.report_day(utcnow())
    unit_id = viewer.actor.unit_id
    everyone = unit_id is None and viewer.can("items.read")  # the office and analysts see every unit's
    rows = direct.reports_of_day(session, day, None if everyone else unit_id) if (everyone or unit_id) else []
    if not everyone and unit_id is None:
        rows = [r for r in direct.reports_of_day(session, day) if r["reporter"] == viewer.actor.name]
    extra.setdefault("form", {"urgency": "normal"})
    return render(request, "direct/report.html", status, rows=rows, day=day, everyone=everyone,
                  unit_name=viewer.unit_name, urgencies=direct.URGENCIES, max_shots=direct.MAX_SCREENSHOTS, **extra)


@router.get("/direct-reports")
def report_page(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    return _page(request, viewer, session)


@router.post("/direct-reports")
def report_submit(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                  text: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
                  note: Annotated[str, Form()] = "", urgency: Annotated[str, Form()] = "normal",
                  poster: Annotated[str, Form()] = "",
                  screenshots: Annotated[list[UploadFile] | None, File()] = None) -> object:
    _may_report(viewer)
    form = {"text": text, "url": url, "note": note, "urgency": urgency, "poster": poster}
    shots = []
    for upload in screenshots or []:
        if not upload.filename:
            continue  # the empty file input of a form sent without a screenshot
        shots.append(direct.Screenshot(upload.filename, upload.file.read(direct.MAX_SCREENSHOT_BYTES + 1)))
    draft = direct.Draft(text=text, url=url, note=note, urgency=urgency, poster=poster, screenshots=shots)
    try:
        report = direct.report_item(ws, viewer.actor, draft)
    except direct.DirectReportError as exc:
        return _page(request, viewer, session, 400, error=str(exc), form=form)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    what = "已并入系统已采集的同一条信息，并记录贵单位的报送" if report.duplicate else "已进入监测研判流程"
    late = "（已过今日截止时间，记为迟报）" if report.late else ""
    return redirect_with_flash("/direct-reports", f"直报已提交{late}：{what}。编号 {report.id}")
