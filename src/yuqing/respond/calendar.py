"""The working-day calendar the cases use: official data from chinese-calendar plus the workspace's overrides.

Overrides live in `<workspace>/calendar.toml` (or `calendar.json` with the same keys)::

    # 本地节假日与调休上班日，补充或覆盖官方数据
    holidays = ["2027-01-01", "2027-02-06..2027-02-12"]   # extra days off (ranges include both ends)
    workdays = ["2027-02-14"]                             # extra working days (调休上班)
    years = [2027]    # years these lists fully describe: no "missing data" warning for them

chinese-calendar ships data for 2004–2026 only; for later years the calendar falls back to weekends plus
these lists and warns (CalendarGapWarning) instead of failing.
"""

from __future__ import annotations

import json
import logging
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from yuqing.domain.deadlines import Calendar, parse_day_list

log = logging.getLogger(__name__)
OVERRIDE_FILES = ("calendar.toml", "calendar.json")


class CalendarFileError(ValueError):
    """The workspace's calendar file cannot be read; the message names the file and the problem."""


@lru_cache(maxsize=1)
def official_calendar() -> Calendar:
    """China's statutory holidays and make-up workdays, as far as the installed package knows them."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - it is a dependency; degrade rather than crash
        log.warning("chinese-calendar 未安装：只按周末计算工作日")
        return Calendar(covered_years=frozenset())
    holidays = frozenset(d for d in constants.holidays if isinstance(d, date))
    workdays = frozenset(d for d in constants.workdays if isinstance(d, date))
    years = frozenset(d.year for d in holidays | workdays)
    return Calendar(holidays, workdays, years)


def override_path(workspace: Path) -> Path | None:
    for name in OVERRIDE_FILES:
        path = workspace / name
        if path.exists():
            return path
    return None


def read_overrides(path: Path) -> tuple[list[date], list[date], list[int]]:
    """(holidays, workdays, covered years) from a calendar.toml / calendar.json file."""
    try:
        raw = path.read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw)
        holidays = parse_day_list(data.get("holidays", []))
        workdays = parse_day_list(data.get("workdays", []))
        years = [int(y) for y in data.get("years", [])]
    except (OSError, ValueError, TypeError) as exc:  # tomllib/json errors are ValueErrors
        raise CalendarFileError(f"{path}：无法读取节假日设置（{exc}）") from exc
    both = set(holidays) & set(workdays)
    if both:
        raise CalendarFileError(f"{path}：{min(both)} 同时列为节假日和工作日")
    return holidays, workdays, years


def load_calendar(workspace: Path | None) -> Calendar:
    """The official calendar with the workspace's overrides on top (a fresh object: gaps warn per use)."""
    base = official_calendar()
    cal = Calendar(base.holidays, base.workdays, base.covered_years)
    if workspace is None:
        return cal
    path = override_path(workspace)
    if path is None:
        return cal
    holidays, workdays, years = read_overrides(path)
    return cal.with_overrides(holidays, workdays, years)
