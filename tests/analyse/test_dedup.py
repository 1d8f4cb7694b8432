from yuqing.analyse.dedup import DedupIndex, find_duplicates, match_core, repost_parts

ORIGINAL = "章贡区水西镇某化工厂连续三天夜间排放刺鼻气体，附近居民反映头晕恶心，希望环保部门尽快查处"
OTHER = "赣州市中心城区今天开通了三条新的公交线路，方便市民前往高铁站和黄金机场，票价两元"


def fresh() -> DedupIndex:
    index = DedupIndex()
    assert index.check("o1", ORIGINAL).duplicate_of is None
    assert index.check("o2", OTHER).duplicate_of is None
    return index


def test_exact_copy_and_repost_chain_point_at_the_original():
    index = fresh()
    assert index.check("c1", ORIGINAL).duplicate_of == "o1"
    assert index.check("c2", f"太过分了//@小王: 转发//@李四: {ORIGINAL}").duplicate_of == "o1"
    assert index.check("c3", f"转发微博：{ORIGINAL}").duplicate_of == "o1"
    assert index.check("c4", f"回复@张三: 真的假的 “{ORIGINAL}”").duplicate_of == "o1"


def test_small_edits_are_duplicates():
    index = fresh()
    edited = ORIGINAL.replace("三天", "3天").replace("，希望", "。希望") + " #扩散#"
    result = index.check("e1", edited)
    assert result.duplicate_of == "o1"
    assert result.kind == "near"


def test_a_repost_of_a_repost_points_at_the_root():
    index = fresh()
    assert index.check("r1", f"关注//@a: {ORIGINAL}").duplicate_of == "o1"
    assert index.check("r2", f"顶//@b: 关注//@a: {ORIGINAL}").duplicate_of == "o1"


def test_different_posts_sharing_words_are_not_duplicates():
    index = fresh()
    similar_topic = "章贡区沙石镇一家养猪场污水直排河道，村民多次投诉无果，请环保部门查处"
    assert index.check("n1", similar_topic).duplicate_of is None
    assert index.check("n2", "水西镇").duplicate_of is None  # too short to be a copy of anything


def test_excerpt_of_a_long_original_is_spread():
    index = fresh()
    excerpt = ORIGINAL[:30]
    assert index.check("x1", "据网友爆料：" + excerpt).duplicate_of == "o1"


def test_window_bounds_memory():
    index = DedupIndex(window=10)
    for i in range(50):
        index.check(f"d{i}", f"第{i}条完全不同的帖子内容编号{i * 7919}说的是第{i}件事情")
    assert len(index) <= 20
    # the oldest originals are forgotten, the newest are still matched
    assert index.check("late", "第49条完全不同的帖子内容编号388031说的是第49件事情").duplicate_of == "d49"


def test_repost_parts_and_core():
    own, chain = repost_parts("真的吗//@小王: 顶//@李四：原文在此")
    assert own == "真的吗"
    assert chain == ["顶", "原文在此"]
    assert match_core("转发微博：//@小王: 原文，在此！") == "原文在此"


def test_batch_in_order():
    index = DedupIndex()
    res = find_duplicates(index, ["a", "b"], [ORIGINAL, "转发 " + ORIGINAL])
    assert [r.duplicate_of for r in res] == [None, "a"]
