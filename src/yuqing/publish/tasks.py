"""The channels check as a periodic job (module listed in TASK_MODULES): every few minutes the channels not
checked within `channel_check_minutes` are polled and checked, as the jobs account, so the web app's
monitoring keeps the registry fresh without anyone running `yuqing channels check`."""

from __future__ import annotations

from typing import Any

from yuqing.actions.actors import jobs_actor
from yuqing.jobs.tasks import task
from yuqing.workspace import Workspace


@task("channels.check")
def check_channels(ws: Workspace) -> dict[str, Any]:
    """Check the channels that are due; the round's figures (checked, zombies, findings, orders issued)."""
    from yuqing.publish.check import run_checks

    return run_checks(ws, jobs_actor(ws), due_only=True).to_dict()
