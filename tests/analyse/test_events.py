import pytest

from yuqing.analyse.events import EventClusterer, Member, merge_events, split_event

HOUR = 3600.0


def member(item_id, at, keywords, places=("水西镇",), dup=None, negative=False, source="weibo", reach=0):
    return Member(
        item_id=item_id,
        at=at,
        source=source,
        reach=reach,
        negative=negative,
        duplicate_of=dup,
        snippet=f"post {item_id}",
        keywords=tuple(keywords),
        places=tuple(places),
    )


FIRE = ["化工厂", "排放", "刺鼻", "气体", "居民", "头晕"]
BUS = ["公交", "线路", "开通", "高铁站", "票价"]


def test_same_matter_same_place_close_in_time_joins():
    c = EventClusterer()
    a = c.add(member(1, 0, FIRE), {"水西镇"})
    b = c.add(member(2, 2 * HOUR, ["化工厂", "刺鼻", "气味", "环保局"]), {"水西镇"})
    other = c.add(member(3, 3 * HOUR, BUS, places=("沙石镇",)), {"沙石镇"})
    assert a == b == "ev-1"
    assert other != a
    ev = c.active[a]
    assert ev.item_count == 2 and ev.first_seen == 0 and ev.last_seen == 2 * HOUR
    assert "化工厂" in ev.keywords()


def test_same_words_at_another_place_or_much_later_is_a_new_event():
    c = EventClusterer(window=24 * HOUR)
    a = c.add(member(1, 0, FIRE), {"水西镇"})
    elsewhere = c.add(member(2, HOUR, FIRE, places=("沙石镇",)), {"沙石镇"})
    later = c.add(member(3, 5 * 24 * HOUR, FIRE), {"水西镇"})
    assert len({a, elsewhere, later}) == 3


def test_reposts_join_the_event_of_their_original_as_spread():
    c = EventClusterer()
    a = c.add(member(1, 0, FIRE), {"水西镇"})
    r = c.add(member(2, HOUR, ["完全", "不同", "的话"], dup=1, reach=50), {"水西镇"})
    assert r == a
    timeline = c.active[a].timeline()
    assert [t["kind"] for t in timeline] == ["post", "spread"]


def test_heat_and_dict_for_the_events_table():
    c = EventClusterer()
    ev_id = c.add(member(1, 0, FIRE, negative=True, reach=10), {"水西镇"})
    c.add(member(2, HOUR, FIRE, source="tieba", reach=5), {"水西镇"})
    d = c.active[ev_id].to_dict()
    assert d["item_count"] == 2
    assert d["heat_factors"]["sources"]["value"] == 2
    assert d["heat_factors"]["reach"]["value"] == 15
    assert d["heat_factors"]["negative"]["value"] == 0.5
    assert 0 < d["heat"] <= 100
    assert d["first_seen_at"].startswith("1970-01-01T00:00")


def test_merge_and_split_are_pure_and_reversible():
    c = EventClusterer()
    a = c.add(member(1, 0, FIRE), {"水西镇"})
    b = c.add(member(2, HOUR, BUS, places=("沙石镇",)), {"沙石镇"})
    c.add(member(3, 2 * HOUR, BUS, dup=2), {"沙石镇"})
    ev_a, ev_b = c.active[a], c.active[b]
    merged, gone = merge_events(ev_a, ev_b)
    assert merged.id == a and gone.merged_into == a
    assert {m.item_id for m in merged.members} == {1, 2, 3}
    assert ev_a.item_count == 1  # the inputs are untouched
    kept, new = split_event(merged, {2}, "ev-new")
    assert {m.item_id for m in kept.members} == {1}
    assert {m.item_id for m in new.members} == {2, 3}  # the repost follows its original
    with pytest.raises(ValueError):
        split_event(kept, {1}, "ev-x")


def test_quiet_events_retire_and_state_stays_bounded():
    c = EventClusterer(window=HOUR, max_active=5)
    for i in range(20):
        c.add(member(i, i * 10.0, [f"词{i}", f"事{i}"], places=(f"村{i}",)), {f"村{i}"})
    assert len(c.active) <= 5
    c.add(member(99, 10 * HOUR, ["别的"], places=("村99",)), {"村99"})
    c.retire_quiet()
    assert list(c.active) == ["ev-99"]
    assert len(c.retired) == 20
