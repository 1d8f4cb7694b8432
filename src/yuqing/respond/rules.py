"""The responsibility list (属地/属事/属人 rules) kept in the database: read it, change it (audited actions).

Routing itself is pure data and logic in `domain.routing`; `respond.routing` applies it to a case.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.routing import KIND_LABELS, Rule
from yuqing.respond.errors import CaseError, NotFound
from yuqing.respond.steps import unit_ids
from yuqing.store.tables import Unit
from yuqing.store.tables_case import ResponsibilityRule
from yuqing.workspace import Workspace


def load_rules(s: Session) -> list[Rule]:
    """Every rule, with unit names, in id order (inactive ones too: routing skips them)."""
    names = {uid: name for uid, name in s.execute(select(Unit.id, Unit.name))}
    rows = s.execute(select(ResponsibilityRule).order_by(ResponsibilityRule.id)).scalars()
    return [Rule(r.id, r.kind, r.pattern, names.get(r.lead_unit_id, ""),
                 tuple(names[u] for u in r.assist_unit_ids if u in names), r.priority, r.active, r.note)
            for r in rows]


def list_rules(ws: Workspace) -> list[Rule]:
    with ws.db.read() as s:
        return load_rules(s)


@action("rule.save", permission="rules.manage")
def save_rule(tx: Tx, *, kind: str, pattern: str, lead: int | str, assists: Sequence[int | str] = (),
              priority: int = 0, active: bool = True, note: str = "", rule_id: int | None = None
              ) -> ResponsibilityRule:
    """Create or change one rule of the responsibility list."""
    if kind not in KIND_LABELS:
        raise CaseError("类型只能是 place（属地）/ matter（属事）/ person（属人）")
    if not pattern.strip():
        raise CaseError("匹配内容不能为空")
    lead_id = unit_ids(tx, [lead])[0]
    assist_ids = [u for u in unit_ids(tx, assists) if u != lead_id]
    if rule_id is None:
        rule = ResponsibilityRule(created_at=utcnow())
        tx.session.add(rule)
    else:
        found = tx.session.get(ResponsibilityRule, rule_id)
        if found is None:
            raise NotFound(f"规则 {rule_id} 不存在")
        rule = found
    rule.kind, rule.pattern, rule.lead_unit_id, rule.assist_unit_ids = kind, pattern.strip(), lead_id, assist_ids
    rule.priority, rule.active, rule.note, rule.updated_at = priority, active, note, utcnow()
    tx.session.flush()
    tx.audit("rule.save", "responsibility_rule", rule.id, kind=kind, pattern=rule.pattern,
             lead_unit_id=lead_id, assist_unit_ids=assist_ids, priority=priority, active=active)
    return rule


@action("rule.delete", permission="rules.manage")
def delete_rule(tx: Tx, rule_id: int) -> None:
    """Delete one rule of the responsibility list."""
    rule = tx.session.get(ResponsibilityRule, rule_id)
    if rule is None:
        raise NotFound(f"规则 {rule_id} 不存在")
    tx.audit("rule.delete", "responsibility_rule", rule.id, pattern=rule.pattern)
    tx.session.delete(rule)
