"""Working-day deadlines, counted after the Civil Code, across National Day 2026 and its make-up Saturday."""

from __future__ import annotations

import warnings
from datetime import date, datetime, timedelta

import pytest

from yuqing.clock import CHINA
from yuqing.domain.deadlines import Calendar, CalendarGapWarning, parse_day_list

# National Day 2026 as published (国办发明电): 10-01…10-07 off; Sunday 09-20 and Saturday 10-10 worked.
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))
MAKE_UP = frozenset({date(2026, 9, 20), date(2026, 10, 10)})
CAL = Calendar(holidays=NATIONAL_DAY, workdays=MAKE_UP)


def test_three_calendar_days_ending_in_the_holiday_move_to_the_first_working_day():
    assert CAL.add_days(date(2026, 9, 30), 3) == date(2026, 10, 8)


def test_three_working_days_cross_the_holiday_and_count_the_make_up_saturday():
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_start_day_not_counted():
    assert CAL.add_days(date(2026, 11, 2), 3) == date(2026, 11, 5)  # Monday → Thursday
    assert CAL.add_working_days(date(2026, 11, 2), 1) == date(2026, 11, 3)


def test_last_day_on_a_weekend_moves_to_monday():
    assert CAL.add_days(date(2026, 11, 4), 3) == date(2026, 11, 9)  # Wed + 3 = Sat → Mon


def test_working_days_skip_weekends():
    assert CAL.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)  # Fri → Mon


def test_make_up_sunday_is_a_working_day():
    assert CAL.is_workday(date(2026, 9, 20))
    assert CAL.add_days(date(2026, 9, 17), 3) == date(2026, 9, 20)


def test_due_keeps_the_time_of_day_and_zone():
    start = datetime(2026, 9, 30, 14, 30, tzinfo=CHINA)
    assert CAL.due(start, days=3) == datetime(2026, 10, 8, 14, 30, tzinfo=CHINA)
    assert CAL.due(start, working_days=3) == datetime(2026, 10, 10, 14, 30, tzinfo=CHINA)
    assert CAL.due(date(2026, 9, 30), days=3) == date(2026, 10, 8)


def test_due_needs_exactly_one_period():
    with pytest.raises(ValueError):
        CAL.due(date(2026, 9, 30))
    with pytest.raises(ValueError):
        CAL.due(date(2026, 9, 30), days=1, working_days=1)
    with pytest.raises(ValueError):
        CAL.add_days(date(2026, 9, 30), -1)


def test_zero_days_is_the_start_day():
    assert CAL.add_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    assert CAL.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_working_days_between():
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3


def test_overrides_win():
    local = CAL.with_overrides(holidays=[date(2026, 10, 8)], workdays=[date(2026, 10, 3)])
    assert not local.is_workday(date(2026, 10, 8))
    assert local.is_workday(date(2026, 10, 3))
    assert local.add_days(date(2026, 9, 30), 3) == date(2026, 10, 3)


def test_uncovered_year_falls_back_to_weekends_and_warns_once():
    cal = Calendar(holidays=NATIONAL_DAY, workdays=MAKE_UP, covered_years=frozenset({2026}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cal.add_days(date(2026, 12, 30), 3) == date(2027, 1, 4)  # Sat 01-02 → Mon (no 2027 data)
        assert cal.add_days(date(2027, 3, 1), 1) == date(2027, 3, 2)
    assert [w.category for w in caught] == [CalendarGapWarning]
    assert cal.gaps == {2027}
    covered = cal.with_overrides(holidays=[date(2027, 1, 1)], years=[2027])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert covered.add_days(date(2026, 12, 29), 3) == date(2027, 1, 4)


def test_brute_force_agrees_with_the_rule():
    """For every start in autumn 2026, the calendar-day result is the first working day ≥ start + N."""
    for offset in range(90):
        start = date(2026, 9, 1) + timedelta(days=offset)
        for n in (1, 3, 5):
            end = CAL.add_days(start, n)
            assert end >= start + timedelta(days=n) and CAL.is_workday(end)
            assert all(not CAL.is_workday(start + timedelta(days=k)) for k in range(n, (end - start).days))
            w = CAL.add_working_days(start, n)
            assert CAL.working_days_between(start, w) == n and CAL.is_workday(w)


def test_parse_day_list():
    assert parse_day_list(["2027-01-01", "2027-02-06..2027-02-08", " "]) == [
        date(2027, 1, 1), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    with pytest.raises(ValueError):
        parse_day_list(["2027-02-08..2027-02-06"])
