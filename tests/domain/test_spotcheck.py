"""Spot-check sampling is seeded and reproducible."""

from __future__ import annotations

from datetime import date

import pytest

from yuqing.domain.spotcheck import draw, sample_size, week_seed


def test_same_seed_same_sample_regardless_of_order():
    ids = list(range(1, 101))
    a = draw(ids, 0.1, "2026-W41")
    assert a == draw(list(reversed(ids)), 0.1, "2026-W41")
    assert len(a) == 10 and a == sorted(a) and set(a) <= set(ids)
    assert draw(ids, 0.1, "2026-W42") != a


def test_sizes():
    assert sample_size(0, 0.5) == 0
    assert sample_size(5, 0) == 0
    assert sample_size(3, 0.1) == 1
    assert sample_size(11, 0.1) == 2
    assert sample_size(4, 1) == 4
    with pytest.raises(ValueError):
        sample_size(4, 1.5)


def test_week_seed():
    assert week_seed(date(2026, 10, 8)) == "2026-W41"
