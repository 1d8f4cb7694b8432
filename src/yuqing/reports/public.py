"""The public accountability page's figures (三率公开): each unit's response, resolution and satisfaction
rates for the last complete month and quarter, with formulas and raw counts; open overdue cases count.

Shown without login when `public_accountability` is on, so only rates and counts leave the building: no
case, no title, no person. Computed as of each period's end (the same numbers as the monthly statistics)
and kept for ten minutes, so anonymous visitors cannot make the server replay the history on every request.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from yuqing.reports.config import load_report_config
from yuqing.reports.periodic import MONTHLY, QUARTERLY, period_report, previous_period

CACHE_SECONDS = 600
THREE_RATES = (("sign_rate", "响应率", "按期签收的交办占应签收交办的比例（签收时限内签收）"),
               ("resolution_rate", "解决率", "当事方确认或抽查通过的案件，占本期销号与期末逾期未办结案件之和的比例"),
               ("satisfaction_rate", "满意率", "满意与基本满意，占给出满意度评价的比例（仅统计有评价的）"))
_cache: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def _period(session: Session, workspace: Any, kind: str, today: date, key: str) -> dict[str, Any]:
    p = previous_period(kind, today)
    cached_key = (key, kind, p.key)
    with _lock:
        hit = _cache.get(cached_key)
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
    f = period_report(session, p, load_report_config(workspace))
    units = []
    for u in f["units"]:
        rates = {r["key"]: r for r in u["rates"]}
        units.append({"name": u["name"],
                      "rates": [{"name": name, "percent": rates[k]["percent"], "formula": f"{name} = {rates[k]['formula'].split(' = ', 1)[1]}"}
                                for k, name, _ in THREE_RATES],
                      "received": u["counts"]["received"], "overdue_open": u["counts"]["overdue_open"],
                      "overdue": u["counts"]["overdue"]})
    out = {"label": f["label"], "title": f["title"], "start": f["start"], "end": f["end"], "as_of": f["as_of"],
           "units": units}
    with _lock:
        _cache[cached_key] = (time.monotonic(), out)
    return out


def public_figures(session: Session, workspace: Any, today: date, cache_key: str = "") -> dict[str, Any]:
    """The last complete month's and quarter's three rates per unit (`cache_key`: one workspace's database)."""
    return {"month": _period(session, workspace, MONTHLY, today, cache_key),
            "quarter": _period(session, workspace, QUARTERLY, today, cache_key),
            "definitions": [{"name": name, "meaning": meaning} for _, name, meaning in THREE_RATES]}
