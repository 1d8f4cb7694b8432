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
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import alerts as policy
from yuqing.domain.messages import REPORT_TYPES, Attachment, ReportMessage
from yuqing.store.tables_alert import AlertChannel
from yuqing.store.tables_report import (
    Report,
    ReportDelivery,
    ReportRoute,
    SpecialReport,
    SpecialReportVersion,
)
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

# Where a report goes when the office has not chosen for that channel: the daily report to every e-mail channel
# (the office's inbox is told by the report itself, whatever the routes).
DEFAULT_KINDS: dict[str, frozenset[str]] = {"daily": frozenset({"email"})}
STATUS_LABELS = {"queued": "待发送", **policy.STATUS_LABELS}
FORMAT_TYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "html": "text/html"}


class ReportGone(LookupError):
    """The report a sent-log row names no longer exists (or was never approved); the message says which."""


def default_route(report_type: str, channel_kind: str) -> bool:
    return channel_kind in DEFAULT_KINDS.get(report_type, frozenset())


def route_table(s: Session) -> tuple[list[AlertChannel], dict[tuple[str, int], bool]]:
    """Every channel and, for each (report type, channel), whether that report goes there (the row, else the
    default)."""
    channels = list(s.execute(select(AlertChannel).order_by(AlertChannel.id)).scalars())
    rows = {(r.report_type, r.channel_id): r.enabled for r in s.execute(select(ReportRoute)).scalars()}
    return channels, {(t, c.id): rows.get((t, c.id), default_route(t, c.kind)) for t in REPORT_TYPES for c in channels}


def routed(s: Session, report_type: str) -> list[AlertChannel]:
    """The active channels a report of this type goes to."""
    channels, table = route_table(s)
    return [c for c in channels if c.active and table.get((report_type, c.id), False)]


@action("report.routes", permission="alerts.manage")
def set_routes(tx: Tx, chosen: Collection[tuple[str, int]]) -> list[str]:
    """报告发送渠道: exactly the (report type, channel) pairs in `chosen` are on; every pair shown gets its row,
    so a default the office unticked stays off. Returns the changes in words (audited)."""
    s = tx.session
    channels, table = route_table(s)
    names = {c.id: c.name for c in channels}
    rows = {(r.report_type, r.channel_id): r for r in s.execute(select(ReportRoute)).scalars()}
    changed = []
    for (report_type, channel_id), was in table.items():
        now_on = (report_type, channel_id) in chosen
        row = rows.get((report_type, channel_id))
        if row is None:
            s.add(ReportRoute(report_type=report_type, channel_id=channel_id, enabled=now_on, updated_at=utcnow()))
        elif row.enabled != now_on:
            row.enabled, row.updated_at = now_on, utcnow()
        if was != now_on:
            changed.append(f"{REPORT_TYPES[report_type]}{'发往' if now_on else '不再发往'}“{names[channel_id]}”")
    if changed:
        tx.audit("report.routes", "report_routes", None, changes=changed)
    return changed


def queue(tx: Tx, report_type: str, report_id: int, title: str) -> list[str]:
    """In the action that makes the report final: one sent-log row per routed channel, unless it exists (a rerun
    queues nothing). Returns the channels newly queued (audited as report.deliver)."""
    s = tx.session
    now = utcnow()
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    queued = []
    for channel in routed(s, report_type):
        row = s.execute(insert(ReportDelivery).values(
            report_type=report_type, report_id=report_id, title=title[:200], channel_id=channel.id,
            channel_name=channel.name, status="queued", attempts=0, next_attempt_at=now, last_error="",
            created_at=now).on_conflict_do_nothing().returning(ReportDelivery.id)).first()
        if row is not None:
            queued.append(channel.name)
    if queued:
        tx.audit("report.deliver", "report", report_id, report_type=report_type, channels=queued)
    return queued


# ---------------------------------------------------------------- sending
def _claim(ws: Workspace, worker: str, now: datetime, only: tuple[str, int] | None) -> list[int]:
    """The queued rows, the retries whose time has come and the claims abandoned mid-send; one runner wins each."""
    from yuqing.alert.run import LEASE

    due = ("queued", "retrying", "sending")
    with ws.db.read() as s:
        stmt = select(ReportDelivery.id).where(ReportDelivery.status.in_(due), ReportDelivery.next_attempt_at <= now)
        if only is not None:
            stmt = stmt.where(ReportDelivery.report_type == only[0], ReportDelivery.report_id == only[1])
        ids = list(s.execute(stmt.order_by(ReportDelivery.id).limit(200)).scalars())
    won = []
    for delivery_id in ids:
        with ws.db.write() as s:
            result = s.execute(update(ReportDelivery).where(
                ReportDelivery.id == delivery_id, ReportDelivery.status.in_(due), ReportDelivery.next_attempt_at <= now)
                .values(status="sending", claimed_by=worker, next_attempt_at=now + LEASE))
            if getattr(result, "rowcount", 0) == 1:
                won.append(delivery_id)
    return won


def send_due(ws: Workspace, now: datetime | None = None, only: tuple[str, int] | None = None) -> dict[str, int]:
    """Send what is due (of one report only with `only` = (type, id)); counts by outcome."""
    from yuqing.alert.run import worker_name

    now = now or utcnow()
    worker = worker_name()
    counts: dict[str, int] = defaultdict(int)
    for delivery_id in _claim(ws, worker, now, only):
        counts[send_one(ws, delivery_id, worker)] += 1
    return dict(counts)


def send_one(ws: Workspace, delivery_id: int, worker: str) -> str:
    """Send one claimed row through its channel and record the outcome; returns its new status."""
    from yuqing.alert.channels import ChannelSpec, SendError, make_channel

    with ws.db.read() as s:
        delivery = s.get(ReportDelivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.claimed_by != worker:
            return "skipped"
        channel = s.get(AlertChannel, delivery.channel_id) if delivery.channel_id is not None else None
        spec = ChannelSpec(channel.id, channel.name, channel.kind, channel.target, channel.secret,
                           dict(channel.config or {})) if channel is not None else None
        message: ReportMessage | None = None
        try:
            message = build_message(s, ws, delivery, spec.name if spec else "")
        except ReportGone as exc:
            unreadable = str(exc)
        except Exception as exc:  # figures of an older layout: a failed send, retried, never a failed job
            log.exception("report delivery %s: the message could not be built", delivery_id)
            unreadable = f"生成报告消息时程序出错（{type(exc).__name__}）"
    if message is None:
        return _record(ws, delivery_id, worker, unreadable)
    if spec is None:
        return _record(ws, delivery_id, worker, "渠道已删除")
    if spec.kind == "inapp":  # written in the transaction that marks it sent: never twice
        return _record(ws, delivery_id, worker, "", inapp=(spec.target, message))
    error = ""
    try:
        make_channel(spec, ws).send(message)
    except SendError as exc:
        error = str(exc)
    except Exception as exc:  # an adapter's (or a renderer's) bug must not stop the other reports
        log.exception("report delivery %s through %s failed", delivery_id, spec.kind)
        error = f"发送时程序出错（{type(exc).__name__}）"
    return _record(ws, delivery_id, worker, error)


def _record(ws: Workspace, delivery_id: int, worker: str, error: str,
            inapp: tuple[str, ReportMessage] | None = None) -> str:
    from yuqing.alert.channels import SendError
    from yuqing.alert.channels.inapp import notify_inapp
    from yuqing.alert.run import channel_outcome

    now = utcnow()
    with ws.db.write() as s:
        row = s.get(ReportDelivery, delivery_id, with_for_update=True)
        if row is None or row.claimed_by != worker or row.status != "sending":
            return "skipped"
        if inapp is not None:
            try:
                notify_inapp(s, *inapp)
            except SendError as exc:
                error = str(exc)
        row.attempts = (row.attempts or 0) + 1
        channel = s.get(AlertChannel, row.channel_id, with_for_update=True) if row.channel_id is not None else None
        channel_outcome(s, channel, error, now)
        if not error:
            row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, "", None
            return "sent"
        retry_at = policy.next_attempt(row.attempts, now)
        row.status, row.next_attempt_at, row.last_error = ("retrying" if retry_at else "failed"), retry_at, error
        return row.status


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


def build_message(s: Session, ws: Workspace, delivery: ReportDelivery, channel_name: str) -> ReportMessage:
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


# ---------------------------------------------------------------- the sent-log as people read it
@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    report_type: str
    type_label: str
    report_id: int
    title: str
    link: str
    channel: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


def _link(row: ReportDelivery, periods: dict[int, tuple[str, str]]) -> str:
    if row.report_type == "special":
        return f"/reports/special/{row.report_id}"
    kind, period = periods.get(row.report_id, ("", ""))
    return f"/reports/{kind}/{period}" if period else "/reports"


def sent_log(s: Session, report_type: str | None = None, report_id: int | None = None,
             limit: int = 50) -> list[DeliveryView]:
    """发送记录: the newest report deliveries first (of one report when given)."""
    stmt = select(ReportDelivery).order_by(ReportDelivery.id.desc()).limit(limit)
    if report_type is not None:
        stmt = stmt.where(ReportDelivery.report_type == report_type)
    if report_id is not None:
        stmt = stmt.where(ReportDelivery.report_id == report_id)
    rows = list(s.execute(stmt).scalars())
    ids = {r.report_id for r in rows if r.report_type != "special"}
    periods = {i: (k, p) for i, k, p in s.execute(select(Report.id, Report.kind, Report.period)
                                                   .where(Report.id.in_(ids or {-1})))}
    return [DeliveryView(r.id, r.report_type, REPORT_TYPES.get(r.report_type, "报告"), r.report_id, r.title,
                         _link(r, periods), r.channel_name, r.status, STATUS_LABELS.get(r.status, r.status),
                         r.attempts, r.last_error, aware(r.created_at), aware(r.sent_at) if r.sent_at else None,
                         aware(r.next_attempt_at) if r.next_attempt_at else None) for r in rows]
