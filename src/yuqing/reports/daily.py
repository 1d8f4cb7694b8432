"""The daily report (网络舆情日报告表) of one China-time day, computed from the stored data (R-REPORT-1).

Pure computation: `daily_report(session, day)` returns a `DailyReport`; its `figures()` is the JSON the
web page, the DOCX, the XLSX and `yuqing report daily --json` all show, so every format has the same numbers.

Numbers are as of the end of the day (or now, for today), from stored timestamps where the data allows:
- items belong to the day they were published (the capture time when the publication time is unknown);
- events are new when first seen that day; their grade is the last grade change (event_grades) by then;
- a case's state is the last transition in its history by then; overdue means open by then and past due;
- a source's state for the day comes from that day's fetch runs and the last item collected by then.
Not historical (today's values are used; see `NOT_HISTORICAL`): relevance, sentiment, areas and places of
items (the analysis can be re-run), event titles, case deadlines (an extension moves `due_at`), and items
published that day but collected later (they appear when the report is regenerated).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware, utcnow
from yuqing.collect.health import fail_threshold, stale_after
from yuqing.domain import lifecycle as lc
from yuqing.domain.grading import GRADE_LABELS
from yuqing.store.tables import Assignment, Case, Event, EventGrade, FetchRun, Item, Source, Unit
from yuqing.store.tables_case import CaseHistory

TITLE = "网络舆情日报告表"
TOP_ITEMS = 10
TOP_EVENTS = 10
SENTIMENTS = (("negative", "负面"), ("neutral", "中性"), ("positive", "正面"), (None, "未分析"))
SOURCE_STATES = {"down": "故障", "blocked": "被封禁", "stale": "无更新"}
UNIT_REPORTS_NOTE = "各单位直报功能尚未上线：上线后，此处列出各单位当日直报的条数与内容（后续版本）。"  # older reports
UNIT_REPORTS_EXPLAINED = "按时报送：截止时间前有报送（含“今日无舆情”）；迟报：只在截止时间后报送；未报送：截止时间已过仍未报送。"
NOT_HISTORICAL = (
    "涉区判定、情感、领域和地点为当前分析结果（分析可重跑）；",
    "事件标题为当前标题；案件期限为当前期限（批准延期会改变期限）；",
    "当日发布但次日之后才采集的信息，在重新生成时计入。",
)


@dataclass(frozen=True, slots=True)
class Count:
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    title: str
    grade: str | None
    grade_label: str
    first_seen: str
    items_today: int
    items_before: int  # the day before
    items_total: int  # up to the end of the day


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    title: str
    source: str
    published: str
    captured: str
    url: str
    content_hash: str
    raw_sha256: str
    sentiment: str
    engagement: int  # reposts + comments + likes
    event_id: int | None


@dataclass(frozen=True, slots=True)
class OverdueRow:
    id: int
    title: str
    state: str
    units: str
    due: str
    overdue_hours: int


@dataclass(frozen=True, slots=True)
class SourceRow:
    id: int
    name: str
    state: str  # down | blocked | stale
    label: str
    runs: int
    failed: int
    last_new_item: str


@dataclass(slots=True)
class DailyReport:
    """The figures of one day's report; see the module docstring for what "as of" means."""

    day: str  # YYYY-MM-DD (China time)
    as_of: str  # the end of the day, or the time it was computed for today (China time)
    title: str = TITLE
    totals: dict[str, int] = field(default_factory=dict)
    by_source: list[Count] = field(default_factory=list)
    by_sentiment: list[Count] = field(default_factory=list)
    by_topic: list[Count] = field(default_factory=list)
    by_place: list[Count] = field(default_factory=list)
    new_events: list[EventRow] = field(default_factory=list)
    rising_events: list[EventRow] = field(default_factory=list)
    top_items: list[ItemRow] = field(default_factory=list)
    case_states: list[Count] = field(default_factory=list)
    case_totals: dict[str, int] = field(default_factory=dict)
    overdue: list[OverdueRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)
    unit_reports: dict[str, Any] = field(default_factory=lambda: {"available": False, "note": UNIT_REPORTS_NOTE})
    notes: list[str] = field(default_factory=lambda: list(NOT_HISTORICAL))

    def figures(self) -> dict[str, Any]:
        """The report as one JSON-serialisable object (what is stored and what `--json` prints)."""
        return asdict(self)


def day_window(day: date) -> tuple[datetime, datetime]:
    """The China-time day as [start, end) in UTC-aware datetimes."""
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA)
    return start, start + timedelta(days=1)


def _cst(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return aware(dt).astimezone(CHINA).strftime(fmt) if dt else ""


def _when(published: datetime | None, captured: datetime) -> datetime:
    return aware(published) if published is not None else aware(captured)


def _in(start: datetime, end: datetime) -> Any:
    """Items of [start, end): published then, or captured then when the publication time is unknown."""
    return or_(and_(Item.published_at >= start, Item.published_at < end),
               and_(Item.published_at.is_(None), Item.captured_at >= start, Item.captured_at < end))


def latest_day(session: Session, now: datetime | None = None) -> date | None:
    """The latest China-time day with items (not after today)."""
    now = aware(now or utcnow())
    published = session.execute(select(func.max(Item.published_at)).where(Item.published_at <= now)).scalar()
    captured = session.execute(select(func.max(Item.captured_at))
                               .where(Item.published_at.is_(None), Item.captured_at <= now)).scalar()
    times = [aware(t) for t in (published, captured) if t is not None]
    return max(times).astimezone(CHINA).date() if times else None


def _names(values: list[Any] | None) -> list[str]:
    out = []
    for v in values or []:
        name = v.get("name") if isinstance(v, dict) else v
        if name:
            out.append(str(name))
    return list(dict.fromkeys(out))


def _ranked(counter: Counter[str]) -> list[Count]:
    return [Count(name, n) for name, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def daily_report(session: Session, day: date, now: datetime | None = None) -> DailyReport:
    """Compute the daily report of `day` as of its end (or of `now`, when the day is not over)."""
    now = aware(now or utcnow())
    start, end = day_window(day)
    as_of = min(end, now)
    report = DailyReport(day=day.isoformat(), as_of=_cst(as_of))
    _items_and_events(session, report, start, end, as_of)
    _cases(session, report, start, as_of)
    _sources(session, report, start, as_of)
    _unit_reports(session, report, day, as_of)
    return report


def _unit_reports(session: Session, report: DailyReport, day: date, as_of: datetime) -> None:
    """各单位直报情况: each daily-reporting unit on time / late / missing (as of the report), and how many
    items the other units reported that day."""
    from yuqing.collect.direct_duty import day_status
    from yuqing.store.tables_direct import DirectReport

    units = [u.to_dict() for u in day_status(session, day, as_of)]
    for u in units:  # as of the report: later submissions appear when it is regenerated
        u["first_at"] = _cst(datetime.fromisoformat(u["first_at"]), "%H:%M") if u["first_at"] else None
    duty_ids = {u["unit_id"] for u in units}
    others: Counter[str] = Counter()
    rows = session.execute(select(Unit.name, DirectReport.unit_id).join(Unit, Unit.id == DirectReport.unit_id)
                           .where(DirectReport.report_date == day, DirectReport.kind != "nothing",
                                  DirectReport.submitted_at <= as_of))
    for name, unit_id in rows:
        if unit_id not in duty_ids:
            others[name] += 1
    counts = Counter(u["state"] for u in units)
    # The daily report is made at 16:30, before the 17:00 cut-off: say as of when, and name who has not
    # submitted yet (not "missing": the cut-off job reminds them, and a regenerated report counts them).
    end = day_window(day)[1]
    at = "24:00" if as_of >= end else _cst(as_of, "%H:%M")
    for u in units:
        if u["state"] == "pending":
            u["state_label"] = f"截至{at}未报送"
    pending = [u["unit"] for u in units if u["state"] == "pending"]
    report.unit_reports = {"available": True, "units": units, "others": [asdict(c) for c in _ranked(others)],
                           "on_time": counts["on_time"], "late": counts["late"], "missing": counts["missing"],
                           "pending": counts["pending"], "note": UNIT_REPORTS_EXPLAINED,
                           "as_of_time": at, "as_of": _cst(as_of) if as_of < end else f"{day.isoformat()} 24:00",
                           "pending_units": pending,
                           "pending_note": (f"本节按 {at} 的报送情况统计，尚未到截止时间的单位列为“截至{at}未报送”；截止时仍未报送的，"
                                            "由截止检查提醒并告知办公室，重新生成的日报和月统计计为未报送。")
                           if pending else ""}


def _items_and_events(session: Session, report: DailyReport, start: datetime, end: datetime,
                      as_of: datetime) -> None:
    rows = session.execute(
        select(Item.id, Item.title, Item.text, Item.url, Item.published_at, Item.captured_at, Item.content_hash,
               Item.raw_sha256, Item.relevant, Item.sentiment, Item.topics, Item.places, Item.reposts,
               Item.comments, Item.likes, Item.event_id, Item.duplicate_of_id, Source.name)
        .join(Source, Source.id == Item.source_id)
        .where(_in(start, end))
    ).all()
    relevant = [r for r in rows if r.relevant]
    sentiments = Counter(r.sentiment if r.sentiment in ("negative", "neutral", "positive") else None
                         for r in relevant)
    report.totals = {
        "collected": len(rows),
        "relevant": len(relevant),
        "negative": sentiments.get("negative", 0),
        "not_analysed": sum(1 for r in rows if r.relevant is None),
        "new_events": 0,
        "rising_events": 0,
    }
    report.by_source = _ranked(Counter(r.name for r in relevant))
    report.by_sentiment = [Count(label, sentiments.get(code, 0)) for code, label in SENTIMENTS]
    report.by_topic = _ranked(Counter(t for r in relevant for t in _names(r.topics)))
    report.by_place = _ranked(Counter(p for r in relevant for p in _names(r.places)))

    top = sorted((r for r in relevant if r.duplicate_of_id is None),
                 key=lambda r: (-(r.reposts + r.comments + r.likes), -_when(r.published_at, r.captured_at).timestamp(),
                                r.id))[:TOP_ITEMS]
    labels = dict((code, label) for code, label in SENTIMENTS if code)
    report.top_items = [ItemRow(
        id=r.id, title=(r.title or r.text or "")[:80], source=r.name, published=_cst(r.published_at),
        captured=_cst(r.captured_at), url=r.url or "", content_hash=r.content_hash, raw_sha256=r.raw_sha256 or "",
        sentiment=labels.get(r.sentiment or "", "未分析"), engagement=r.reposts + r.comments + r.likes,
        event_id=r.event_id) for r in top]

    # Events: new that day, or rising (more items that day than the day before). Merged events are left out.
    today = Counter(r.event_id for r in relevant if r.event_id is not None)
    new_ids = set(session.execute(select(Event.id).where(
        Event.merged_into_id.is_(None), Event.first_seen_at >= start, Event.first_seen_at < as_of)).scalars())
    ids = new_ids | set(today)
    if not ids:
        return
    events = {e.id: e for e in session.execute(
        select(Event).where(Event.id.in_(ids), Event.merged_into_id.is_(None))).scalars()}
    before = Counter(session.execute(select(Item.event_id).where(
        Item.event_id.in_(events), Item.relevant.is_(True), _in(start - timedelta(days=1), start))).scalars())
    total = dict(session.execute(select(Item.event_id, func.count(Item.id)).where(
        Item.event_id.in_(events), Item.relevant.is_(True),
        or_(Item.published_at < end, and_(Item.published_at.is_(None), Item.captured_at < end)))
        .group_by(Item.event_id)).all())
    grades = grades_as_of(session, events.values(), as_of)

    def row(e: Event) -> EventRow:
        grade = grades.get(e.id)
        return EventRow(id=e.id, title=e.title, grade=grade, grade_label=GRADE_LABELS.get(grade or "", "未定级"),
                        first_seen=_cst(e.first_seen_at), items_today=today.get(e.id, 0),
                        items_before=before.get(e.id, 0), items_total=int(total.get(e.id, 0)))

    def order(e: Event) -> tuple[Any, ...]:
        return (_grade_rank(grades.get(e.id)), -today.get(e.id, 0), e.id)

    report.new_events = [row(e) for e in sorted((events[i] for i in new_ids if i in events), key=order)]
    rising = [e for e in events.values()
              if e.id not in new_ids and today.get(e.id, 0) > before.get(e.id, 0)]
    report.rising_events = [row(e) for e in sorted(rising, key=order)][:TOP_EVENTS]
    report.totals["new_events"] = len(report.new_events)
    report.totals["rising_events"] = len(rising)


def _grade_rank(grade: str | None) -> int:
    return {"I": 0, "II": 1, "III": 2, "IV": 3}.get(grade or "", 4)


def grades_as_of(session: Session, events: Any, as_of: datetime) -> dict[int, str | None]:
    """Each event's grade at `as_of`: the last grade change by then; an event graded before grade history
    was kept (no history rows) keeps its current grade."""
    events = list(events)
    history: dict[int, list[tuple[datetime, int, str | None]]] = defaultdict(list)
    for event_id, at, gid, to_grade in session.execute(
            select(EventGrade.event_id, EventGrade.at, EventGrade.id, EventGrade.to_grade)
            .where(EventGrade.event_id.in_([e.id for e in events]))):
        history[event_id].append((aware(at), gid, to_grade))
    out: dict[int, str | None] = {}
    for e in events:
        rows = history.get(e.id)
        if not rows:
            out[e.id] = e.grade
            continue
        by_then = [r for r in rows if r[0] <= as_of]
        out[e.id] = max(by_then)[2] if by_then else None
    return out


def _cases(session: Session, report: DailyReport, start: datetime, as_of: datetime) -> None:
    cases = list(session.execute(select(Case).where(Case.created_at <= as_of)).scalars())
    if not cases:
        report.case_totals = {"total": 0, "open": 0, "new": 0, "closed": 0, "solved": 0, "overdue": 0}
        return
    ids = [c.id for c in cases]
    history: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    seen: set[int] = set()
    for case_id, at, hid, to_state in session.execute(
            select(CaseHistory.case_id, CaseHistory.at, CaseHistory.id, CaseHistory.to_state)
            .where(CaseHistory.case_id.in_(ids), CaseHistory.to_state.is_not(None))):
        seen.add(case_id)
        if aware(at) <= as_of:
            history[case_id].append((aware(at), hid, str(to_state)))
    states: dict[int, str] = {}
    for c in cases:
        if history.get(c.id):
            states[c.id] = max(history[c.id])[2]
        else:  # history exists but starts later: it was still found; no history at all: its current state
            states[c.id] = lc.FOUND if c.id in seen else c.state
    counts = Counter(states.values())
    report.case_states = [Count(lc.STATE_LABELS[s], counts[s]) for s in lc.STATES if counts.get(s)]
    units: dict[int, list[str]] = defaultdict(list)
    for case_id, name, role in session.execute(
            select(Assignment.case_id, Unit.name, Assignment.role).join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.case_id.in_(ids)).order_by(Assignment.case_id, Assignment.role.desc(), Unit.name)):
        units[case_id].append(name if role == "lead" else f"{name}（协办）")
    overdue = sorted((c for c in cases if lc.is_open(states[c.id]) and c.due_at is not None
                      and aware(c.due_at) < as_of), key=lambda c: (aware(c.due_at), c.id))  # type: ignore[arg-type]
    report.overdue = [OverdueRow(
        id=c.id, title=c.title, state=lc.STATE_LABELS.get(states[c.id], states[c.id]), units="、".join(units[c.id]),
        due=_cst(c.due_at), overdue_hours=int((as_of - aware(c.due_at)).total_seconds() // 3600))  # type: ignore[arg-type]
        for c in overdue]
    report.case_totals = {
        "total": len(cases),
        "open": sum(1 for s in states.values() if lc.is_open(s)),
        "new": sum(1 for c in cases if aware(c.created_at) >= start),
        "closed": sum(1 for s in states.values() if s in lc.CLOSED_STATES),
        "solved": sum(1 for s in states.values() if s in lc.SOLVED_STATES),
        "overdue": len(overdue),
    }


def _sources(session: Session, report: DailyReport, start: datetime, as_of: datetime) -> None:
    """Sources down (every run that day failed, or as many in a row as the source allows), blocked (a run
    was refused: 403/418/429) or stale (nothing new for longer than the source's cadence) on the day."""
    sources = list(session.execute(select(Source).where(Source.created_at <= as_of)
                                   .order_by(Source.id)).scalars())
    runs: dict[int, list[FetchRun]] = defaultdict(list)
    for run in session.execute(select(FetchRun).where(FetchRun.started_at >= start, FetchRun.started_at <= as_of)
                               .order_by(FetchRun.started_at, FetchRun.id)).scalars():
        runs[run.source_id].append(run)
    last_item = dict(session.execute(select(Item.source_id, func.max(Item.captured_at))
                                     .where(Item.captured_at <= as_of).group_by(Item.source_id)).all())
    out = []
    for src in sources:
        day_runs = [r for r in runs.get(src.id, []) if r.status != "running"]
        failed = sum(1 for r in day_runs if r.status in ("error", "blocked"))
        streak = 0
        for r in day_runs:
            streak = streak + 1 if r.status in ("error", "blocked") else 0
        last = last_item.get(src.id)
        state = None
        if any(r.status == "blocked" for r in day_runs):
            state = "blocked"
        elif day_runs and (failed == len(day_runs) or streak >= fail_threshold(src)):
            state = "down"
        elif src.enabled and src.kind != "file" and (day_runs or last is not None):
            # A file import is one-off: it is never stale. A source that never ran is "new", not stale.
            ref = aware(last) if last is not None else aware(src.created_at)
            if as_of - ref > stale_after(src):
                state = "stale"
        if state:
            out.append(SourceRow(id=src.id, name=src.name, state=state, label=SOURCE_STATES[state],
                                 runs=len(day_runs), failed=failed, last_new_item=_cst(last)))
    report.sources = out
