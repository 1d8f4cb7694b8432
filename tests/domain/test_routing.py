"""Routing by the responsibility list: which units are proposed, and which rule fired."""

from __future__ import annotations

import pytest

from yuqing.domain.routing import (
    ASSIST,
    BY_MATTER,
    BY_PERSON,
    BY_PLACE,
    LEAD,
    CaseFacts,
    Rule,
    propose,
    row_to_rule,
    rule_to_row,
)

RULES = [
    Rule(1, BY_PLACE, "水西镇", "水西镇人民政府"),
    Rule(2, BY_MATTER, "劳动保障/欠薪", "劳动保障局", ("总工会",)),
    Rule(3, BY_PLACE, "沙石镇", "沙石镇人民政府"),
    Rule(4, BY_PERSON, "区第一人民医院", "区卫健委"),
    Rule(5, BY_MATTER, "交通", "交通运输局", active=False),
]


def test_place_leads_and_matter_assists():
    p = propose(RULES, CaseFacts(places=("赣州市章贡区水西镇",), topics=("劳动保障/欠薪",)))
    assert p.lead is not None and p.lead.unit == "水西镇人民政府" and p.lead.rule_id == 1
    assert [(u.unit, u.role, u.rule_id) for u in p.assists] == [
        ("劳动保障局", ASSIST, 2), ("总工会", ASSIST, 2)]
    assert "规则 #1" in p.explain() and "属地" in p.explain()


def test_named_organisation_leads():
    p = propose(RULES, CaseFacts(places=("水西镇",), text="区第一人民医院门口排长队"))
    assert [(u.unit, u.role) for u in p.units] == [("区卫健委", LEAD), ("水西镇人民政府", ASSIST)]


def test_priority_overrides_kind_order():
    rules = [*RULES, Rule(9, BY_MATTER, "劳动保障/欠薪", "劳动保障局", priority=10)]
    p = propose(rules, CaseFacts(places=("水西镇",), topics=("劳动保障/欠薪",)))
    assert p.lead is not None and (p.lead.unit, p.lead.rule_id) == ("劳动保障局", 9)
    assert [u.unit for u in p.units] == ["劳动保障局", "水西镇人民政府", "总工会"]


def test_text_mentions_fire_and_inactive_rules_do_not():
    p = propose(RULES, CaseFacts(text="沙石镇一路段交通拥堵"))
    assert [u.unit for u in p.units] == ["沙石镇人民政府"]
    assert [r.id for r, _ in p.fired] == [3]


def test_nothing_fires():
    p = propose(RULES, CaseFacts(text="无关内容"))
    assert p.lead is None and p.units == ()
    assert "人工指定" in p.explain()


def test_xlsx_row_round_trip():
    for rule in RULES:
        assert row_to_rule(rule_to_row(rule)) == rule


def test_bad_rows_are_refused_with_the_line():
    with pytest.raises(ValueError, match="第 3 行"):
        row_to_rule([None, "属天", "x", "y"], line=3)
    with pytest.raises(ValueError, match="牵头单位"):
        row_to_rule([None, "属地", "水西镇", ""], line=4)
    assert row_to_rule(["", "属事", "欠薪", "劳动保障局", "总工会，信访局", "2", "否"]).assist_units == (
        "总工会", "信访局")
