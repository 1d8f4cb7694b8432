"""The analyst's decisions on events are actions: the right is checked first, each is audited in its
transaction with the analysis version moved, and nothing is changed when refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.events_admin import EventError, merge_events, rename_event, split_event
from yuqing.store.analysis import read_state
from yuqing.store.tables import AuditEntry, Event, Item
from yuqing.workspace import Workspace

ANALYST = Actor(None, "分析员", "analyst")


def test_merge_split_and_rename_are_audited_actions(ws: Workspace) -> None:
    with ws.db.write() as s:
        a, b = factories.event(s, "青石镇欠薪"), factories.event(s, "锦江华府讨薪")
        items = [factories.item(s, f"欠薪{n}", event_id=(a if n < 2 else b).id) for n in range(4)]
        ids = a.id, b.id, [i.id for i in items]
    a_id, b_id, item_ids = ids
    before = read_state_of(ws)
    with pytest.raises(PermissionDenied):
        merge_events(ws, Actor(None, "区领导", "leader"), a_id, b_id, "同一件事")
    with pytest.raises(TypeError, match="explicit Actor"):
        rename_event(ws, "analyst", a_id, "题", "理由")  # type: ignore[arg-type]
    with pytest.raises(EventError, match="合并理由"):
        merge_events(ws, ANALYST, a_id, b_id, " ")
    assert read_state_of(ws) == before  # refused: not even the analysis version moved
    merge_events(ws, ANALYST, a_id, b_id, "同一件事")
    new = split_event(ws, ANALYST, a_id, item_ids[2:], "锦江华府项目部门口讨薪", "另一批工友")
    rename_event(ws, ANALYST, a_id, "青石镇锦江华府欠薪", "标题更准确")
    with ws.db.read() as s:
        assert s.get(Event, b_id).merged_into_id == a_id
        assert {i.event_id for i in s.execute(select(Item).where(Item.id.in_(item_ids[2:]))).scalars()} == {new.id}
        assert s.get(Event, a_id).title_pinned and s.get(Event, a_id).item_count == 2
        entries = list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())
    assert [(e.action, e.actor_name) for e in entries] == [
        ("event.merge", "分析员"), ("event.split", "分析员"), ("event.rename", "分析员")]
    assert read_state_of(ws)[0] == before[0] + 3  # each decision makes every worker rebuild


def read_state_of(ws: Workspace) -> tuple[int, int, int]:
    with ws.db.read() as s:
        return read_state(s)
