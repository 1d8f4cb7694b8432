"""Routing a case: the facts the responsibility list looks at, the proposal kept on the case, its reasons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx
from yuqing.domain.roles import Actor
from yuqing.domain.routing import CaseFacts, Proposal, propose
from yuqing.respond.rules import load_rules
from yuqing.respond.steps import unit_names
from yuqing.store.repositories.cases import get_case
from yuqing.store.tables import Case, Event, Item
from yuqing.store.tables_case import CaseDetail, CaseItem
from yuqing.workspace import Workspace


def facts_of(s: Session, case: Case) -> CaseFacts:
    """What routing looks at: the event's places and topics, its items' analysis, and the case text."""
    places: list[str] = []
    topics: list[str] = []
    texts = [case.title, case.summary]
    if case.event_id is not None:
        event = s.get(Event, case.event_id)
        if event is not None:
            places += [str(p) for p in event.places]
            topics += [str(t) for t in event.topics]
            texts.append(event.title)
    items = s.execute(select(Item).join(CaseItem, CaseItem.item_id == Item.id)
                      .where(CaseItem.case_id == case.id).limit(50)).scalars()
    for item in items:
        places += [str(p if isinstance(p, str) else p.get("name", "")) for p in item.places]
        topics += [str(t if isinstance(t, str) else t.get("name", "")) for t in item.topics]
        texts += [item.title, item.text[:2000]]
    return CaseFacts(tuple(dict.fromkeys(p for p in places if p)), tuple(dict.fromkeys(t for t in topics if t)),
                     (), "\n".join(texts))


def propose_units(ws: Workspace, actor: Actor, case_id: int) -> Proposal:
    """Which units the responsibility list proposes, with the rule that fired (nothing is changed)."""
    with ws.db.read() as s:
        case = get_case(s, actor, case_id)
        return propose(load_rules(s), facts_of(s, case))


def proposal_of(s: Session, case: Case) -> list[dict[str, Any]]:
    """The routing proposal kept on the case (at opening), else the rules' proposal now."""
    d = s.get(CaseDetail, case.id)
    kept = (d.routing or {}).get("proposal") if d else None
    if kept:
        return list(kept)
    p = propose(load_rules(s), facts_of(s, case))
    return [{"unit": u.unit, "role": u.role, "reason": u.reason, "rule_id": u.rule_id} for u in p.units]


def explain(routed: list[dict[str, Any]]) -> str:
    """牵头：X（规则 #1，属地…）；协办：Y（…）— the proposal in one line."""
    if not routed:
        return "没有匹配的责任规则，请办公室人工指定责任单位"
    return "；".join(f"{'牵头' if u['role'] == 'lead' else '协办'}：{u['unit']}（"
                    + (f"规则 #{u['rule_id']}，" if u.get("rule_id") else "") + f"{u['reason']}）" for u in routed)


def routing_at_open(tx: Tx, case: Case, lead: int | str | None,
                    assists: Sequence[int | str] | None) -> list[dict[str, Any]]:
    """The units proposed at opening, each with its reason: from the rules, or as the opener chose them."""
    proposal = propose(load_rules(tx.session), facts_of(tx.session, case))
    why = {u.unit: (u.reason, u.rule_id) for u in proposal.units}
    if lead is None:
        chosen = [(u.unit, u.role) for u in proposal.units]
        if assists is not None:  # the opener kept the proposed lead and changed the assisting units
            lead_name = proposal.lead.unit if proposal.lead else None
            chosen = ([(lead_name, "lead")] if lead_name else []) + [
                (n, "assist") for n in unit_names(tx, assists) if n != lead_name]
    else:
        lead_name = unit_names(tx, [lead])[0]
        chosen = [(lead_name, "lead")] + [(n, "assist") for n in unit_names(tx, assists or []) if n != lead_name]
    return [{"unit": n, "role": r, "reason": why.get(n, ("立案人指定", None))[0],
             "rule_id": why.get(n, ("", None))[1]} for n, r in chosen]
