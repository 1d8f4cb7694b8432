"""Read jionlp's China location dictionary (shipped as `yuqing/data/china_location.zip`, Apache-2.0).

The file is a tab-indented tree: province, city, county (name, adcode, short name), town, village.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from yuqing.domain.profile import DistrictProfile, Place, short_name


@dataclass(slots=True)
class County:
    province: str
    city: str
    name: str
    adcode: str
    short: str
    towns: dict[str, list[str]] = field(default_factory=dict)


class AmbiguousDistrict(LookupError):
    """A county-level name that exists in several places; the caller must name the city or province."""

    def __init__(self, name: str, candidates: list[County]):
        self.candidates = candidates
        where = "、".join(f"{c.province}{'' if c.city == c.province else c.city}{c.name}" for c in candidates)
        super().__init__(f"“{name}”有多个同名区县：{where}。请用 --city 或 --province 指明。")


class UnknownDistrict(LookupError):
    pass


@lru_cache(maxsize=1)
def load_counties() -> tuple[County, ...]:
    """Every county-level unit with its towns and villages (parsed once, about 1 s)."""
    raw = resources.files("yuqing.data").joinpath("china_location.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        text = zf.read("china_location.txt").decode("utf-8")
    counties: list[County] = []
    province = city = ""
    county: County | None = None
    town: list[str] | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        depth = len(line) - len(line.lstrip("\t"))
        parts = stripped.split("\t")
        if depth == 0:
            province, county, town = parts[0], None, None
        elif depth == 1:
            city, county, town = parts[0], None, None
        elif depth == 2:
            county = County(province, city, parts[0], parts[1] if len(parts) > 1 else "", parts[-1])
            counties.append(county)
            town = None
        elif depth == 3 and county is not None:
            town = county.towns.setdefault(parts[0], [])
        elif depth == 4 and town is not None:
            town.append(parts[0])
    return tuple(counties)


def find_county(name: str, city: str | None = None, province: str | None = None) -> County:
    """The county named `name` (full or short), narrowed by city/province when given."""
    name = name.strip()
    hits = [c for c in load_counties() if name in (c.name, c.short)]
    if city:
        hits = [c for c in hits if city in (c.city, short_name(c.city)) or c.city.startswith(city)]
    if province:
        hits = [c for c in hits if c.province.startswith(province) or province.startswith(c.province[:2])]
    if not hits:
        raise UnknownDistrict(f"找不到区县“{name}”。请检查名称（如 章贡区、兴庆区、平昌县、合作市）。")
    if len(hits) > 1:
        raise AmbiguousDistrict(name, hits)
    return hits[0]


def build_profile(county: County) -> DistrictProfile:
    """A district profile with the district's parents, towns/streets and villages."""
    places = [
        Place(county.province, "province"),
        Place(county.city, "city", parent=county.province),
        Place(county.name, "district", parent=county.city, adcode=county.adcode),
    ]
    for town, villages in county.towns.items():
        places.append(Place(town, "town", parent=county.name))
        places.extend(Place(v, "village", parent=town) for v in villages)
    return DistrictProfile(
        province=county.province, city=county.city, district=county.name, adcode=county.adcode, places=places
    )
