"""Tiered response (what each grade requires before a case may close) and grading factors (R-ANALYSE-7)."""

from __future__ import annotations

import json
from pathlib import Path

from yuqing.domain import grading as g


def test_tiers():
    assert [t.code for t in g.tier_tasks("I")] == [g.TASK_LEADING_GROUP, g.TASK_JOINT_MEETING,
                                                   g.TASK_INVESTIGATION, g.TASK_STATEMENT]
    assert [t.code for t in g.tier_tasks("II")] == [g.TASK_INVESTIGATION, g.TASK_REPLY]
    assert [t.code for t in g.tier_tasks("III")] == [g.TASK_INVESTIGATION, g.TASK_REPLY]
    assert [t.code for t in g.tier_tasks("IV")] == [g.TASK_INVESTIGATION]
    assert g.tier_tasks(None) == g.tier_tasks("IV")


def test_public_answer_and_missing():
    assert g.needs_public_answer("I") and g.needs_public_answer("III") and not g.needs_public_answer("IV")
    assert [t.code for t in g.missing_tasks("II", [g.TASK_INVESTIGATION])] == [g.TASK_REPLY]
    assert g.missing_tasks("IV", [g.TASK_INVESTIGATION]) == []


# ---- Grading factors (R-ANALYSE-7) ----------------------------------------------------------------------

DAY = 86_400.0


def _items(texts: list[str], source: str = "示例微博", sentiment: str | None = "negative",
           start: int = 1) -> list[g.GradeItem]:
    return [g.GradeItem(id=start + i, text=t, source=source, at=1_700_000_000.0 + 3600 * i, reach=10,
                        sentiment=sentiment) for i, t in enumerate(texts)]


def _factor(a: g.Assessment, name: str) -> g.Factor:
    return next(f for f in a.factors if f.name == name)


def test_figurative_death_is_not_a_casualty():
    config = g.GradingConfig()
    for text in ("笑死我了，这个夜市的烧烤太好吃了", "今天热死了，公交站连个遮阳棚都没有", "排队累死了，办个证跑三趟",
                 "气死我了，快递又丢了", "这价格死贵，谁买啊", "事故现场无人员伤亡", "消防通报：未造成人员伤亡"):
        a = g.assess(_items([text]), config)
        assert _factor(a, "casualties").value == 0, text
    for text in ("西关路口货车侧翻，一名行人被砸死了", "河口镇山洪致2人死亡、3人受伤", "工地脚手架倒塌，三名工人送医抢救"):
        a = g.assess(_items([text]), config)
        assert _factor(a, "casualties").value == 1, text
        assert _factor(a, "casualties").evidence_item_ids == (1,)


def test_a_calm_complaint_about_a_large_sum_counts_the_sum_but_stays_low():
    a = g.assess(_items(["您好，我在锦绣花园交的物业维修基金共计120万元，至今没有公示使用明细，希望物业公司公开账目，谢谢。"]))
    large = _factor(a, "large_sum")
    assert large.value > 0.5 and large.evidence_item_ids == (1,) and "120 万元" in large.detail
    assert _factor(a, "casualties").value == 0 and _factor(a, "mass_gathering").value == 0
    assert a.grade == "IV", a.to_dict()


def test_money_is_told_from_other_numbers():
    assert g.money_amounts("包工头跑了，欠薪85万") == [850000.0]
    assert g.money_amounts("损失上百万") == [1_000_000.0]
    assert g.money_amounts("现场有1万多人参加马拉松") == []
    assert g.money_amounts("积水半米深，20户进水") == []
    assert g.money_amounts("罚款200元") == [200.0]


def test_a_rumour_weighs_less_than_the_same_claim_reported():
    rumour = g.assess(_items(["听说桃源镇小学食堂用过期食材，孩子吃了肚子疼，是真的吗？求辟谣"] * 3))
    report = g.assess(_items(["桃源镇小学食堂昨天中午用过期食材，12名孩子吃了肚子疼送医"] * 3))
    assert _factor(rumour, "specificity").value < _factor(report, "specificity").value
    assert _factor(rumour, "public_safety").value < _factor(report, "public_safety").value
    assert "传言" in _factor(rumour, "specificity").detail
    assert rumour.score < report.score


def test_specific_detail_scores_higher_than_a_vague_post():
    vague = g.assess(_items(["这地方太乱了，没人管"]))
    detailed = g.assess(_items(["河口镇渡口村昨晚九点起积水半米深，20户进水"]))
    assert _factor(detailed, "specificity").value > 0.9 > _factor(vague, "specificity").value


def test_a_mass_gathering_over_wages_is_a_mass_incident():
    texts = ["锦江华府项目工地包工头跑了，欠薪85万，三十多名农民工今天早上聚在工地门口讨说法",
             "锦江华府工地门口聚集了几十个工人讨薪，劳动保障局推诿不管",
             "锦江华府项目农民工拉横幅讨薪，工资拖欠三个月了"]
    a = g.assess(_items(texts, "示例论坛") + _items(texts, "示例新闻网", start=10))
    assert _factor(a, "mass_gathering").value == 1
    assert _factor(a, "category").detail.startswith("群体性事件")
    assert _factor(a, "outside_media").value > 0 and _factor(a, "source_diversity").value > 0
    assert g.grade_rank(a.grade) <= 2, a.to_dict()


def test_praise_is_graded_low_however_many_posts():
    a = g.assess(_items(["桃源湿地公园夕阳太美了，带孩子去逛了一圈，为政府点赞！"] * 40, sentiment="positive"))
    assert a.grade == "IV"


def test_growth_compares_the_last_day_with_the_day_before():
    old = [g.GradeItem(id=i, text="西关路积水", at=0.0 + i) for i in range(2)]
    new = [g.GradeItem(id=10 + i, text="西关路积水", at=DAY + 10 + i) for i in range(10)]
    a = g.assess(old + new)
    growth = _factor(a, "growth")
    assert growth.value == 1 and "近24小时 10 条" in growth.detail
    assert _factor(g.assess(old), "growth").value == 0


def test_factors_explain_the_score():
    a = g.assess(_items(["示例区河口镇内涝严重，有老人被困在家里，今天早上有车辆熄火。请求救援！"] * 4))
    assert a.score == round(min(100, sum(f.contribution for f in a.factors)), 1)
    assert [f.contribution for f in a.factors] == sorted((f.contribution for f in a.factors), reverse=True)
    assert set(g.FACTOR_LABELS) == {f.name for f in a.factors}
    assert "公共安全" in a.why()
    assert all(f.contribution == round(f.value * f.weight, 2) for f in a.factors)


def test_configuration_overrides_weights_cues_and_thresholds(tmp_path: Path):
    path = tmp_path / "grading.json"
    assert g.GradingConfig.load(path).thresholds["II"] == 50  # no file: the defaults
    path.write_text(json.dumps({"weights": {"public_safety": 60}, "thresholds": {"II": 40},
                                "cues": {"public_safety": ["井盖"]}}), encoding="utf-8")
    config = g.GradingConfig.load(path)
    a = g.assess(_items(["西关路井盖丢了"] * 3), config)
    assert _factor(a, "public_safety").contribution == 60
    assert config.grade_for(45) == "II" and config.weights["casualties"] == 20  # the rest stays default
    assert g.grade_rank("II") == 2 and g.grade_rank(None) == 5
