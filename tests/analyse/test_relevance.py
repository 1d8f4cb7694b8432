import pytest

from yuqing.analyse.relevance import RelevanceMatcher


@pytest.fixture(scope="module")
def matcher(zhanggong):
    return RelevanceMatcher(zhanggong)


@pytest.mark.parametrize(
    "text, places",
    [
        ("章贡区水西镇一化工厂夜间排放刺鼻气体", ["章贡区", "水西镇"]),
        ("东外社区的居民反映小区电梯又坏了", ["东外社区"]),
        ("赣州水西那边的路坏了好久", ["水西镇"]),  # short name vouched for by the city
        ("章贡区教育局回应校服收费问题", ["章贡区教育局"]),
        ("郁孤台景区周末人太多", ["郁孤台"]),
        ("贛州市章貢區", ["章贡区"]),  # traditional characters are normalised first by the pipeline
    ],
)
def test_relevant(matcher, text, places):
    from yuqing.analyse.normalise import normalise

    got = matcher.match(normalise(text))
    assert got.relevant
    assert got.places == places
    assert all(m.why for m in got.matches)


@pytest.mark.parametrize(
    "text",
    [
        "解放思想，实事求是，是党的思想路线",  # 解放 (解放街道) as a word
        "水西那边的路坏了好久",  # a bare short name, no context
        "宁都县水西村的村民反映",  # a same-named village in another county
        "加大城镇污水治理力度",
        "赣州市今天天气晴",  # the city alone is not the district
        "人民市场周末很热闹",
    ],
)
def test_not_relevant(matcher, text):
    assert not matcher.match(text).relevant


def test_common_word_district_needs_context(hezuo):
    m = RelevanceMatcher(hezuo)
    assert not m.match("双方将加强战略合作，共同开拓市场").relevant
    assert m.match("甘南州合作市那吾镇发生一起交通事故").relevant
    got = m.match("合作市人民医院")
    assert got.relevant and got.places == ["合作市"]


def test_why_names_the_context(matcher):
    got = matcher.match("赣州水西的路坏了")
    assert "本区/本市名称" in got.matches[0].why or "上级地名" in got.matches[0].why


def test_no_terms_is_never_relevant(zhanggong):
    from yuqing.domain.profile import DistrictProfile

    empty = DistrictProfile(province="", city="", district="")
    assert not RelevanceMatcher(empty, foreign_check=False).match("章贡区").relevant


def test_remembered_explanations_do_not_leak_between_texts(matcher):
    """The same terms explained once are reused; a text naming elsewhere still gets its own answer."""
    first = matcher.match("水西村的村民反映路灯坏了")
    assert first.relevant and first.places
    elsewhere = matcher.match("宁都县水西村的村民反映")  # same term, another county named
    assert not elsewhere.relevant
    again = matcher.match("水西村附近的村民反映路灯坏了")
    assert again.relevant and again.places == first.places
    assert again.matches[0].start == 0 and first.matches[0].start == 0
    shifted = matcher.match("听说水西村的路灯坏了")
    assert shifted.matches[0].start == 2
    assert shifted.places is not first.places  # each result owns its lists


def test_match_batch_is_match(matcher):
    texts = ["章贡区水西镇一化工厂", "宁都县水西村", "", "水西镇的水西村", "人民市场周末很热闹"]
    assert matcher.match_batch(texts) == [matcher.match(t) for t in texts]
