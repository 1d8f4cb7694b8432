"""Case-desk job functions registered with the task runner (add "yuqing.respond.tasks" to TASK_MODULES).

They act as the jobs account (`jobs_actor`), or as the named operator when the CLI passes `actor`.
"""

from __future__ import annotations

from typing import Any

from yuqing.actions.actors import jobs_actor
from yuqing.domain.roles import Actor
from yuqing.jobs.tasks import task
from yuqing.respond import jobs
from yuqing.workspace import Workspace


@task("case.remind_due")
def remind_due(ws: Workspace, actor: Actor | None = None, **kwargs: Any) -> dict[str, Any]:
    """Hourly: reminders before and after deadlines, automatic 督办 (idempotent). The windows come from the
    workspace settings `reminder_before_hours` and `supervise_after_hours` unless given."""
    kwargs.setdefault("before_hours", ws.settings.reminder_before_hours)
    kwargs.setdefault("supervise_after_hours", ws.settings.supervise_after_hours)
    return jobs.remind_due(ws, actor or jobs_actor(ws), **kwargs)


@task("case.spot_check")
def spot_check(ws: Workspace, share: float | None = None, seed: str | None = None,
               actor: Actor | None = None) -> dict[str, Any]:
    """Weekly: draw this week's spot checks (seeded by the ISO week unless a seed is given); the share is the
    workspace setting `spot_check_share` unless given."""
    return jobs.spot_check(ws, actor or jobs_actor(ws), share=ws.settings.spot_check_share if share is None
                           else share, seed=seed)
