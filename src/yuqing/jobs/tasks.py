"""Task functions, by name. Both runners (in-process and Celery) call the same functions.

A task takes the workspace and keyword arguments and returns something JSON-serialisable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yuqing.workspace import Workspace

TaskFn = Callable[..., Any]
TASKS: dict[str, TaskFn] = {}


def task(name: str) -> Callable[[TaskFn], TaskFn]:
    """Register a task function under `name`."""

    def register(fn: TaskFn) -> TaskFn:
        TASKS[name] = fn
        return fn

    return register


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    seconds: int
    kwargs: tuple[tuple[str, Any], ...] = ()


# The periodic schedule, run by `yuqing up` (in-process) or `yuqing beat` (Celery).
SCHEDULE: list[Periodic] = [
    Periodic("audit.verify", 24 * 3600),
    Periodic("privacy.retention", 24 * 3600),  # purge snapshots and personal fields past retention_days
    Periodic("collect.tick", 60),  # collect every source that is due (interval, emergency mode)
    Periodic("collect.windows", 60),  # planned monitoring windows: record and announce their start and end
    Periodic("analyse.pending", 30),  # analyse what was collected, build events (then alerts.run)
    Periodic("alerts.run", 60),  # alerts due, retries after backoff, what quiet hours held back
    Periodic("case.remind_due", 3600),  # 催办 before and after deadlines, 督办 when long overdue
    Periodic("case.spot_check", 7 * 24 * 3600),  # weekly 抽查复核 (share from settings), seeded by ISO week
    Periodic("direct.cutoff", 300),  # 舆情直报: at each unit's cut-off, remind who has not submitted (once a day)
    Periodic("report.daily", 300),  # the daily report once daily_report_time has passed (once a day)
    Periodic("report.periodic", 3600),  # last month's statistics and last quarter's bulletin, once each
    Periodic("channels.check", 300),  # own websites and accounts not checked within channel_check_minutes
]


def run_task(ws: Workspace, name: str, **kwargs: Any) -> Any:
    """Run one task by name now, in this process."""
    load_task_modules()
    try:
        fn = TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; known: {', '.join(sorted(TASKS))}") from None
    return fn(ws, **kwargs)


@task("audit.verify")
def verify_audit(ws: Workspace) -> dict[str, Any]:
    """Daily: check the audit chain; the result says how many entries held and where it broke. A broken
    chain tells the admins (审计链校验失败) with the first bad entry."""
    from yuqing.store import audit
    from yuqing.store.repositories.notifications import notify

    with ws.db.read() as session:
        result = audit.verify(session)
    if not result.ok:
        with ws.db.write() as s:
            notify(s, "admin", "audit.broken", f"审计链校验失败：{result.reason}",
                   f"已校验 {result.checked} 条记录，第 {result.bad_id} 条起不再可信。请保全数据库并核查改动来源。",
                   "/admin/audit")
    return {"ok": result.ok, "checked": result.checked, "bad_id": result.bad_id, "reason": result.reason,
            "kind": result.kind}


@task("privacy.retention")
def retention(ws: Workspace) -> dict[str, Any]:
    """Purge raw snapshots and personal fields older than `retention_days` (audited, as the jobs account)."""
    from dataclasses import asdict

    from yuqing.actions.actors import jobs_actor
    from yuqing.collect.retention import purge_expired

    return asdict(purge_expired(ws, jobs_actor(ws)))


def load_task_modules() -> None:
    """Import the modules whose tasks register themselves (collect, analyse, respond …)."""
    import importlib

    for module in TASK_MODULES:
        importlib.import_module(module)


TASK_MODULES: list[str] = ["yuqing.collect.tasks", "yuqing.respond.tasks", "yuqing.alert.tasks",
                           "yuqing.reports.tasks", "yuqing.publish.tasks"]


@task("analyse.pending")
def analyse_pending(ws: Workspace, batch: int = 500, max_batches: int | None = None,
                    lease_seconds: float | None = None) -> dict[str, int]:
    """Analyse the items collected since the last run and update events (claimed batch by batch, so any
    number of workers can run this at once)."""
    from yuqing.analysis_service import analyse_pending as run

    result = run(ws, batch=batch, max_batches=max_batches, lease_seconds=lease_seconds)
    if result:
        alerts_after_analysis(ws)
    return result


def alerts_after_analysis(ws: Workspace) -> None:
    """A grade the batch raised alerts at once, not at the next minute; a failure here is the alert job's,
    never the analysis's (the periodic alerts.run tries again)."""
    import logging

    try:
        run_task(ws, "alerts.run")
    except Exception:
        logging.getLogger(__name__).exception("alerts after analysis failed")
