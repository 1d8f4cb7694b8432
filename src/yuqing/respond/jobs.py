"""Periodic case-desk jobs: reminders and automatic supervision (hourly), spot-check draws (weekly).

Both are actions run by the jobs account (`jobs_actor(ws)`, see `respond.tasks`) or, from the CLI, by the
named operator. Both are idempotent: a reminder is keyed by (case, kind, deadline) and never sent twice; a spot-check draw
is keyed by its seed (one run per ISO week by default) and re-running it returns the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import aware, now_local, utcnow
from yuqing.domain import lifecycle as lc
from yuqing.domain.spotcheck import DEFAULT_SHARE, draw, week_seed
from yuqing.respond.display import countdown, fmt
from yuqing.respond.steps import OFFICE_AUDIENCE, lead_of, log, mark, notify, notify_units
from yuqing.respond.supervision import supervise_in
from yuqing.store.tables import Case
from yuqing.store.tables_case import Reminder, SpotCheck, SpotCheckRun

__all__ = ["DEFAULT_SHARE", "remind_due", "spot_check"]

BEFORE_DUE = "before_due"
OVERDUE = "overdue"
SUPERVISION = "supervision"


@dataclass
class RemindResult:
    before_due: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    supervised: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"before_due": self.before_due, "overdue": self.overdue, "supervised": self.supervised}


def _due_key(due: datetime) -> str:
    return aware(due).astimezone(UTC).isoformat(timespec="seconds")


@action("case.remind_due", permission="cases.supervise")
def remind_due(tx: Tx, *, before_hours: float = 24, supervise_after_hours: float = 24) -> dict[str, Any]:
    """Hourly: 催办 cases due within `before_hours`; 催办 and record overdue ones against the unit; 督办
    (office and leaders told) once a case is `supervise_after_hours` past its deadline. Never twice for the
    same case, kind and deadline; an extended deadline starts afresh."""
    now = utcnow()
    result = RemindResult()
    s = tx.session
    cases = s.execute(select(Case).where(Case.state.in_(lc.WITH_UNIT_STATES), Case.due_at.is_not(None))
                      .order_by(Case.due_at)).scalars().all()
    sent = {(r.case_id, r.kind, r.due_key) for r in s.execute(
        select(Reminder).where(Reminder.case_id.in_([c.id for c in cases]))).scalars()}
    for case in cases:
        assert case.due_at is not None
        due = aware(case.due_at)
        key = _due_key(due)
        lead = lead_of(case)
        unit_id = lead.unit_id if lead else None
        kinds: list[str] = []
        if now < due <= now + timedelta(hours=before_hours):
            kinds.append(BEFORE_DUE)
        if now >= due:
            kinds.append(OVERDUE)
        if now >= due + timedelta(hours=supervise_after_hours):
            kinds.append(SUPERVISION)
        for kind in kinds:
            if (case.id, kind, key) in sent:
                continue
            msg = _message(kind, case, now)
            s.add(Reminder(case_id=case.id, unit_id=unit_id, kind=kind, due_key=key, sent_at=now,
                           sent_by_id=tx.actor.user_id, message=msg))
            s.flush()
            sent.add((case.id, kind, key))
            if kind == SUPERVISION:
                supervise_in(tx, case, msg, level="office", automatic=True)
                result.supervised.append(case.id)
                continue
            log(tx, case, "remind", msg, kind=kind, due_at=due)
            notify_units(tx, case, f"case.{kind}", msg)
            if kind == OVERDUE:
                mark(tx, unit_id, case, "overdue", f"期限 {fmt(due)}")
                notify(tx, OFFICE_AUDIENCE, "case.overdue", msg, case)
                result.overdue.append(case.id)
            else:
                result.before_due.append(case.id)
    return result.as_dict()


def _message(kind: str, case: Case, now: datetime) -> str:
    left = countdown(case.due_at, now)
    if kind == BEFORE_DUE:
        return f"催办：“{case.title}”将于 {fmt(case.due_at)} 到期（{left}），请按时反馈"
    if kind == OVERDUE:
        return f"催办：“{case.title}”已超过办理期限 {fmt(case.due_at)}，请立即反馈或提交书面说明"
    return f"督办：“{case.title}”超期未反馈（期限 {fmt(case.due_at)}，{left}），已报办公室和分管领导"


@action("spot_check.run", permission="cases.spot_check")
def spot_check(tx: Tx, share: float = DEFAULT_SHARE, seed: str | None = None) -> dict[str, Any]:
    """Weekly: draw a seeded share of the closed cases not yet checked since closing; each goes to re-check.

    The seed defaults to the ISO week ("2026-W41"); the population, share, seed and sample are stored and
    audited, so the draw can be reproduced. Running again with the same seed returns the same run.
    """
    seed = seed or week_seed(now_local().date())
    s = tx.session
    existing = s.execute(select(SpotCheckRun).where(SpotCheckRun.seed == seed)).scalar_one_or_none()
    if existing is not None:
        return {"run_id": existing.id, "seed": seed, "share": existing.share,
                "population": existing.population, "drawn": existing.drawn, "new": False}
    closed = s.execute(select(Case).where(Case.state.in_((lc.CLOSED, lc.CONFIRMED, lc.FOLLOW_UP)))
                       ).scalars().all()
    checked: dict[int, list[datetime]] = {}
    for chk in s.execute(select(SpotCheck)).scalars():
        checked.setdefault(chk.case_id, []).append(aware(chk.created_at))
    population = sorted(c.id for c in closed
                        if not any(c.closed_at is None or at >= aware(c.closed_at)
                                   for at in checked.get(c.id, [])))
    drawn = draw(population, share, seed)
    run = SpotCheckRun(at=utcnow(), seed=seed, share=share, population=population, drawn=drawn)
    s.add(run)
    s.flush()
    by_id = {c.id: c for c in closed}
    for cid in drawn:
        s.add(SpotCheck(case_id=cid, run_id=run.id, created_at=utcnow()))
        log(tx, by_id[cid], "spot_check_drawn", seed=seed, run_id=run.id)
    tx.audit("spot_check.run", "spot_check_run", run.id, seed=seed, share=share, population=population,
             drawn=drawn)
    if drawn:
        tx.notify(OFFICE_AUDIENCE, "case.spot_check", f"本周抽查复核：{len(drawn)} 件待复核",
                  f"抽查批次 #{run.id}：从 {len(population)} 件已销号案件中按 {share:.0%} 随机抽取（可复现）",
                  link="/cases#spot-checks")
    return {"run_id": run.id, "seed": seed, "share": share, "population": population, "drawn": drawn,
            "new": True}

