"""Generating, storing and downloading reports: every change and every download goes through an action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import CHINA, aware, utcnow
from yuqing.reports.daily import TITLE, daily_report, latest_day
from yuqing.store.tables_report import Report

DAILY = "daily"
# Who is told that the day's report is ready (inbox): leaders, the office and the analysts.
DAILY_AUDIENCE = ("leader", "office", "analyst")


class ReportError(ValueError):
    """A report cannot be made as asked (the message, in Chinese, says why)."""


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: int
    kind: str
    period: str
    generated_at: datetime
    generated_by: str
    figures: dict[str, Any]
    notified_at: datetime | None = None


def _stored(row: Report) -> StoredReport:
    return StoredReport(row.id, row.kind, row.period, aware(row.generated_at), row.generated_by, dict(row.figures),
                        aware(row.notified_at) if row.notified_at else None)


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReportError(f"日期请写成“2026-11-24”这样的年-月-日：“{value}”不是日期") from None


def report_link(period: str) -> str:
    return f"/reports/daily/{period}"


@action("report.generate", permission="reports.write")
def generate_daily(tx: Tx, day: date, *, notify: bool = False) -> StoredReport:
    """Compute the day's report and store it (replacing an earlier one of that day); audited. With `notify`,
    leaders, the office and the analysts are told in their inbox, with a link to the report page, and the report
    is queued for its channels (reports/deliver.py)."""
    if day > utcnow().astimezone(CHINA).date():
        raise ReportError(f"{day.isoformat()} 尚未到来，不能生成日报")
    report = daily_report(tx.session, day)
    figures = report.figures()
    period = day.isoformat()
    row = tx.session.execute(select(Report).where(Report.kind == DAILY, Report.period == period)).scalar_one_or_none()
    replaced = row is not None
    if row is None:
        row = Report(kind=DAILY, period=period, generated_by=tx.actor.name, figures=figures)
        tx.session.add(row)
    row.generated_at, row.generated_by, row.figures = utcnow(), tx.actor.name, figures
    tx.session.flush()
    tx.audit("report.generate", "report", row.id, kind=DAILY, period=period, replaced=replaced,
             relevant=figures["totals"]["relevant"], overdue=figures["case_totals"].get("overdue", 0))
    if notify:
        totals = figures["totals"]
        body = (f"涉区信息 {totals['relevant']} 条（负面 {totals['negative']} 条），新增事件 {totals['new_events']} 个，"
                f"逾期案件 {figures['case_totals'].get('overdue', 0)} 件。")
        for audience in DAILY_AUDIENCE:
            tx.notify(audience, "report.daily", f"{TITLE}（{period}）已生成", body, link=report_link(period))
        row.notified_at = utcnow()
        _queue(tx, DAILY, row.id, f"{TITLE}（{period}）")
    return _stored(row)


def compute_period(session: Session, workspace: Any, period: Any) -> dict[str, Any]:
    """A period's figures (reports.json thresholds); a year's also carry the assessment (assessment.json)."""
    from yuqing.reports.assessment import SheetError, assess, load_sheet
    from yuqing.reports.config import ReportConfigError, load_report_config
    from yuqing.reports.periodic import YEARLY, period_report

    try:
        figures = period_report(session, period, load_report_config(workspace))
        if period.kind == YEARLY:
            from yuqing.clock import utcnow
            from yuqing.publish.figures import attach_to_period, channel_assessment_rows
            from yuqing.reports.assessment import assess_channels

            as_of = min(period.end, utcnow())
            attach_to_period(session, figures, period.start, as_of)
            sheet = load_sheet(workspace)
            figures["assessment"] = assess(figures, sheet)
            figures["assessment"]["sites"] = assess_channels(
                channel_assessment_rows(session, period.start, as_of), sheet)
    except (ReportConfigError, SheetError) as exc:
        raise ReportError(str(exc)) from None
    return figures


@action("report.generate_period", permission="reports.write")
def generate_period(tx: Tx, kind: str, period: str, *, notify: bool = False) -> StoredReport:
    """Compute a month's, a quarter's or a year's statistics (月统计、季通报、年度考核) as of the period's end and
    store them (replacing an earlier run of that period: the same numbers, unless the period had not ended);
    audited. With `notify`, leaders, the office and the analysts are told in their inbox, and the statistics are
    queued for their channels."""
    from yuqing.reports.periodic import MONTHLY, QUARTERLY, YEARLY, PeriodError, parse_period

    if kind not in (MONTHLY, QUARTERLY, YEARLY):
        raise ReportError(f"未知的统计周期：{kind}")
    try:
        p = parse_period(kind, period)
    except PeriodError as exc:
        raise ReportError(str(exc)) from None
    if p.start > utcnow():
        raise ReportError(f"{p.label}尚未开始，不能生成统计")
    figures = compute_period(tx.session, tx.ws.path, p)
    row = tx.session.execute(select(Report).where(Report.kind == kind, Report.period == p.key)).scalar_one_or_none()
    replaced = row is not None
    if row is None:
        row = Report(kind=kind, period=p.key, generated_by=tx.actor.name, figures=figures)
        tx.session.add(row)
    row.generated_at, row.generated_by, row.figures = utcnow(), tx.actor.name, figures
    tx.session.flush()
    tx.audit("report.generate", "report", row.id, kind=kind, period=p.key, replaced=replaced,
             units=len(figures["units"]), overdue=figures["total"]["counts"]["overdue"])
    if notify:
        total = figures["total"]
        rates = {r["key"]: r for r in total["rates"]}
        body = (f"收到交办 {total['counts']['received']} 次；{rates['sign_rate']['formula']}；"
                f"{rates['feedback_rate']['formula']}；逾期案件 {total['counts']['overdue']} 件。")
        for audience in DAILY_AUDIENCE:
            tx.notify(audience, "report.periodic", f"{figures['title']}已生成", body, link=f"/reports/{kind}/{p.key}")
        row.notified_at = utcnow()
        _queue(tx, kind, row.id, figures["title"])
    return _stored(row)


def _queue(tx: Tx, kind: str, report_id: int, title: str) -> None:
    """The report to its channels (报告发送渠道), queued beside the inbox notices: sent once each after commit."""
    from yuqing.reports.deliver import queue

    queue(tx, kind, report_id, title)


@action("report.download", permission="reports.read")
def record_download(tx: Tx, report_id: int | None, period: str, fmt: str, *, via: str = "web",
                    kind: str = DAILY) -> None:
    """A report file was downloaded (or written by the CLI): who, which report, which format (a sensitive read)."""
    tx.audit("report.download", "report", report_id, kind=kind, period=period, format=fmt, via=via)


def list_reports(session: Session, kind: str = DAILY, limit: int = 100) -> list[StoredReport]:
    rows = session.execute(select(Report).where(Report.kind == kind)
                           .order_by(Report.period.desc()).limit(limit)).scalars()
    return [_stored(r) for r in rows]


def get_report(session: Session, period: str, kind: str = DAILY) -> StoredReport | None:
    row = session.execute(select(Report).where(Report.kind == kind, Report.period == period)).scalar_one_or_none()
    return _stored(row) if row is not None else None


def due_time(value: str) -> time:
    """The `daily_report_time` setting ("HH:MM", China time)."""
    try:
        hours, minutes = (int(p) for p in value.strip().split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ReportError(f"daily_report_time 应为 HH:MM（北京时间）：{value}") from None


__all__ = ["DAILY", "ReportError", "StoredReport", "daily_report", "due_time", "generate_daily", "generate_period",
           "get_report",
           "latest_day", "list_reports", "parse_day", "record_download"]
