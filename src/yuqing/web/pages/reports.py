"""报告: the list of daily reports, one report's page, its charts and its downloads (DOCX, XLSX, HTML)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from yuqing.clock import now_local
from yuqing.reports.html import daily_body
from yuqing.reports.pdf import PdfUnavailable, soffice
from yuqing.reports.render import FORMATS, MEDIA_TYPES, filename, render_daily
from yuqing.reports.store import (
    ReportError,
    generate_daily,
    get_report,
    list_reports,
    parse_day,
    record_download,
)
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


@router.get("/reports")
def reports_page(request: Request, viewer: ReportReader, ws: WorkspaceDep, session: DbSession) -> object:
    """Every stored daily report, newest first; analysts can generate one for any past day."""
    return render(request, "reports/list.html", reports=list_reports(session),
                  today=now_local().date().isoformat(), report_time=ws.settings.daily_report_time)


@router.post("/reports/daily", dependencies=[Depends(check_csrf)])
def generate(request: Request, viewer: ReportWriter, ws: WorkspaceDep, session: DbSession,
             day: Annotated[str, Form()] = "") -> object:
    """Generate (or regenerate) the daily report of a day now (audited; nobody is notified)."""
    try:
        stored = generate_daily(ws, viewer.actor, parse_day(day.strip() or now_local().date().isoformat()))
    except ReportError as exc:
        return render(request, "reports/list.html", 400, reports=list_reports(session), error=str(exc),
                      today=now_local().date().isoformat(), form_day=day,
                      report_time=ws.settings.daily_report_time)
    return redirect_with_flash(f"/reports/daily/{stored.period}", f"已生成 {stored.period} 的网络舆情日报告表")


def _stored(session: Any, day: str) -> Any:
    stored = get_report(session, day)
    if stored is None:
        raise HTTPException(404, f"{day} 的日报尚未生成")
    return stored


@router.get("/reports/daily/{day}")
def daily_page(request: Request, day: str, viewer: ReportReader, session: DbSession) -> object:
    stored = _stored(session, day)
    body = daily_body(stored.figures, links=True, charts=f"/reports/daily/{day}/charts.json")
    return render(request, "reports/daily.html", report=stored, figures=stored.figures, body=body,
                  pdf=soffice() is not None)


def _bars(rows: list[dict[str, Any]], colour: str) -> dict[str, Any]:
    rows = rows[:12]
    return {"option": {
        "tooltip": {"trigger": "axis"}, "grid": {"left": 90, "right": 20, "top": 10, "bottom": 20},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "inverse": True, "data": [r["name"] for r in rows]},
        "series": [{"type": "bar", "barMaxWidth": 24, "data": [r["count"] for r in rows],
                    "itemStyle": {"color": colour}}]}}


@router.get("/reports/daily/{day}/charts.json")
def daily_charts(day: str, viewer: ReportReader, session: DbSession) -> dict[str, Any]:
    """ECharts options for the report page (the same figures as the tables beside them)."""
    figures = _stored(session, day).figures
    colours = {"负面": "#d9534f", "中性": "#8a9bb0", "正面": "#3c9d5d", "未分析": "#c8ced6"}
    pie = {"option": {
        "tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
        "series": [{"type": "pie", "radius": ["35%", "65%"],
                    "data": [{"name": r["name"], "value": r["count"], "itemStyle": {"color": colours.get(r["name"])}}
                             for r in figures["by_sentiment"]]}]}}
    return {"source": _bars(figures["by_source"], "#2f6fb3"), "sentiment": pie,
            "topic": _bars(figures["by_topic"], "#7a5cad"), "place": _bars(figures["by_place"], "#3c8d93")}


@router.get("/reports/daily/{day}/download.{fmt}")
def download(day: str, fmt: str, viewer: ReportReader, ws: WorkspaceDep, session: DbSession) -> Response:
    """The stored report as a file, watermarked with the downloader's name and the time; audited."""
    if fmt not in FORMATS:
        raise HTTPException(404, f"不支持的格式：{fmt}")
    stored = _stored(session, day)
    who = f"{viewer.user.display_name}（{viewer.user.username}）"
    try:
        body = render_daily(fmt, stored.figures, who=who, district=ws.settings.district_name)
    except PdfUnavailable as exc:
        raise HTTPException(503, str(exc)) from None
    record_download(ws, viewer.actor, stored.id, stored.period, fmt)
    name = filename(stored.figures, fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
