"""The alert job, registered with the task runner: evaluate the rules and send what is due (and the retries)."""

from __future__ import annotations

from typing import Any

from yuqing.jobs.tasks import task
from yuqing.workspace import Workspace


@task("alerts.run")
def alerts_run(ws: Workspace) -> dict[str, Any]:
    """Every minute, and after every analysis batch: new alerts, retries whose backoff has passed, and what
    quiet hours held back once they end. Idempotent (the sent-log decides), so any number of runners may."""
    from yuqing.alert.run import run_alerts

    return run_alerts(ws)
