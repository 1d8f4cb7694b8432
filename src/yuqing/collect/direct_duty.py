"""Daily submissions of direct reports (每日报送, R-COLLECT-5): the units that must report every day by their
cut-off (17:00 by default, `direct_report_cutoff`), "今日无舆情" (nothing to report, which counts), each unit's
state for a day (on time / late / missing / not yet due), and the cut-off check run by the jobs account.

At a unit's cut-off, `check_cutoffs` tells the office which units have not submitted and reminds each of
them in its inbox — once per unit and day (the `direct_report_misses` row is the sent-log). A submission
after the cut-off is kept and marked late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.collect.direct import DirectReportError, check_cutoff, cutoff_at, is_late, report_day
from yuqing.store.tables import Unit
from yuqing.store.tables_direct import DirectReport, DirectReportDuty, DirectReportMiss

STATES: dict[str, str] = {"on_time": "按时报送", "late": "迟报", "missing": "未报送", "pending": "未到截止时间"}


@dataclass(frozen=True, slots=True)
class UnitDay:
    """One unit's submissions on one day, against its cut-off."""

    unit_id: int
    unit: str
    cutoff: str
    state: str  # on_time | late | missing | pending
    submissions: int
    items: int  # submissions that reported an item (not 今日无舆情)
    nothing: bool  # it said 今日无舆情
    first_at: datetime | None
    reminded: bool

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    def to_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "unit": self.unit, "cutoff": self.cutoff, "state": self.state,
                "state_label": self.state_label, "submissions": self.submissions, "items": self.items,
                "nothing": self.nothing, "first_at": self.first_at.isoformat() if self.first_at else None,
                "reminded": self.reminded}


# -- configuration (the office) ---------------------------------------------------------------------------
@action("direct.duty_set", permission="direct.manage")
def set_duty(tx: Tx, unit_id: int, cutoff: str | None = None) -> DirectReportDuty:
    """Make a unit report every day by `cutoff` (HH:MM China time; the workspace default when not given)."""
    unit = tx.session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise DirectReportError(f"单位 {unit_id} 不存在或已停用")
    cutoff = check_cutoff(cutoff or tx.ws.settings.direct_report_cutoff)
    duty = tx.session.get(DirectReportDuty, unit_id)
    before = duty.cutoff if duty else None
    if duty is None:
        duty = DirectReportDuty(unit_id=unit_id, cutoff=cutoff, created_at=utcnow())
        tx.session.add(duty)
    duty.cutoff = cutoff
    tx.audit("direct.duty_set", "unit", unit_id, unit=unit.name, before=before, cutoff_time=cutoff)
    return duty


@action("direct.duty_remove", permission="direct.manage")
def remove_duty(tx: Tx, unit_id: int) -> None:
    """The unit no longer has to report every day (its submissions stay)."""
    duty = tx.session.get(DirectReportDuty, unit_id)
    if duty is None:
        raise DirectReportError("该单位不在每日报送名单中")
    tx.session.delete(duty)
    tx.audit("direct.duty_remove", "unit", unit_id, cutoff_time=duty.cutoff)


def duties(session: Any) -> list[tuple[int, str, str]]:
    """(unit id, unit name, cut-off) of every unit that must report daily, by name."""
    rows = session.execute(select(DirectReportDuty.unit_id, Unit.name, DirectReportDuty.cutoff)
                           .join(Unit, Unit.id == DirectReportDuty.unit_id).order_by(Unit.name))
    return [(int(u), str(n), str(c)) for u, n, c in rows]


# -- 今日无舆情 ---------------------------------------------------------------------------------------------
@action("direct.nothing", permission="items.report")
def submit_nothing(tx: Tx, note: str = "") -> DirectReport:
    """The actor's unit has nothing to report today (今日无舆情); it counts as the day's submission."""
    unit_id = tx.actor.unit_id
    if unit_id is None:
        raise DirectReportError("“今日无舆情”由各单位报送；您的账号不属于任何单位")
    now = utcnow()
    report = DirectReport(kind="nothing", unit_id=unit_id, reporter_id=tx.actor.user_id, note=note.strip()[:500],
                          urgency="normal", files=[], report_date=report_day(now),
                          late=is_late(tx.session, unit_id, now), submitted_at=now, duplicate=False)
    tx.session.add(report)
    tx.session.flush()
    tx.audit("direct.nothing", "direct_report", report.id, unit_id=unit_id, late=report.late)
    return report


# -- a day's state ----------------------------------------------------------------------------------------
def day_status(session: Any, day: date, now: datetime | None = None) -> list[UnitDay]:
    """Each daily-reporting unit's state on `day`, as of `now` (a unit not yet past its cut-off: pending;
    submissions after `now` are not counted, so a report regenerated for an earlier time agrees)."""
    now = aware(now or utcnow())
    reports: dict[int, list[DirectReport]] = {}
    for r in session.execute(select(DirectReport).where(DirectReport.report_date == day,
                                                        DirectReport.submitted_at <= now)
                             .order_by(DirectReport.submitted_at)).scalars():
        if r.unit_id is not None:
            reports.setdefault(r.unit_id, []).append(r)
    reminded = set(session.execute(select(DirectReportMiss.unit_id).where(DirectReportMiss.report_date == day))
                   .scalars())
    out = []
    for unit_id, name, cutoff in duties(session):
        mine = reports.get(unit_id, [])
        if any(not r.late for r in mine):
            state = "on_time"
        elif mine:
            state = "late"
        elif now >= cutoff_at(day, cutoff):
            state = "missing"
        else:
            state = "pending"
        out.append(UnitDay(unit_id, name, cutoff, state, len(mine), sum(1 for r in mine if r.kind != "nothing"),
                           any(r.kind == "nothing" for r in mine), aware(mine[0].submitted_at) if mine else None,
                           unit_id in reminded))
    return out


def unit_duty(session: Any, unit_id: int | None) -> DirectReportDuty | None:
    return session.get(DirectReportDuty, unit_id) if unit_id is not None else None


# -- the cut-off check (jobs) -------------------------------------------------------------------------------
@action("direct.cutoff_check", permission="direct.remind")
def check_cutoffs(tx: Tx) -> list[str]:
    """At each unit's cut-off: remind the units that have not submitted today and tell the office who they
    are — once per unit and day. Returns the names of the units newly found missing."""
    now = utcnow()
    day = report_day(now)
    missing = [u for u in day_status(tx.session, day, now) if u.state == "missing" and not u.reminded]
    for u in missing:
        tx.session.add(DirectReportMiss(unit_id=u.unit_id, report_date=day, noticed_at=now))
        tx.notify(f"unit:{u.unit_id}", "direct.reminder", f"请报送今日舆情：{day:%m月%d日} {u.cutoff} 截止时间已过，贵单位尚未报送",
                  "请在“舆情直报”页面报送发现的信息；没有发现时请提交“今日无舆情”。截止后提交的记为迟报。",
                  link="/direct-reports")
    if missing:
        names = "、".join(u.unit for u in missing)
        tx.notify("office", "direct.missing", f"{day:%m月%d日}截止时未报送舆情的单位：{names}",
                  f"共 {len(missing)} 个单位，已在其通知中提醒。", link="/direct-reports#duty")
        tx.audit("direct.cutoff_check", "direct_report_day", day.isoformat(), missing=[u.unit for u in missing])
    return [u.unit for u in missing]
