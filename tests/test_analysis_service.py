"""The analysis service over stored items: results land on items, events persist and grow across runs."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from yuqing import analysis_service as service
from yuqing import events_admin
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
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
        service.drop_caches()
        result = service.analyse_pending(ws)
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
    assert service.analyse_pending(ws) == {}  # nothing left to do


def test_later_posts_join_the_stored_event_after_a_restart(ws: Workspace) -> None:
    _add(ws, WAGES, T0)
    with frozen(T0 + timedelta(hours=4)):
        service.drop_caches()
        service.analyse_pending(ws)
    with ws.db.read() as s:
        first = s.execute(select(Event)).scalar_one()
    service.drop_caches()  # a new process: the pipeline is rebuilt from the stored items
    later = _add(ws, ["青石镇锦江华府项目欠薪的农民工今天又去讨薪，工资还是没拿到"], T0 + timedelta(hours=20))
    with frozen(T0 + timedelta(hours=21)):
        service.analyse_pending(ws)
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

    from yuqing.importer import import_file

    posts = Path(str(resources.files("yuqing.demo").joinpath("posts.jsonl")))
    import_file(ws, ADMIN, posts)
    service.drop_caches()
    service.analyse_pending(ws, batch=20)
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
        service.drop_caches()
        service.analyse_pending(ws)
        with ws.db.read() as s:
            original = s.execute(select(Event)).scalar_one()
        new = events_admin.split_event(ws, ANALYST, original.id, ids[2:], "锦江华府项目部门口讨薪", "另一批工友")
    service.drop_caches()  # a new process: the pipeline is rebuilt by replay, which would cluster all four again
    later = _add(ws, ["青石镇锦江华府项目欠薪的农民工今天又去讨薪，工资还是没拿到"], T0 + timedelta(hours=20))
    with frozen(T0 + timedelta(hours=21)):
        service.analyse_pending(ws)
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
        service.drop_caches()
        service.analyse_pending(ws)
        with ws.db.read() as s:
            a = s.get(Item, wages[0]).event_id  # type: ignore[union-attr]
            b = s.get(Item, flood[0]).event_id  # type: ignore[union-attr]
        assert a and b and a != b
        events_admin.merge_events(ws, ANALYST, a, b, "同一天的两件事合并跟踪")
    service.drop_caches()
    later = _add(ws, ["河口镇滨江路积水今天还没退，排水泵站在抽水"], T0 + timedelta(hours=20))
    with frozen(T0 + timedelta(hours=21)):
        service.analyse_pending(ws)
    stored, held, live = _counts(ws)
    with ws.db.read() as s:
        assert s.get(Item, later[0]).event_id == a  # type: ignore[union-attr]
    assert set(live) == {a} and stored == held == {a: 6}


# ---- several workers, and analysts deciding while batches run (issue 10) ----------------------------------

ADMIN = Actor(None, "管理员", "admin")
MORE_WAGES = [f"青石镇锦江华府工地第{n}批农民工讨薪，欠薪{n}个月没人管" for n in range(1, 13)]
MORE_FLOOD = [f"河口镇滨江路积水第{n}天，排水不畅，车辆绕行" for n in range(1, 13)]
ELSEWHERE = [f"今天天气不错，第{n}次去公园散步" for n in range(1, 13)]


def _stories(ws: Workspace, *groups: list[int]) -> list[set[int | None]]:
    with ws.db.read() as s:
        return [{s.get(Item, i).event_id for i in g} for g in groups]  # type: ignore[union-attr]


def test_two_workers_racing_over_the_same_pending_items_analyse_each_once(ws: Workspace) -> None:
    import threading

    wages = _add(ws, [*WAGES, *MORE_WAGES], T0)
    flood = _add(ws, [*FLOOD, *MORE_FLOOD], T0 + timedelta(minutes=30))
    other = _add(ws, ELSEWHERE, T0 + timedelta(minutes=45))
    workers = [service.Analyser(ws, name=f"w{k}") for k in range(2)]
    totals: list[dict[str, int]] = [{}, {}]
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def work(k: int) -> None:
        start.wait()
        try:
            totals[k] = workers[k].run(batch=3)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    with frozen(T0 + timedelta(hours=8)):
        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    n = len(wages) + len(flood) + len(other)
    assert sum(t.get("analysed", 0) for t in totals) == n  # every item written once, by one worker
    with ws.db.read() as s:
        items = list(s.execute(select(Item)).scalars())
    assert all(i.analysed_at is not None and i.claimed_by is None and i.analysis_version for i in items)
    wage_events, flood_events, other_events = _stories(ws, wages, flood, other)
    assert len(wage_events) == 1 and len(flood_events) == 1 and wage_events != flood_events
    assert other_events == {None}
    stored, held, _ = _counts(ws)
    assert stored == held  # the counts the tables hold agree with the items, whoever wrote them


def test_an_expired_claim_is_taken_again_and_the_late_worker_writes_nothing(ws: Workspace) -> None:
    ids = _add(ws, WAGES, T0)
    late, other = service.Analyser(ws, name="killed"), service.Analyser(ws, name="other")
    with frozen(T0 + timedelta(hours=4)):
        claim = late.claim(10)  # then the worker is killed (SIGKILL): it never writes or releases
        assert claim.item_ids == ids
        assert other.run() == {}  # the lease holds: nothing to take
    with frozen(T0 + timedelta(hours=4) + service.LEASE + timedelta(seconds=1)):
        assert other.run()["analysed"] == 3  # the claim expired: taken again
        counts, relevant = late.analyse(claim)  # a worker that was only slow comes back: nothing to write
    assert counts == {"skipped": 3} and relevant == []
    with ws.db.read() as s:
        versions = {s.get(Item, i).analysis_version for i in ids}  # type: ignore[union-attr]
    assert len(versions) == 1  # written once, by one batch


def _decide(ws: Workspace, decision: str, wages: list[int], flood: list[int]) -> int:
    """Make the analyst's decision on the stored events; returns the event the later wage post should join."""
    with ws.db.read() as s:
        a = s.get(Item, wages[0]).event_id  # type: ignore[union-attr]
        b = s.get(Item, flood[0]).event_id  # type: ignore[union-attr]
    assert a and b and a != b
    if decision == "retitle":
        events_admin.rename_event(ws, ANALYST, a, "锦江华府欠薪（分析员）", "标题更准确")
    elif decision == "merge":
        events_admin.merge_events(ws, ANALYST, b, a, "合并跟踪")
        return b
    else:
        events_admin.split_event(ws, ANALYST, a, wages[2:], "锦江华府项目部门口讨薪", "另一批工友")
    return a


@pytest.mark.parametrize("decision", ["retitle", "merge", "split"])
def test_an_analyst_decision_made_while_a_batch_runs_is_not_undone(
    ws: Workspace, decision: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yuqing.analyse.pipeline import Pipeline

    wages = _add(ws, [*WAGES, "青石镇锦江华府工地欠薪，农民工在项目部门口等了一天"], T0)
    flood = _add(ws, FLOOD, T0 + timedelta(hours=1))
    worker = service.Analyser(ws, name="worker")
    with frozen(T0 + timedelta(hours=5)):
        worker.run()
    later = _add(ws, ["青石镇锦江华府项目欠薪的农民工今天又去讨薪，工资还是没拿到"], T0 + timedelta(hours=20))
    prepare = Pipeline.prepare
    made: list[int] = []

    def prepare_then_decide(self: Pipeline, batch: list[dict[str, object]]) -> object:
        out = prepare(self, batch)
        if not made:  # the analyst acts after the batch was prepared and before it is stored
            made.append(_decide(ws, decision, wages, flood))
        return out

    monkeypatch.setattr(Pipeline, "prepare", prepare_then_decide)
    with frozen(T0 + timedelta(hours=21)):
        assert worker.run()["analysed"] == 1
    stored, held, live = _counts(ws)
    assert stored == held
    with ws.db.read() as s:
        joined = s.get(Item, later[0]).event_id  # type: ignore[union-attr]
        owners = [s.get(Item, i).event_id for i in wages + flood]  # type: ignore[union-attr]
        events = {e.id: e for e in s.execute(select(Event)).scalars()}
    if decision == "retitle":
        assert events[made[0]].title == "锦江华府欠薪（分析员）" and events[made[0]].title_pinned
        assert joined == made[0]
    elif decision == "merge":
        assert set(owners) == {made[0]} and set(live) == {made[0]} and joined == made[0]
    else:
        new = next(e for e in events.values() if e.split_from_id == made[0])
        assert owners[:4] == [made[0], made[0], new.id, new.id] and new.title == "锦江华府项目部门口讨薪"
        assert joined in {made[0], new.id}


def test_analysts_and_two_workers_at_once_leave_the_analysts_titles(ws: Workspace) -> None:
    """Two workers analyse many small batches while an analyst keeps retitling the wage event."""
    import threading

    first = _add(ws, WAGES, T0)
    with frozen(T0 + timedelta(hours=2)):
        service.Analyser(ws, name="w0").run()
    with ws.db.read() as s:
        event_id = s.get(Item, first[0]).event_id  # type: ignore[union-attr]
    assert event_id is not None
    _add(ws, [*MORE_WAGES, *MORE_FLOOD, *ELSEWHERE], T0 + timedelta(hours=3))
    workers = [service.Analyser(ws, name=f"w{k}") for k in range(2)]
    titles: list[str] = []
    errors: list[Exception] = []

    def guarded(fn: object) -> None:
        try:
            fn()  # type: ignore[operator]
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    def analyst() -> None:
        for n in range(4):
            titles.append(f"锦江华府欠薪 第{n}稿")
            events_admin.rename_event(ws, ANALYST, event_id, titles[-1], "改标题")

    with frozen(T0 + timedelta(hours=8)):
        jobs = [lambda w=w: w.run(batch=2) for w in workers] + [analyst]
        threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    with ws.db.read() as s:
        event = s.get(Event, event_id)
        pending = s.execute(select(Item).where(Item.analysed_at.is_(None))).scalars().all()
    assert event is not None and event.title == titles[-1] and event.title_pinned and not pending


def test_a_landmark_added_on_the_profile_makes_the_next_batch_relevant(ws: Workspace) -> None:
    from yuqing import profile_admin

    text = "雁鸣湖的栈道塌了一段，游客差点掉进水里"
    before = _add(ws, [text], T0)
    worker = service.analyser_for(ws)  # the process's warm analyser, kept across batches
    with frozen(T0 + timedelta(hours=1)):
        worker.run()
    profile_admin.add_landmark(ws, ADMIN, "雁鸣湖", "青石镇", [])
    after = _add(ws, [text + "，今天还没修"], T0 + timedelta(hours=2))
    with frozen(T0 + timedelta(hours=3)):
        worker.run()
    with ws.db.read() as s:
        assert s.get(Item, before[0]).relevant is False  # type: ignore[union-attr]
        item = s.get(Item, after[0])
    assert item is not None and item.relevant and any(p["name"] == "雁鸣湖" for p in item.places)


@pytest.mark.parametrize("max_members", [2_000, 4])
def test_workers_taking_turns_group_exactly_as_one_process(ws: Workspace, monkeypatch: pytest.MonkeyPatch,
                                                           max_members: int) -> None:
    """Three workers, each with its own cache, take batches in turn over the demo's posts: each replays what
    the others stored (the event each item first joined and the merges right after it) and the grouping
    is exactly one process's, also when events outgrow their member cap (4 here) and merges happen
    inside a batch."""
    from importlib import resources
    from pathlib import Path

    from yuqing.analyse import events as events_module
    from yuqing.importer import import_file

    defaults = events_module.EventClusterer.__init__.__defaults__
    assert defaults is not None
    monkeypatch.setattr(events_module.EventClusterer.__init__, "__defaults__",
                        tuple(max_members if d == 2_000 else d for d in defaults))
    posts = Path(str(resources.files("yuqing.demo").joinpath("posts.jsonl")))
    import_file(ws, ADMIN, posts)
    workers = [service.Analyser(ws, name=f"w{n}") for n in range(3)]
    batches: list[list[int]] = []
    turn = 0
    while (claim := workers[turn % 3].claim(17)).item_ids:
        batches.append(list(claim.item_ids))
        workers[turn % 3].analyse(claim)
        turn += 1
    assert turn >= 10
    _same_grouping_as_one_process(ws, batches, max_members)


def test_a_worker_killed_holding_a_batch_changes_neither_what_is_analysed_nor_the_grouping(ws: Workspace) -> None:
    """A worker dies holding a batch; the other's next batch waits until that claim expires, then analyses
    the dead worker's posts first (they are older), so events grow in the same order as in one process."""
    from importlib import resources
    from pathlib import Path

    from yuqing.importer import import_file

    import_file(ws, ADMIN, Path(str(resources.files("yuqing.demo").joinpath("posts.jsonl"))))
    dying = service.Analyser(ws, name="dying", lease=timedelta(seconds=1))
    survivor = service.Analyser(ws, name="survivor")
    batches: list[list[int]] = []
    for worker in (dying, survivor, dying):
        claim = worker.claim(17)
        batches.append(list(claim.item_ids))
        worker.analyse(claim)
    lost = dying.claim(17)  # SIGKILL: never analysed, never released
    batches.append(list(lost.item_ids))
    while (claim := survivor.claim(17)).item_ids:
        batches.append(list(claim.item_ids))
        survivor.analyse(claim)  # the first waits out the lease, then takes the lost batch first
    with ws.db.read() as s:
        assert s.execute(select(Item.id).where(Item.analysed_at.is_(None))).first() is None
    _same_grouping_as_one_process(ws, batches, 2_000)


def _same_grouping_as_one_process(ws: Workspace, batches: list[list[int]], max_members: int) -> None:
    from yuqing.analyse.pipeline import Pipeline
    with ws.db.read() as s:
        rows = {i.id: i for i in s.execute(select(Item)).scalars()}
        merged = dict(s.execute(select(Event.id, Event.merged_into_id)
                                .where(Event.merged_into_id.is_not(None))).all())
        sources = {i.id: i.source.name for i in rows.values()}
    one = Pipeline(ws.profile())
    one.events.max_members = max_members
    alone: dict[int, str] = {}
    for ids in batches:
        for out in one.run([service.item_input(rows[i], sources[i]) for i in ids]):
            if out["event_id"]:
                alone[int(out["id"])] = out["event_id"]
    assert merged, "the posts must make the pipeline merge events for this test to mean something"
    if max_members == 4:
        assert max(Counter(alone.values()).values()) > 4
    stored = {i: r.event_id for i, r in rows.items() if r.event_id is not None}
    assert set(stored) == set(alone)
    groups_alone = {frozenset(i for i in alone if one.events.resolve(alone[i]) == ev)
                    for ev in {one.events.resolve(e) for e in alone.values()}}
    groups_stored = {frozenset(i for i in stored if stored[i] == ev) for ev in set(stored.values())}
    assert groups_stored == groups_alone


def test_a_grading_failure_after_a_batch_keeps_the_batch_and_the_next_run_grades(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Grading runs after the batch's transaction (outside the analysis lock): when it fails, the items
    and events are stored all the same, and the events are graded later."""
    ids = _add(ws, WAGES, datetime(2026, 11, 2, 9, tzinfo=CHINA))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("grading down")

    monkeypatch.setattr(service, "regrade", broken)
    monkeypatch.setattr(service, "regrade_ungraded", lambda ws: 0)
    service.drop_caches()
    counts = service.analyse_pending(ws, batch=10)
    assert counts["analysed"] == len(ids) and "grading 1 events after a batch failed" in caplog.text
    with ws.db.read() as s:
        [event] = s.execute(select(Event)).scalars()
        assert event.item_count == len(ids) and event.graded_at is None
    monkeypatch.undo()
    from yuqing.clock import utcnow
    from yuqing.event_grading import SETTLE, regrade_ungraded

    assert regrade_ungraded(ws) == 0  # just stored: left to the batch's own worker for a while
    with frozen(utcnow() + SETTLE + timedelta(seconds=1)):
        assert regrade_ungraded(ws) == 1
    with ws.db.read() as s:
        assert s.execute(select(Event)).scalar_one().grade in ("I", "II", "III", "IV")


def test_a_worker_that_starts_late_builds_the_same_cache_as_the_one_that_ran(ws: Workspace,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A second worker starting after the first stored several batches (no analyst decision yet) replays
    them batch by batch with their traces, so what it groups next is what one process would."""
    from importlib import resources
    from pathlib import Path

    from yuqing.analyse import events as events_module
    from yuqing.importer import import_file

    defaults = events_module.EventClusterer.__init__.__defaults__
    assert defaults is not None
    monkeypatch.setattr(events_module.EventClusterer.__init__, "__defaults__",
                        tuple(2 if d == 2_000 else d for d in defaults))  # member caps reached: order matters
    import_file(ws, ADMIN, Path(str(resources.files("yuqing.demo").joinpath("posts.jsonl"))))
    first, late = service.Analyser(ws, name="first"), service.Analyser(ws, name="late")
    batches: list[list[int]] = []
    for n in range(1000):
        worker = first if n < 40 else late
        claim = worker.claim(5)
        if not claim.item_ids:
            break
        batches.append(list(claim.item_ids))
        worker.analyse(claim)
    assert len(batches) > 45
    _same_grouping_as_one_process(ws, batches, 2)


def test_a_batch_kept_longer_than_its_lease_by_a_slow_prepare_is_not_taken_by_another_worker(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded machine can take longer than a lease to prepare a batch: the worker renews the lease while the
    batch is in hand, so another worker's claim meanwhile takes nothing, and the batch is stored whole."""
    import time

    ids = _add(ws, WAGES, T0)
    slow = service.Analyser(ws, name="slow", lease=timedelta(seconds=0.6))
    other = service.Analyser(ws, name="other")
    claim = slow.claim(10)
    taken: list[list[int]] = []
    stages = slow._stages(slow._profile_key(0))
    prepare = stages.prepare

    def slow_prepare(inputs: list[dict[str, object]]) -> object:
        time.sleep(1.5)  # 2.5 leases
        taken.append(other.claim(10).item_ids)
        return prepare(inputs)

    monkeypatch.setattr(stages, "prepare", slow_prepare)
    counts, _ = slow.analyse(claim)
    assert taken == [[]] and counts["analysed"] == len(ids)
    with ws.db.read() as s:
        assert {s.get(Item, i).analysis_version for i in ids} == {1}  # type: ignore[union-attr]


def test_a_batch_is_not_stored_before_an_older_post_that_turned_up_after_it_waited_its_turn(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between a batch's wait for its turn and its stateful step an older post can become pending (collected
    late, or given back by a worker that failed): the check under the analysis lock sends the batch back to
    analyse it first, so events still grow in time order."""
    ids = _add(ws, WAGES[1:], T0 + timedelta(hours=2))
    worker = service.Analyser(ws, name="w")
    claim = worker.claim(10)
    catch_up = service.Analyser._catch_up
    late: list[int] = []

    def arrives_meanwhile(self: service.Analyser, c: object) -> bool:
        if not late:  # the first look found nothing older; then the older post is stored
            late.extend(_add(ws, WAGES[:1], T0))
            return False
        return catch_up(self, c)  # type: ignore[arg-type]

    monkeypatch.setattr(service.Analyser, "_catch_up", arrives_meanwhile)
    counts, _ = worker.analyse(claim)
    assert counts["analysed"] == len(ids)
    with ws.db.read() as s:
        version = {i: s.get(Item, i).analysis_version for i in late + ids}  # type: ignore[union-attr]
    assert version[late[0]] == 1 and {version[i] for i in ids} == {2}
