"""Monthly statistics and the quarterly bulletin (月统计、季通报) per responsible unit (R-REPORT-3).

Computed from the case history (case_history rows, each with its time) replayed up to the end of the period,
so regenerating a past period gives the same numbers whatever happened to the cases since. `period_report()`
returns the figures every format shows (web page, DOCX, XLSX, PDF, `report monthly --json`).

How each case's history is read (the lead unit at each moment is the one of the last 交办/改派):
- an assignment (交办, 改派, 重新打开, 抽查未通过) starts an *episode* of the lead unit: its signing limit is the
  assignment time + `sign_within_hours` (reports.json), its deadline the one set then (an approved extension
  moves it); 退回, 上报, 不予立案 or the next assignment end it;
- an episode's signing is counted in the period in which its outcome became known: when it was signed, or
  when the limit passed unsigned (应签收); on time when signed by the limit (按期签收). An episode ended before
  its limit without signing is not counted. Feedback the same way with the deadline (应反馈, 按期反馈);
- a closing (销号) is counted in its period under the level the case had reached by the period's end:
  单位报结 (closed), 当事方确认 (confirmed), 抽查通过 (verified), or reopened since — never lumped;
- reminders (催办), 督办 and failed spot checks count when they happened, against the lead unit then;
- open overdue: with the unit at the period's end (已交办/已签收/办理中/反馈待单位领导审核) and past its deadline;
- discovery lag, for cases the unit first signed for in the period: first appearance online (the earliest
  publication, or capture, time of the case's posts) → discovery (the case opened), and discovery → signing.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import lifecycle as lc
from yuqing.reports.submissions import DAY_COUNTS, submission_days
from yuqing.store.tables import Case, Item, Unit
from yuqing.store.tables_case import CaseHistory, CaseItem

MONTHLY, QUARTERLY, YEARLY = "monthly", "quarterly", "yearly"
KIND_TITLES = {MONTHLY: "网络舆情处置月统计", QUARTERLY: "网络舆情处置季度通报", YEARLY: "网络舆情处置考核"}
# States in which the responsible unit holds the case (its deadline runs against it).
WITH_UNIT = lc.WITH_UNIT_STATES | lc.AWAITING_UNIT_LEADER
SATISFACTION = ("满意", "基本满意", "不满意")

# Every count: key → (label, what it counts). The order is the order of the tables.
COUNTS: dict[str, tuple[str, str]] = {
    "received": ("收到交办", "本期交办（含改派、重新打开）给该单位牵头办理的次数"),
    "sign_due": ("应签收", "本期签收时限届满或已签收的交办"),
    "signed_on_time": ("按期签收", "应签收中在签收时限内签收的"),
    "feedback_due": ("应反馈", "本期办理期限届满或已反馈的交办"),
    "feedback_on_time": ("按期反馈", "应反馈中在办理期限内提交反馈的"),
    "feedback_late": ("逾期反馈", "应反馈中超过期限才反馈或期满仍未反馈的"),
    "closed": ("本期销号", "本期销号的案件"),
    "closed_reported": ("单位报结", "本期销号、期末仍为单位报结的"),
    "closed_confirmed": ("当事方确认", "本期销号、期末已由当事方确认解决的"),
    "closed_verified": ("抽查通过", "本期销号、期末已抽查复核通过的"),
    "closed_reopened": ("销号后重新打开", "本期销号、期末前又被重新打开的"),
    "rated": ("有满意度评价", "本期当事方确认时给出满意度的"),
    "satisfied": ("满意", "满意度为“满意”"),
    "basically_satisfied": ("基本满意", "满意度为“基本满意”"),
    "unsatisfied": ("不满意", "满意度为“不满意”"),
    "reminders": ("催办", "本期催办次数（期限前提醒与逾期催办）"),
    "supervisions": ("督办", "本期督办次数（人工与自动）"),
    "overdue_open": ("期末逾期未办结", "期末仍在该单位办理且已超过办理期限的案件"),
    "overdue": ("逾期案件", "逾期反馈与期末逾期未办结的案件（去重）"),
    "spot_check_failed": ("抽查未通过", "本期抽查复核未通过的次数"),
    "signed": ("本期签收", "本期签收的交办（发现时滞的样本）"),
    # Daily submissions (每日报送): counted in days, not cases (reports/submissions.py).
    "submit_due": ("应报送", "每日报送名单中的单位本期截止时间已到的天数（按当天截止时的名单与截止时间）"),
    "submit_on_time": ("按期报送", "应报送中在当天截止时间前报送（含“今日无舆情”）的天数"),
    "submit_late": ("迟报", "应报送中截止后当天才报送的天数"),
    "submit_missing": ("未报送", "应报送中当天没有报送的天数"),
}
# (key, name, numerators, denominators): a rate is the sum of its numerators over the sum of its denominators.
# 解决率 counts the cases still open and overdue at the period's end in its denominator: a unit that sits on a
# case does not improve its rate by never closing it.
RATES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("sign_rate", "按期签收率", ("signed_on_time",), ("sign_due",)),
    ("feedback_rate", "按期反馈率", ("feedback_on_time",), ("feedback_due",)),
    ("reported_share", "单位报结占比", ("closed_reported",), ("closed",)),
    ("confirmed_share", "当事方确认占比", ("closed_confirmed",), ("closed",)),
    ("verified_share", "抽查通过占比", ("closed_verified",), ("closed",)),
    ("resolution_rate", "解决率", ("closed_confirmed", "closed_verified"), ("closed", "overdue_open")),
    ("satisfaction_rate", "满意率", ("satisfied", "basically_satisfied"), ("rated",)),
    ("submit_rate", "按期报送率", ("submit_on_time",), ("submit_due",)),
)
NOTES = (
    "数字按案件处置记录（每一步的时间）截至统计期末重算，之后案件的变化不影响本期数字；",
    "单位名称、案件标题为当前值；签收时限与表扬、通报条件按本平台的报告设置（未调整时用默认值）；",
    "解决率的分子列出当事方确认与抽查通过两项，单位报结不计为解决；分母含期末仍逾期未办结的案件。",
    "按期报送率按天计：每日报送名单与截止时间按审计记录截至统计期末重放，数字可点开对应的日期。",
)


class PeriodError(ValueError):
    """The period is not YYYY-MM, YYYY-Qn or YYYY (the message, in Chinese, says which is expected)."""


@dataclass(frozen=True, slots=True)
class Period:
    kind: str  # monthly | quarterly | yearly
    key: str  # 2026-11 | 2026-Q4 | 2026
    label: str  # 2026年11月 | 2026年第四季度 | 2026年度
    start: datetime  # China-time midnight, aware
    end: datetime  # exclusive

    @property
    def title(self) -> str:
        return f"{self.label}{KIND_TITLES[self.kind]}"


def _month_start(year: int, month: int) -> datetime:
    return datetime(year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=CHINA)


def parse_period(kind: str, value: str) -> Period:
    """A period of `kind` from "2026-11" (monthly), "2026-Q4" (quarterly) or "2026" (yearly)."""
    value = value.strip().upper()
    if kind == MONTHLY:
        m = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise PeriodError(f"月份请写成“2026-11”这样的年-月：“{value}”不是月份")
        y, mo = int(m.group(1)), int(m.group(2))
        return Period(kind, f"{y}-{mo:02d}", f"{y}年{mo}月", _month_start(y, mo), _month_start(y, mo + 1))
    if kind == QUARTERLY:
        m = re.fullmatch(r"(\d{4})-?Q([1-4])", value)
        if not m:
            raise PeriodError(f"季度请写成“2026-Q4”这样的年-季度（季度为 1–4）：“{value}”不是季度")
        y, q = int(m.group(1)), int(m.group(2))
        names = "一二三四"
        return Period(kind, f"{y}-Q{q}", f"{y}年第{names[q - 1]}季度", _month_start(y, 3 * q - 2),
                      _month_start(y, 3 * q + 1))
    if kind == YEARLY:
        if not re.fullmatch(r"\d{4}", value):
            raise PeriodError(f"年度请写成“2026”这样的四位年份：“{value}”不是年份")
        y = int(value)
        return Period(kind, str(y), f"{y}年度", _month_start(y, 1), _month_start(y + 1, 1))
    raise PeriodError(f"未知的统计周期：{kind}")


def previous_period(kind: str, today: date) -> Period:
    """The last complete month, quarter or year before `today` (China time)."""
    if kind == MONTHLY:
        y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        return parse_period(MONTHLY, f"{y}-{m:02d}")
    if kind == YEARLY:
        return parse_period(YEARLY, str(today.year - 1))
    q = (today.month - 1) // 3
    y, q = (today.year, q) if q else (today.year - 1, 4)
    return parse_period(QUARTERLY, f"{y}-Q{q}")


@dataclass(slots=True)
class Episode:
    """One assignment of a case to a lead unit, until the next assignment (or a return, escalation)."""

    case_id: int
    unit_id: int
    start: datetime
    sign_limit: datetime
    due: datetime | None
    signed_at: datetime | None = None
    feedback_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(slots=True)
class Tally:
    """One unit's (or the district's) counts, each with the cases behind it (a case id per occurrence)."""

    cases: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in COUNTS if k not in DAY_COUNTS})
    days: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in DAY_COUNTS})  # ISO dates
    sign_lag: list[tuple[int, float]] = field(default_factory=list)  # (case, hours discovery → signing)
    online_lag: list[tuple[int, float]] = field(default_factory=list)  # (case, hours online → discovery)

    def add(self, key: str, case_id: int) -> None:
        self.cases[key].append(case_id)


def _dt(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return aware(value)
    try:
        return aware(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _cst(dt: datetime | None) -> str:
    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if dt else ""


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rate_text(name: str, parts: list[tuple[str, int]], dens: list[tuple[str, int]], value: float | None) -> str:
    """按期签收率 = 按期签收 37 / 应签收 41 = 90.2% (several numerators or denominators are summed, in brackets)."""
    def side(terms: list[tuple[str, int]]) -> str:
        text = " + ".join(f"{label} {n}" for label, n in terms)
        return f"（{text}）" if len(terms) > 1 else text

    zero = "与".join(label for label, _ in dens)
    result = pct(value) if value is not None else f"无（{zero}为 0）"
    return f"{name} = {side(parts)} / {side(dens)} = {result}"


def _in(dt: datetime | None, start: datetime, end: datetime) -> bool:
    return dt is not None and start <= dt < end


def _replay(rows: list[CaseHistory], sign_hours: float, as_of: datetime) -> dict[str, Any]:
    """One case's history up to `as_of`: its episodes and the dated happenings with the lead unit then."""
    episodes: list[Episode] = []
    current: Episode | None = None
    lead: int | None = None
    state: str | None = None
    opened: datetime | None = None
    happenings: list[tuple[str, datetime, int | None, dict[str, Any]]] = []  # (what, when, unit, detail)
    for row in rows:
        at = aware(row.at)
        if at >= as_of:
            break
        detail = row.detail or {}
        act = row.action
        if row.to_state is not None:
            state = row.to_state
        if act == "open":
            opened = opened or at
        if act in ("assign", "reassign", "reopen", "fail_check"):
            if act == "fail_check":
                happenings.append(("spot_check_failed", at, lead, detail))
            if current is not None and current.ended_at is None:
                current.ended_at = at
            if act in ("assign", "reassign") and detail.get("lead_unit_id") is not None:
                lead = int(detail["lead_unit_id"])
            if act in ("reopen", "fail_check"):
                happenings.append(("reopened", at, lead, detail))
            if lead is not None:
                current = Episode(row.case_id, lead, at, at + timedelta(hours=sign_hours), _dt(detail.get("due_at")))
                episodes.append(current)
        elif act in ("return", "escalate", "dismiss"):
            if current is not None and current.ended_at is None:
                current.ended_at = at
        elif act == "sign" and current is not None and current.ended_at is None:
            current.signed_at = current.signed_at or at
        elif act == "submit_feedback" and current is not None and current.ended_at is None:
            current.feedback_at = current.feedback_at or at
        elif act == "extension_approved" and current is not None and current.ended_at is None:
            current.due = _dt(detail.get("due_at")) or current.due
        elif act in ("close", "confirm", "pass_check", "remind", "supervise"):
            happenings.append((act, at, lead, detail))
    return {"episodes": episodes, "state": state, "opened": opened, "happenings": happenings,
            "current": current if current is not None and current.ended_at is None else None}


def _first_online(session: Session, cases: list[Case], as_of: datetime) -> dict[int, datetime]:
    """Each case's earliest post: its attached posts and its event's posts, published (or else captured)
    by `as_of`."""
    out: dict[int, datetime] = {}

    def take(case_id: int, published: datetime | None, captured: datetime) -> None:
        when = aware(published) if published is not None else aware(captured)
        if case_id not in out or when < out[case_id]:
            out[case_id] = when

    ids = [c.id for c in cases]
    for case_id, published, captured in session.execute(
            select(CaseItem.case_id, Item.published_at, Item.captured_at).join(Item, Item.id == CaseItem.item_id)
            .where(CaseItem.case_id.in_(ids), Item.captured_at < as_of)):
        take(case_id, published, captured)
    by_event: dict[int, list[int]] = defaultdict(list)
    for c in cases:
        if c.event_id is not None:
            by_event[c.event_id].append(c.id)
    if by_event:
        for event_id, published, captured in session.execute(
                select(Item.event_id, func.min(Item.published_at), func.min(Item.captured_at))
                .where(Item.event_id.in_(list(by_event)), Item.captured_at < as_of).group_by(Item.event_id)):
            for case_id in by_event.get(event_id or 0, []):
                take(case_id, published, captured)
    return out


def _tally(session: Session, period: Period, as_of: datetime, sign_hours: float) -> dict[int, Tally]:
    start, end = period.start, as_of
    cases = list(session.execute(select(Case).where(Case.created_at < as_of).order_by(Case.id)).scalars())
    rows: dict[int, list[CaseHistory]] = defaultdict(list)
    for row in session.execute(select(CaseHistory).where(CaseHistory.at < as_of)
                               .order_by(CaseHistory.case_id, CaseHistory.at, CaseHistory.id)).scalars():
        rows[row.case_id].append(row)
    online = _first_online(session, cases, as_of)
    tallies: dict[int, Tally] = defaultdict(Tally)
    for case in cases:
        r = _replay(rows.get(case.id, []), sign_hours, as_of)
        late: set[int] = set()
        episodes: list[Episode] = r["episodes"]
        first_signed = next((ep for ep in episodes if ep.signed_at is not None), None)
        for ep in episodes:
            t = tallies[ep.unit_id]
            if _in(ep.start, start, end):
                t.add("received", case.id)
            # Signing: known when signed, or when the limit passed unsigned (unless the episode ended first).
            on_time = ep.signed_at is not None and ep.signed_at <= ep.sign_limit
            known = ep.signed_at if on_time else ep.sign_limit
            if _in(known, start, end) and (on_time or ep.ended_at is None or ep.ended_at >= ep.sign_limit):
                t.add("sign_due", case.id)
                if on_time:
                    t.add("signed_on_time", case.id)
            if _in(ep.signed_at, start, end):
                t.add("signed", case.id)
                if ep is first_signed and r["opened"] is not None and ep.signed_at is not None:
                    t.sign_lag.append((case.id, (ep.signed_at - r["opened"]).total_seconds() / 3600))
                    first = online.get(case.id)
                    if first is not None:
                        t.online_lag.append((case.id, max(0.0, (r["opened"] - first).total_seconds() / 3600)))
            if ep.due is not None:
                fb_on_time = ep.feedback_at is not None and ep.feedback_at <= ep.due
                known = ep.feedback_at if fb_on_time else ep.due
                if _in(known, start, end) and (fb_on_time or ep.ended_at is None or ep.ended_at >= ep.due):
                    t.add("feedback_due", case.id)
                    if fb_on_time:
                        t.add("feedback_on_time", case.id)
                    else:
                        t.add("feedback_late", case.id)
                        late.add(ep.unit_id)
        cur: Episode | None = r["current"]
        if (cur is not None and r["state"] in WITH_UNIT and cur.due is not None and cur.due < as_of):
            tallies[cur.unit_id].add("overdue_open", case.id)
            late.add(cur.unit_id)
        for unit_id in late:
            tallies[unit_id].add("overdue", case.id)
        # Closings in the period, by the level reached by the period's end.
        closing: tuple[int, str] | None = None
        for what, at, unit_id, detail in r["happenings"]:
            if unit_id is None:
                continue
            if what == "close" and _in(at, start, end):
                closing = (unit_id, "closed_reported")
            elif what == "confirm" and closing is not None and closing[1] == "closed_reported":
                closing = (closing[0], "closed_confirmed")
            elif what == "pass_check" and closing is not None and closing[1] != "closed_reopened":
                closing = (closing[0], "closed_verified")
            elif what == "reopened" and closing is not None:
                closing = (closing[0], "closed_reopened")
            if not _in(at, start, end):
                continue
            if what == "confirm":
                given = str(detail.get("satisfaction") or "")
                if given in SATISFACTION:
                    tallies[unit_id].add("rated", case.id)
                    key = {"满意": "satisfied", "基本满意": "basically_satisfied"}.get(given, "unsatisfied")
                    tallies[unit_id].add(key, case.id)
            elif what == "remind":
                tallies[unit_id].add("reminders", case.id)
            elif what == "supervise":
                tallies[unit_id].add("supervisions", case.id)
            elif what == "spot_check_failed":
                tallies[unit_id].add("spot_check_failed", case.id)
        if closing is not None:
            tallies[closing[0]].add("closed", case.id)
            tallies[closing[0]].add(closing[1], case.id)
    return tallies


def _lag(values: list[tuple[int, float]]) -> dict[str, Any]:
    hours = [h for _, h in values]
    return {"n": len(hours), "average_hours": round(statistics.fmean(hours), 1) if hours else None,
            "median_hours": round(statistics.median(hours), 1) if hours else None,
            "cases": [{"case_id": c, "hours": round(h, 1)} for c, h in values]}


def unit_figures(unit_id: int | None, name: str, t: Tally) -> dict[str, Any]:
    """One row of the bulletin: counts, the case ids behind each, rates with formulas, discovery lags."""
    counts = {k: len(v) for k, v in t.cases.items()}
    counts["overdue"] = len(set(t.cases["overdue"]))
    counts.update({k: len(v) for k, v in t.days.items()})
    rates = []
    for key, label, nums, dens in RATES:
        numerator = sum(counts[n] for n in nums)
        denominator = sum(counts[d] for d in dens)
        value = numerator / denominator if denominator else None
        parts = [(COUNTS[n][0], counts[n]) for n in nums]
        rates.append({"key": key, "name": label, "numerator": numerator, "denominator": denominator,
                      "value": round(value, 4) if value is not None else None,
                      "percent": pct(value),
                      "formula": rate_text(label, parts, [(COUNTS[d][0], counts[d]) for d in dens], value),
                      "parts": list(nums), "denominators": list(dens)})
    return {"unit_id": unit_id, "name": name, "counts": counts,
            "cases": {k: sorted(set(v)) for k, v in t.cases.items()},
            "days": {k: sorted(v) for k, v in t.days.items()},
            "rates": rates, "online_to_discovery": _lag(t.online_lag), "discovery_to_sign": _lag(t.sign_lag)}


def _rate(row: dict[str, Any], key: str) -> float | None:
    return next(r["value"] for r in row["rates"] if r["key"] == key)


def judge(row: dict[str, Any], config: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Reasons to commend and to criticise one unit (reasons to commend only when every condition holds)."""
    c = row["counts"]
    due = c["sign_due"] + c["feedback_due"]
    sign, feedback = _rate(row, "sign_rate"), _rate(row, "feedback_rate")
    good, bad = [], []
    cm, cr = config["commend"], config["criticise"]
    if due >= cm["min_cases"]:
        checks = [
            (sign is None or sign >= cm["sign_rate_min"], f"按期签收率 {pct(sign)}（不低于 {pct(cm['sign_rate_min'])}）"),
            (feedback is None or feedback >= cm["feedback_rate_min"],
             f"按期反馈率 {pct(feedback)}（不低于 {pct(cm['feedback_rate_min'])}）"),
            (c["overdue"] <= cm["overdue_max"], f"逾期案件 {c['overdue']} 件（不超过 {cm['overdue_max']} 件）"),
            (c["spot_check_failed"] <= cm["spot_check_failures_max"],
             f"抽查未通过 {c['spot_check_failed']} 次（不超过 {cm['spot_check_failures_max']} 次）"),
            (c["supervisions"] <= cm["supervisions_max"],
             f"督办 {c['supervisions']} 次（不超过 {cm['supervisions_max']} 次）"),
        ]
        if all(ok for ok, _ in checks):
            good = [f"应签收与应反馈共 {due} 件"] + [why for _, why in checks]
    if due >= cr["min_cases"] or c["overdue"] or c["spot_check_failed"] or c["supervisions"]:
        if sign is not None and sign < cr["sign_rate_below"]:
            bad.append(f"按期签收率 {pct(sign)}，低于 {pct(cr['sign_rate_below'])}")
        if feedback is not None and feedback < cr["feedback_rate_below"]:
            bad.append(f"按期反馈率 {pct(feedback)}，低于 {pct(cr['feedback_rate_below'])}")
        if c["overdue"] >= cr["overdue_at_least"]:
            bad.append(f"逾期案件 {c['overdue']} 件（达到 {cr['overdue_at_least']} 件）")
        if c["spot_check_failed"] >= cr["spot_check_failures_at_least"]:
            bad.append(f"抽查未通过 {c['spot_check_failed']} 次（达到 {cr['spot_check_failures_at_least']} 次）")
        if c["supervisions"] >= cr["supervisions_at_least"]:
            bad.append(f"督办 {c['supervisions']} 次（达到 {cr['supervisions_at_least']} 次）")
    return good, bad


def period_report(session: Session, period: Period, config: dict[str, Any],
                  now: datetime | None = None) -> dict[str, Any]:
    """The figures of one month or quarter, as of its end (or now, while it runs)."""
    now = aware(now or utcnow())
    as_of = min(period.end, now)
    sign_hours = float(config["sign_within_hours"])
    tallies = _tally(session, period, as_of, sign_hours)
    submitted = submission_days(session, period.start, as_of)
    for unit_id, unit_days in submitted.items():
        for key, iso_days in unit_days.days.items():
            tallies[unit_id].days[key].extend(iso_days)
    units = {u.id: u for u in session.execute(select(Unit).order_by(Unit.id)).scalars()}
    listed = [u for u in units.values()
              if u.id in tallies or (u.active and u.kind != "office" and aware(u.created_at) < as_of)]
    rows = [unit_figures(u.id, u.name, tallies.get(u.id, Tally())) for u in listed]
    for row in rows:  # each owed day's cut-off and first submission, for the drill-down
        owed = submitted.get(row["unit_id"])
        row["day_info"] = {d: {"cutoff": owed.cutoff[d], "first_at": owed.first_at.get(d)}
                           for d in owed.cutoff} if owed else {}
    total = Tally()
    for unit_id, t in tallies.items():
        for key, ids in t.cases.items():
            total.cases[key].extend(ids)
        name = units[unit_id].name if unit_id in units else str(unit_id)
        for key, iso_days in t.days.items():  # the district's days name their unit: "2026-11-03 区应急办"
            total.days[key].extend(f"{d} {name}" for d in iso_days)
        total.sign_lag.extend(t.sign_lag)
        total.online_lag.extend(t.online_lag)
    total_row = unit_figures(None, "全区合计", total)
    # A case overdue for two units counts once in the district's total.
    commend, criticise = [], []
    for row in rows:
        good, bad = judge(row, config)
        if good:
            commend.append({"unit_id": row["unit_id"], "name": row["name"], "reasons": good})
        if bad:
            criticise.append({"unit_id": row["unit_id"], "name": row["name"], "reasons": bad})
    return {
        "kind": period.kind, "period": period.key, "label": period.label, "title": period.title,
        "start": _cst(period.start), "end": _cst(period.end), "as_of": _cst(as_of),
        "complete": as_of >= period.end,
        "config": {"sign_within_hours": sign_hours, "commend": config["commend"], "criticise": config["criticise"]},
        "count_labels": {k: v[0] for k, v in COUNTS.items()},
        "definitions": [{"key": k, "name": v[0], "meaning": v[1]} for k, v in COUNTS.items()],
        "units": rows, "total": total_row, "commend": commend, "criticise": criticise,
        "notes": list(NOTES),
    }
