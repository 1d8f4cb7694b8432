"""The pipeline over stored items: results land on items, events persist and grow across runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests import factories
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
from yuqing.store import analysis
from yuqing.store.tables import Event, Item
from yuqing.workspace import Workspace

T0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)
WAGES = [
    "青石镇锦江华府项目工地拖欠农民工工资三个月，工友讨薪无门",
    "锦江华府项目包工头跑了，青石镇三十多个农民工工资没着落",
    "青石镇锦江华府工地农民工讨薪，希望劳动保障部门介入欠薪问题",
]


def _add(ws: Workspace, texts: list[str], start: datetime) -> list[int]:
    with ws.db.write() as s:
        src = factories.source(s, "示例微博")
        return [factories.item(s, t, src=src, published_at=start + timedelta(hours=i)).id
                for i, t in enumerate(texts)]


def test_results_and_events_are_stored(ws: Workspace) -> None:
    ids = _add(ws, [*WAGES, "转发//@网友1:" + WAGES[0], "世界和平是人类共同的愿望"], T0)
    with frozen(T0 + timedelta(hours=6)):
        analysis.forget(ws)
        result = analysis.analyse_pending(ws)
    assert result["analysed"] == 5
    with ws.db.read() as s:
        items = {i.id: i for i in s.execute(select(Item)).scalars()}
        events = list(s.execute(select(Event)).scalars())
    assert [items[i].relevant for i in ids] == [True, True, True, True, False]
    assert items[ids[3]].duplicate_of_id == ids[0]
    assert any(p["name"] == "青石镇" for p in items[ids[0]].places)
    assert "劳动保障/欠薪" in items[ids[0]].topics
    assert len(events) == 1 and events[0].item_count == 4 and events[0].heat > 0
    assert {items[i].event_id for i in ids[:4]} == {events[0].id}
    assert items[ids[4]].event_id is None
    assert analysis.analyse_pending(ws) == {}  # nothing left to do


def test_later_posts_join_the_stored_event_after_a_restart(ws: Workspace) -> None:
    _add(ws, WAGES, T0)
    with frozen(T0 + timedelta(hours=4)):
        analysis.forget(ws)
        analysis.analyse_pending(ws)
    with ws.db.read() as s:
        first = s.execute(select(Event)).scalar_one()
    analysis.forget(ws)  # a new process: the pipeline is rebuilt from the stored items
    later = _add(ws, ["青石镇锦江华府项目欠薪的农民工今天又去讨薪，工资还是没拿到"], T0 + timedelta(hours=20))
    with frozen(T0 + timedelta(hours=21)):
        analysis.analyse_pending(ws)
    with ws.db.read() as s:
        events = list(s.execute(select(Event)).scalars())
        item = s.get(Item, later[0])
    assert len(events) == 1 and item is not None and item.event_id == first.id
    assert events[0].item_count == 4


def test_demo_posts_form_one_event_per_story_even_in_small_batches(ws: Workspace) -> None:
    """Events merged by the pipeline after they were stored are marked merged, and their items move."""
    from collections import Counter
    from importlib import resources
    from pathlib import Path

    from yuqing.domain.roles import SYSTEM
    from yuqing.importer import import_file

    posts = Path(str(resources.files("yuqing.demo").joinpath("posts.jsonl")))
    import_file(ws.db.write, SYSTEM, posts, ws.settings.author_salt)
    analysis.forget(ws)
    analysis.analyse_pending(ws, batch=20)
    with ws.db.read() as s:
        items = list(s.execute(select(Item)).scalars())
        merged = {e.id for e in s.execute(select(Event).where(Event.merged_into_id.is_not(None))).scalars()}
        live = list(s.execute(select(Event).where(Event.merged_into_id.is_(None))).scalars())
    assert not any(i.event_id in merged for i in items)
    stories: dict[int, Counter[str]] = {}
    for i in items:
        if i.event_id is not None:
            stories.setdefault(i.event_id, Counter())[i.extra["story"]] += 1
    assert all(len(c) == 1 for c in stories.values()), stories  # every event is about one story
    assert len({next(iter(c)) for c in stories.values()}) == 7 and len(live) <= 9
    assert {e.id: e.item_count for e in live} == {eid: sum(c.values()) for eid, c in stories.items()}


ANALYST = Actor(None, "分析员", "analyst")
FLOOD = [
    "河口镇滨江路积水严重，车辆熄火，居民出行困难",
    "河口镇滨江路又淹了，积水没过膝盖，排水不畅",
]


def _counts(ws: Workspace) -> tuple[dict[int, int], dict[int, int], dict[int, Event]]:
    """Stored item_count per live event, the items each event actually holds, and the events."""
    with ws.db.read() as s:
        live = {e.id: e for e in s.execute(select(Event).where(Event.merged_into_id.is_(None))).scalars()}
        held: dict[int, int] = {}
        for item in s.execute(select(Item).where(Item.event_id.is_not(None))).scalars():
            held[item.event_id] = held.get(item.event_id, 0) + 1  # type: ignore[index]
    return {i: e.item_count for i, e in live.items() if e.item_count}, held, live


def test_an_analyst_split_outlives_a_restart_and_later_posts(ws: Workspace) -> None:
    ids = _add(ws, [*WAGES, "青石镇锦江华府工地欠薪，农民工在项目部门口等了一天"], T0)
    with frozen(T0 + timedelta(hours=5)):
        analysis.forget(ws)
        analysis.analyse_pending(ws)
        with ws.db.read() as s:
            original = s.execute(select(Event)).scalar_one()
        new = analysis.split_event(ws, ANALYST, original.id, ids[2:], "锦江华府项目部门口讨薪", "另一批工友")
    analysis.forget(ws)  # a new process: the pipeline is rebuilt by replay, which would cluster all four again
    later = _add(ws, ["青石镇锦江华府项目欠薪的农民工今天又去讨薪，工资还是没拿到"], T0 + timedelta(hours=20))
    with frozen(T0 + timedelta(hours=21)):
        analysis.analyse_pending(ws)
    stored, held, live = _counts(ws)
    with ws.db.read() as s:
        owners = {i: s.get(Item, i).event_id for i in ids}  # type: ignore[union-attr]
        joined = s.get(Item, later[0]).event_id  # type: ignore[union-attr]
    assert owners == {ids[0]: original.id, ids[1]: original.id, ids[2]: new.id, ids[3]: new.id}
    assert joined in {original.id, new.id}
    assert set(live) == {original.id, new.id} and stored == held
    assert live[new.id].title == "锦江华府项目部门口讨薪" and live[new.id].title_pinned


def test_an_analyst_merge_outlives_a_restart_and_later_posts_join_the_survivor(ws: Workspace) -> None:
    wages = _add(ws, WAGES, T0)
    flood = _add(ws, FLOOD, T0 + timedelta(hours=1))
    with frozen(T0 + timedelta(hours=5)):
        analysis.forget(ws)
        analysis.analyse_pending(ws)
        with ws.db.read() as s:
            a = s.get(Item, wages[0]).event_id  # type: ignore[union-attr]
            b = s.get(Item, flood[0]).event_id  # type: ignore[union-attr]
        assert a and b and a != b
        analysis.merge_events(ws, ANALYST, a, b, "同一天的两件事合并跟踪")
    analysis.forget(ws)
    later = _add(ws, ["河口镇滨江路积水今天还没退，排水泵站在抽水"], T0 + timedelta(hours=20))
    with frozen(T0 + timedelta(hours=21)):
        analysis.analyse_pending(ws)
    stored, held, live = _counts(ws)
    with ws.db.read() as s:
        assert s.get(Item, later[0]).event_id == a  # type: ignore[union-attr]
    assert set(live) == {a} and stored == held == {a: 6}
