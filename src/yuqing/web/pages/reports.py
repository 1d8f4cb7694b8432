"""报告: daily reports, monthly statistics and quarterly bulletins: lists, pages, drill-down to the cases, downloads."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from yuqing.clock import now_local
from yuqing.reports.deliver import sent_log
from yuqing.reports.html import daily_body, period_body
from yuqing.reports.pdf import PdfUnavailable, soffice
from yuqing.reports.render import FORMATS, MEDIA_TYPES, filename, period_filename, render_daily, render_period
from yuqing.reports.store import (
    ReportError,
    generate_daily,
    generate_period,
    get_report,
    list_reports,
    parse_day,
    record_download,
)
from yuqing.reports.submissions import DAY_COUNTS, day_outcome
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
    return render(request, "reports/list.html", reports=list_reports(session), periodic=_periodic(session),
                  today=now_local().date().isoformat(), report_time=ws.settings.daily_report_time,
                  deliveries=sent_log(session, limit=30))


@router.post("/reports/daily", dependencies=[Depends(check_csrf)])
def generate(request: Request, viewer: ReportWriter, ws: WorkspaceDep, session: DbSession,
             day: Annotated[str, Form()] = "") -> object:
    """Generate (or regenerate) the daily report of a day now (audited; nobody is notified)."""
    try:
        stored = generate_daily(ws, viewer.actor, parse_day(day.strip() or now_local().date().isoformat()))
    except ReportError as exc:
        return render(request, "reports/list.html", 400, reports=list_reports(session), error=str(exc),
                      periodic=_periodic(session), today=now_local().date().isoformat(), form_day=day,
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
                  pdf=soffice() is not None, deliveries=sent_log(session, "daily", stored.id))


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


# ---- monthly statistics and quarterly bulletins (月统计、季通报) ------------------------------------------

PERIOD_KINDS = {"monthly": "月统计", "quarterly": "季通报", "yearly": "年度考核"}


def _period_stored(session: Any, kind: str, period: str) -> Any:
    if kind not in PERIOD_KINDS:
        raise HTTPException(404, "没有这种报告")
    stored = get_report(session, period, kind)
    if stored is None:
        raise HTTPException(404, f"{period} 的{PERIOD_KINDS[kind]}尚未生成")
    return stored


@router.post("/reports/period", dependencies=[Depends(check_csrf)])
def generate_period_page(request: Request, viewer: ReportWriter, ws: WorkspaceDep, session: DbSession,
                         kind: Annotated[str, Form()] = "monthly", period: Annotated[str, Form()] = "") -> object:
    """Generate (or regenerate) a month's or a quarter's statistics as of the period's end (audited)."""
    from yuqing.reports.periodic import previous_period

    try:
        if kind not in PERIOD_KINDS:
            raise ReportError("请选择月统计、季通报或年度考核")
        key = period.strip() or previous_period(kind, now_local().date()).key
        stored = generate_period(ws, viewer.actor, kind, key)
    except ReportError as exc:
        return render(request, "reports/list.html", 400, reports=list_reports(session), error=str(exc),
                      periodic=_periodic(session), today=now_local().date().isoformat(), form_period=period,
                      form_kind=kind, report_time=ws.settings.daily_report_time)
    return redirect_with_flash(f"/reports/{kind}/{stored.period}",
                               f"已生成 {stored.figures['title']}")


def _periodic(session: Any) -> dict[str, Any]:
    return {kind: list_reports(session, kind) for kind in PERIOD_KINDS}


@router.get("/reports/{kind}/{period}")
def period_page(request: Request, kind: str, period: str, viewer: ReportReader, session: DbSession) -> object:
    """One month's or quarter's statistics: every count opens the cases behind it."""
    stored = _period_stored(session, kind, period)
    base = f"/reports/{kind}/{period}"
    return render(request, "reports/period.html", report=stored, figures=stored.figures, kind_label=PERIOD_KINDS[kind],
                  body=period_body(stored.figures, links=True, base=base), base=base, pdf=soffice() is not None,
                  deliveries=sent_log(session, kind, stored.id))


@router.get("/reports/{kind}/{period}/cases")
def period_cases(request: Request, kind: str, period: str, viewer: ReportReader, session: DbSession,
                 count: str = "", unit: int | None = None) -> object:
    """The cases behind one count of one unit (or of the whole district): the drill-down of every number."""
    from sqlalchemy import select

    from yuqing.domain import lifecycle as lc
    from yuqing.store.tables import Case

    stored = _period_stored(session, kind, period)
    figures = stored.figures
    labels = figures["count_labels"]
    if count not in labels:
        raise HTTPException(404, "没有这一项统计")
    row = figures["total"] if unit is None else next((u for u in figures["units"] if u["unit_id"] == unit), None)
    if row is None:
        raise HTTPException(404, "本期统计中没有这个单位")
    meaning = next((d["meaning"] for d in figures["definitions"] if d["key"] == count), "")
    if count in DAY_COUNTS:  # daily submissions are counted in days: the days behind the number
        rows = figures["units"] if unit is None else [row]
        days = [{"unit": u["name"], "day": d, "cutoff": u.get("day_info", {}).get(d, {}).get("cutoff", ""),
                 "first_at": u.get("day_info", {}).get(d, {}).get("first_at") or "",
                 "outcome": day_outcome(u, d)} for u in rows for d in u.get("days", {}).get(count, [])]
        days.sort(key=lambda x: (x["day"], x["unit"]))
        return render(request, "reports/period_days.html", report=stored, figures=figures, unit_name=row["name"],
                      label=labels[count], meaning=meaning, count=row["counts"].get(count, 0), days=days,
                      base=f"/reports/{kind}/{period}")
    ids = row["cases"].get(count, [])
    found = {c.id: c for c in session.execute(select(Case).where(Case.id.in_(ids))).scalars()} if ids else {}
    cases = [{"id": i, "title": found[i].title if i in found else "（案件已不存在）",
              "state": lc.label(found[i].state) if i in found else ""} for i in ids]
    return render(request, "reports/period_cases.html", report=stored, figures=figures, unit_name=row["name"],
                  label=labels[count], meaning=meaning, count=row["counts"][count], cases=cases,
                  base=f"/reports/{kind}/{period}")


@router.get("/reports/{kind}/{period}/sites")
def period_sites(request: Request, kind: str, period: str, viewer: ReportReader, session: DbSession,
                 channel: int = 0, count: str = "") -> object:
    """The findings or correction orders behind one count of one website or account in the yearly assessment."""
    from sqlalchemy import select

    from yuqing.publish import order_states as st
    from yuqing.publish.corrections import KIND_LABELS
    from yuqing.reports.assessment import SITE_COUNTS, SITE_ORDER_COUNTS
    from yuqing.store.tables_publish import ChannelFinding, CorrectionOrder

    stored = _period_stored(session, kind, period)
    sites = (stored.figures.get("assessment") or {}).get("sites") or {}
    point: dict[str, Any] | None
    ids: list[Any]
    if count == "standing":  # a channel not ranked: why, and the findings that count against its owner unit
        site = next((c for c in sites.get("unassessed") or [] if c["channel_id"] == channel), None)
        if site is None:
            raise HTTPException(404, "未纳入考核的渠道中没有这个网站或账号")
        ids, point = list(site["finding_ids"]), {"formula": f"未纳入原因：{site['reason']}。"}
        label = "未纳入考核，计入主办单位扣分的检查发现"  # the heading counts these findings, not channels
    else:
        site = next((c for c in sites.get("channels", []) if c["channel_id"] == channel), None)
        if site is None or count not in SITE_COUNTS:
            raise HTTPException(404, "考核中没有这个网站或账号的这一项")
        point = next((p for p in site["points"] if p["counts"][0]["key"] == count), None)
        ids = point["counts"][0]["ids"] if point is not None else []
        label = SITE_COUNTS[count]
    orders = count in SITE_ORDER_COUNTS
    rows: list[dict[str, Any]] = []
    if orders:
        found = {o.id: o for o in session.execute(select(CorrectionOrder).where(
            CorrectionOrder.id.in_(ids or [-1]))).scalars()}
        rows = [{"id": i, "exists": i in found, "detail": found[i].detail if i in found else "（已不存在）",
                 "issued_at": found[i].issued_at if i in found else None,
                 "due_at": found[i].due_at if i in found else None,
                 "state": st.STATES.get(found[i].state, found[i].state) if i in found else ""} for i in ids]
    else:
        findings = {f.id: f for f in session.execute(select(ChannelFinding).where(
            ChannelFinding.id.in_(ids or [-1]))).scalars()}
        rows = [{"id": i, "detail": findings[i].detail or KIND_LABELS.get(findings[i].kind, "") if i in findings
                 else "（已不存在）", "page_url": findings[i].page_url if i in findings else None,
                 "found_at": findings[i].found_at if i in findings else None,
                 "state": ("已消除" if findings[i].resolved_at else "仍存在") if i in findings else ""} for i in ids]
    return render(request, "reports/period_sites.html", report=stored, figures=stored.figures, site=site,
                  label=label, formula=point["formula"] if point else "", rows=rows, orders=orders,
                  base=f"/reports/{kind}/{period}")


@router.get("/reports/{kind}/{period}/download.{fmt}")
def period_download(kind: str, period: str, fmt: str, viewer: ReportReader, ws: WorkspaceDep,
                    session: DbSession) -> Response:
    """The stored statistics as a file, watermarked with the downloader's name and the time; audited."""
    if fmt not in FORMATS:
        raise HTTPException(404, f"不支持的格式：{fmt}")
    stored = _period_stored(session, kind, period)
    who = f"{viewer.user.display_name}（{viewer.user.username}）"
    try:
        body = render_period(fmt, stored.figures, who=who, district=ws.settings.district_name)
    except PdfUnavailable as exc:
        raise HTTPException(503, str(exc)) from None
    record_download(ws, viewer.actor, stored.id, stored.period, fmt, kind=kind)
    name = period_filename(stored.figures, fmt)
    return Response(body, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
