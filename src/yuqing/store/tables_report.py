"""Generated reports (报告): one row per kind and period, with the figures the documents are rendered from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.clock import utcnow
from yuqing.store.tables import Base


class Report(Base):
    """A generated report. `figures` is the JSON the page, DOCX, XLSX and `report --json` all show, so a
    stored report downloads with the numbers it had when it was generated (regenerating replaces them)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_reports_kind_period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # daily (special, monthly, quarterly, yearly: later)
    period: Mapped[str] = mapped_column(String(20), index=True)  # daily: the China-time day, YYYY-MM-DD
    generated_at: Mapped[datetime] = mapped_column(default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(100))
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notified_at: Mapped[datetime | None] = mapped_column()  # when the readers were told (the scheduled run)


class SpecialReport(Base):
    """舆情专报 for one event: draft → approved → sent. Its text and figures live in its versions (every
    version kept); `version` is the current one, `approved_version` the one approved (and sent)."""

    __tablename__ = "special_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved | sent
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    drafted_by_id: Mapped[int | None] = mapped_column(Integer)
    drafted_by_name: Mapped[str] = mapped_column(String(100))
    approved_version: Mapped[int | None] = mapped_column(Integer)
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_by_name: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column()
    approval_note: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column()
    sent_by_name: Mapped[str | None] = mapped_column(String(100))
    recipients: Mapped[list[Any]] = mapped_column(default=list)  # the audiences it was delivered to


class SpecialReportVersion(Base):
    """One version of a special report: the editable text and the figures as of when it was written."""

    __tablename__ = "special_report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version", name="uq_special_report_versions_report_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("special_reports.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text, default="")
    suggestion: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")  # what changed (修改说明), or a return's reason
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReportRoute(Base):
    """报告发送渠道: whether one type of report (daily, special, monthly, quarterly, yearly) goes to one alert
    channel, as the office chose. A channel with no row for a type follows the default (reports/deliver.py):
    the daily report goes to every e-mail channel, nothing else does."""

    __tablename__ = "report_routes"
    report_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportDelivery(Base):
    """The reports' sent-log: one report (a stored report, or a sent special report) to one channel. The unique
    key (type, report, channel) decides who sends: whoever inserts the row; a rerun finds it and sends nothing.
    Failures are retried on the alerts' backoff (queued → sending → sent | retrying → failed)."""

    __tablename__ = "report_deliveries"
    __table_args__ = (
        UniqueConstraint("report_type", "report_id", "channel_id", name="uq_report_deliveries_key"),
        Index("ix_report_deliveries_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    report_type: Mapped[str] = mapped_column(String(20))  # daily | special | monthly | quarterly | yearly
    report_id: Mapped[int] = mapped_column(Integer)  # reports.id, or special_reports.id
    title: Mapped[str] = mapped_column(String(200), default="")  # the report's title as sent (for the log)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("alert_channels.id", ondelete="SET NULL"), index=True)
    channel_name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | sending | sent | retrying | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # queued/retrying: when; sending: the claim's lease
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
