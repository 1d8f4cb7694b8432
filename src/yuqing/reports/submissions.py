"""On-time daily submission per unit (按期报送率) for the monthly and quarterly statistics, replayed as of the
period's end so that regenerating a past month gives the same figures.

- Which units must report daily, and by when, is read from the audit chain (direct.duty_set and
  direct.duty_remove, append-only, each with its time), not from today's list: a unit added in December does
  not owe November's days, and a cut-off moved later does not rewrite earlier days.
- A unit owes a day's submission (应报送) when it was on the list when that day's cut-off came and the cut-off
  had passed by the period's end (or now, while the period runs).
- The day counts as on time (按期报送) when a submission for it — an item or 今日无舆情 — was made by the
  cut-off; late (迟报) when the first came after it that same day; missing (未报送) when none came by the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware
from yuqing.collect.direct import cutoff_at, report_day
from yuqing.store.tables import AuditEntry
from yuqing.store.tables_direct import DirectReport, DirectReportDuty

DAY_COUNTS = ("submit_due", "submit_on_time", "submit_late", "submit_missing")


@dataclass(slots=True)
class UnitDays:
    """One unit's owed days in the period, by outcome (ISO dates), and when each day's first submission came."""

    days: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in DAY_COUNTS})
    first_at: dict[str, str] = field(default_factory=dict)  # ISO date → first submission time (China, HH:MM)
    cutoff: dict[str, str] = field(default_factory=dict)  # ISO date → the cut-off that day


def _duty_changes(session: Session, as_of: datetime) -> dict[int, list[tuple[datetime, str | None]]]:
    """Per unit, the changes of its daily duty by time: (when, cut-off) or (when, None) when removed."""
    changes: dict[int, list[tuple[datetime, str | None]]] = defaultdict(list)
    rows = session.execute(select(AuditEntry.at, AuditEntry.action, AuditEntry.object_id, AuditEntry.detail).where(
        AuditEntry.action.in_(("direct.duty_set", "direct.duty_remove")), AuditEntry.at < as_of)
        .order_by(AuditEntry.at, AuditEntry.id)).all()
    for at, act, object_id, detail in rows:
        if not str(object_id or "").isdigit():
            continue
        cutoff = str((detail or {}).get("cutoff_time") or "17:00") if act == "direct.duty_set" else None
        changes[int(str(object_id))].append((aware(at), cutoff))
    # A duty with no audit entry (set up outside the actions): in force since it was created.
    for unit_id, cutoff, created in session.execute(
            select(DirectReportDuty.unit_id, DirectReportDuty.cutoff, DirectReportDuty.created_at)):
        if unit_id not in changes and aware(created) < as_of:
            changes[int(unit_id)].append((aware(created), str(cutoff)))
    return changes


def _owed(changes: list[tuple[datetime, str | None]], day: date) -> str | None:
    """The cut-off the unit owed `day` by, or None: the list as it stood when that day's cut-off came."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=CHINA)
    state: str | None = None
    for at, cutoff in changes:
        if at < midnight or at < cutoff_at(day, cutoff or state or "23:59"):
            state = cutoff
    return state


def submission_days(session: Session, start: datetime, as_of: datetime) -> dict[int, UnitDays]:
    """Every unit that owed submissions between `start` and `as_of`, with its days by outcome."""
    changes = _duty_changes(session, as_of)
    if not changes:
        return {}
    first: dict[tuple[int, date], datetime] = {}
    for unit_id, day, submitted in session.execute(
            select(DirectReport.unit_id, DirectReport.report_date, DirectReport.submitted_at).where(
                DirectReport.unit_id.in_(list(changes)), DirectReport.report_date >= report_day(start),
                DirectReport.report_date <= report_day(as_of), DirectReport.submitted_at < as_of)):
        if unit_id is None:
            continue
        key = (int(unit_id), day)
        when = aware(submitted)
        if key not in first or when < first[key]:
            first[key] = when
    out: dict[int, UnitDays] = {}
    last = report_day(as_of)
    for unit_id, unit_changes in changes.items():
        day = report_day(start)
        while day <= last:
            cutoff = _owed(unit_changes, day)
            deadline = cutoff_at(day, cutoff) if cutoff else None
            if cutoff and deadline is not None and start <= deadline <= as_of:
                row = out.setdefault(unit_id, UnitDays())
                iso = day.isoformat()
                row.days["submit_due"].append(iso)
                row.cutoff[iso] = cutoff
                came = first.get((unit_id, day))
                if came is None:
                    row.days["submit_missing"].append(iso)
                else:
                    row.first_at[iso] = came.astimezone(CHINA).strftime("%H:%M")
                    row.days["submit_on_time" if came <= deadline else "submit_late"].append(iso)
            day += timedelta(days=1)
    return out


def day_outcome(row: dict[str, Any], day: str) -> str:
    """按期报送, 迟报 or 未报送: what became of one owed day in a bulletin row."""
    days = row.get("days", {})
    return next((label for key, label in (("submit_on_time", "按期报送"), ("submit_late", "迟报"),
                                           ("submit_missing", "未报送")) if day in days.get(key, [])), "")
