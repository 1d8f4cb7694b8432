"""The Celery application: one generic task that runs a registered task function on a workspace.

    YUQING_BROKER_URL=redis://127.0.0.1:6379/0 yuqing --workspace W worker
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from celery import Celery

from yuqing.jobs.tasks import SCHEDULE, run_task
from yuqing.workspace import Workspace, open_workspace


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
    )
    ws = workspace or os.environ.get("YUQING_WORKSPACE")
    if ws:
        app.conf.beat_schedule = {
            p.name: {"task": "yuqing.run", "schedule": float(p.seconds), "args": [ws, p.name],
                     "kwargs": dict(p.kwargs)}
            for p in SCHEDULE
        }

    @app.task(name="yuqing.run")
    def run(workspace_path: str, name: str, **kwargs: Any) -> Any:
        return run_task(_workspace(workspace_path), name, **kwargs)

    return app


app = make_app()
