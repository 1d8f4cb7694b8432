"""Relevance to the district (涉区): which of the district's places, units and keywords a text names.

Terms come from the district profile and are matched in one Aho-Corasick pass. Each term is
*strong* (counts on its own) or *weak* (counts only with context):

- strong: the district's full name and a distinctive short name (章贡区, 章贡), full names of towns,
  streets, villages and communities (水西镇, 东外社区), landmarks, units and watch keywords;
- weak: short names of towns and villages (水西), and any name that is also a common word
  (合作, 和平, 新华, 人民, 胜利 … even 城区 as a district's full name);
- context only: the province and the city (赣州市 alone is not 章贡区, but it vouches for 水西).

A weak term counts when its parent place (its town, the district or the city) or another place
of the district is named in the same text; the admin suffix turns it into a full name, which is
strong. A full town or village name loses its strength when the text names another county or
city and none of ours (城关镇 and 和平村 exist in hundreds of counties). Each match says why.

Speed (issue 4, item 11): which matches count and why depends only on the terms kept, so it is
worked out once per combination of terms and remembered (a bounded memo); per text there remain
the automaton pass, the word-boundary checks and, when it can matter, the look for elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeAlias

import ahocorasick
import rjieba

from yuqing.domain.profile import ADMIN_SUFFIXES, DistrictProfile, short_name

# Place names that are also everyday words; they need context even when they are full names.
COMMON_WORDS = frozenset(
    [
        "合作",
        "和平",
        "新华",
        "人民",
        "胜利",
        "东方",
        "新民",
        "城区",
        "解放",
        "红旗",
        "光明",
        "建设",
        "幸福",
        "团结",
        "前进",
        "民主",
        "中心",
        "长安",
        "新村",
        "东风",
        "朝阳",
        "向阳",
        "新兴",
        "永安",
        "太平",
        "长江",
        "黄河",
        "中山",
        "文化",
        "工业",
        "开发",
        "河东",
        "河西",
        "城东",
        "城西",
        "城南",
        "城北",
        "城关",
        "城中",
        "新城",
        "老城",
        "南山",
        "北山",
        "东山",
        "西山",
        "青山",
        "白云",
        "金山",
        "红星",
        "友谊",
        "联合",
        "和谐",
        "繁荣",
        "振兴",
        "复兴",
        "兴隆",
        "安宁",
        "平安",
        "吉祥",
        "富民",
        "先锋",
        "共和",
        "五一",
        "八一",
        "七一",
        "东升",
        "新街",
        "大桥",
        "沙河",
        "水口",
        "新华",
        "民生",
        "民族",
        "自由",
        "和兴",
        "双龙",
        "龙山",
        "新安",
        "新建",
        "建国",
        "红光",
        "卫星",
        "钢铁",
        "铁路",
        "东湖",
        "西湖",
        "南湖",
        "北湖",
        "白沙",
        "黄金",
        "开元",
        "长城",
        "宝山",
        "普陀",
        "鼓楼",
        "南京",
        "北京",
        "上海",
        "天津",
        "和田",
        "通化",
        "海南",
        "江南",
        "江北",
        "河北",
        "河南",
        "湖北",
        "湖南",
        "山东",
        "山西",
        "广东",
        "广西",
        "青年",
        "海滨",
        "小城镇",
        "大城镇",
        "发展",
        "共同",
        "健康",
        "综合",
        "公司",
        "街道",
        "爱国",
        "和睦",
        "五四",
        "三门",
        "工农",
        "农场",
        "林场",
        "社区",
    ]
)
# A one-character suffix followed by these characters is a word, not a place: 人民市场, 城区域.
_SUFFIX_WORDS = frozenset(
    [
        "市场",
        "市值",
        "市面",
        "市区",
        "区域",
        "区别",
        "区分",
        "区间",
        "区块",
        "镇定",
        "镇静",
        "镇压",
        "乡愁",
        "县城",
    ]
)

# Characters after which a name always starts a new word (no need to segment to know it).
_SAFE_BEFORE = frozenset("的在和与及或到于至从是住自往向对把被给、，。！？；：“”（）《》【】 \n的了")

STRONG, WEAK, CONTEXT = "strong", "weak", "context"
# Levels that say *where* within the district (the district itself or its city do not).
SPECIFIC_PLACE_LEVELS = frozenset({"town", "village", "landmark", "unit", "keyword"})


@dataclass(slots=True, frozen=True)
class Term:
    place: str  # canonical name of what the term names
    level: str  # province | city | district | town | village | landmark | unit | keyword
    parent: str | None
    strength: str  # strong | weak | context
    form: str  # full | short | alias


@dataclass(slots=True)
class PlaceMatch:
    place: str
    level: str
    term: str
    start: int
    why: str

    def to_dict(self) -> dict[str, object]:
        return {
            "place": self.place,
            "level": self.level,
            "term": self.term,
            "start": self.start,
            "why": self.why,
        }


@dataclass(slots=True)
class Relevance:
    relevant: bool
    places: list[str] = field(default_factory=list)
    matches: list[PlaceMatch] = field(default_factory=list)


NOT_RELEVANT = Relevance(False)


def _is_common(name: str) -> bool:
    return name in COMMON_WORDS


@lru_cache(maxsize=1)
def _national_names() -> frozenset[str]:
    """Full names of every city and county-level unit in China (read from the shipped gazetteer).

    Only the top of jionlp's tree is read, so the 657k villages never sit in memory.
    """
    import io
    import zipfile
    from importlib import resources

    raw = resources.files("yuqing.data").joinpath("china_location.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        text = zf.read("china_location.txt").decode("utf-8")
    names: set[str] = set()
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip("\t"))
        if depth in (1, 2) and line.strip():
            names.add(line.strip().split("\t")[0])
    return frozenset(names)


_ZONE_SUFFIXES = (
    "产业园",
    "工业园",
    "园区",
    "开发区",
    "新区",
    "工业区",
    "农场",
    "林场",
    "管委会",
    "经济区",
    "示范区",
)
_COUNTY_SUFFIX = re.compile(r"[市县区旗盟州]")
_MAX_NAME = 12
_EXPLAIN_CACHE = 50_000  # combinations of terms remembered (the memo is cleared when full)

# (matches as (index into the kept matches, place, level, why), places named)
_Spec: TypeAlias = "tuple[list[tuple[int, str, str, str]], tuple[str, ...]]"


def _by_start_longest(r: tuple[int, int, str, object]) -> tuple[int, int]:
    return r[0], r[0] - r[1]


class RelevanceMatcher:
    """Matches a district profile's terms in texts (build once per profile; `match` is pure)."""

    def __init__(self, profile: DistrictProfile, *, foreign_check: bool = True) -> None:
        self.profile = profile
        self.terms: dict[str, list[Term]] = {}
        p = profile
        self._add(p.province, "province", None, CONTEXT, "full")
        self._add_short(p.province, "province", None, CONTEXT)
        self._add(p.city, "city", p.province, CONTEXT, "full")
        self._add_short(p.city, "city", p.province, CONTEXT)
        self._add(p.district, "district", p.city, WEAK if _is_common(p.district) else STRONG, "full")
        self._add_short(
            p.district, "district", p.city, WEAK if _is_common(short_name(p.district)) else STRONG
        )
        for place in p.places:
            if place.level in ("province", "city", "district"):
                continue
            if place.level == "landmark":
                self._add(
                    place.name, "landmark", place.parent, WEAK if _is_common(place.name) else STRONG, "full"
                )
            else:
                strength = WEAK if _is_common(place.name) or self._generic_zone(place.name) else STRONG
                self._add(place.name, place.level, place.parent, strength, "full")
                short = short_name(place.name)
                if short != place.name and len(short) >= 2:
                    distinctive = len(short) >= 3 and short not in COMMON_WORDS and place.level == "town"
                    self._add(
                        short, place.level, place.parent, STRONG if distinctive else WEAK, "short", place.name
                    )
            for alias in place.aliases:
                self._add(
                    alias,
                    place.level,
                    place.parent,
                    WEAK if _is_common(alias) else STRONG,
                    "alias",
                    place.name,
                )
        for unit in p.units:
            self._add(unit, "unit", p.district, WEAK if _is_common(unit) else STRONG, "full")
        for kw in p.keywords:
            self._add(kw, "keyword", p.district, WEAK if _is_common(kw) else STRONG, "full")
        self._boundaries = rjieba.Jieba()  # deliberately without user words
        self._automaton = ahocorasick.Automaton()
        for term, infos in self.terms.items():
            self._automaton.add_word(term, (term, tuple(infos)))
        if self.terms:
            self._automaton.make_automaton()
        # The city and the district vouch for a weak term; the province is too wide to.
        self._ours = {p.city, p.district}
        self._foreign: frozenset[str] = frozenset()
        self._explained: dict[tuple[str, ...], tuple[_Spec, _Spec | None]] = {}
        if foreign_check:
            ours = {p.city, p.district, p.province}
            self._foreign = frozenset(n for n in _national_names() if n not in ours and n not in self.terms)
        self._foreign_tails = frozenset(n[-2:] for n in self._foreign)

    def _add(
        self, term: str, level: str, parent: str | None, strength: str, form: str, place: str = ""
    ) -> None:
        term = term.strip()
        if len(term) < 2:
            return
        info = Term(place or term, level, parent, strength, form)
        bucket = self.terms.setdefault(term, [])
        if info not in bucket:
            bucket.append(info)

    def _add_short(self, name: str, level: str, parent: str | None, strength: str) -> None:
        short = short_name(name)
        if short != name and len(short) >= 2:
            self._add(short, level, parent, strength, "short", name)

    def _generic_zone(self, name: str) -> bool:
        """A zone with no admin suffix and no local name in it (新材料产业园, 汽车工业园): a phrase, not a place."""
        if short_name(name) != name or not name.endswith(_ZONE_SUFFIXES):
            return False
        local = (short_name(self.profile.district), short_name(self.profile.city))
        return not any(loc and loc in name for loc in local)

    def _foreign_name(self, text: str) -> str | None:
        """The first city or county of elsewhere that the text names in full (宁都县, 南昌市), if any."""
        foreign, tails = self._foreign, self._foreign_tails
        for m in _COUNTY_SUFFIX.finditer(text):
            end = m.end()
            if text[end - 2 : end] not in tails:
                continue  # no name elsewhere ends so (the common case: 城市, 社区, 赣州)
            for start in range(max(0, end - _MAX_NAME), end - 1):
                if text[start:end] in foreign:
                    return text[start:end]
        return None

    def _token_starts(self, text: str) -> set[int]:
        """Where words start, by the plain dictionary (no place names added, no HMM guessing)."""
        return {start for _, start, _ in self._boundaries.tokenize(text, "default", False)}

    def user_words(self) -> list[str]:
        """Names to add to the segmenter's dictionary."""
        return [t for t in self.terms if len(t) >= 2]

    def match(self, text: str) -> Relevance:
        """Whether the text concerns the district, which places it names, and why."""
        if not self.terms or not text:
            return NOT_RELEVANT
        raw = [(end - len(term) + 1, end, term, infos) for end, (term, infos) in self._automaton.iter(text)]
        if not raw:
            return NOT_RELEVANT
        kept = self._kept(text, raw)
        if not kept:
            return NOT_RELEVANT
        # What the matches are and why depends only on the terms kept (and, for a strong town or
        # village name without context, on whether the text names elsewhere): worked out once per
        # combination of terms and remembered.
        terms = tuple(r[2] for r in kept)
        explained = self._explained.get(terms)
        if explained is None:
            if len(self._explained) >= _EXPLAIN_CACHE:
                self._explained.clear()
            explained = self._explained[terms] = self._explain(kept)
        plain, if_foreign = explained
        spec = plain if if_foreign is None or self._foreign_name(text) is None else if_foreign
        matches = [PlaceMatch(place, level, kept[i][2], kept[i][0], why) for i, place, level, why in spec[0]]
        return Relevance(bool(spec[1]), list(spec[1]), matches)

    def _kept(
        self, text: str, raw: list[tuple[int, int, str, tuple[Term, ...]]]
    ) -> list[tuple[int, int, str, tuple[Term, ...]]]:
        """The matches that name a place: the longest where one lies inside another, not a word."""
        starts: set[int] | None = None
        ends: set[int] | None = None
        if len(raw) > 1:
            # Keep the longest match where one lies inside another (水西镇 over 水西).
            raw.sort(key=_by_start_longest)
        kept: list[tuple[int, int, str, tuple[Term, ...]]] = []
        # Sorted by start, longest first: a match lies inside a kept one exactly when it does not end
        # after every kept one (no two matches share both ends).
        max_end = -1
        for r in raw:
            r0, r1, term = r[0], r[1], r[2]
            if r1 <= max_end:
                continue
            if (
                term[-1] in ADMIN_SUFFIXES_1
                and text[r1 + 1 : r1 + 2]
                and (term[-1] + text[r1 + 1]) in _SUFFIX_WORDS
            ):
                continue  # 人民市场 is a market, not 人民市
            if r0 > 0 and (before := text[r0 - 1]) not in _SAFE_BEFORE and "\u4e00" <= before <= "\u9fff":
                if ends is None:
                    ends = {x[1] + 1 for x in raw}
                if r0 not in ends:
                    # Preceded by a character that may belong to the same word: ask the segmenter.
                    if starts is None:
                        starts = self._token_starts(text)
                    if r0 not in starts:
                        continue  # starts inside a word: 加大城镇 does not name 大城镇
            kept.append(r)
            max_end = r1
        return kept

    def _explain(self, kept: list[tuple[int, int, str, tuple[Term, ...]]]) -> tuple[_Spec, _Spec | None]:
        """The matches (by index into `kept`) and places of a combination of kept terms, for a text
        that names no other county or city, and (when it makes a difference) for one that does."""
        # Places named by each term (a term never vouches for itself: 水西 names both 水西镇 and 水西村).
        by_term: dict[str, set[str]] = {}
        district_terms: dict[str, set[str]] = {}
        for _, _, term, infos in kept:
            by_term.setdefault(term, set()).update(t.place for t in infos)
            # Only terms that count on their own, or distinctive town names, vouch for others: 和平 and
            # 胜利 (or two village names that are everyday words) together say nothing about the district.
            district_terms.setdefault(term, set()).update(
                t.place
                for t in infos
                if t.strength == STRONG
                or (t.strength == WEAK and t.level in ("district", "town") and term not in COMMON_WORDS)
            )
        all_named = set().union(*by_term.values())
        may_be_foreign = bool(not all_named & self._ours and self._foreign)

        def spec(foreign: str | None) -> _Spec:
            matches: list[tuple[int, str, str, str]] = []
            for i, (_, _, term, infos) in enumerate(kept):
                named = {
                    p
                    for other, ps in by_term.items()
                    if other != term and other not in COMMON_WORDS
                    for p in ps
                }
                others = {p for other, ps in district_terms.items() if other != term for p in ps}
                for t in infos:
                    why = self._why(t, term, named, others - {t.place}, foreign)
                    if why:
                        matches.append((i, t.place, t.level, why))
                        break
            places: list[str] = []
            for _, place, level, _ in matches:
                if level not in ("province", "city") and place not in places:
                    places.append(place)
            return matches, tuple(places)

        plain = spec(None)
        if not may_be_foreign:
            return plain, None
        if_foreign = spec("外地")
        return plain, (None if if_foreign == plain else if_foreign)

    def _why(self, t: Term, term: str, named: set[str], others: set[str], foreign: str | None) -> str:
        if t.strength == CONTEXT:
            return ""
        context = ""
        if t.parent and t.parent in named:
            context = f"上级地名“{t.parent}”"
        elif (named & self._ours) - {t.place}:
            context = "本区/本市名称"
        elif others:
            context = f"其他本区地名“{sorted(others)[0]}”"
        if t.strength == STRONG:
            if foreign and not context and t.level in ("town", "village"):
                return ""  # a same-named place in another county (the text names 外地“{foreign}”)
            label = {"full": "全称", "short": "简称", "alias": "别名"}[t.form]
            return f"{label}“{term}”" + (f"，并有{context}" if context else "")
        if context:
            return f"“{term}”需语境：有{context}"
        return ""

    def match_batch(self, texts: Iterable[str]) -> list[Relevance]:
        """The relevance stage over a batch."""
        return [self.match(t) for t in texts]


ADMIN_SUFFIXES_1 = frozenset(s for s in ADMIN_SUFFIXES if len(s) == 1)
