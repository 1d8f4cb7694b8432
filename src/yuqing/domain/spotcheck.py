"""Spot checks (抽查复核, 实施意见 §三.3 "实行销号管理并定期进行抽查复核"): a seeded, reproducible sample.

The same case ids, share and seed always give the same sample, so a week's draw can be re-done and
shown to anyone who doubts it.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterable
from datetime import date

DEFAULT_SHARE = 0.2


def week_seed(day: date) -> str:
    """The default seed for the ISO week containing `day`, e.g. "2026-W41"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def sample_size(population: int, share: float) -> int:
    """How many to draw: the share rounded up (at least one when there is anything and share > 0)."""
    if not 0 <= share <= 1:
        raise ValueError("抽查比例须在 0 到 1 之间")
    if population <= 0 or share == 0:
        return 0
    return min(population, max(1, math.ceil(population * share)))


def draw(case_ids: Iterable[int], share: float, seed: str | int) -> list[int]:
    """A reproducible sample of `case_ids` (order of the input does not matter); sorted ascending."""
    pool = sorted(set(case_ids))
    k = sample_size(len(pool), share)
    digest = hashlib.sha256(str(seed).encode("utf-8")).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    return sorted(rng.sample(pool, k))
