import math

from yuqing.analyse.heat import WEIGHTS, HeatInput, heat_factors, heat_score

DAY = 86_400.0


def test_factors_are_visible_and_scaled():
    rows = [HeatInput(at=DAY + i, source=f"s{i % 3}", reach=10, negative=i % 2 == 0) for i in range(10)]
    f = heat_factors(rows)
    assert set(f) == set(WEIGHTS)
    assert f["volume"]["value"] == 10
    assert math.isclose(f["volume"]["score"], round(math.log10(11) / 3, 4))
    assert f["reach"]["value"] == 100
    assert f["sources"]["value"] == 3
    assert f["negative"]["value"] == 0.5
    assert 0 <= heat_score(f) <= 100


def test_growth_compares_the_last_day_with_the_day_before():
    rows = [HeatInput(at=0.5 * DAY, source="a", reach=0, negative=False)]
    rows += [HeatInput(at=1.5 * DAY + i, source="a", reach=0, negative=False) for i in range(5)]
    f = heat_factors(rows, now=2 * DAY)
    assert f["growth"]["last_24h"] == 5 and f["growth"]["previous_24h"] == 1
    assert f["growth"]["value"] == 5.0
    assert f["growth"]["score"] == 1.0


def test_more_spread_is_hotter():
    small = [HeatInput(0, "a", 0, False)]
    big = [HeatInput(i, f"s{i}", 1000, True) for i in range(200)]
    assert heat_score(heat_factors(big)) > heat_score(heat_factors(small))


def test_empty_event():
    assert heat_score(heat_factors([])) == 0.0
