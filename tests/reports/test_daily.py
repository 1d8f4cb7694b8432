"""The daily report's numbers equal a hand count of the fixture (tests/reports/conftest.py)."""

from __future__ import annotations

from datetime import date

from tests.reports.conftest import NOW
from yuqing.reports.daily import daily_report, latest_day
from yuqing.workspace import Workspace


def _counts(rows: list) -> dict[str, int]:
    return {r.name: r.count for r in rows}


def test_numbers_equal_a_hand_count(day_ws: Workspace) -> None:
    with day_ws.db.read() as s:
        r = daily_report(s, date(2026, 11, 20), now=NOW)
    assert r.day == "2026-11-20" and r.as_of == "2026-11-21 00:00"
    # Six items of the day (the day before, the day after and 丙's old item left out); four relevant.
    assert r.totals == {"collected": 6, "relevant": 4, "negative": 2, "not_analysed": 1, "new_events": 1,
                        "rising_events": 1}
    assert _counts(r.by_source) == {"甲新闻网": 2, "乙论坛": 2}
    assert _counts(r.by_sentiment) == {"负面": 2, "中性": 1, "正面": 1, "未分析": 0}
    assert _counts(r.by_topic) == {"交通": 2, "城管": 1, "教育": 1}
    assert [(c.name, c.count) for c in r.by_place] == [("西关路", 2), ("城西街道", 1)]
    # New: 西关路塌陷, graded III by the day's end (raised to II the next morning).
    [new] = r.new_events
    assert (new.title, new.grade, new.items_today, new.items_before, new.items_total) == ("西关路塌陷", "III", 2, 0, 2)
    # Rising: 食堂 has 2 that day against 1 the day before; no grade history: its current grade (none).
    [rising] = r.rising_events
    assert (rising.title, rising.grade, rising.grade_label, rising.items_today, rising.items_before,
            rising.items_total) == ("桃源学校食堂", None, "未定级", 2, 1, 3)
    # Top items by engagement, duplicates and irrelevant items left out; evidence shown.
    assert [(i.engagement, i.sentiment) for i in r.top_items] == [(50, "负面"), (10, "负面"), (3, "中性")]
    top = r.top_items[1]
    assert top.url == "https://example.invalid/1" and top.captured == "2026-11-20 09:05" and top.content_hash
    # Cases as of the day's end, from their history.
    assert _counts(r.case_states) == {"已研判": 1, "已交办": 1}
    assert r.case_totals == {"total": 2, "open": 2, "new": 1, "closed": 0, "solved": 0, "overdue": 1}
    [late] = r.overdue
    assert (late.title, late.state, late.units, late.due, late.overdue_hours) == (
        "西关路塌陷处置", "已交办", "城西街道办、住建局（协办）", "2026-11-20 12:00", 12)
    # Sources: 甲 failed every run, 乙 was refused once, 丙 brought nothing new for five days; 丁 (file) never stale.
    assert [(x.name, x.state, x.runs, x.failed) for x in r.sources] == [
        ("甲新闻网", "down", 3, 3), ("乙论坛", "blocked", 2, 1), ("丙公众号", "stale", 1, 0)]
    assert r.unit_reports["available"] is True and r.unit_reports["units"] == [] and r.unit_reports["others"] == []


def test_today_is_counted_as_of_now(day_ws: Workspace) -> None:
    """Before the day is over, only what happened by now counts (the 11:00 item and later are out)."""
    from tests.reports.conftest import at

    with day_ws.db.read() as s:
        r = daily_report(s, date(2026, 11, 20), now=at(10))
    assert r.as_of == "2026-11-20 10:00"
    assert r.case_totals["overdue"] == 0 and r.new_events[0].grade == "III"


def test_latest_day_with_data(day_ws: Workspace) -> None:
    with day_ws.db.read() as s:
        assert latest_day(s, NOW) == date(2026, 11, 21)
        assert latest_day(s, NOW.replace(day=20, hour=23)) == date(2026, 11, 20)


def test_figures_are_json(day_ws: Workspace) -> None:
    import json

    with day_ws.db.read() as s:
        figures = daily_report(s, date(2026, 11, 20), now=NOW).figures()
    assert json.loads(json.dumps(figures, ensure_ascii=False)) == figures
    assert figures["title"] == "网络舆情日报告表" and figures["totals"]["relevant"] == 4
