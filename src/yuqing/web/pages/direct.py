"""舆情直报 (R-COLLECT-5): the phone-friendly form for reporting an item by hand, and the unit's reports today."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile

from yuqing.clock import utcnow
from yuqing.collect import direct, direct_duty
from yuqing.domain.roles import PermissionDenied
from yuqing.store.tables import Unit
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
    duty = direct_duty.unit_duty(session, unit_id)
    mine = next((u for u in direct_duty.day_status(session, day) if u.unit_id == unit_id), None) if duty else None
    manage = viewer.can("direct.manage")
    status_rows = direct_duty.day_status(session, day) if (manage or everyone) else []
    units = [] if not manage else [(u.id, u.name) for u in session.query(Unit).filter(Unit.active.is_(True))
                                   .order_by(Unit.name)]
    return render(request, "direct/report.html", status, rows=rows, day=day, everyone=everyone,
                  unit_name=viewer.unit_name, urgencies=direct.URGENCIES, max_shots=direct.MAX_SCREENSHOTS,
                  duty=duty, mine=mine, manage=manage, status_rows=status_rows, units=units,
                  default_cutoff=request.app.state.ws.settings.direct_report_cutoff, **extra)


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


@router.post("/direct-reports/nothing")
def report_nothing(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                   note: Annotated[str, Form()] = "") -> object:
    _may_report(viewer)
    try:
        report = direct_duty.submit_nothing(ws, viewer.actor, note)
    except direct.DirectReportError as exc:
        return _page(request, viewer, session, 400, error=str(exc))
    late = "（已过今日截止时间，记为迟报）" if report.late else ""
    return redirect_with_flash("/direct-reports", f"已报送“今日无舆情”{late}")


@router.post("/direct-reports/duties")
def duty_set(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
             unit_id: Annotated[str, Form()] = "", cutoff: Annotated[str, Form()] = "") -> object:
    if not viewer.can("direct.manage"):
        raise HTTPException(403, "无权设置每日报送单位")
    form = {"duty_unit": unit_id, "duty_cutoff": cutoff}
    try:
        if not unit_id.isdigit():
            raise direct.DirectReportError("请选择要每日报送的单位")
        direct_duty.set_duty(ws, viewer.actor, int(unit_id), cutoff.strip() or None)
    except direct.DirectReportError as exc:
        return _page(request, viewer, session, 400, error=str(exc), duty_form=form)
    return redirect_with_flash("/direct-reports#duty", "已设置每日报送单位和截止时间")


@router.post("/direct-reports/duties/{unit_id}/remove")
def duty_remove(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, unit_id: int,
                confirm: Annotated[str, Form()] = "") -> object:
    if not viewer.can("direct.manage"):
        raise HTTPException(403, "无权设置每日报送单位")
    if confirm != "yes":  # leaving the list changes what the unit is assessed on: never by a stray tap
        return _page(request, viewer, session, 400, error="未移出：请先勾选“确认”，再点“移出”")
    try:
        direct_duty.remove_duty(ws, viewer.actor, unit_id)
    except direct.DirectReportError as exc:
        return _page(request, viewer, session, 400, error=str(exc))
    return redirect_with_flash("/direct-reports#duty", "已移出每日报送名单")
