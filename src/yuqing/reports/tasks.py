"""Report jobs (module listed in TASK_MODULES): the daily report once a day at `daily_report_time`; the last
month's statistics and the last quarter's bulletin once each, as soon as the period is over. Each run then sends
the reports queued for their alert channels and the retries that are due (reports/deliver.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, utcnow
from yuqing.jobs.tasks import task
from yuqing.reports.deliver import send_due
from yuqing.reports.periodic import MONTHLY, QUARTERLY, previous_period
from yuqing.reports.store import due_time, generate_daily, generate_period, get_report
from yuqing.workspace import Workspace


@task("report.daily")
def daily(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    """Checked every few minutes: once the day's `daily_report_time` (China time, default 16:30) has passed
    and today's report does not exist yet, generate it as the jobs account, tell the readers (inbox) and send
    it through its channels.
    A report made earlier that day on demand does not stop the scheduled one from being sent only once."""
    local = (now or utcnow()).astimezone(CHINA)
    if local.time() < due_time(ws.settings.daily_report_time):
        return _sent(ws, {"generated": False, "reason": "not yet"})
    day = local.date()
    with ws.db.read() as s:
        existing = get_report(s, day.isoformat())
    if existing is not None and existing.notified_at is not None:
        return _sent(ws, {"generated": False, "reason": "done", "day": day.isoformat()})
    stored = generate_daily(ws, jobs_actor(ws), day, notify=True)
    return _sent(ws, {"generated": True, "day": stored.period, "id": stored.id})


def _sent(ws: Workspace, result: dict[str, Any]) -> dict[str, Any]:
    """Send what waits for the channels (new reports, retries due); the counts join the result when any."""
    sent = send_due(ws)
    return {**result, "delivered": sent} if sent else result


@task("report.periodic")
def periodic(ws: Workspace, now: datetime | None = None) -> dict[str, Any]:
    """Checked hourly: when a month (or a quarter) has ended and its statistics were not sent yet, generate
    them as the jobs account, tell the readers and send them through their channels. Numbers are as of the period's end, so a late run (or a
    rerun) gives the same figures."""
    today = (now or utcnow()).astimezone(CHINA).date()
    done: list[str] = []
    for kind in (MONTHLY, QUARTERLY):
        p = previous_period(kind, today)
        with ws.db.read() as s:
            existing = get_report(s, p.key, kind)
        if existing is not None and existing.notified_at is not None:
            continue
        generate_period(ws, jobs_actor(ws), kind, p.key, notify=True)
        done.append(f"{kind}:{p.key}")
    return _sent(ws, {"generated": done})
