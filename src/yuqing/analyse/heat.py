"""Heat (热度) of an event: a documented, explainable score from 0 to 100.

    heat = 100 × (0.35·V + 0.15·G + 0.25·R + 0.15·S + 0.10·N)

each factor scaled to 0..1:
    V volume     = min(1, log10(1 + items) / 3)           items = posts + reposts; 1,000 items → 1
    G growth     = min(1, max(0, ratio − 1) / 4)           ratio = items in the last 24 h / items in the
                                                           24 h before (÷ max(1, …)); 5× growth → 1
    R reach      = min(1, log10(1 + reach) / 5)            reach = Σ reposts + comments + likes where the
                                                           source gives them; 100,000 → 1
    S sources    = min(1, log2(1 + sources) / 4)           distinct sources; 15 → 1
    N negative   = share of items with negative sentiment

The weights put volume and reach first (how many people see it), then growth and source diversity
(is it spreading), then tone. `heat_factors` returns every raw value, scaled value and weight so
the UI and the reports can show why an event is hot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

WEIGHTS = {"volume": 0.35, "growth": 0.15, "reach": 0.25, "sources": 0.15, "negative": 0.10}
DAY = 86_400.0


@dataclass(slots=True, frozen=True)
class HeatInput:
    """What heat is computed from: one row per item of the event."""

    at: float  # epoch seconds
    source: str | None
    reach: int
    negative: bool


def heat_factors(rows: Iterable[HeatInput], now: float | None = None) -> dict[str, dict[str, float]]:
    """Raw value, scaled value (0..1) and weight of each factor."""
    rows = list(rows)
    items = len(rows)
    if now is None:
        now = max((r.at for r in rows), default=0.0)
    last = sum(1 for r in rows if now - DAY < r.at <= now)
    previous = sum(1 for r in rows if now - 2 * DAY < r.at <= now - DAY)
    ratio = last / max(1, previous)
    reach = sum(max(0, r.reach) for r in rows)
    sources = len({r.source for r in rows if r.source})
    negative = sum(1 for r in rows if r.negative) / items if items else 0.0
    scaled = {
        "volume": min(1.0, math.log10(1 + items) / 3),
        "growth": min(1.0, max(0.0, ratio - 1) / 4),
        "reach": min(1.0, math.log10(1 + reach) / 5),
        "sources": min(1.0, math.log2(1 + sources) / 4),
        "negative": negative,
    }
    raw = {
        "volume": items,
        "growth": round(ratio, 3),
        "reach": reach,
        "sources": sources,
        "negative": round(negative, 3),
    }
    out = {k: {"value": float(raw[k]), "score": round(scaled[k], 4), "weight": WEIGHTS[k]} for k in WEIGHTS}
    out["growth"]["last_24h"] = float(last)
    out["growth"]["previous_24h"] = float(previous)
    return out


def heat_score(factors: dict[str, dict[str, float]]) -> float:
    """The weighted sum of the scaled factors, 0..100."""
    return round(100 * sum(f["score"] * f["weight"] for f in factors.values()), 2)
