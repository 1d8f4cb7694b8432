"""定时任务 (admin): each periodic job's last run from the database, whether it ended well, when it is next due;
and 分析队列: the posts waiting for analysis, the batches workers hold (a lease run out means the worker
died: another takes the batch), the batches stored lately."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request

from yuqing.clock import aware, utcnow
from yuqing.jobs.periodic import JOB_NAMES, LastRun, check_interval, is_due, last_runs
from yuqing.jobs.tasks import SCHEDULE
from yuqing.store.analysis import queue_status
from yuqing.web.deps import Viewer, WorkspaceDep, render, require_permission

router = APIRouter(prefix="/admin")
SettingsAdmin = Annotated[Viewer, require_permission("settings.manage")]


def _period(seconds: int) -> str:
    if seconds % 86400 == 0:
        return "每周" if seconds == 7 * 86400 else f"每 {seconds // 86400} 天"
    if seconds % 3600 == 0:
        return f"每 {seconds // 3600} 小时"
    return f"每 {seconds // 60} 分钟" if seconds % 60 == 0 else f"每 {seconds} 秒"


def _within(seconds: int) -> str:
    return f"{seconds // 60} 分钟" if seconds >= 60 else f"{seconds} 秒"


@router.get("/jobs")
def jobs_page(request: Request, viewer: SettingsAdmin, ws: WorkspaceDep) -> object:
    now = utcnow()
    runs = last_runs(ws)
    rows = []
    for p in SCHEDULE:
        r = runs.get(p.name)
        last = LastRun(r.started_at, r.finished_at) if r else None
        next_at = aware(r.started_at) + timedelta(seconds=p.seconds) if r and r.started_at else None
        running = bool(r and r.started_at and (r.finished_at is None or aware(r.finished_at) < aware(r.started_at)))
        rows.append({"name": JOB_NAMES.get(p.name, p.name), "period": _period(p.seconds), "run": r,
                     "running": running, "due": is_due(p, last, now), "next_at": next_at,
                     "check": _within(check_interval(p))})
    with ws.db.read() as s:
        queue = queue_status(s)
    return render(request, "admin/jobs.html", rows=rows, queue=queue, now=now)
