"""Reports through the alert channels (报告发送): which reports go to which channels, and sending each report to
each channel exactly once, after the inbox has been told.

1. Routes are data (report_routes): a row says whether one type of report goes to one channel. A channel without
   a row follows DEFAULT_KINDS: the daily report goes to every e-mail channel, nothing else goes anywhere until
   the office chooses (报告发送渠道, on the notification settings page).
2. The action that makes a report final (the scheduled daily report, the month's and quarter's statistics,
   a special report's 报送) queues one sent-log row per routed channel in its own transaction, beside the inbox
   notifications: the unique key (type, report, channel) makes a rerun queue nothing, and a crash after the
   commit loses nothing (the rows wait, queued).
3. `send_due` claims the queued rows and the retries whose time has come by a conditional update (one runner
   wins each), builds a ReportMessage and hands it to the channel's adapter; the outcome is recorded like an
   alert's: sent, or retrying on the alerts' backoff, then failed, the channel's health kept. In-app messages are
   written in the transaction that marks them sent.
The routes, the sent-log and the sending are the shared outbox's (alert/outbox.py, REPORT_OUTBOX below); this
module keeps what is the reports' own: the default routes, the queueing key and the message of each report.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.alert.outbox import STATUS_LABELS, DeliveryView, Outbox, Unsendable
from yuqing.clock import CHINA, aware
from yuqing.domain.messages import REPORT_TYPES, Attachment, ReportMessage
from yuqing.store.tables_report import (
    Report,
    ReportDelivery,
    ReportRoute,
    SpecialReport,
    SpecialReportVersion,
)
from yuqing.workspace import Workspace

__all__ = ["DEFAULT_KINDS", "REPORT_OUTBOX", "STATUS_LABELS", "DeliveryView", "ReportGone", "default_route", "queue",
           "route_table", "routed", "send_due", "send_one", "sent_log", "set_routes"]

log = logging.getLogger(__name__)

# Where a report goes when the office has not chosen for that channel: the daily report to every e-mail channel
# (the office's inbox is told by the report itself, whatever the routes).
DEFAULT_KINDS: dict[str, frozenset[str]] = {"daily": frozenset({"email"})}
FORMAT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "html": "text/html"}


class ReportGone(Unsendable):
    """The report a sent-log row names no longer exists (or was never approved); the message says which."""


def default_route(report_type: str, channel_kind: str) -> bool:
    return channel_kind in DEFAULT_KINDS.get(report_type, frozenset())


# ---------------------------------------------------------------- the message
def _cst(value: Any) -> str:
    return aware(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def _rate(total: dict[str, Any], key: str) -> str:
    r = next((r for r in total["rates"] if r["key"] == key), None)
    return "—" if r is None else f"{r['percent']}（{r['numerator']}/{r['denominator']}）"


def _formats(ws: Workspace) -> list[str]:
    return [f.strip().lower() for f in (ws.settings.report_mail_formats or "").split(",")
            if f.strip().lower() in FORMAT_TYPES]


def _files(ws: Workspace, render: Any, figures: dict[str, Any], name: Any, who: str) -> Any:
    """The attachments maker: each configured format, a PDF left out (logged) where LibreOffice cannot make it."""
    from yuqing.reports.pdf import PdfUnavailable

    def make() -> Sequence[Attachment]:
        out = []
        for fmt in _formats(ws):
            try:
                data = render(fmt, figures, who=who, district=ws.settings.district_name)
            except PdfUnavailable as exc:
                log.warning("report mail without %s: %s", fmt, exc)
                continue
            out.append(Attachment(name(figures, fmt), FORMAT_TYPES[fmt], data))
        return out

    return make


def message_of(ws: Workspace, s: Session, delivery: ReportDelivery, channel_name: str) -> ReportMessage:
    """The message of one sent-log row, from the stored report (ReportGone when it is gone)."""
    from yuqing.reports.render import (
        filename,
        issuer_of,
        period_filename,
        render_daily,
        render_period,
        render_special,
        special_filename,
    )

    who = f"{channel_name}（自动报送）"
    common: dict[str, Any] = {"delivery_id": delivery.id, "report_type": delivery.report_type,
                              "base_url": ws.settings.public_url, "issuer": issuer_of(ws.settings.district_name)}
    if delivery.report_type == "special":
        return _special_message(s, ws, delivery, common, who, render_special, special_filename)
    report = s.get(Report, delivery.report_id)
    if report is None:
        raise ReportGone("报告已不存在")
    f = dict(report.figures)
    if delivery.report_type == "daily":
        t, c = f.get("totals", {}), f.get("case_totals", {})
        summary = [("涉区信息", f"{t.get('relevant', 0)} 条"), ("负面", f"{t.get('negative', 0)} 条"),
                   ("新增事件", f"{t.get('new_events', 0)} 个"), ("逾期案件", f"{c.get('overdue', 0)} 件")]
        if f.get("sources"):
            summary.append(("信息源异常", f"{len(f['sources'])} 个"))
        return ReportMessage(**common, subject=f"{f.get('title', '网络舆情日报告表')}（{report.period}）",
                             period=report.period, summary=summary, path=f"/reports/daily/{report.period}",
                             attachments=_files(ws, render_daily, f, filename, who))
    total = f["total"]
    summary = [("收到交办", f"{total['counts']['received']} 次"), ("按期签收率", _rate(total, "sign_rate")),
               ("按期反馈率", _rate(total, "feedback_rate")), ("逾期案件", f"{total['counts']['overdue']} 件")]
    if f.get("commend"):
        summary.append(("表扬", "、".join(u["name"] for u in f["commend"])))
    if f.get("criticise"):
        summary.append(("通报", "、".join(u["name"] for u in f["criticise"])))
    return ReportMessage(**common, subject=f["title"], period=f.get("label", report.period), summary=summary,
                         path=f"/reports/{report.kind}/{report.period}",
                         attachments=_files(ws, render_period, f, period_filename, who))


def _special_message(s: Session, ws: Workspace, delivery: ReportDelivery, common: dict[str, Any], who: str,
                     render: Any, name: Any) -> ReportMessage:
    from yuqing.reports.special_store import document, get_special

    row = s.get(SpecialReport, delivery.report_id)
    if row is None or row.approved_version is None:
        raise ReportGone("专报已不存在或未经审批")
    view = get_special(s, row.id)
    assert view is not None
    f = document(view, row.approved_version)
    version = s.execute(select(SpecialReportVersion).where(
        SpecialReportVersion.report_id == row.id, SpecialReportVersion.version == row.approved_version)).scalar_one()
    t = f.get("totals", {})
    excerpt = version.summary if len(version.summary) <= 120 else version.summary[:119] + "…"
    summary = [("事件", f.get("event_title", "")), ("等级", f.get("grade_label", "未定级")),
               ("信息量", f"{t.get('items', 0)} 条（负面 {t.get('negative', 0)} 条）"), ("概要", excerpt)]
    return ReportMessage(**common, subject=f"{f.get('title') or '舆情专报'}：{f.get('event_title', '')}",
                         period=f"第 {row.approved_version} 版（{_cst(row.approved_at)} 审批）", summary=summary,
                         path=f"/reports/special/{row.id}?version={row.approved_version}",
                         attachments=_files(ws, render, f, name, who))


# ---------------------------------------------------------------- the sent-log's links
def _links(s: Session, rows: Sequence[ReportDelivery]) -> list[str]:
    """Each row's report page: a special report by its id, the others by their kind and period."""
    ids = {r.report_id for r in rows if r.report_type != "special"}
    periods = {i: (k, p) for i, k, p in s.execute(select(Report.id, Report.kind, Report.period)
                                                   .where(Report.id.in_(ids or {-1})))}
    links = []
    for row in rows:
        kind, period = periods.get(row.report_id, ("", ""))
        links.append(f"/reports/special/{row.report_id}" if row.report_type == "special"
                     else f"/reports/{kind}/{period}" if period else "/reports")
    return links


# ---------------------------------------------------------------- the outbox (alert/outbox.py) over report tables
REPORT_OUTBOX = Outbox(
    name="report", delivery=ReportDelivery, route=ReportRoute, kind_column="report_type", kinds=REPORT_TYPES,
    other_label="报告", message_of=message_of, unreadable="生成报告消息时程序出错", routes_action="report.routes",
    deliver_action="report.deliver", default=default_route, pin_every_pair=True, links=_links)

route_table = REPORT_OUTBOX.route_table
routed = REPORT_OUTBOX.routed
send_one = REPORT_OUTBOX.send_one


@action("report.routes", permission="alerts.manage")
def set_routes(tx: Tx, chosen: Collection[tuple[str, int]]) -> list[str]:
    """报告发送渠道: exactly the (report type, channel) pairs in `chosen` are on; every pair shown gets its row,
    so a default the office unticked stays off. Returns the changes in words (audited)."""
    return REPORT_OUTBOX.set_routes(tx, chosen)


def queue(tx: Tx, report_type: str, report_id: int, title: str) -> list[str]:
    """In the action that makes the report final: one sent-log row per routed channel, unless it exists (a rerun
    queues nothing). Returns the channels newly queued (audited as report.deliver)."""
    return REPORT_OUTBOX.queue(tx, routed(tx.session, report_type),
                               {"report_type": report_type, "report_id": report_id, "title": title[:200]},
                               ("report", report_id), report_type=report_type)


def _of(report_type: str | None, report_id: int | None) -> list[ColumnElement[bool]]:
    """The sent-log rows of one report type, of one report (either may be left open)."""
    where = []
    if report_type is not None:
        where.append(ReportDelivery.report_type == report_type)
    if report_id is not None:
        where.append(ReportDelivery.report_id == report_id)
    return where


def send_due(ws: Workspace, now: datetime | None = None, only: tuple[str, int] | None = None) -> dict[str, int]:
    """Send what is due (of one report only with `only` = (type, id)); counts by outcome."""
    return REPORT_OUTBOX.send_due(ws, now, *(_of(*only) if only is not None else ()))


def sent_log(s: Session, report_type: str | None = None, report_id: int | None = None,
             limit: int = 50) -> list[DeliveryView]:
    """发送记录: the newest report deliveries first (of one report when given)."""
    return REPORT_OUTBOX.sent_log(s, *_of(report_type, report_id), limit=limit)
