"""Job-runner tasks for collection. The lead adds "yuqing.collect.tasks" to TASK_MODULES and
Periodic("collect.tick", 60) to SCHEDULE."""

from __future__ import annotations

from typing import Any

from yuqing.jobs.tasks import task
from yuqing.workspace import Workspace


@task("collect.tick")
def collect_tick(ws: Workspace) -> dict[str, Any]:
    """Every minute: collect the sources that are due (emergency mode shortens intervals), then mark
    sources that went quiet as stale."""
    from yuqing.collect import health
    from yuqing.collect.runner import collect_once
    from yuqing.collect.schedule import due_sources

    with ws.db.read() as s:
        plan = due_sources(s)
    summary = collect_once(ws, plan.due) if plan.due else None
    with ws.db.write() as s:
        stale = health.sweep(s)
    return {
        "due": plan.due,
        "new": summary.new if summary else 0,
        "updated": summary.updated if summary else 0,
        "failed": summary.failed if summary else 0,
        "stale": stale,
    }


@task("collect.source")
def collect_source(ws: Workspace, source_id: int) -> dict[str, Any]:
    """Collect one source now (the "collect now" button)."""
    from yuqing.collect.runner import collect_once

    return collect_once(ws, [source_id]).to_dict()


@task("direct.cutoff")
def direct_cutoff(ws: Workspace) -> dict[str, Any]:
    """Every few minutes: at each daily-reporting unit's cut-off (17:00 by default), remind the units that
    have not submitted today and tell the office who they are (once per unit and day, as the jobs account)."""
    from yuqing.actions.actors import jobs_actor
    from yuqing.collect.direct_duty import check_cutoffs

    return {"missing": check_cutoffs(ws, jobs_actor(ws))}


@task("collect.windows")
def collect_windows(ws: Workspace) -> dict[str, Any]:
    """Every minute: record the planned monitoring windows that started or ended (their history, with each
    source's interval before and after) and tell the office and the window's duty arrangement."""
    from yuqing.actions.actors import jobs_actor
    from yuqing.collect.schedule import switch_windows

    return switch_windows(ws, jobs_actor(ws))
