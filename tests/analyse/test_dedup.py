import itertools

from yuqing.analyse.dedup import DedupIndex, find_duplicates, match_core, repost_parts, slot_conflict, slots

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


def test_batch_cores_are_match_core():
    from yuqing.analyse.dedup import MAX_CHARS, _batch_cores

    texts = [
        "转发微博：//@小王: 原文，在此！",
        "",
        "!!!",
        "ABC def_GHI İstanbul",  # İ lowers to two characters
        "ΟΔΟΣ ΣΑΣ, Σ",  # Σ lowers to σ or, ending a word, ς
        "😡[怒]𠀀𠀁 emoji and a CJK extension B character",
        "回复@张三: 真的假的 “原文”",
        "长" * (MAX_CHARS + 500),
        "ab",
        "Ｘ①②Ⅻ٣",
    ]
    plain = [t for t in texts if "İ" not in t and "Σ" not in t and len(t) < MAX_CHARS]
    for batch in (texts, texts[:3], plain, [*plain, "ΟΔΟΣ"]):
        cp, starts = _batch_cores(batch)
        got = ["".join(map(chr, cp[a:b].tolist())) for a, b in itertools.pairwise(starts)]
        assert got == [match_core(t) for t in batch]


def test_batch_and_one_by_one_agree():
    texts = [ORIGINAL, OTHER, "转发 " + ORIGINAL, "好", "好", "水西镇", "水西镇", f"顶//@b: {OTHER}"]
    texts += [f"第{i}条不同的帖子{i * 7919}" for i in range(20)] + ["第19条不同的帖子150461"]
    ids = [f"t{i}" for i in range(len(texts))]
    one = DedupIndex(window=8)
    singles = [one.check(i, t) for i, t in zip(ids, texts, strict=True)]
    for size in (1, 3, len(texts)):
        index = DedupIndex(window=8)
        batched = []
        for k in range(0, len(texts), size):
            batched += index.check_batch(ids[k : k + size], texts[k : k + size])
        assert [(r.duplicate_of, r.kind) for r in batched] == [(r.duplicate_of, r.kind) for r in singles]
    assert [r.duplicate_of for r in singles[:8]] == [None, None, "t0", None, "t3", None, "t5", "t1"]
    assert singles[-1].duplicate_of == "t27"  # t11 and older are forgotten (window 8)


def test_short_originals_repeat_within_one_batch():
    # Short posts are indexed by their two smallest hashes (not in the batch's anchor test).
    index = DedupIndex()
    res = index.check_batch(["a", "b", "c"], ["路灯坏了", "路灯坏了吧", "路灯坏了"])
    assert res[0].duplicate_of is None
    assert res[2].duplicate_of == "a"


def test_forgotten_originals_leave_the_index():
    index = DedupIndex(window=5)
    texts = [f"第{i}条完全不同的帖子内容编号{i * 7919}说的是第{i}件事情" for i in range(40)]
    index.check_batch([f"d{i}" for i in range(40)], texts)
    assert len(index) <= 10
    assert index.check("old", texts[0]).duplicate_of is None  # forgotten, so indexed again
    assert index.check("new", texts[39]).duplicate_of == "d39"


# Issue 16: fragments, originals inside commentary, look-alike templates (slots).

COMPLAINT = (
    "城北街道锦绣花园东门外面的垃圾站已经三天没清运了，垃圾堆到路边，今天太阳一晒，整条街都是那个味。"
    "小区里好多小孩，这样下去要生病的。"
)


def test_a_fragment_after_a_lead_in_points_at_the_original():
    index = DedupIndex()
    assert index.check("o", COMPLAINT).duplicate_of is None
    result = index.check("f", "有网友说：垃圾堆到路边，今天太阳一晒，整条街都是那个味。")
    assert (result.duplicate_of, result.kind) == ("o", "excerpt")


def test_a_fragment_quoted_inside_long_commentary_is_a_copy():
    index = DedupIndex()
    index.check("o", COMPLAINT)
    wrapped = (
        "这个问题我们小区也一样，反映了不知道多少回了，每次都是说研究研究，然后就没有下文，真的很寒心。"
        "有人说“垃圾堆到路边，今天太阳一晒，整条街都是那个味。小区里好多小孩”，我看是真的。"
    )
    result = index.check("w", wrapped)
    assert (result.duplicate_of, result.kind) == ("o", "passage")
    # a wholly different post wrapped in the same words is not a copy of it
    assert index.check("x", "这个问题我们小区也一样，石桥镇的路灯已经坏了快两个月了，晚上走路只能打手电筒。").duplicate_of is None


def test_the_link_points_at_the_original_not_at_a_fragment_that_slipped_through():
    index = DedupIndex()
    index.check("o", COMPLAINT)
    index.check("f", "小区里好多小孩")  # too short to tell: indexed as an original of its own
    assert index.check("c", f"顶//@阿明:{COMPLAINT}").duplicate_of == "o"


def test_the_same_sentence_about_another_compound_or_number_is_another_fact():
    index = DedupIndex()
    template = "清河区{}已经停水{}天了，打了好几次电话都说在抢修，到现在还没来水，老人孩子洗澡做饭都成问题"
    assert index.check("a", template.format("幸福里小区", "三")).duplicate_of is None
    assert index.check("b", template.format("锦绣花园", "三")).duplicate_of is None  # another compound
    assert index.check("c", template.format("幸福里小区", "5")).duplicate_of is None  # another number of days
    # the same facts, lightly edited or reposted, are copies
    assert index.check("d", template.format("幸福里小区", "3") + "！！").duplicate_of == "a"
    assert index.check("e", "扩散//@城南老张:" + template.format("锦绣花园", "三")).duplicate_of == "b"


def test_slot_conflict():
    a = match_core("我们柳林村的路灯坏了三个多月了，晚上一片漆黑")
    assert slot_conflict(a, match_core("我们石桥村的路灯坏了三个多月了，晚上一片漆黑"))
    assert slot_conflict(a, match_core("我们柳林村的路灯坏了两个多月了，晚上一片漆黑"))
    assert not slot_conflict(a, match_core("咱们柳林村的路灯坏了3个多月了，晚上一片漆黑"))  # 三 is 3
    assert not slot_conflict(a, match_core("路灯坏了三个多月了"))  # a fragment: fewer slots
    # commentary with its own numbers elsewhere is no conflict
    assert not slot_conflict(a, match_core("打了12345没用。我们柳林村的路灯坏了三个多月了，晚上一片漆黑"))
    assert ("#15", "", "天") in slots("十五天")
