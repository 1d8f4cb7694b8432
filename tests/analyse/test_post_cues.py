import numpy as np

from yuqing.analyse.post_cues import CUE_NAMES, cue_matrix, cue_values


def values(text: str) -> dict[str, float]:
    return dict(zip(CUE_NAMES, cue_values(text).tolist(), strict=True))


def test_one_value_per_group_and_none_for_empty_text():
    got = cue_values("")
    assert got.shape == (len(CUE_NAMES),) and got.dtype == np.float32
    assert not got.any()


def test_calm_complaint_cues():
    v = values("建设路的路灯已经坏了两个多星期，晚上过马路看不清，麻烦安排人看一下。")
    assert v["duration"] > 0 and v["trouble"] > 0 and v["request"] > 0
    assert v["thanks"] == v["praise"] == 0


def test_thanks_notice_and_question_cues():
    assert values("感谢光明路派出所的李警官，为你们点赞！")["thanks"] > 0
    assert values("感谢光明路派出所的李警官，为你们点赞！")["praise"] > 0
    assert values("【停水通知】南湖街道将于6月12日停止供水，请居民提前储水。")["notice"] > 0
    assert values("请问社保卡在哪里补办？需要带什么材料？")["ask"] > 0
    assert values("欠薪五个月了，到底有没有人管？")["rhetorical"] > 0


def test_values_grow_with_matches():
    one, two = values("谢谢"), values("谢谢谢谢")
    assert two["thanks"] > one["thanks"] > 0
    assert np.isclose(one["thanks"], np.log(2))


def test_a_batch_counts_each_text_apart():
    texts = [
        "建设路的路灯已经坏了两个多星期，晚上过马路看不清，麻烦安排人看一下。",
        "",
        "到底有没有人管？？\n谁来负责！！",
        "感谢城管局！！",
        "请问社保卡在哪里补办？",
    ]
    got = cue_matrix(texts)
    assert got.shape == (len(texts), len(CUE_NAMES)) and got.dtype == np.float32
    for row, text in zip(got, texts, strict=True):
        assert row.tolist() == cue_values(text).tolist()
    assert cue_matrix([]).shape == (0, len(CUE_NAMES))


def test_groups_written_for_speed_match_as_their_plain_forms():
    import random
    import re

    from yuqing.analyse.post_cues import CUE_GROUPS

    num = "[0-9一二两三四五六七八九十半几数多好]+"
    span = rf"{num}(?:个多|多个|个)?(?:天|日|晚|周|星期|礼拜|月|年|小时|次|趟|遍)"
    plain = {
        "duration": rf"(?:已经|已|都|快|足足|整整)?{span}(?:了|以上|之久)?|至今|到现在|一直|迟迟|始终|长期|常年|经常|总是|天天|每天|三天两头|隔三差五",
        "attempts": rf"多次|反复|屡次|(?:反映|投诉|报修|打电话|找)(?:了)?{num}(?:次|遍|趟)|又|还是|依然|仍然|仍|照样|还没|没人来|没有人来",
        "rhetorical": CUE_GROUPS["rhetorical"].replace(r"？[？?]+|\?[？?]+", "[？?]{2,}"),
        "anger": CUE_GROUPS["anger"].replace("！[！!]+|![！!]+", "[！!]{2,}"),
    }
    assert "[？?]{2,}" in plain["rhetorical"] and "[！!]{2,}" in plain["anger"]
    rng = random.Random(16)
    chars = "已经都快足整0123456789一二两三四五六七八九十半几数多好个天日晚周星期礼拜月年小时次趟遍了以上之久至今反映投诉找又？?！!吗呢怒 "
    texts = ["".join(rng.choice(chars) for _ in range(rng.randint(1, 24))) for _ in range(3000)]
    texts += ["已经三个多星期了，反映了5次还是没人来！！！到底有没有人管？？", "都两天了?!?", "整整十年之久"]
    for name, pattern in plain.items():
        fast, slow = re.compile(CUE_GROUPS[name]), re.compile(pattern)
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)], (name, text)
