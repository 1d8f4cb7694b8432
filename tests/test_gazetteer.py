from __future__ import annotations

import pytest

from yuqing.gazetteer import AmbiguousDistrict, UnknownDistrict, build_profile, find_county


@pytest.mark.parametrize(("name", "city"), [("章贡区", "赣州市"), ("兴庆区", "银川市"), ("平昌县", "巴中市"),
                                            ("合作市", "甘南藏族自治州")])
def test_counties_are_found_with_their_city(name: str, city: str) -> None:
    assert find_county(name).city == city


def test_profile_lists_towns_and_villages() -> None:
    profile = build_profile(find_county("章贡区"))
    towns = {p.name for p in profile.towns()}
    assert {"解放街道", "水西镇"} <= towns
    assert profile.city == "赣州市" and profile.province == "江西省"
    assert all(v.parent in towns for v in profile.villages())
    assert len(profile.villages()) > 100


def test_ambiguous_names_ask_for_the_city() -> None:
    with pytest.raises(AmbiguousDistrict) as exc:
        find_county("朝阳区")
    assert {c.city for c in exc.value.candidates} >= {"北京市", "长春市"}
    assert find_county("朝阳区", city="长春").province == "吉林省"
    assert find_county("朝阳区", province="北京").city == "北京市"


def test_unknown_name_is_a_clear_error() -> None:
    with pytest.raises(UnknownDistrict, match="找不到"):
        find_county("不存在区")
