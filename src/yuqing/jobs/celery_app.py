"""The Celery application: one generic task that runs a registered task function on a workspace.

    YUQING_BROKER_URL=redis://127.0.0.1:6379/0 yuqing --workspace W worker [--queues analyse --pool prefork]

Tasks are routed by the registered name's first part to four queues, so each kind of work can get its
own workers: collect (fetching: network-bound), analyse (the pipeline: CPU-bound, one process per
core), alert (case reminders and supervision now, early warning later: small and urgent), report
(audit checks, spot-check draws, reports: occasional and heavy). A worker started without
`--queues` takes all four.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from celery import Celery
from kombu import Exchange, Queue

from yuqing.jobs.periodic import check_interval, run_if_due
from yuqing.jobs.tasks import SCHEDULE, run_task
from yuqing.workspace import Workspace, open_workspace

QUEUES = ("collect", "analyse", "alert", "report")
# The first part of a task's name → its queue ("case.remind_due" → alert); anything else → report.
QUEUE_OF = {"collect": "collect", "analyse": "analyse", "alert": "alert", "alerts": "alert", "case": "alert",
            "direct": "alert", "report": "report", "audit": "report"}


def queue_for(task_name: str) -> str:
    return QUEUE_OF.get(task_name.split(".", 1)[0], "report")


def route(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any) -> dict[str, str] | None:
    """Celery router: `yuqing.run(workspace, task_name)` goes to the queue of `task_name`."""
    if name == "yuqing.run" and args and len(args) >= 2:
        return {"queue": queue_for(str(args[1]))}
    return None


@lru_cache(maxsize=8)
def _workspace(path: str) -> Workspace:
    """One open workspace (and engine) per path in a worker process."""
    return open_workspace(path)


def make_app(broker_url: str | None = None, workspace: str | None = None) -> Celery:
    broker = broker_url or os.environ.get("YUQING_BROKER_URL", "redis://127.0.0.1:6379/0")
    backend = broker if broker.startswith("redis") else "rpc://"
    app = Celery("yuqing", broker=broker, backend=backend)
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        timezone="Asia/Shanghai", task_acks_late=True, worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True, result_expires=3600,
        task_queues=[Queue(q, Exchange(q), routing_key=q) for q in QUEUES], task_default_queue="report", task_routes=(route,),
    )
    ws = workspace or os.environ.get("YUQING_WORKSPACE")
    if ws:
        # Beat asks a worker "is it due?" as often as the in-process runner does; the last run kept in the
        # database answers (jobs.periodic), so restarts of beat or the workers neither skip nor repeat a run.
        app.conf.beat_schedule = {
            p.name: {"task": "yuqing.periodic", "schedule": float(check_interval(p)), "args": [ws, p.name]}
            for p in SCHEDULE
        }

    @app.task(name="yuqing.run")
    def run(workspace_path: str, name: str, **kwargs: Any) -> Any:
        return run_task(_workspace(workspace_path), name, **kwargs)

    @app.task(name="yuqing.periodic")
    def periodic(workspace_path: str, name: str) -> Any:
        """Run the periodic job `name` if it is due; returns {"ran": bool, "result": …}."""
        job = next(p for p in SCHEDULE if p.name == name)
        ran, result = run_if_due(_workspace(workspace_path), job)
        return {"ran": ran, "result": result}

    return app


app = make_app()
