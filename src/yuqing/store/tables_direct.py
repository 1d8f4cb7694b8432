"""Tables of direct reporting (舆情直报, R-COLLECT-5): each report a unit makes by hand, the units that must
report every day with their cut-off, and the sent-log of the cut-off reminders (one per unit and day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.clock import utcnow
from yuqing.store.tables import Base


class DirectReport(Base):
    """One submission: an item reported by hand (text, link, screenshots), or 今日无舆情 (kind "nothing").

    `item_id` is the item it entered the pipeline as, or the already collected item it duplicates
    (`duplicate` true: the reporter is credited, no second item is stored)."""

    __tablename__ = "direct_reports"
    __table_args__ = (Index("ix_direct_reports_unit_day", "unit_id", "report_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # text | link | screenshot | nothing
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(10), default="normal")  # urgent | normal
    url: Mapped[str | None] = mapped_column(Text)
    files: Mapped[list[Any]] = mapped_column(default=list)  # [{"filename", "sha256", "size", "path", ...}]
    report_date: Mapped[date] = mapped_column(Date)  # the China-time day it counts for
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # after the unit's cut-off that day
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectReportDuty(Base):
    """A unit that must report every day (应急办, 网宣办, 网安大队), and its cut-off in China time."""

    __tablename__ = "direct_report_duties"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    cutoff: Mapped[str] = mapped_column(String(5), default="17:00")  # HH:MM, China time
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectReportMiss(Base):
    """Sent-log of the cut-off check: a unit that had not submitted by its cut-off that day (reminded once)."""

    __tablename__ = "direct_report_misses"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    report_date: Mapped[date] = mapped_column(Date, primary_key=True)
    noticed_at: Mapped[datetime] = mapped_column(default=utcnow)
