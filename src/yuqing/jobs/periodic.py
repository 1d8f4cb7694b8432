"""Periodic jobs that run even when the service restarts: the last run of each is kept in the database.

One function decides what is due (`is_due`), one claims a run (`claim`, atomic, so two runners or two
machines never start the same job twice), one records how it ended (`finish`). Both engines use them:
the in-process runner checks every job on start (catch-up) and then every few minutes; Celery beat sends
the same check to a worker at the same cadence. A job is due once its period has passed since it last
started; a run that never finished (the process died) is taken over after its lease.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from yuqing.clock import aware, utcnow
from yuqing.jobs.tasks import SCHEDULE, Periodic, run_task
from yuqing.store.tables import JobRun
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

# How often a runner asks "is it due?" at most: a weekly job starts within this much of its time.
CHECK_SECONDS = 300
# A run that has not finished after this long is taken to have died with its process.
LEASE_SECONDS = 3600

# Job name → what the inbox calls it when it fails.
JOB_NAMES: dict[str, str] = {
    "audit.verify": "每日审计链校验",
    "privacy.retention": "过期快照与个人信息清理",
    "collect.tick": "信息采集",
    "collect.windows": "重点时段监测开启与结束",
    "analyse.pending": "分析研判",
    "alerts.run": "预警发送",
    "case.remind_due": "催办与督办",
    "case.spot_check": "每周抽查复核",
    "report.daily": "网络舆情日报告表",
    "report.periodic": "月统计与季通报",
    "direct.cutoff": "每日报送截止检查",
    "channels.check": "政务网站与新媒体检查",
}


@dataclass(frozen=True, slots=True)
class LastRun:
    started_at: datetime | None
    finished_at: datetime | None


def check_interval(periodic: Periodic) -> int:
    """How often a runner checks this job: its period, but at least every CHECK_SECONDS."""
    return max(1, min(periodic.seconds, CHECK_SECONDS))


def is_due(periodic: Periodic, last: LastRun | None, now: datetime) -> bool:
    """Due when it never ran, or its period has passed since it last started and that run is over (or
    its lease expired). A check that comes a moment early (timer jitter) still counts."""
    if last is None or last.started_at is None:
        return True
    started = aware(last.started_at)
    running = last.finished_at is None or aware(last.finished_at) < started
    if running and now < started + timedelta(seconds=max(LEASE_SECONDS, periodic.seconds)):
        return False
    slack = timedelta(seconds=min(5.0, periodic.seconds / 10))
    return now >= started + timedelta(seconds=periodic.seconds) - slack


def last_runs(ws: Workspace) -> dict[str, JobRun]:
    with ws.db.read() as s:
        rows = list(s.execute(select(JobRun)).scalars())
        for r in rows:
            s.expunge(r)
    return {r.name: r for r in rows}


def due_jobs(ws: Workspace, schedule: list[Periodic] | None = None, now: datetime | None = None) -> list[Periodic]:
    """The jobs of the schedule that are due now (read only; `claim` takes one)."""
    now = now or utcnow()
    runs = last_runs(ws)
    return [p for p in (SCHEDULE if schedule is None else schedule)
            if is_due(p, _last(runs.get(p.name)), now)]


def _last(row: JobRun | None) -> LastRun | None:
    return LastRun(row.started_at, row.finished_at) if row is not None else None


def claim(ws: Workspace, periodic: Periodic, now: datetime | None = None) -> datetime | None:
    """Take this run of the job if it is due: returns the start time recorded, or None when it is not due
    (or another runner took it first). The row is locked for the check (SQLite: the one writer)."""
    now = now or utcnow()
    with ws.db.write() as s:
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        s.execute(insert(JobRun).values(name=periodic.name, result={}, error="", runs=0)
                  .on_conflict_do_nothing())
        row = s.execute(select(JobRun).where(JobRun.name == periodic.name).with_for_update()).scalar_one()
        if not is_due(periodic, _last(row), now):
            return None
        row.started_at, row.finished_at = now, None
        return now


def finish(ws: Workspace, name: str, started_at: datetime, *, ok: bool, result: Any = None,
           error: str = "") -> bool:
    """Record how the run that started at `started_at` ended. Returns whether the previous run was ok, so
    a failing job tells the admin once when it starts failing, not at every tick."""
    with ws.db.write() as s:
        row = s.get(JobRun, name, with_for_update=True)
        if row is None or row.started_at is None or aware(row.started_at) != aware(started_at):
            return True  # taken over after its lease: the newer run records itself
        was_ok = row.ok is not False
        row.finished_at, row.ok, row.runs = utcnow(), ok, (row.runs or 0) + 1
        row.result = result if isinstance(result, dict) else ({"value": result} if result is not None else {})
        row.error = error[:2000]
        if not ok and was_ok:
            from yuqing.store.repositories.notifications import notify

            label = JOB_NAMES.get(name, name)
            notify(s, "admin", "job.failed", f"定时任务失败：{label}", f"{label}运行出错：{error[:500]}",
                   "/admin/jobs")
        return was_ok


def run_if_due(ws: Workspace, periodic: Periodic) -> tuple[bool, Any]:
    """Claim the job if it is due, run it, record the outcome: (ran, the task's result). A failure is
    recorded (and the admin told when the job starts failing) before it is raised again."""
    started = claim(ws, periodic)
    if started is None:
        return False, None
    try:
        result = run_task(ws, periodic.name, **dict(periodic.kwargs))
    except Exception as exc:
        finish(ws, periodic.name, started, ok=False, error=f"{type(exc).__name__}: {exc}")
        raise
    finish(ws, periodic.name, started, ok=True, result=result)
    return True, result


def catch_up(ws: Workspace, schedule: list[Periodic] | None = None) -> list[str]:
    """Run now, one after the other, every job whose period has passed (on start). Returns those that ran."""
    ran = []
    for periodic in due_jobs(ws, schedule):
        try:
            if run_if_due(ws, periodic)[0]:
                ran.append(periodic.name)
        except Exception:
            log.exception("periodic job %s failed", periodic.name)
    return ran
