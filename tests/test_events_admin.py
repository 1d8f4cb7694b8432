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


def test_an_override_holds_across_re_analysis_until_lifted_and_both_are_audited(ws: Workspace) -> None:
    from datetime import datetime, timedelta

    from yuqing import analysis_service as service
    from yuqing.clock import CHINA, frozen
    from yuqing.event_grading import history
    from yuqing.events_admin import lift_grade_override, override_grade

    t0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)

    def add(texts: list[str], start: datetime) -> None:
        with ws.db.write() as s:
            src = factories.source(s, "示例微博")
            for n, text in enumerate(texts):
                factories.item(s, text, src=src, published_at=start + timedelta(minutes=10 * n))

    add(["青石镇锦江华府项目工地拖欠农民工工资三个月，希望劳动保障部门介入"], t0)
    with frozen(t0 + timedelta(hours=1)):
        service.drop_caches()
        service.analyse_pending(ws)
    with ws.db.read() as s:
        event = s.execute(select(Event)).scalar_one()
    computed = event.grade
    assert computed in ("III", "IV")
    with pytest.raises(PermissionDenied):
        override_grade(ws, Actor(None, "区领导", "leader"), event.id, "I", "领导批示")
    with pytest.raises(EventError, match="理由"):
        override_grade(ws, ANALYST, event.id, "I", "  ")
    with pytest.raises(EventError, match="等级"):
        override_grade(ws, ANALYST, event.id, "V", "无此等级")
    override_grade(ws, ANALYST, event.id, "I", "涉及重点项目，区领导已批示按特别重大舆情处置")
    add(["青石镇锦江华府项目欠薪的农民工今天又来讨薪，工资还是没拿到"], t0 + timedelta(hours=2))
    with frozen(t0 + timedelta(hours=3)):
        service.drop_caches()  # a new process too: the override lives in the tables
        service.analyse_pending(ws)
    with ws.db.read() as s:
        held = s.get(Event, event.id)
        assert held is not None and held.item_count == 2
        assert held.grade == "I" and held.grade_overridden
        assert held.grade_factors["grade"] in ("III", "IV")  # the computed grade is kept beside it
    with pytest.raises(EventError, match="理由"):
        lift_grade_override(ws, ANALYST, event.id, "")
    lift_grade_override(ws, ANALYST, event.id, "领导批示已撤回，按计算结果处置")
    with pytest.raises(EventError, match="无需撤销"):
        lift_grade_override(ws, ANALYST, event.id, "再次撤销")
    with ws.db.read() as s:
        lifted = s.get(Event, event.id)
        assert lifted is not None and not lifted.grade_overridden
        assert lifted.grade == lifted.grade_factors["grade"]
        rows = history(s, event.id)
        entries = [(e.action, e.detail) for e in s.execute(
            select(AuditEntry).where(AuditEntry.action.like("event.grade%")).order_by(AuditEntry.id)).scalars()]
    assert [(r.kind, r.from_grade, r.to_grade) for r in rows][:2] == [
        ("lift", "I", lifted.grade), ("override", computed, "I")]
    assert rows[1].why == "涉及重点项目，区领导已批示按特别重大舆情处置" and rows[1].actor_name == "分析员"
    assert [a for a, _ in entries] == ["event.grade_override", "event.grade_lift"]
    assert entries[0][1]["after"] == "I" and entries[0][1]["reason"].startswith("涉及重点项目")
    assert entries[1][1]["before"] == "I" and entries[1][1]["after"] == lifted.grade


def test_a_merge_and_a_split_regrade_the_events_they_change(ws: Workspace) -> None:
    from yuqing.event_grading import history

    texts = ["锦江华府项目包工头跑了，欠薪85万，三十多名农民工聚在工地门口讨说法",
             "锦江华府工地门口聚集了几十个农民工讨薪，拉横幅", "青石镇锦江华府项目工地拖欠工资", "锦江华府欠薪"]
    with ws.db.write() as s:
        a, b = factories.event(s, "锦江华府讨薪"), factories.event(s, "青石镇欠薪")
        ids = [factories.item(s, t, event_id=(a if n < 2 else b).id).id for n, t in enumerate(texts)]
        a_id, b_id = a.id, b.id
    merge_events(ws, ANALYST, b_id, a_id, "同一件事")
    with ws.db.read() as s:
        merged = s.get(Event, b_id)
        assert merged is not None and merged.grade is not None
        assert {f["name"]: f for f in merged.grade_factors["factors"]}["mass_gathering"]["contribution"] > 0
        assert [r.kind for r in history(s, b_id)] == ["computed"]
    new = split_event(ws, ANALYST, b_id, ids[:2], "锦江华府工地门口讨薪", "聚集是另一件事")
    with ws.db.read() as s:
        split = s.get(Event, new.id)
        assert split is not None and split.grade is not None and split.grade_score is not None
