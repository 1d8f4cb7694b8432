"""Routing is data: the responsibility list (责任清单) maps 属地/属事/属人 to lead and assisting units.

`propose()` matches a case's facts against the rules and proposes units, each with the rule that fired;
the office confirms or changes the proposal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

BY_PLACE = "place"  # 属地: where it happens (a town, street, village, landmark)
BY_MATTER = "matter"  # 属事: which matter / topic area (劳动保障/欠薪 → 人社局)
BY_PERSON = "person"  # 属人: a named organisation or person whose affairs it concerns
KIND_LABELS = {BY_PLACE: "属地", BY_MATTER: "属事", BY_PERSON: "属人"}
# When rules have equal priority: a named organisation's own unit leads, then the place (属地管理为主),
# then the department for the matter.
KIND_ORDER = {BY_PERSON: 0, BY_PLACE: 1, BY_MATTER: 2}
LEAD = "lead"
ASSIST = "assist"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the responsibility list."""

    id: int
    kind: str
    pattern: str  # a place name, a topic (or keyword), or an organisation/person name
    lead_unit: str
    assist_units: tuple[str, ...] = ()
    priority: int = 0  # higher wins the lead
    active: bool = True
    note: str = ""

    def matches(self, facts: CaseFacts) -> str | None:
        """Why this rule fires for `facts` (a short Chinese explanation), or None."""
        if not self.active or not self.pattern:
            return None
        p = self.pattern
        if self.kind == BY_PLACE:
            hit = next((pl for pl in facts.places if p == pl or p in pl), None)
            if hit:
                return f"属地：地点“{hit}”匹配“{p}”"
            if p in facts.text:
                return f"属地：正文提到“{p}”"
        elif self.kind == BY_MATTER:
            if p in facts.topics:
                return f"属事：主题“{p}”"
            if p in facts.text:
                return f"属事：正文提到“{p}”"
        elif self.kind == BY_PERSON:
            if p in facts.names:
                return f"属人：涉及“{p}”"
            if p in facts.text:
                return f"属人：正文提到“{p}”"
        return None


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What routing looks at: places and topics from analysis, named organisations, and the text."""

    places: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True, slots=True)
class ProposedUnit:
    unit: str
    role: str  # lead | assist
    rule_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Proposal:
    units: tuple[ProposedUnit, ...] = ()
    fired: tuple[tuple[Rule, str], ...] = field(default=())  # every rule that fired, with why

    @property
    def lead(self) -> ProposedUnit | None:
        return next((u for u in self.units if u.role == LEAD), None)

    @property
    def assists(self) -> list[ProposedUnit]:
        return [u for u in self.units if u.role == ASSIST]

    def explain(self) -> str:
        if not self.units:
            return "没有匹配的责任规则，请办公室人工指定责任单位"
        return "；".join(f"{'牵头' if u.role == LEAD else '协办'}：{u.unit}（规则 #{u.rule_id}，{u.reason}）"
                        for u in self.units)


def propose(rules: Iterable[Rule], facts: CaseFacts) -> Proposal:
    """Units proposed by the rules that fire: the best rule's lead leads; everyone else assists."""
    fired: list[tuple[Rule, str]] = []
    for rule in rules:
        why = rule.matches(facts)
        if why:
            fired.append((rule, why))
    fired.sort(key=lambda rw: (-rw[0].priority, KIND_ORDER.get(rw[0].kind, 9), rw[0].id))
    units: list[ProposedUnit] = []
    seen: set[str] = set()
    for n, (rule, why) in enumerate(fired):
        role = LEAD if n == 0 else ASSIST
        for name, r in ((rule.lead_unit, role), *((a, ASSIST) for a in rule.assist_units)):
            if name and name not in seen:
                seen.add(name)
                units.append(ProposedUnit(name, r, rule.id, why))
    return Proposal(tuple(units), tuple(fired))


EXPORT_COLUMNS: Sequence[str] = ("编号", "类型", "匹配内容", "牵头单位", "协办单位", "优先级", "启用", "备注")


def rule_to_row(rule: Rule) -> list[object]:
    """One spreadsheet row (the XLSX import/export layout, `EXPORT_COLUMNS`)."""
    return [rule.id, KIND_LABELS.get(rule.kind, rule.kind), rule.pattern, rule.lead_unit,
            "、".join(rule.assist_units), rule.priority, "是" if rule.active else "否", rule.note]


def row_to_rule(row: Sequence[object], *, line: int = 0) -> Rule:
    """Read a spreadsheet row back; raises ValueError (with the line) on a bad row."""
    cells = [("" if c is None else str(c).strip()) for c in (*row, *([None] * 8))][:8]
    rid, kind_text, pattern, lead, assists, prio, active, note = cells
    kinds = {v: k for k, v in KIND_LABELS.items()} | {k: k for k in KIND_LABELS}
    if kind_text not in kinds:
        raise ValueError(f"第 {line} 行：类型须为 属地/属事/属人，而不是“{kind_text}”")
    if not pattern or not lead:
        raise ValueError(f"第 {line} 行：匹配内容和牵头单位不能为空")
    try:
        priority = int(float(prio)) if prio else 0
        ident = int(float(rid)) if rid else 0
    except ValueError:
        raise ValueError(f"第 {line} 行：编号和优先级须为数字") from None
    split = [a.strip() for a in assists.replace(",", "、").replace("，", "、").split("、") if a.strip()]
    return Rule(ident, kinds[kind_text], pattern, lead, tuple(split), priority,
                active not in ("否", "0", "false", "False", "no"), note)
