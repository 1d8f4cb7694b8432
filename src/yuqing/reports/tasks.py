"""The daily report job (add "yuqing.reports.tasks" to TASK_MODULES): once a day, at `daily_report_time`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, utcnow
from yuqing.jobs.tasks import task
from yuqing.reports.store import due_time, generate_daily, get_report
from yuqing.workspace import Workspace


@task("report.daily")
def daily(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    """Checked every few minutes: once the day's `daily_report_time` (China time, default 16:30) has passed
    and today's report does not exist yet, generate it as the jobs account and tell the readers (inbox).
    A report made earlier that day on demand does not stop the scheduled one from being sent only once."""
    local = (now or utcnow()).astimezone(CHINA)
    if local.time() < due_time(ws.settings.daily_report_time):
        return {"generated": False, "reason": "not yet"}
    day = local.date()
    with ws.db.read() as s:
        existing = get_report(s, day.isoformat())
    if existing is not None and existing.notified_at is not None:
        return {"generated": False, "reason": "done", "day": day.isoformat()}
    stored = generate_daily(ws, jobs_actor(ws), day, notify=True)
    return {"generated": True, "day": stored.period, "id": stored.id}
