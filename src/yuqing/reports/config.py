"""Report configuration kept as workspace data (`<workspace>/reports.json`, merged over DEFAULTS), like
grading.json: the signing time limit and the thresholds of the commendation and criticism lists.

Rates are fractions (0.95 = 95%). A unit is commended when it meets every `commend` condition and criticised
when it meets any `criticise` condition; a unit with fewer than `min_cases` cases due in the period is listed
in neither (too few to judge).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    # Who receives a special report (舆情专报) when it is sent: role codes, "unit:<id>" or "user:<id>" (inbox).
    "special_recipients": ["leader", "office"],
    # 签收时限: a unit signs for a case within this many hours of its assignment (按期签收).
    "sign_within_hours": 24,
    "commend": {
        "min_cases": 3,  # at least this many cases due (应签收 + 应反馈 counted once each)
        "sign_rate_min": 0.95,
        "feedback_rate_min": 0.95,
        "overdue_max": 0,
        "spot_check_failures_max": 0,
        "supervisions_max": 0,
    },
    "criticise": {
        "min_cases": 1,
        "sign_rate_below": 0.8,
        "feedback_rate_below": 0.8,
        "overdue_at_least": 2,
        "spot_check_failures_at_least": 1,
        "supervisions_at_least": 2,
    },
}


class ReportConfigError(ValueError):
    """reports.json cannot be read (the message, in Chinese, says where)."""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_report_config(workspace: Path | None) -> dict[str, Any]:
    """DEFAULTS with the workspace's reports.json merged over (missing file: the defaults)."""
    if workspace is None:
        return copy.deepcopy(DEFAULTS)
    path = Path(workspace) / "reports.json"
    if not path.exists():
        return copy.deepcopy(DEFAULTS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportConfigError(f"无法读取 {path}：{exc}") from None
    if not isinstance(data, dict):
        raise ReportConfigError(f"{path} 应为 JSON 对象")
    return _merge(DEFAULTS, data)
