"""The yearly assessment (年度考核) of units from a score sheet kept as workspace data (R-REPORT-4).

The sheet is `<workspace>/assessment.json` (the defaults below when absent; a file replaces the indicator
list as a whole, so the weights always add up the way the office wrote them). Each indicator is one of:
- "rate": `weight × rate` (a rate of the yearly statistics, e.g. sign_rate); with no case in the
  denominator the unit gets `when_none` ("full": the whole weight, or "zero");
- "per_count": `points × count` (a count, e.g. overdue), limited to `cap` (e.g. at most −10 points);
- "channel_count": the same over a count of the unit's own websites and accounts (R-PUBLISH): correction
  orders not fixed by their deadline (counted against the unit like overdue cases), channels found zombie.
Each indicator's points come with the formula and the counts behind them, and the counts open their cases
(or the unit's correction orders and channels), as in the monthly statistics.

Sites and accounts (网站与新媒体账号) are assessed too, each admitted one on its own: from `channel_base` (100) the sheet's
`channel_indicators` deduct `points × count` (capped) for what the channel checks found in the year (zombie,
mismatch with the signed text, unsigned posts, broken links, wrong words) and for its correction orders
(overdue, still open at the year's end); every count opens the findings or orders behind it. A sheet without
`channel_indicators` keeps the default ones. A channel not admitted (never applied, awaiting review, refused)
or closed is not ranked — it would read as a perfect 100 — but listed apart under 未纳入考核的渠道 with its
reason; one the check found running without approval, or closed but still answering, counts against its owner
unit once a year (`unapproved_channels`), its findings the evidence.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from yuqing.reports.periodic import COUNTS, RATES

# Counts of the unit's own channels in the assessed year (publish.figures): key → (label, meaning).
CHANNEL_COUNTS: dict[str, tuple[str, str]] = {
    "correction_overdue": ("整改逾期", "期限在本年度内、到期时未经复查确认整改到位的整改通知（撤销的不计）"),
    "zombie_channels": ("僵尸账号", "本年度被列为僵尸账号（两周未更新）的本单位网站或账号"),
    "unapproved_channels": ("未经准入运行或关停后仍可访问",
                            "本年度检查发现未经准入即运行、或已关停仍可访问的本单位网站或账号（每个每年计一次）"),
}

DEFAULT_SHEET: dict[str, Any] = {
    "name": "年度考核评分表（默认）",
    "indicators": [
        {"key": "sign", "name": "按期签收", "kind": "rate", "rate": "sign_rate", "weight": 20, "when_none": "full"},
        {"key": "feedback", "name": "按期反馈", "kind": "rate", "rate": "feedback_rate", "weight": 30,
         "when_none": "full"},
        {"key": "resolution", "name": "问题解决", "kind": "rate", "rate": "resolution_rate", "weight": 30,
         "when_none": "full"},
        {"key": "satisfaction", "name": "群众满意", "kind": "rate", "rate": "satisfaction_rate", "weight": 20,
         "when_none": "full"},
        {"key": "overdue", "name": "逾期扣分", "kind": "per_count", "count": "overdue", "points": -2, "cap": -10},
        {"key": "supervision", "name": "督办扣分", "kind": "per_count", "count": "supervisions", "points": -1,
         "cap": -5},
        {"key": "spot_check", "name": "抽查未通过扣分", "kind": "per_count", "count": "spot_check_failed",
         "points": -3, "cap": -9},
        # 整改通知 overdue count against the unit like overdue cases (−2 each, at most −10).
        {"key": "correction_overdue", "name": "网站与新媒体整改逾期扣分", "kind": "channel_count",
         "count": "correction_overdue", "points": -2, "cap": -10},
        # 杜绝出现僵尸平台 (方案 §四): each channel found zombie in the year.
        {"key": "zombie", "name": "僵尸账号扣分", "kind": "channel_count", "count": "zombie_channels", "points": -2,
         "cap": -6},
        # 先审批后开设 (意见 §二.2): a site or account running without approval, or closed but still answering.
        {"key": "unapproved", "name": "未经准入运行或关停后仍可访问扣分", "kind": "channel_count",
         "count": "unapproved_channels", "points": -3, "cap": -9},
    ],
}
# Counts of one own channel in the assessed year (publish.figures.channel_assessment_rows): key → label.
SITE_COUNTS: dict[str, str] = {
    "zombie": "被列为僵尸账号", "mismatch": "发布内容与签发稿不一致", "unsigned": "未经签发发布",
    "broken_link": "链接失效", "wrong_word": "错敏词", "correction_overdue": "整改逾期", "correction_open": "整改未完成",
}
# Findings are counted from the channel checks; orders from the correction orders (the drill-down says which).
SITE_ORDER_COUNTS = frozenset({"correction_overdue", "correction_open"})
DEFAULT_CHANNEL_BASE = 100
DEFAULT_CHANNEL_INDICATORS: list[dict[str, Any]] = [
    # 杜绝出现僵尸平台 (方案 §四): the heaviest deduction, like a site that answers nobody.
    {"key": "zombie", "name": "僵尸账号扣分", "count": "zombie", "points": -20, "cap": -40},
    # 先审后发 (意见): what went live differs from what the leader signed, or was never signed.
    {"key": "mismatch", "name": "发布内容与签发稿不一致扣分", "count": "mismatch", "points": -10, "cap": -30},
    {"key": "unsigned", "name": "未经签发发布扣分", "count": "unsigned", "points": -5, "cap": -20},
    {"key": "broken_link", "name": "链接失效扣分", "count": "broken_link", "points": -2, "cap": -10},
    {"key": "wrong_word", "name": "错敏词扣分", "count": "wrong_word", "points": -2, "cap": -10},
    {"key": "correction_overdue", "name": "整改逾期扣分", "count": "correction_overdue", "points": -5, "cap": -20},
    {"key": "correction_open", "name": "整改未完成扣分", "count": "correction_open", "points": -2, "cap": -10},
]
SITE_NOTE = ("经准入的网站与新媒体账号以 {base} 分为基础，按本年度检查发现的问题和整改情况扣分（扣完为止），"
             "数字可点开对应的检查发现或整改通知；统计截至年度末，之后的整改不改变本年度得分。")
UNASSESSED_NOTE = ("未经准入（未申请、申请待审核或被退回）和已关停的网站与账号不参加排名，不能视为满分；"
                   "检查发现其未经准入仍在运行、或关停后仍可访问的，计入主办单位的考核扣分（见考核得分）。"
                   "准入状态按生成本报告时计。")
# Why a channel is not ranked, by its admission state (the registry's words).
UNASSESSED_REASONS: dict[str, str] = {
    "none": "未经审批开设（未申请准入）",
    "applied": "未经审批开设（准入申请待审核）",
    "rejected": "申请被退回（不予准入）",
    "closed": "已关停",
}

PUBLISH_NOTE = ("政务网站与新媒体账号计入考核：整改通知到期未整改到位的、被列为僵尸账号的、未经准入运行或关停后仍可访问的，"
                "按评分表扣分；数字可点开对应的整改通知和账号。")


class SheetError(ValueError):
    """The score sheet cannot be used (the message, in Chinese, says which indicator and why)."""


def _fmt(x: float) -> str:
    x = x + 0.0  # -0.0 reads 0, never "-0 分"
    return f"{x:g}" if x == int(x) else f"{x:.1f}"


def _rank(rows: list[dict[str, Any]]) -> None:
    """Ranks by score, highest first (rows sorted so): equal scores share a rank (1, 2, 2, 4)."""
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and row["score"] == rows[i - 1]["score"] else i + 1


def check_sheet(sheet: dict[str, Any]) -> dict[str, Any]:
    rates = {r[0] for r in RATES}
    indicators = sheet.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        raise SheetError("评分表须有 indicators 列表")
    for i, ind in enumerate(indicators, start=1):
        name = ind.get("name") or f"第 {i} 项"
        if ind.get("kind") == "rate":
            if ind.get("rate") not in rates:
                raise SheetError(f"评分表“{name}”：rate 须为 {'、'.join(sorted(rates))} 之一")
            if not isinstance(ind.get("weight"), int | float):
                raise SheetError(f"评分表“{name}”：weight 须为数字")
        elif ind.get("kind") in ("per_count", "channel_count"):
            known = COUNTS if ind["kind"] == "per_count" else CHANNEL_COUNTS
            if ind.get("count") not in known:
                raise SheetError(f"评分表“{name}”：count 须为 {'、'.join(known)} 之一")
            if not isinstance(ind.get("points"), int | float):
                raise SheetError(f"评分表“{name}”：points 须为数字")
        else:
            raise SheetError(f"评分表“{name}”：kind 须为 rate、per_count 或 channel_count")
    site = sheet.get("channel_indicators", DEFAULT_CHANNEL_INDICATORS)
    if not isinstance(site, list):
        raise SheetError("评分表的 channel_indicators 须为列表")
    for i, ind in enumerate(site, start=1):
        name = ind.get("name") or f"网站与账号第 {i} 项"
        if ind.get("count") not in SITE_COUNTS:
            raise SheetError(f"评分表“{name}”：count 须为 {'、'.join(SITE_COUNTS)} 之一")
        if not isinstance(ind.get("points"), int | float):
            raise SheetError(f"评分表“{name}”：points 须为数字")
    if not isinstance(sheet.get("channel_base", DEFAULT_CHANNEL_BASE), int | float):
        raise SheetError("评分表的 channel_base 须为数字")
    return sheet


def load_sheet(workspace: Path | None) -> dict[str, Any]:
    """The workspace's assessment.json, or the default sheet (its sites-and-accounts part when the file has none)."""
    path = Path(workspace) / "assessment.json" if workspace is not None else None
    if path is None or not path.exists():
        return {**copy.deepcopy(DEFAULT_SHEET), "channel_base": DEFAULT_CHANNEL_BASE,
                "channel_indicators": copy.deepcopy(DEFAULT_CHANNEL_INDICATORS)}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SheetError(f"无法读取 {path}：{exc}") from None
    if not isinstance(data, dict):
        raise SheetError(f"{path} 应为 JSON 对象")
    return check_sheet({"name": data.get("name", "年度考核评分表"), "channel_base": DEFAULT_CHANNEL_BASE,
                        "channel_indicators": copy.deepcopy(DEFAULT_CHANNEL_INDICATORS), **data})


def _score(row: dict[str, Any], ind: dict[str, Any]) -> dict[str, Any]:
    labels = {k: v[0] for k, v in COUNTS.items()}
    if ind["kind"] == "rate":
        rate = next(r for r in row["rates"] if r["key"] == ind["rate"])
        weight = float(ind["weight"])
        if rate["value"] is None:
            points = weight if ind.get("when_none", "full") == "full" else 0.0
            formula = f"{ind['name']} = {_fmt(weight)} 分（{rate['formula']}，按{'满分' if points else '零分'}计）"
        else:
            points = round(weight * rate["value"], 2)
            formula = f"{ind['name']} = {_fmt(weight)} × {rate['name']} = {_fmt(points)} 分（{rate['formula']}）"
        drill = [*rate["parts"], *rate["denominators"]]
    else:
        channel = ind["kind"] == "channel_count"
        if channel:
            labels = {k: v[0] for k, v in CHANNEL_COUNTS.items()}
            count = len((row.get("channel_ids") or {}).get(ind["count"], []))
        else:
            count = int(row["counts"][ind["count"]])
        per = float(ind["points"])
        raw = per * count
        cap = ind.get("cap")
        points = max(raw, float(cap)) if cap is not None and per < 0 else (
            min(raw, float(cap)) if cap is not None else raw)
        capped = f"，封顶 {_fmt(float(cap))} 分" if cap is not None and points != raw else ""
        formula = (f"{ind['name']} = {_fmt(per)} × {labels[ind['count']]} {count} = {_fmt(points)} 分"
                   f"{capped}")
        drill = [ind["count"]]
        if channel:
            key = ind["count"]
            return {"key": ind.get("key", ""), "name": ind["name"], "points": round(points, 2), "formula": formula,
                    "counts": [{"key": key, "name": labels[key], "count": count,
                                "link": channel_link(key, row.get("unit_id"))}]}
    return {"key": ind.get("key", ""), "name": ind["name"], "points": round(points, 2), "formula": formula,
            "counts": [{"key": k, "name": labels[k], "count": row["counts"][k]} for k in drill]}


def channel_link(key: str, unit_id: int | None) -> str:
    """Where a channel count opens: the unit's overdue correction orders, its channels found zombie, or those
    found running without approval or closed but answering (with what the check saw)."""
    unit = f"unit={unit_id}&" if unit_id is not None else ""
    flag = {"correction_overdue": "overdue", "unapproved_channels": "unapproved"}.get(key, "zombie")
    return f"/channels/orders?{unit}{flag}=1"


def assess(figures: dict[str, Any], sheet: dict[str, Any]) -> dict[str, Any]:
    """Each unit's score by the sheet, highest first (ties by name, sharing a rank), every point explained."""
    units = []
    for row in figures["units"]:
        points = [_score(row, ind) for ind in sheet["indicators"]]
        total = round(sum(p["points"] for p in points), 2) + 0.0
        units.append({"unit_id": row["unit_id"], "name": row["name"], "score": total, "points": points})
    units.sort(key=lambda u: (-u["score"], u["name"]))
    _rank(units)
    return {"sheet": sheet, "units": units, "note": PUBLISH_NOTE}


def _capped(per: float, count: int, cap: Any) -> tuple[float, str]:
    raw = per * count
    points = max(raw, float(cap)) if cap is not None and per < 0 else (min(raw, float(cap)) if cap is not None else raw)
    return points, (f"，封顶 {_fmt(float(cap))} 分" if cap is not None and points != raw else "")


def unassessed(row: dict[str, Any]) -> dict[str, Any] | None:
    """A channel that is not ranked (not admitted, or closed), with the reason and the evidence against its owner
    unit (the standing findings of the year); None for an admitted channel in service."""
    admission = row.get("admission", "approved")
    if admission == "approved":
        return None
    reason = UNASSESSED_REASONS.get(admission, "未经准入")
    live = row.get("answering")
    evidence = list(row.get("standing") or [])  # [{"id", "kind", "label", "detail", "found"}]
    if admission == "closed" and evidence:
        reason += "，但仍可访问"
    elif evidence:
        reason += "，仍在运行"
    return {"channel_id": row["channel_id"], "name": row["name"], "kind_label": row["kind_label"],
            "unit_id": row["unit_id"], "unit_name": row["unit_name"], "admission": admission,
            "admission_label": row.get("admission_label", admission), "reason": reason, "answering": live,
            "finding_ids": [e["id"] for e in evidence], "evidence": evidence,
            "counted_against_unit": bool(evidence) and row["unit_id"] is not None}


def assess_channels(rows: list[dict[str, Any]], sheet: dict[str, Any]) -> dict[str, Any]:
    """Each admitted own website and account in service scored from `channel_base` by the sheet's channel
    indicators, highest first (ties by name), every deduction with its formula and the ids of the findings or
    orders behind its count. The others are not ranked (a channel never admitted is not a perfect one): they
    are listed apart, each with why and the findings that count against its owner unit."""
    base = float(sheet.get("channel_base", DEFAULT_CHANNEL_BASE))
    indicators = sheet.get("channel_indicators", DEFAULT_CHANNEL_INDICATORS)
    out = []
    apart = []
    for row in rows:
        skipped = unassessed(row)
        if skipped is not None:
            apart.append(skipped)
            continue
        points = []
        for ind in indicators:
            key = ind["count"]
            ids = list(row["ids"].get(key, []))
            value, capped = _capped(float(ind["points"]), len(ids), ind.get("cap"))
            value += 0.0  # no "-0 分" for a count of 0
            points.append({"key": ind.get("key", key), "name": ind["name"], "points": round(value, 2),
                           "formula": f"{ind['name']} = {_fmt(float(ind['points']))} × {SITE_COUNTS[key]} {len(ids)}"
                                      f" = {_fmt(value)} 分{capped}",
                           "counts": [{"key": key, "name": SITE_COUNTS[key], "count": len(ids), "ids": ids,
                                       "orders": key in SITE_ORDER_COUNTS}]})
        score: float = round(max(0.0, base + sum(p["points"] for p in points)), 2)
        score = int(score) if score == int(score) else score  # 59 分, not 59.0 分
        out.append({"channel_id": row["channel_id"], "name": row["name"], "kind_label": row["kind_label"],
                    "unit_id": row["unit_id"], "unit_name": row["unit_name"], "score": score, "points": points})
    out.sort(key=lambda c: (-c["score"], c["name"]))
    _rank(out)
    apart.sort(key=lambda c: (not c["finding_ids"], c["unit_name"], c["name"]))  # the ones counted first
    return {"base": _fmt(base), "channels": out, "note": SITE_NOTE.format(base=_fmt(base)), "unassessed": apart,
            "unassessed_note": UNASSESSED_NOTE}
