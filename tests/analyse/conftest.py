from __future__ import annotations

import pytest

from yuqing.domain.profile import DistrictProfile, Place
from yuqing.gazetteer import build_profile, find_county


@pytest.fixture(scope="session")
def zhanggong() -> DistrictProfile:
    """The real profile of 章贡区 (赣州市, 江西省) from the shipped gazetteer, plus a unit and a landmark."""
    profile = build_profile(find_county("章贡区"))
    profile.units.append("章贡区教育局")
    profile.places.append(Place("郁孤台", "landmark", parent="章贡区"))
    return profile


@pytest.fixture(scope="session")
def hezuo() -> DistrictProfile:
    """合作市 (甘南州): a district whose own name is an everyday word."""
    return build_profile(find_county("合作市"))
