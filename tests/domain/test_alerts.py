"""Alert policy as plain values: grades, rule matching, a new level is a new alert, quiet hours, backoff."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from yuqing.clock import CHINA
from yuqing.domain import alerts as a


def test_grades_in_any_spelling() -> None:
    assert [a.normalise_grade(g) for g in ("II", "ii", "II级", "重大", "重大（II级）", "特别重大", "一般", "Ⅲ")] == \
        ["II", "II", "II", "II", "II", "I", "IV", "III"]
    assert a.normalise_grade("") is None and a.normalise_grade("V") is None and a.normalise_grade(None) is None


def test_a_rule_matches_on_grade_and_its_optional_criteria() -> None:
    ev = a.EventFacts(1, "西关路暴雨内涝", "II", topics=["城建交通"], places=["桃源镇"], keywords=["内涝", "积水"],
                      sources=frozenset({"本地论坛", "#3", "3"}))
    assert a.matches(a.RuleSpec("II"), ev) and a.matches(a.RuleSpec("III"), ev)
    assert not a.matches(a.RuleSpec("I"), ev)
    assert a.matches(a.RuleSpec("IV", topic="城建", place="桃源镇", keyword="积水", source="#3"), ev)
    assert a.matches(a.RuleSpec("IV", keyword="暴雨"), ev)  # in the title
    assert not a.matches(a.RuleSpec("IV", place="青石镇"), ev)
    assert not a.matches(a.RuleSpec("IV", topic="教育"), ev)
    assert not a.matches(a.RuleSpec("IV", source="微博"), ev)
    assert not a.matches(a.RuleSpec("IV"), a.EventFacts(2, "未定级", None))
    assert a.matches(a.RuleSpec("IV", unit_id=5), a.EventFacts(3, "x", "IV", units=frozenset({5, 6})))
    assert not a.matches(a.RuleSpec("IV", unit_id=7), a.EventFacts(3, "x", "IV", units=frozenset({5, 6})))


def test_only_a_higher_grade_is_a_new_alert() -> None:
    assert a.is_new_level("III", [])
    assert a.is_new_level("II", ["III"])
    assert not a.is_new_level("II", ["II"])
    assert not a.is_new_level("III", ["II"])  # fell back after II was sent: nothing
    assert a.is_new_level("I", ["III", "II"])


def test_quiet_hours_hold_back_grades_below_two() -> None:
    quiet = a.parse_quiet_hours("22:00-07:00")
    night, day = datetime(2026, 11, 30, 23, 30, tzinfo=CHINA), datetime(2026, 11, 30, 9, 0, tzinfo=CHINA)
    early = datetime(2026, 11, 30, 6, 59, tzinfo=CHINA)
    assert [a.held_back(g, quiet, night) for g in ("I", "II", "III", "IV")] == [False, False, True, True]
    assert a.held_back("IV", quiet, early) and not a.held_back("IV", quiet, day)
    assert not a.held_back("IV", None, night)
    assert a.parse_quiet_hours("") is None
    same_day = a.parse_quiet_hours("12:00-14:00")
    assert same_day is not None and same_day.covers(datetime(2026, 1, 1, 13, 0)) and not same_day.covers(night)
    with pytest.raises(ValueError, match="静默时段"):
        a.parse_quiet_hours("晚上")


def test_backoff_grows_then_gives_up() -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=CHINA)
    waits = [a.next_attempt(n, now) for n in range(1, a.MAX_ATTEMPTS + 1)]
    assert [w - now for w in waits[:-1] if w] == [timedelta(seconds=s) for s in a.BACKOFF_SECONDS]
    assert waits[-1] is None


def test_message_texts_are_chinese_and_name_the_grade() -> None:
    m = a.AlertMessage(7, "重大舆情", 3, "西关路暴雨内涝", "II", item_count=12, places=["桃源镇"], link="http://x/events/3")
    assert m.title == "【重大（II级）舆情预警】西关路暴雨内涝"
    assert "等级：重大（II级）" in m.text() and "查看：http://x/events/3" in m.text()
    assert m.markdown().startswith("### 【重大") and "[查看事件](http://x/events/3)" in m.markdown()
    assert len(m.short()) <= 300 and "http" not in m.short()
