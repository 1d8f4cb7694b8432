"""Deadlines on a working-day calendar (R-CASE-3). Pure: holidays and make-up workdays are data.

Counting follows the Civil Code (民法典 第201、203条): the start day is not counted; a period in days
whose last day falls on a statutory holiday or rest day ends on the first working day after it.
A period in working days counts only working days (make-up workdays included, holidays skipped).
The due time keeps the start's time of day.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# 实施意见 §三.2: "没有明确时间要求的，原则上在3天内落实到位".
DEFAULT_DAYS = 3


class CalendarGapWarning(UserWarning):
    """The calendar has no official holiday data for a year; weekends and local overrides are used."""


@dataclass
class Calendar:
    """Which days are working days: weekdays, minus holidays, plus make-up workdays.

    `covered_years` are the years for which official data was loaded; outside them only weekends and
    the listed dates count, and `gaps` records the years that were needed but missing (warned once).
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    covered_years: frozenset[int] | None = None  # None: treat every year as covered (pure tests)
    gaps: set[int] = field(default_factory=set, compare=False)

    def with_overrides(self, holidays: Iterable[date] = (), workdays: Iterable[date] = (),
                       years: Iterable[int] = ()) -> Calendar:
        """A new calendar with local holidays and workdays on top (local data wins)."""
        extra_h, extra_w = frozenset(holidays), frozenset(workdays)
        covered = None if self.covered_years is None else self.covered_years | frozenset(years)
        return Calendar((self.holidays - extra_w) | extra_h, (self.workdays - extra_h) | extra_w, covered)

    def _note(self, day: date) -> None:
        covered = self.covered_years
        if covered is not None and day.year not in covered and day.year not in self.gaps:
            self.gaps.add(day.year)
            warnings.warn(
                f"{day.year} 年没有法定节假日数据：只按周末和工作区 calendar.toml 中的日期计算",
                CalendarGapWarning, stacklevel=3)

    def is_workday(self, day: date) -> bool:
        self._note(day)
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_days(self, start: date, days: int) -> date:
        """Calendar days: start day not counted; a last day off work moves to the next working day."""
        if days < 0:
            raise ValueError("期限天数不能为负数")
        if days == 0:
            return start
        return self.next_workday(start + timedelta(days=days))

    def add_working_days(self, start: date, days: int) -> date:
        """Working days: the N-th working day after the start day."""
        if days < 0:
            raise ValueError("期限天数不能为负数")
        day = start
        left = days
        while left:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=n)))

    def due(self, start: datetime | date, *, days: int | None = None,
            working_days: int | None = None) -> datetime | date:
        """The due date (a datetime keeps the start's time of day) for N days or N working days."""
        if (days is None) == (working_days is None):
            raise ValueError("须且只能给出 days 或 working_days 之一")
        start_day = start.date() if isinstance(start, datetime) else start
        end = self.add_days(start_day, days) if days is not None else self.add_working_days(
            start_day, working_days or 0)
        if isinstance(start, datetime):
            return datetime.combine(end, start.timetz())
        return end


def parse_day_list(values: Iterable[str]) -> list[date]:
    """Dates from strings: "2027-01-01" or a range "2027-02-06..2027-02-12" (both ends included)."""
    out: list[date] = []
    for raw in values:
        text = str(raw).strip()
        if ".." in text:
            a, b = (date.fromisoformat(p.strip()) for p in text.split("..", 1))
            if b < a:
                raise ValueError(f"日期范围颠倒：{text}")
            out.extend(a + timedelta(days=n) for n in range((b - a).days + 1))
        elif text:
            out.append(date.fromisoformat(text))
    return out
