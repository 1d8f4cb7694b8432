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
