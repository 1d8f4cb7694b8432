"""舆情专报 pages: the list, drafting from an event, one report with its versions, editing, approval (never by
its drafter), returning, sending to the configured recipients, and downloads (watermarked, audited)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from yuqing.reports.config import load_report_config
from yuqing.reports.deliver import routed, sent_log
from yuqing.reports.html import special_body
from yuqing.reports.pdf import PdfUnavailable, soffice
from yuqing.reports.render import FORMATS, MEDIA_TYPES, render_special, special_filename
from yuqing.reports.special import SpecialReportError
from yuqing.reports.special_store import (
    APPROVED,
    DRAFT,
    SpecialView,
    approve_special,
    deliver_special,
    document,
    draft_special,
    get_special,
    list_special,
    return_special,
    revise_special,
)
from yuqing.reports.store import record_download
from yuqing.web.deps import (
    DbSession,
    Viewer,
    WorkspaceDep,
    check_csrf,
    redirect_with_flash,
    render,
    require_permission,
)

router = APIRouter()
ReportReader = Annotated[Viewer, require_permission("reports.read")]
ReportWriter = Annotated[Viewer, require_permission("reports.write")]


@router.get("/reports/special")
def special_list(request: Request, viewer: ReportReader, session: DbSession, event: int | None = None) -> object:
    return render(request, "reports/special_list.html", reports=list_special(session, event), event=event)


@router.post("/reports/special", dependencies=[Depends(check_csrf)])
def special_draft(request: Request, viewer: ReportWriter, ws: WorkspaceDep, session: DbSession,
                  event_id: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "舆情专报") -> object:
    """起草 a special report (or a 重要信息 bulletin) for an event (version 1 with the default texts)."""
    try:
        if not event_id.strip().isdigit():
            raise SpecialReportError("请填写事件编号（如事件 #4 填 4），或在事件页点“起草舆情专报”"
                                     if not event_id.strip() else f"事件编号应为数字（如事件 #4 填 4），而不是“{event_id.strip()}”")
        row = draft_special(ws, viewer.actor, int(event_id), title=title)
    except SpecialReportError as exc:
        return render(request, "reports/special_list.html", 400, reports=list_special(session), error=str(exc),
                      event=None, form_event=event_id)
    return redirect_with_flash(f"/reports/special/{row.id}", f"已起草{title}（第 1 版），请修改后提交审批")


def _view(session: Any, report_id: int) -> SpecialView:
    view = get_special(session, report_id)
    if view is None:
        raise HTTPException(404, f"专报 {report_id} 不存在")
    return view


def _audience(session: Any, audience: str) -> str:
    """A recipient in words: a role's name, a unit's or a person's name."""
    from yuqing.domain.roles import ROLE_NAMES
    from yuqing.store.tables import Unit, User

    kind, _, ref = str(audience).partition(":")
    if ref.isdigit() and kind in ("unit", "user"):
        row = session.get(Unit if kind == "unit" else User, int(ref))
        if row is not None:
            return str(row.name if kind == "unit" else row.display_name)
    return ROLE_NAMES.get(audience, "指定接收人")


def _page(request: Request, ws: Any, session: Any, view: SpecialView, version: int | None = None,
          status: int = 200, error: str = "", form: dict[str, str] | None = None) -> object:
    try:
        doc = document(view, version)
    except SpecialReportError as exc:
        raise HTTPException(404, str(exc)) from None
    viewer = request.state.viewer
    may_approve = (viewer.can("reports.approve") and view.status == DRAFT
                   and viewer.user.id != view.drafted_by_id
                   and all(v.author_id != viewer.user.id for v in view.versions))
    recipients = [_audience(session, a) for a in load_report_config(ws.path).get("special_recipients") or []]
    return render(request, "reports/special.html", status, report=view, doc=doc, body=special_body(doc, links=True),
                  current=doc["version"] == view.version, may_approve=may_approve, error=error,
                  form=form or {"summary": view.get().summary, "suggestion": view.get().suggestion},
                  recipients=recipients, pdf=soffice() is not None, draft=DRAFT, approved=APPROVED,
                  channels=[c.name for c in routed(session, "special")],
                  deliveries=sent_log(session, "special", view.id))


@router.get("/reports/special/{report_id}")
def special_page(request: Request, report_id: int, viewer: ReportReader, ws: WorkspaceDep, session: DbSession,
                 version: int | None = None) -> object:
    return _page(request, ws, session, _view(session, report_id), version)


@router.post("/reports/special/{report_id}/revise", dependencies=[Depends(check_csrf)])
def special_revise(request: Request, report_id: int, viewer: ReportWriter, ws: WorkspaceDep, session: DbSession,
                   summary: Annotated[str, Form()] = "", suggestion: Annotated[str, Form()] = "",
                   note: Annotated[str, Form()] = "") -> object:
    try:
        v = revise_special(ws, viewer.actor, report_id, summary=summary, suggestion=suggestion, note=note)
    except SpecialReportError as exc:
        return _page(request, ws, session, _view(session, report_id), status=400, error=str(exc),
                     form={"summary": summary, "suggestion": suggestion, "note": note})
    return redirect_with_flash(f"/reports/special/{report_id}", f"已保存为第 {v.version} 版")


@router.post("/reports/special/{report_id}/approve", dependencies=[Depends(check_csrf)])
def special_approve(request: Request, report_id: int, viewer: Annotated[Viewer, require_permission("reports.approve")],
                    ws: WorkspaceDep, session: DbSession, version: Annotated[str, Form()] = "",
                    confirm: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> object:
    """审批: only with the box ticked that names the version read; never by its drafter or an editor."""
    try:
        if confirm != "yes":
            raise SpecialReportError("请勾选“我已审阅本版本，同意报送”后再审批")
        if not version.strip().isdigit():
            raise SpecialReportError("缺少审阅的版本号")
        approve_special(ws, viewer.actor, report_id, version=int(version), note=note)
    except SpecialReportError as exc:
        return _page(request, ws, session, _view(session, report_id), status=400, error=str(exc))
    return redirect_with_flash(f"/reports/special/{report_id}", f"已审批第 {version} 版")


@router.post("/reports/special/{report_id}/return", dependencies=[Depends(check_csrf)])
def special_return(request: Request, report_id: int, viewer: Annotated[Viewer, require_permission("reports.approve")],
                   ws: WorkspaceDep, session: DbSession, reason: Annotated[str, Form()] = "") -> object:
    try:
        return_special(ws, viewer.actor, report_id, reason=reason)
    except SpecialReportError as exc:
        return _page(request, ws, session, _view(session, report_id), status=400, error=str(exc))
    return redirect_with_flash(f"/reports/special/{report_id}", "已退回修改")


@router.post("/reports/special/{report_id}/send", dependencies=[Depends(check_csrf)])
def special_send(request: Request, report_id: int, viewer: ReportReader, ws: WorkspaceDep,
                 session: DbSession) -> object:
    try:
        row, sent = deliver_special(ws, viewer.actor, report_id)
    except SpecialReportError as exc:
        return _page(request, ws, session, _view(session, report_id), status=400, error=str(exc))
    channels = sum(sent.values())
    failed = channels - sent.get("sent", 0)
    note = f"；另通过 {channels} 个渠道发送" + (f"，其中 {failed} 个未成功，将自动重试（见发送记录）" if failed else "") \
        if channels else ""
    return redirect_with_flash(f"/reports/special/{report_id}", f"已报送 {len(row.recipients)} 个接收方{note}")


@router.get("/reports/special/{report_id}/download.{fmt}")
def special_download(report_id: int, fmt: str, viewer: ReportReader, ws: WorkspaceDep, session: DbSession,
                     version: int | None = None) -> Response:
    """A version of the report as a file, watermarked with the downloader's name and the time; audited."""
    if fmt not in FORMATS:
        raise HTTPException(404, f"不支持的格式：{fmt}")
    view = _view(session, report_id)
    try:
        doc = document(view, version)
    except SpecialReportError as exc:
        raise HTTPException(404, str(exc)) from None
    who = f"{viewer.user.display_name}（{viewer.user.username}）"
    try:
        body = render_special(fmt, doc, who=who, district=ws.settings.district_name)
    except PdfUnavailable as exc:
        raise HTTPException(503, str(exc)) from None
    record_download(ws, viewer.actor, view.id, f"{view.event_id}-v{doc['version']}", fmt, kind="special")
    return Response(body, media_type=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(special_filename(doc, fmt))}"})
