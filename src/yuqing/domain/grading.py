"""Grades (特别重大 I / 重大 II / 较大 III / 一般 IV) and the tiered response each one requires.

Tiered response (R-CASE-2, 实施意见 "分级响应"): grade I goes to the leading group — joint meeting and
an official statement drafted and approved before release; grades II–III need the unit's investigation
and an official reply; grade IV needs the investigation. A case may close only when its tasks are done.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GRADES: tuple[str, ...] = ("I", "II", "III", "IV")
GRADE_LABELS = {"I": "特别重大（I级）", "II": "重大（II级）", "III": "较大（III级）", "IV": "一般（IV级）"}

# ---- Tiered response ---------------------------------------------------------------------------------

TASK_LEADING_GROUP = "leading_group"
TASK_JOINT_MEETING = "joint_meeting"
TASK_INVESTIGATION = "investigation"
TASK_STATEMENT = "statement"
TASK_REPLY = "official_reply"


@dataclass(frozen=True, slots=True)
class TierTask:
    code: str
    label: str
    done_by: str  # what completes it: "manual" (recorded by the office), "feedback", "reply", "statement"


TASKS: dict[str, TierTask] = {t.code: t for t in (
    TierTask(TASK_LEADING_GROUP, "报领导小组，启动特别重大舆情应对", "manual"),
    TierTask(TASK_JOINT_MEETING, "召开联席会议研究应对措施", "manual"),
    TierTask(TASK_INVESTIGATION, "责任单位调查核实并反馈", "feedback"),
    TierTask(TASK_STATEMENT, "起草权威发布（新闻通稿），经审核后发布", "statement"),
    TierTask(TASK_REPLY, "正式回复网民（点对点回复或公开回应）", "reply"),
)}

TIER_TASKS: dict[str, tuple[str, ...]] = {
    "I": (TASK_LEADING_GROUP, TASK_JOINT_MEETING, TASK_INVESTIGATION, TASK_STATEMENT),
    "II": (TASK_INVESTIGATION, TASK_REPLY),
    "III": (TASK_INVESTIGATION, TASK_REPLY),
    "IV": (TASK_INVESTIGATION,),
}


def tier_tasks(grade: str | None) -> list[TierTask]:
    """The tasks a grade requires; an ungraded case is handled like grade IV."""
    return [TASKS[c] for c in TIER_TASKS.get(grade or "IV", TIER_TASKS["IV"])]


def needs_public_answer(grade: str | None) -> bool:
    """Whether closing waits for a released reply or statement (grades I–III)."""
    codes = TIER_TASKS.get(grade or "IV", ())
    return TASK_REPLY in codes or TASK_STATEMENT in codes


def missing_tasks(grade: str | None, done: Iterable[str]) -> list[TierTask]:
    """The required tasks not yet done, in order."""
    have = set(done)
    return [t for t in tier_tasks(grade) if t.code not in have]


# ---- Grading: explainable factors over an event's items (R-ANALYSE-7) ----------------------------------
#
# The factors are those the policy texts name when they say what to collect and how to grade
# (实施意见 "舆情收集内容" and "分级响应"): how specific the claims are, how severe (death or injury, public
# safety, mass gathering, large sums, vulnerable people, officials' conduct), what consequences, how wide the
# influence (heat, growth, source diversity, outside media), and the categories they list (突发事件、
# 群体性事件、重大刑事治安案件、公共安全、群众切身利益). Each factor has a value in 0..1 and a weight in points;
# its contribution is value × weight, the score their sum (at most 100), the grade the score's band. Every
# weight, cue lexicon and threshold is workspace configuration (`grading.json`, merged over DEFAULTS).
# The category weighs most: grade I is what "紧急重大事件引发且可能给我区造成较大范围负面影响" (实施意见
# 分级响应), so an emergency, a mass incident or a major crime counts in full, public safety at 0.8 and
# everyday interests (群众切身利益) at half.

FACTOR_LABELS: dict[str, str] = {
    "specificity": "具体详实程度",
    "casualties": "人员伤亡",
    "public_safety": "公共安全",
    "mass_gathering": "群体聚集",
    "large_sum": "涉及大额资金",
    "vulnerable": "涉及弱势群体",
    "officials": "干部作风",
    "consequences": "造成后果",
    "heat": "热度（信息量与互动）",
    "growth": "增长势头",
    "source_diversity": "来源广泛",
    "outside_media": "媒体关注",
    "category": "事件类别",
}

# Severity cue classes: an item counts when one of the class's patterns matches its text, after the
# `ignore` patterns are removed (figurative 死 such as 笑死/热死了, and denials such as 无人员伤亡).
DEFAULTS: dict[str, Any] = {
    "weights": {
        "specificity": 8, "casualties": 20, "public_safety": 10, "mass_gathering": 12, "large_sum": 6,
        "vulnerable": 6, "officials": 6, "consequences": 8, "heat": 10, "growth": 5, "source_diversity": 4,
        "outside_media": 5, "category": 15,
    },
    # The lowest score of each grade; below the III threshold an event is grade IV (一般).
    "thresholds": {"I": 80, "II": 50, "III": 30},
    # A cue class is at full strength when this many items carry it, or this share of a larger event's
    # items (fewer: proportionally less); an event with fewer items needs all of them.
    "cue_items_full": 3,
    "cue_share_full": 0.25,
    # Hedged items (听说、据说、求辟谣 …) count this much: an unconfirmed claim weighs less than a report.
    "hedged_weight": 0.5,
    # Items of positive tone (praise, thanks) count this much towards breadth (heat, sources, media): the
    # grade measures how far a problem spreads, not how much a park is liked.
    "positive_weight": 0.2,
    # A sum of money from this many yuan counts as large (half strength; ten times as much: full strength).
    "large_sum_yuan": 100000,
    "ignore": [
        r"(?:笑|热|累|冷|气|吓|饿|困|烦|忙|急|馋|美|丑|酸|痛|疼|闷|晒|挤|堵|无聊)死(?:了|啦|人了|我了|我|人)?",
        r"死(?:贵|活|机|磕|心眼|脑筋|胡同|角|板|记硬背|忠|党)",
        r"(?:要|想)死了?",
        r"(?:无|没有|未造成|未发生|暂无|并无|未有)(?:人员)?(?:伤亡|死亡|受伤)",
        r"(?:无人|没人)(?:伤亡|死亡|受伤|员伤亡)",
    ],
    "hedges": [r"听说", r"据说", r"有人说", r"网传", r"传言", r"传闻", r"谣言", r"不知道真假", r"是真的吗",
               r"求辟谣", r"辟谣", r"求证", r"有没有人知道", r"未经证实", r"不确定", r"好像"],
    "cues": {
        "casualties": [
            r"死亡", r"身亡", r"遇难", r"丧生", r"罹难", r"去世", r"致死", r"死者", r"遗体", r"尸体", r"溺亡",
            r"(?:砸|撞|淹|烧|打|压|电)死", r"(?:人|孩子|学生|老人|工人|司机|村民|男子|女子|行人|一名\S{0,3})死了",
            r"受伤", r"伤者", r"伤员", r"重伤", r"轻伤", r"骨折", r"流血", r"送医", r"抢救", r"(?<!应)急救", r"伤亡",
            r"中毒", r"昏迷", r"住院",
        ],
        "public_safety": [
            r"内涝", r"积水", r"被淹", r"淹了", r"进水", r"洪水", r"暴雨", r"强降雨", r"山洪", r"泥石流", r"塌方",
            r"坍塌", r"倒塌", r"塌陷", r"火灾", r"着火", r"起火", r"失火", r"爆炸", r"泄漏", r"燃气", r"中毒",
            r"过期食材", r"食品安全", r"变质", r"溺水", r"触电", r"车祸", r"交通事故", r"被困", r"救援", r"求救",
            r"危险", r"隐患", r"疫情", r"传染",
        ],
        "mass_gathering": [
            r"聚集", r"聚在", r"围堵", r"堵路", r"堵门", r"讨说法", r"上访", r"拉横幅", r"拉条幅", r"静坐",
            r"群体性", r"游行", r"冲突", r"打砸", r"对峙", r"(?:几十|上百|数百|上千|\d{2,})(?:名|个)?(?:人|群众|村民|工人|业主|家长)",
        ],
        "vulnerable": [
            r"老人", r"老年人", r"儿童", r"孩子", r"小孩", r"学生", r"小学", r"幼儿", r"婴儿", r"孕妇", r"残疾",
            r"留守", r"低保", r"农民工", r"工友", r"患者", r"病人", r"独居",
        ],
        "officials": [
            r"不作为", r"乱作为", r"慢作为", r"推诿", r"扯皮", r"吃拿卡要", r"索贿", r"受贿", r"行贿", r"贪污",
            r"腐败", r"滥用职权", r"以权谋私", r"公车私用", r"态度恶劣", r"没人管", r"不管不问", r"官官相护",
            r"(?:干部|官员|工作人员|城管|执法人员)\S{0,6}(?:打人|骂人|辱骂|殴打|威胁|刁难)",
        ],
        "consequences": [
            r"停水", r"停电", r"断水", r"断电", r"交通中断", r"道路中断", r"封路", r"停运", r"停课", r"停产",
            r"停工", r"转移", r"疏散", r"撤离", r"安置", r"进水", r"受灾", r"损失", r"无家可归", r"住院", r"送医",
            r"绕行", r"熄火", r"瘫痪", r"延误", r"拖欠", r"欠薪", r"讨不到", r"拿不到", r"跑了", r"失学", r"睡不着",
            r"影响(?:生活|出行|休息|上学)",
        ],
        # Outside media taking it up: in the text (sources whose name matches `media_sources` count too).
        "outside_media": [r"记者", r"媒体报道", r"央视", r"新华社(?!区)", r"人民日报", r"澎湃", r"热搜", r"上了新闻",
                          r"曝光"],
    },
    "media_sources": r"新闻|日报|晚报|都市报|电视|广播|媒体|报社|通讯社|澎湃|头条",
    # The categories the texts list. A category holds when items carry its own cues or one of the cue
    # classes named in `from`; the category factor takes the strongest (weight × strength).
    "categories": {
        "突发事件": {"weight": 1.0, "from": ["casualties"],
                 "cues": [r"暴雨", r"强降雨", r"内涝", r"洪水", r"山洪", r"火灾", r"起火", r"爆炸", r"坍塌", r"倒塌",
                          r"事故", r"车祸", r"地震", r"泄漏", r"中毒", r"疫情"]},
        "群体性事件": {"weight": 1.0, "from": ["mass_gathering"], "cues": []},
        "重大刑事治安案件": {"weight": 1.0, "from": [],
                     "cues": [r"杀人", r"命案", r"持刀", r"砍人", r"抢劫", r"绑架", r"强奸", r"纵火", r"投毒",
                              r"涉黑", r"黑恶", r"斗殴", r"伤人", r"枪击", r"拐卖"]},
        "公共安全": {"weight": 0.8, "from": ["public_safety"], "cues": []},
        "群众切身利益": {"weight": 0.5, "from": [],
                   "cues": [r"欠薪", r"工资", r"拆迁", r"征地", r"补偿", r"学位", r"入学", r"物业", r"噪音", r"油烟",
                            r"收费", r"涨价", r"停水", r"停电", r"路面", r"坑洼", r"医保", r"社保", r"养老", r"住房",
                            r"扰民", r"排水", r"供暖", r"公交"]},
    },
}

SEVERITY_CLASSES = ("casualties", "public_safety", "mass_gathering", "vulnerable", "officials", "consequences")
EVIDENCE_MAX = 10
READ_CACHE = 100_000  # items whose reading a configuration keeps
DAY = 86_400.0

_CN_AMOUNTS = {"几十万": 2e5, "数十万": 2e5, "上百万": 1e6, "几百万": 2e6, "数百万": 2e6, "上千万": 1e7,
               "几千万": 2e7, "数千万": 2e7, "上亿": 1e8, "几亿": 2e8, "数亿": 2e8}
_MULT = {"千": 1e3, "万": 1e4, "亿": 1e8}
_MONEY = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|几十万|数十万|上百万|几百万|数百万|上千万|几千万|数千万|上亿|几亿|数亿)"
    r"\s*(?P<mult>千|万|亿)?\s*(?P<more>多|余)?\s*(?P<cur>元|块钱|块|人民币)?(?P<after>.{0,2})")
_MONEY_CONTEXT = re.compile(r"欠薪|工资|薪|损失|赔偿|赔|罚款|款|资金|补偿|集资|借|诈骗|骗|金额|涉案|费|钱|投资|贷|花了|交了")
_NOT_MONEY_AFTER = re.compile(r"^(?:人|名|户|个|平|米|亩|辆|次|天|年|岁|斤|公|吨|只|头|条|家|所)")
_DETAIL = {
    "time": re.compile(r"\d{1,2}(?:点|时|:\d\d)|凌晨|早上|上午|中午|下午|傍晚|晚上|昨晚|昨天|今天|今早|前天|"
                       r"\d{1,2}月\d{1,2}[日号]|\d{1,2}[日号]|周[一二三四五六日]|星期"),
    "quantity": re.compile(r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千半几好])\s*(?:多|余)?\s*"
                           r"(?:米|厘米|户|人|名|辆|万|元|块|小时|天|次|栋|间|亩|层|公里|个月|年|岁|吨)"),
    "place": re.compile(r"[\u4e00-\u9fff]{2,8}(?:村|镇|乡|街道|社区|小区|路|街|桥|大道|广场|学校|小学|中学|幼儿园|"
                        r"医院|工地|项目|市场|夜市|公园|渡口|门口)"),
    "who": re.compile(r"[\u4e00-\u9fff]{2,8}(?:公司|集团|部门|局|委|办|所|站|中心|物业|开发商|包工头|老板|干部|城管)"),
}


@dataclass(frozen=True, slots=True)
class GradeItem:
    """What grading reads of one item of the event."""

    id: int
    text: str  # title and text
    source: str | None = None
    at: float = 0.0  # epoch seconds (published, else captured)
    reach: int = 0  # reposts + comments + likes
    places: tuple[str, ...] = ()  # places the analysis found in it
    official: bool = False  # from the district's own account
    sentiment: str | None = None  # positive | neutral | negative


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor of a grade: its value (0..1), weight (points), contribution and the items behind it."""

    name: str
    value: float
    weight: float
    contribution: float
    evidence_item_ids: tuple[int, ...] = ()
    detail: str = ""

    @property
    def label(self) -> str:
        return FACTOR_LABELS.get(self.name, self.name)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "value": self.value, "weight": self.weight,
                "contribution": self.contribution, "evidence_item_ids": list(self.evidence_item_ids),
                "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Assessment:
    """A computed grade with its score and factors (strongest first)."""

    grade: str
    score: float
    factors: tuple[Factor, ...]

    def why(self, top: int = 4) -> str:
        """The factor summary kept in the grade history, e.g. "公共安全 12.0 · 造成后果 10.0"."""
        shown = [f for f in self.factors if f.contribution > 0][:top]
        return " · ".join(f"{f.label} {f.contribution:.1f}" for f in shown) or "无明显因素"

    def to_dict(self) -> dict[str, Any]:
        return {"grade": self.grade, "score": self.score, "factors": [f.to_dict() for f in self.factors]}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class GradingConfig:
    """Weights, cue lexicons and thresholds (DEFAULTS, with the workspace's `grading.json` merged over)."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        data = _merge(DEFAULTS, overrides or {})
        self.data = data
        self.weights: dict[str, float] = {k: float(v) for k, v in data["weights"].items()}
        self.thresholds: dict[str, float] = {k: float(v) for k, v in data["thresholds"].items()}
        self.cue_items_full = max(1, int(data["cue_items_full"]))
        self.cue_share_full = float(data["cue_share_full"])
        self.positive_weight = float(data["positive_weight"])
        self.hedged_weight = float(data["hedged_weight"])
        self.large_sum_yuan = float(data["large_sum_yuan"])
        self.ignore = _union(data["ignore"])
        self.hedges = _union(data["hedges"])
        self.cues = {name: _union(patterns) for name, patterns in data["cues"].items()}
        self.media_sources = re.compile(data["media_sources"]) if data["media_sources"] else None
        self.categories = {name: (float(c.get("weight", 1.0)), tuple(c.get("from", ())), _union(c.get("cues", [])))
                           for name, c in data["categories"].items()}
        # What each item says, kept while this configuration lives: an event regraded after every batch
        # reads only its new items again (5,000 items: 170 ms read afresh).
        self._reads: dict[GradeItem, _Read] = {}

    def read(self, item: GradeItem) -> _Read:
        found = self._reads.get(item)
        if found is None:
            if len(self._reads) >= READ_CACHE:
                self._reads.clear()
            found = self._reads[item] = read_item(item, self)
        return found

    @classmethod
    def load(cls, path: Path) -> GradingConfig:
        """The configuration of a workspace: `path` (JSON) over the defaults; no file, the defaults."""
        if not path.exists():
            return cls()
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def grade_for(self, score: float) -> str:
        for grade in ("I", "II", "III"):
            if score >= self.thresholds[grade]:
                return grade
        return "IV"


def _union(patterns: Iterable[str]) -> re.Pattern[str] | None:
    patterns = [p for p in patterns if p]
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


# ---- Reading one item -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Read:
    """What one item says, as far as grading is concerned."""

    item: GradeItem
    weight: float  # 1, or `hedged_weight` for an unconfirmed claim
    tone: float  # 1, or `positive_weight` for praise (breadth counts it for less)
    cues: set[str]
    detail: int  # kinds of concrete detail (time, quantity, place, who)
    amount: float  # the largest sum of money it names, in yuan
    media: bool


def clean_text(text: str, config: GradingConfig) -> str:
    """The text with what must not count removed (figurative 死, denials of casualties)."""
    return config.ignore.sub("　", text) if config.ignore else text


def money_amounts(text: str) -> list[float]:
    """The sums of money (yuan) a text names: "欠薪85万" → 850000; "1万多人" is people, not money."""
    found: list[float] = []
    for m in _MONEY.finditer(text):
        num, mult, cur, after = m["num"], m["mult"], m["cur"], m["after"] or ""
        value = _CN_AMOUNTS[num] if num in _CN_AMOUNTS else float(num) * _MULT.get(mult or "", 1.0)
        if not cur:
            if _NOT_MONEY_AFTER.match(after) or not _MONEY_CONTEXT.search(text[max(0, m.start() - 8):m.start()]):
                continue
            if not mult and num not in _CN_AMOUNTS:  # a bare number needs a currency: "欠了30" is unclear
                continue
        found.append(value)
    return found


def read_item(item: GradeItem, config: GradingConfig) -> _Read:
    text = clean_text(item.text, config)
    hedged = bool(config.hedges and config.hedges.search(text))
    cues = {name for name, pattern in config.cues.items() if pattern is not None and pattern.search(text)}
    for name, (_, _, pattern) in config.categories.items():
        if pattern is not None and pattern.search(text):
            cues.add(f"category:{name}")
    detail = sum(1 for pattern in _DETAIL.values() if pattern.search(text))
    if item.places and not _DETAIL["place"].search(text):
        detail += 1
    media = bool(config.media_sources and item.source and config.media_sources.search(item.source)
                 and not item.official) or "outside_media" in cues
    tone = config.positive_weight if item.sentiment == "positive" else 1.0
    return _Read(item, config.hedged_weight if hedged else 1.0, tone, cues, detail, max(money_amounts(text), default=0.0),
                 media)


# ---- Factors ----------------------------------------------------------------------------------------------


def _evidence(reads: Iterable[_Read]) -> tuple[int, ...]:
    """The items to show as evidence: the most engaged first, at most EVIDENCE_MAX."""
    ranked = sorted(reads, key=lambda r: (-r.weight, -r.item.reach, r.item.id))
    return tuple(r.item.id for r in ranked[:EVIDENCE_MAX])


def _strength(reads: list[_Read], n: int, config: GradingConfig) -> float:
    """How strongly a cue holds: the (weighted) items carrying it, against `cue_items_full` items or
    `cue_share_full` of the event's items, whichever is more."""
    if not reads or not n:
        return 0.0
    full = max(min(config.cue_items_full, n), config.cue_share_full * n)
    return min(1.0, sum(r.weight for r in reads) / full)


def _factor(name: str, value: float, config: GradingConfig, evidence: tuple[int, ...] = (), detail: str = "") -> Factor:
    value = round(max(0.0, min(1.0, value)), 3)
    weight = config.weights.get(name, 0.0)
    return Factor(name, value, weight, round(value * weight, 2), evidence if value > 0 else (), detail)


def assess(items: Iterable[GradeItem], config: GradingConfig | None = None, now: float | None = None) -> Assessment:
    """Grade an event from its items: every factor, its contribution, the score and the grade."""
    config = config or GradingConfig()
    reads = [config.read(it) for it in items]
    n = len(reads)
    factors: list[Factor] = []

    # 具体详实: kinds of concrete detail per item (time, quantity, place, who), three kinds = fully specific.
    if reads:
        spec = [min(1.0, r.detail / 3) * r.weight for r in reads]
        detailed = [r for r, s in zip(reads, spec, strict=True) if s >= 0.5]
        hedged = sum(1 for r in reads if r.weight < 1)
        factors.append(_factor("specificity", sum(spec) / n, config, _evidence(detailed),
                               f"{len(detailed)}/{n} 条信息有具体的时间、地点、数量或对象"
                               + (f"；{hedged} 条为传言或未经证实" if hedged else "")))
    else:
        factors.append(_factor("specificity", 0.0, config))

    by_class: dict[str, list[_Read]] = {c: [r for r in reads if c in r.cues] for c in config.cues}
    for name in SEVERITY_CLASSES:
        hits = by_class.get(name, [])
        factors.append(_factor(name, _strength(hits, n, config), config, _evidence(hits),
                               f"{len(hits)} 条信息提及" if hits else ""))

    # 涉及大额资金: the largest sum named; the threshold is half strength, ten times it full strength.
    money = [r for r in reads if r.amount >= config.large_sum_yuan]
    if money:
        top = max(r.amount * r.weight for r in money)
        value = 0.5 + 0.5 * math.log10(max(1.0, top / config.large_sum_yuan)) if top >= config.large_sum_yuan else 0.25
        factors.append(_factor("large_sum", value, config, _evidence(money), f"最大金额约 {_yuan(max(r.amount for r in money))}"))
    else:
        factors.append(_factor("large_sum", 0.0, config))

    # 热度: how many items and how much engagement (200 items, 10,000 reposts+comments+likes: full);
    # praise counts for little (`positive_weight`).
    volume = sum(r.tone for r in reads)
    reach = sum(max(0, r.item.reach) * r.tone for r in reads)
    heat = 0.6 * min(1.0, math.log10(1 + volume) / math.log10(201)) + 0.4 * min(1.0, math.log10(1 + reach) / 4)
    praise = sum(1 for r in reads if r.tone < 1)
    factors.append(_factor("heat", heat, config, _evidence(reads),
                           f"{n} 条信息，互动量 {sum(max(0, r.item.reach) for r in reads)}"
                           + (f"（其中 {praise} 条为正面评价，按 {config.positive_weight:g} 计）" if praise else "")))

    # 增长: items in the last 24 h against the 24 h before (relative to the newest item, or `now`).
    times = [r.item.at for r in reads]
    end = now if now is not None else max(times, default=0.0)
    last = [r for r in reads if end - DAY < r.item.at <= end]
    before = sum(1 for t in times if end - 2 * DAY < t <= end - DAY)
    ratio = len(last) / max(2, before)
    factors.append(_factor("growth", (ratio - 1) / 4, config, _evidence(last),
                           f"近24小时 {len(last)} 条，此前24小时 {before} 条"))

    # 来源广泛: distinct sources beyond the first (five sources: full).
    sources = {r.item.source for r in reads if r.item.source and not r.item.official and r.tone == 1.0}
    factors.append(_factor("source_diversity", (len(sources) - 1) / 4 if sources else 0.0, config,
                           _evidence({r.item.source: r for r in reads if r.item.source in sources}.values()),
                           f"{len(sources)} 个来源" + (f"：{'、'.join(sorted(sources)[:5])}" if sources else "")))

    # 媒体关注: news media carry it, or posts say the media took it up.
    media = [r for r in reads if r.media]
    media_strength = min(1.0, sum(r.tone for r in media) / max(min(config.cue_items_full, n), config.cue_share_full * n)) if n else 0.0
    factors.append(_factor("outside_media", media_strength, config, _evidence(media),
                           f"{len(media)} 条来自新闻媒体或提及媒体报道" if media else ""))

    # 事件类别: the strongest of the categories the texts list.
    best: tuple[float, str, list[_Read]] = (0.0, "", [])
    held: list[str] = []
    for cat, (weight, from_classes, _) in config.categories.items():
        hits = [r for r in reads if f"category:{cat}" in r.cues or any(c in r.cues for c in from_classes)]
        strength = weight * _strength(hits, n, config)
        if strength > 0:
            held.append(cat)
        if strength > best[0]:
            best = (strength, cat, hits)
    factors.append(_factor("category", best[0], config, _evidence(best[2]),
                           (f"{best[1]}" + (f"（另涉及：{'、'.join(c for c in held if c != best[1])}）"
                                            if len(held) > 1 else "")) if best[1] else ""))

    score = round(min(100.0, sum(f.contribution for f in factors)), 1)
    ordered = tuple(sorted(factors, key=lambda f: -f.contribution))
    return Assessment(config.grade_for(score), score, ordered)


def _yuan(amount: float) -> str:
    if amount >= 1e8:
        return f"{amount / 1e8:g} 亿元"
    if amount >= 1e4:
        return f"{amount / 1e4:g} 万元"
    return f"{amount:g} 元"


def grade_rank(grade: str | None) -> int:
    """I → 1 … IV → 4; ungraded → 5 (for "grade II or higher" comparisons: rank ≤ 2)."""
    return GRADES.index(grade) + 1 if grade in GRADES else 5
