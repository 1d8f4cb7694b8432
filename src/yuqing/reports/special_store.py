"""The special report's workflow as actions: draft → (revise …) → approved → sent, every version kept.

Separation of duties: whoever drafted the report or wrote any of its versions cannot approve it, and the
approver names the version they read (`version`), so an edit made meanwhile is never approved unseen.
Editing an approved report takes it back to draft (the approval is void). Sending delivers the approved
version to the recipients configured in reports.json (`special_recipients`: role codes, "unit:<id>" or
"user:<id>"; default the leaders and the office) through the notification inbox, and through the alert channels
chosen for special reports (报告发送渠道, reports/deliver.py), once each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.domain.roles import PermissionDenied
from yuqing.reports.config import load_report_config
from yuqing.reports.special import SpecialReportError, default_texts, special_figures
from yuqing.store.tables_report import SpecialReport, SpecialReportVersion

DRAFT, APPROVED, SENT = "draft", "approved", "sent"
STATUS_LABELS = {DRAFT: "草稿（待审批）", APPROVED: "已审批（待报送）", SENT: "已报送"}
MAX_TEXT = 20000
# Who may approve (roles holding reports.approve), told when a draft waits for them.
APPROVERS = ("leader", "office")
# The two documents made this way: the special report and the shorter important-information bulletin.
TITLES = ("舆情专报", "重要信息")


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    created_at: datetime
    author_id: int | None
    author_name: str
    summary: str
    suggestion: str
    note: str
    figures: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SpecialView:
    id: int
    event_id: int
    status: str
    status_label: str
    version: int
    drafted_by_id: int | None
    drafted_by_name: str
    created_at: datetime
    approved_version: int | None
    approved_by_name: str | None
    approved_at: datetime | None
    approval_note: str
    sent_at: datetime | None
    sent_by_name: str | None
    recipients: list[str]
    versions: list[Version]

    def get(self, version: int | None = None) -> Version:
        """A version (default: the current one)."""
        wanted = version or self.version
        for v in self.versions:
            if v.version == wanted:
                return v
        raise SpecialReportError(f"专报 {self.id} 没有第 {wanted} 版")

    @property
    def authors(self) -> set[str]:
        return {v.author_name for v in self.versions} | {self.drafted_by_name}


def document(view: SpecialView, version: int | None = None) -> dict[str, Any]:
    """What the files and `report special --json` show: a version's figures, texts and the workflow state."""
    v = view.get(version)
    return {**v.figures, "report_id": view.id, "version": v.version, "status": view.status,
            "status_label": view.status_label if v.version == view.version else f"历史版本（当前为第 {view.version} 版）",
            "summary": v.summary, "suggestion": v.suggestion, "author": v.author_name, "written_at": _cst(v.created_at),
            "approved_by": view.approved_by_name if view.approved_version == v.version else None,
            "approved_at": _cst(view.approved_at) if view.approved_version == v.version else "",
            "sent_at": _cst(view.sent_at) if view.approved_version == v.version else ""}


def _cst(dt: datetime | None) -> str:
    from yuqing.clock import CHINA

    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if dt else ""


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise SpecialReportError(f"{what}不能为空")
    if len(value) > MAX_TEXT:
        raise SpecialReportError(f"{what}过长（不超过 {MAX_TEXT} 字）")
    return value


def _row(tx: Tx, report_id: int) -> SpecialReport:
    row = tx.session.get(SpecialReport, report_id)
    if row is None:
        raise SpecialReportError(f"专报 {report_id} 不存在")
    return row


def _add_version(tx: Tx, row: SpecialReport, summary: str, suggestion: str, note: str,
                 title: str | None = None) -> SpecialReportVersion:
    """A new version with the figures taken now; its document title (舆情专报 or 重要信息) stays the draft's."""
    previous = tx.session.execute(select(SpecialReportVersion).where(SpecialReportVersion.report_id == row.id)
                                  .order_by(SpecialReportVersion.version.desc()).limit(1)).scalar_one_or_none()
    figures = special_figures(tx.session, row.event_id)
    figures["title"] = title or (previous.figures.get("title") if previous is not None else None) or figures["title"]
    v = SpecialReportVersion(report_id=row.id, version=(previous.version if previous else 0) + 1, created_at=utcnow(),
                             author_id=tx.actor.user_id, author_name=tx.actor.name, summary=summary,
                             suggestion=suggestion, note=note, figures=figures)
    tx.session.add(v)
    row.version = v.version
    tx.session.flush()
    return v


@action("special_report.draft", permission="reports.write")
def draft_special(tx: Tx, event_id: int, *, summary: str = "", suggestion: str = "",
                  title: str = TITLES[0]) -> SpecialReport:
    """起草 a special report (舆情专报, or a 重要信息 bulletin: `title`) for an event: version 1, with the default
    summary and suggested response unless given; it waits for approval."""
    if title not in TITLES:
        raise SpecialReportError(f"专报类型只能是{'或'.join(TITLES)}")
    figures = special_figures(tx.session, event_id)
    auto_summary, auto_suggestion = default_texts(figures)
    row = SpecialReport(event_id=event_id, status=DRAFT, version=0, created_at=utcnow(),
                        drafted_by_id=tx.actor.user_id, drafted_by_name=tx.actor.name, recipients=[],
                        approval_note="")
    tx.session.add(row)
    tx.session.flush()
    v = _add_version(tx, row, summary.strip() or auto_summary, suggestion.strip() or auto_suggestion, "起草", title)
    tx.audit("special_report.draft", "special_report", row.id, event_id=event_id, version=v.version, title=title)
    for audience in APPROVERS:
        tx.notify(audience, "report.special", f"{title}待审批：{figures['event_title']}",
                  f"{tx.actor.name} 起草了第 {v.version} 版", link=f"/reports/special/{row.id}")
    return row


@action("special_report.revise", permission="reports.write")
def revise_special(tx: Tx, report_id: int, *, summary: str, suggestion: str, note: str = "") -> SpecialReportVersion:
    """A new version (the earlier ones are kept); the figures are taken anew. An approved report goes back to
    draft: its approval was for the old text."""
    row = _row(tx, report_id)
    if row.status == SENT:
        raise SpecialReportError("已报送的专报不能再修改；如需补充，请另起草一份")
    was = row.status
    v = _add_version(tx, row, _text(summary, "事件概要"), _text(suggestion, "处置建议"), note.strip())
    if was == APPROVED:
        row.status, row.approved_version, row.approved_by_id, row.approved_by_name, row.approved_at = (
            DRAFT, None, None, None, None)
    tx.audit("special_report.revise", "special_report", row.id, version=v.version, approval_void=was == APPROVED,
             note=note.strip())
    return v


def _check_approver(tx: Tx, row: SpecialReport) -> None:
    authors_ids = set(tx.session.execute(select(SpecialReportVersion.author_id)
                                         .where(SpecialReportVersion.report_id == row.id)).scalars())
    authors_names = set(tx.session.execute(select(SpecialReportVersion.author_name)
                                           .where(SpecialReportVersion.report_id == row.id)).scalars())
    me_id, me = tx.actor.user_id, tx.actor.name
    if (me_id is not None and (me_id == row.drafted_by_id or me_id in authors_ids)) or \
            (me_id is None and (me == row.drafted_by_name or me in authors_names)):
        raise PermissionDenied("专报的起草人或修改人不能审批本专报（审批须由他人进行）")


@action("special_report.approve", permission="reports.approve")
def approve_special(tx: Tx, report_id: int, *, version: int, note: str = "") -> SpecialReport:
    """审批: approve the version the approver read (explicitly named); never the drafter's own."""
    row = _row(tx, report_id)
    if row.status != DRAFT:
        raise SpecialReportError(f"专报处于“{STATUS_LABELS[row.status]}”状态，不能审批")
    _check_approver(tx, row)
    if version != row.version:
        raise SpecialReportError(f"您审阅的是第 {version} 版，当前已是第 {row.version} 版：请审阅最新版本后再审批")
    row.status, row.approved_version = APPROVED, version
    row.approved_by_id, row.approved_by_name, row.approved_at = tx.actor.user_id, tx.actor.name, utcnow()
    row.approval_note = note.strip()
    tx.audit("special_report.approve", "special_report", row.id, version=version, note=note.strip())
    tx.notify("analyst", "report.special", f"舆情专报已审批：第 {version} 版", note.strip(),
              link=f"/reports/special/{row.id}")
    return row


@action("special_report.return", permission="reports.approve")
def return_special(tx: Tx, report_id: int, *, reason: str) -> SpecialReport:
    """退回修改: the approver sends the draft back with a reason (it stays a draft; nothing is approved)."""
    row = _row(tx, report_id)
    if row.status != DRAFT:
        raise SpecialReportError(f"专报处于“{STATUS_LABELS[row.status]}”状态，不能退回")
    _check_approver(tx, row)
    reason = _text(reason, "退回理由")
    row.approval_note = f"退回修改：{reason}"
    tx.audit("special_report.return", "special_report", row.id, version=row.version, reason=reason)
    audience = f"user:{row.drafted_by_id}" if row.drafted_by_id is not None else "analyst"
    tx.notify(audience, "report.special", "舆情专报被退回修改", reason, link=f"/reports/special/{row.id}")
    return row


@action("special_report.send", permission=("reports.approve", "reports.write"))
def send_special(tx: Tx, report_id: int) -> SpecialReport:
    """报送 the approved version to the configured recipients' inbox (reports.json `special_recipients`) and queue
    it for the channels chosen for special reports (`deliver_special` sends them)."""
    row = _row(tx, report_id)
    if row.status != APPROVED or row.approved_version is None:
        raise SpecialReportError("专报须先审批，才能报送" if row.status == DRAFT else "该专报已报送")
    recipients = [str(r) for r in load_report_config(tx.ws.path).get("special_recipients") or []]
    if not recipients:
        raise SpecialReportError("未配置专报报送对象（reports.json 的 special_recipients）")
    v = tx.session.execute(select(SpecialReportVersion).where(
        SpecialReportVersion.report_id == row.id, SpecialReportVersion.version == row.approved_version)).scalar_one()
    title = f"{v.figures.get('title') or TITLES[0]}：{v.figures.get('event_title', '')}"
    for audience in recipients:
        tx.notify(audience, "report.special", title, v.summary[:300],
                  link=f"/reports/special/{row.id}?version={v.version}")
    row.status, row.sent_at, row.sent_by_name, row.recipients = SENT, utcnow(), tx.actor.name, recipients
    tx.audit("special_report.send", "special_report", row.id, version=v.version, recipients=recipients)
    from yuqing.reports.deliver import queue

    queue(tx, "special", row.id, title)  # and to its channels (报告发送渠道), sent once each after commit
    return row


def deliver_special(ws: Any, actor: Any, report_id: int) -> tuple[SpecialReport, dict[str, int]]:
    """报送 (the action), then send it through its channels now; the counts by outcome (failures are retried by
    the report job)."""
    from yuqing.reports.deliver import send_due

    row = send_special(ws, actor, report_id)
    return row, send_due(ws, only=("special", report_id))


def _view(session: Session, row: SpecialReport) -> SpecialView:
    versions = [Version(v.version, aware(v.created_at), v.author_id, v.author_name, v.summary, v.suggestion, v.note,
                        dict(v.figures))
                for v in session.execute(select(SpecialReportVersion).where(SpecialReportVersion.report_id == row.id)
                                         .order_by(SpecialReportVersion.version)).scalars()]
    return SpecialView(row.id, row.event_id, row.status, STATUS_LABELS.get(row.status, row.status), row.version,
                       row.drafted_by_id, row.drafted_by_name, aware(row.created_at), row.approved_version,
                       row.approved_by_name, aware(row.approved_at) if row.approved_at else None, row.approval_note,
                       aware(row.sent_at) if row.sent_at else None, row.sent_by_name, list(row.recipients or []),
                       versions)


def get_special(session: Session, report_id: int) -> SpecialView | None:
    row = session.get(SpecialReport, report_id)
    return _view(session, row) if row is not None else None


def list_special(session: Session, event_id: int | None = None, limit: int = 100) -> list[SpecialView]:
    stmt = select(SpecialReport).order_by(SpecialReport.id.desc()).limit(limit)
    if event_id is not None:
        stmt = stmt.where(SpecialReport.event_id == event_id)
    return [_view(session, r) for r in session.execute(stmt).scalars()]
