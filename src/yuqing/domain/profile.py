"""The district profile: the district, its parents and every place under it, as editable data.

Stored as `<workspace>/profile.json`. Relevance matching, routing by place (属地) and the UI read it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["province", "city", "district", "town", "village", "landmark"]

# Suffixes that make a place name unambiguous ("合作" is a word, "合作市" is a place).
ADMIN_SUFFIXES = ("特别行政区", "自治州", "自治县", "街道", "社区", "省", "市", "区", "县", "镇", "乡", "村", "旗", "盟")


@dataclass(slots=True)
class Place:
    name: str
    level: Level
    parent: str | None = None
    aliases: list[str] = field(default_factory=list)
    adcode: str | None = None


@dataclass(slots=True)
class DistrictProfile:
    province: str
    city: str
    district: str
    adcode: str | None = None
    places: list[Place] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    fictional: bool = False

    def towns(self) -> list[Place]:
        return [p for p in self.places if p.level == "town"]

    def villages(self) -> list[Place]:
        return [p for p in self.places if p.level == "village"]

    def landmarks(self) -> list[Place]:
        return [p for p in self.places if p.level == "landmark"]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DistrictProfile:
        places = [Place(**p) for p in data.get("places", [])]
        return cls(
            province=data["province"],
            city=data["city"],
            district=data["district"],
            adcode=data.get("adcode"),
            places=places,
            keywords=list(data.get("keywords", [])),
            units=list(data.get("units", [])),
            fictional=bool(data.get("fictional", False)),
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> DistrictProfile:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def short_name(name: str) -> str:
    """The name without its admin suffix: 解放街道 → 解放, 水西镇 → 水西, 章贡区 → 章贡."""
    for suffix in ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name
