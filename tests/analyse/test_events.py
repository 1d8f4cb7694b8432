import json
from pathlib import Path

import pytest

from yuqing.analyse.events import EventClusterer, Member, merge_events, split_event, trim_title
from yuqing.analyse.pipeline import Pipeline, strip_repost
from yuqing.domain.profile import DistrictProfile

HOUR = 3600.0
DEMO = Path(__file__).resolve().parents[2] / "src" / "yuqing" / "demo"


def member(
    item_id,
    at,
    keywords,
    places=("水西镇",),
    dup=None,
    negative=False,
    source="weibo",
    reach=0,
    topics=(),
    areas=(),
    headline="",
    repost=False,
):
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
        topics=tuple(topics),
        areas=tuple(areas),
        headline=headline,
        repost=repost or dup is not None,
    )


def at_place(item_id, at, keywords, place, town, topics=(), **kw):
    """A post naming `place` (a village or landmark) in `town`."""
    return member(item_id, at, keywords, places=(place, town), topics=topics, areas=(town,), **kw), {place}


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


# Same happening, other words: the same village or landmark, the same matter, close in time.


def background(c, n=20):
    """Unrelated posts elsewhere, so that idf tells common words and characters from rare ones."""
    topics = [["公交", "线路", "开通"], ["菜价", "上涨", "超市"], ["广场舞", "音响", "扰民"], ["老人", "孩子", "学校"]]
    for i in range(n):
        c.add(*at_place(1000 + i, -10 * HOUR + i, topics[i % 4], f"村{i}", f"镇{i}"))


def test_same_spot_same_matter_joins_though_the_words_differ():
    c = EventClusterer()
    background(c)
    a = c.add(*at_place(1, 0, ["凌晨", "停水", "通知"], "石湾社区", "石湾街道"))
    # no keyword in common; the matter is still water (停水 / 没水 share 水), at the same place, 2 h later
    b = c.add(*at_place(2, 2 * HOUR, ["没水", "做饭", "提桶"], "石湾社区", "石湾街道"))
    assert a == b


def test_a_busy_place_alone_does_not_make_one_happening():
    c = EventClusterer()
    background(c)
    a = c.add(*at_place(1, 0, ["停水", "凌晨", "通知"], "石湾社区", "石湾街道"))
    b = c.add(*at_place(2, HOUR, ["广场舞", "音响", "扰民"], "石湾社区", "石湾街道"))
    assert a != b


def test_different_matters_in_one_town_stay_apart():
    c = EventClusterer()
    background(c)
    wages = ["砖厂", "老板", "拖欠", "工资", "工人"]
    road = ["山路", "塌方", "落石", "挡路", "通行"]
    w1 = c.add(*at_place(1, 0, wages, "松林砖厂", "松林镇", topics=("labour",)))
    r1 = c.add(*at_place(2, HOUR, road, "白沙村", "松林镇", topics=("traffic",)))
    w2 = c.add(*at_place(3, 2 * HOUR, ["砖厂", "欠薪", "工人", "讨薪"], "松林砖厂", "松林镇", topics=("labour",)))
    r2 = c.add(*at_place(4, 3 * HOUR, ["塌方", "清理", "挖机"], "白沙村", "松林镇", topics=("traffic",)))
    # the town alone (no village or landmark named) with the matter's words joins its matter
    r3 = c.add(member(5, 4 * HOUR, ["塌方", "落石", "山路"], places=("松林镇",), areas=("松林镇",)), {"松林镇"})
    assert w1 == w2 and r1 == r2 == r3
    assert w1 != r1


def test_events_that_grow_into_one_happening_are_merged():
    c = EventClusterer()
    # two separate starts at one landmark, no word in common
    a = c.add(*at_place(1, 0, ["钓鱼", "落网", "救援队", "打捞"], "云溪水库", "云溪乡", topics=("emergency",)))
    b = c.add(*at_place(2, 0.5 * HOUR, ["游泳", "年轻人", "失踪", "出事"], "云溪水库", "云溪乡", topics=("other",)))
    assert a != b
    c.add(*at_place(3, HOUR, ["游泳", "年轻人", "失踪", "搜救"], "云溪水库", "云溪乡"))
    # a post that says both: the events now clearly describe one happening
    last = c.add(*at_place(4, 2 * HOUR, ["钓鱼", "游泳", "年轻人", "救援队", "打捞", "失踪"], "云溪水库", "云溪乡"))
    assert len(c.active) == 1
    survivor = c.active[last]
    assert {m.item_id for m in survivor.members} == {1, 2, 3, 4}
    assert c.resolve(a) == c.resolve(b) == last
    assert [e.merged_into for e in c.merged] == [last]
    # a repost of an item of the merged-away event follows it to the survivor
    gone = c.merged[0]
    original = next(m.item_id for m in gone.members)
    assert c.add(member(5, 3 * HOUR, ["转发"], places=("云溪水库",), dup=original), {"云溪水库"}) == last


def test_merging_stays_bounded_to_recent_events_of_the_place():
    c = EventClusterer(window=HOUR)
    for i in range(30):
        c.add(*at_place(i, i * 4 * HOUR, [f"事{i}", "停水"], "石湾社区", "石湾街道"))
        c.retire_quiet()
    assert len(c.active) <= 2  # far apart in time: never merged, and retired as they go quiet
    assert not c.merged


def test_adopt_follows_a_stored_split_keeps_it_apart_and_pins_the_title():
    c = EventClusterer()
    for i in range(1, 5):  # one happening to the clusterer
        c.add(*at_place(i, i * HOUR, ["游泳", "年轻人", "失踪", "搜救"], "云溪水库", "云溪乡"))
    c.add(member(5, 5 * HOUR, ["转发"], places=("云溪水库",), dup=3), {"云溪水库"})
    assert len(c.active) == 1
    # stored: an analyst split items 3 and 4 (and the repost of 3) into event 20, titled by hand
    owner = {1: 10, 2: 10, 3: 20, 4: 20, 5: 20}
    mapping = c.adopt(owner, titles={20: "水库第二起落水"})
    assert sorted(mapping.values()) == [10, 20]
    by_owner = {key: c.active[ev_id] for ev_id, key in mapping.items()}
    assert {m.item_id for m in by_owner[10].members} == {1, 2}
    assert {m.item_id for m in by_owner[20].members} == {3, 4, 5}
    assert by_owner[20].to_dict()["title"] == "水库第二起落水"  # pinned: not chosen from the posts
    assert by_owner[10].to_dict()["title"] != "水库第二起落水"
    # a post that speaks of both does not merge them back
    c.add(*at_place(6, 6 * HOUR, ["游泳", "年轻人", "失踪", "搜救"], "云溪水库", "云溪乡"))
    c.add(*at_place(7, 7 * HOUR, ["游泳", "年轻人", "失踪", "搜救"], "云溪水库", "云溪乡"))
    assert set(c.active) == set(mapping)
    assert not c.merged


def test_adopt_follows_a_stored_merge_and_keeps_clean_events_as_they_are():
    c = EventClusterer()
    a = c.add(member(1, 0, FIRE), {"水西镇"})
    b = c.add(member(2, HOUR, BUS, places=("沙石镇",)), {"沙石镇"})
    x = c.add(member(3, HOUR, ["停电", "小区"], places=("云溪乡",)), {"云溪乡"})
    c.add(member(4, HOUR, ["新", "东西"], places=("石湾社区",)), {"石湾社区"})  # never stored
    mapping = c.adopt({1: 7, 2: 7, 3: 9})  # an analyst merged the first two
    assert mapping[x] == 9 and x in c.active  # untouched
    merged = next(ev_id for ev_id, key in mapping.items() if key == 7)
    assert {m.item_id for m in c.active[merged].members} == {1, 2}
    assert a not in c.active and b not in c.active
    assert len(c.active) == 3 and "ev-4" in c.active and "ev-4" not in mapping
    # later posts of either matter join the merged event
    assert c.add(member(5, 2 * HOUR, FIRE), {"水西镇"}) == merged


# Titles: from an original, never a repost chain, representative.


def test_title_comes_from_an_original_not_a_repost():
    c = EventClusterer()
    ev = c.add(
        *at_place(1, 0, ["家长", "食堂", "过期", "食材"], "桃源中心小学", "桃源镇",
                  headline="扩散//@网友206:桃源镇有家长说学校食堂被查出使用过期食材", repost=True)
    )
    c.add(*at_place(2, HOUR, ["食堂", "过期", "食材", "孩子"], "桃源中心小学", "桃源镇",
                    headline="桃源中心小学食堂被查出使用过期食材，孩子在那上学"))
    c.add(*at_place(3, 2 * HOUR, ["食堂", "饭菜"], "桃源中心小学", "桃源镇", headline="吃了吗"))
    title = c.active[ev].to_dict()["title"]
    assert title == "桃源中心小学食堂被查出使用过期食材，孩子在那上学"
    assert "//@" not in title


def test_title_of_an_event_of_reposts_only_has_no_repost_chain():
    c = EventClusterer()
    ev = c.add(*at_place(1, 0, ["井盖", "下沉"], "西关路", "城西街道",
                         headline="城西西关路井盖下沉，路面裂开", repost=True))
    assert c.active[ev].to_dict()["title"] == "城西西关路井盖下沉，路面裂开"


def test_trim_title():
    assert trim_title("河口镇河口村路被淹了，积水半米深，车辆不要往渡口村方向走。希望水务部门尽快处理") == (
        "河口镇河口村路被淹了，积水半米深，车辆不要往渡口村方向走"
    )
    assert trim_title("滨江夜市每天闹到凌晨两点！居民根本睡不着") == "滨江夜市每天闹到凌晨两点！"
    long = "一" * 30 + "，" + "二" * 30
    assert trim_title(long) == "一" * 30 + "…"
    assert len(trim_title("三" * 100)) == 41


def test_strip_repost():
    assert strip_repost("扩散//@网友206:桃源镇有家长说食堂有问题") == ("桃源镇有家长说食堂有问题", True)
    assert strip_repost("顶！//@网友1: 转一下//@网友2：原文在这里") == ("原文在这里", True)
    assert strip_repost("转发微博：西关路又挖开了") == ("西关路又挖开了", True)
    assert strip_repost("西关路又挖开了") == ("西关路又挖开了", False)
    assert strip_repost("转角的路灯坏了") == ("转角的路灯坏了", False)
    assert strip_repost("转：路灯坏了") == ("路灯坏了", True)


# Through the pipeline, on the demo district.


def demo_profile() -> DistrictProfile:
    return DistrictProfile.from_dict(json.loads((DEMO / "profile.json").read_text(encoding="utf-8")))


def post(i, text, when, **kw):
    return {"id": f"p{i}", "title": "", "text": text, "published_at": f"2026-11-17T{when}:00+08:00",
            "source": "weibo", **kw}


def test_pipeline_events_titles_and_merges_on_demo_wording():
    pipe = Pipeline(demo_profile())
    out = pipe.run([
        post(1, "顶！//@网友599:河口镇渡口村内涝严重，有老人被困在家里", "08:00"),
        post(2, "河口大桥下面暴雨后好几户进水了，镇干部连夜转移群众", "08:30", reposts=50),
        post(3, "河口镇渡口村暴雨后好几户进水了，水已经到膝盖。", "09:00"),
        post(4, "青石镇锦江华府项目工地拖欠农民工工资八个月，打劳动监察电话没人管", "09:10"),
        post(5, "河口镇渡口村内涝严重，老人被困，暴雨后好几户进水，请求救援", "10:00"),
        post(6, "东方明珠的夜景真美，上海之行圆满结束。", "10:05"),
    ])
    ids = {r["id"]: r["event_id"] for r in out}
    assert ids["p1"] == ids["p2"] == ids["p3"] == ids["p5"]
    assert ids["p4"] not in (None, ids["p1"])
    assert ids["p6"] is None
    events = {e["id"]: e for e in pipe.drain_events()}
    assert set(events) == {ids["p1"], ids["p4"]}  # an event started and merged within the batch is not returned
    flood = events[ids["p1"]]
    assert "//@" not in flood["title"] and not flood["title"].startswith("顶")
    assert flood["item_count"] == 4


def test_drain_reports_an_event_merged_after_it_was_returned():
    pipe = Pipeline(demo_profile())
    first = pipe.run([
        post(1, "滨江夜市烧烤油烟加噪音，居民根本睡不着", "21:00"),
        post(2, "滨江夜市喊麦放歌到半夜，孩子第二天要上学", "21:10"),
    ])
    before = {e["id"] for e in pipe.drain_events()}
    assert {r["event_id"] for r in first} == before and len(before) == 2
    pipe.run([post(3, "滨江夜市烧烤油烟加噪音，喊麦放歌到半夜，孩子和居民都睡不着", "22:00"),
              post(4, "滨江夜市喊麦放歌，烧烤油烟噪音，居民睡不着孩子要上学", "22:30")])
    drained = pipe.drain_events()
    gone = [e for e in drained if e.get("merged_into")]
    assert len(gone) == 1 and gone[0]["id"] in before and gone[0]["retired"]
    live = [e for e in drained if not e.get("merged_into")]
    assert len(live) == 1 and gone[0]["merged_into"] == live[0]["id"] and live[0]["item_count"] == 4


# Issue 16: one happening told in many words; other matters at one place, one matter elsewhere.

def test_matter_vocabulary_names_the_matter_whatever_the_words():
    from yuqing.analyse.events import default_matters

    matters = default_matters()
    for text in ("小区停电了", "又断电了", "家里没电了", "配电房跳闸了"):
        assert "power" in matters.find(text), text
    assert "water" in matters.find("水龙头一滴水都没有")
    assert matters.find("河水发黑还有死鱼") == matters.find("一股刺鼻的臭味") == ("pollution",)
    assert "power" not in matters.find("停车费涨价了")


def happening_profile() -> DistrictProfile:
    return DistrictProfile.from_dict({
        "province": "虚构省", "city": "江州市", "district": "清河区", "fictional": True,
        "places": [
            {"name": "清河区", "level": "district"},
            {"name": "城南街道", "level": "town", "parent": "清河区"},
            {"name": "柳林镇", "level": "town", "parent": "清河区"},
            {"name": "幸福里社区", "level": "village", "parent": "城南街道"},
            {"name": "幸福里小区", "level": "landmark", "parent": "幸福里社区"},
            {"name": "柳林村", "level": "village", "parent": "柳林镇"},
        ],
    })


def day_post(i, text, day, hm):
    return {"id": f"h{i}", "title": "", "text": text, "published_at": f"2026-11-{day:02d}T{hm}:00+08:00",
            "source": "weibo"}


def test_one_outage_in_many_words_over_two_days_is_one_event_and_other_matters_stay_apart():
    pipe = Pipeline(happening_profile())
    out = pipe.run([
        day_post(1, "幸福里小区突然停电了，整栋楼黑漆漆的，有人知道怎么回事吗？", 9, "19:42"),
        day_post(2, "城南街道幸福里小区这边是不是整片没电了？手机快没电了", 9, "20:05"),
        day_post(3, "幸福里小区物业今天贴通知，停车费从每月一百涨到二百五，没开业主大会", 9, "20:10"),
        day_post(4, "听说是幸福里小区配电房跳闸了，物业的人拿着手电折腾半天也没弄好", 9, "21:10"),
        day_post(5, "城南街道今晚又断电了，昨天刚来电今天又黑了，这是要闹哪样", 10, "18:55"),
        day_post(6, "柳林镇一早起来水龙头一滴水都没有，牙都没法刷", 10, "06:50"),
        day_post(7, "柳林村也停水了，是全镇停水吗？也没看到通知", 10, "07:15"),
        day_post(8, "城南街道幸福里小区也停水了，物业说水泵坏了", 10, "08:00"),
    ])
    ev = {r["id"]: pipe.events.resolve(r["event_id"]) for r in out}
    assert ev["h1"] == ev["h2"] == ev["h4"] == ev["h5"]  # 停电, 没电, 跳闸, 断电; the compound and its town
    assert ev["h3"] != ev["h1"]  # parking fees at the same compound: another happening
    assert ev["h6"] == ev["h7"]  # the town and its village, 没水 and 停水
    assert ev["h8"] not in (ev["h6"], ev["h1"])  # the same matter elsewhere; another matter here
    titles = {e["id"]: e["title"] for e in pipe.drain_events()}
    assert "停车费" not in titles[ev["h1"]] and "//@" not in titles[ev["h1"]]  # an original of the outage


def test_what_is_seen_and_later_smelt_is_one_happening():
    pipe = Pipeline(happening_profile())
    out = pipe.run([
        day_post(1, "柳林村后面那条小河今天变成黑色的了，上面漂着一层白沫，还有死鱼", 9, "16:20"),
        day_post(2, "柳林镇晚上一股刺鼻的臭味，窗户关着都能闻到，熏得头疼", 10, "19:30"),
        day_post(3, "柳林村这两天的味道太难闻了，像烂鸡蛋又像化学品", 10, "21:50"),
    ])
    assert len({pipe.events.resolve(r["event_id"]) for r in out}) == 1
