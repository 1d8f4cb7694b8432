"""Generated reports (报告): one row per kind and period, with the figures the documents are rendered from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
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
