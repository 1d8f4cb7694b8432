"""One runner interface: submit a task now, or run it on a schedule.

In-process (default): APScheduler 3 with a thread pool, started by `yuqing up`.
Celery (at scale): the same task functions run by `yuqing worker`, scheduled by `yuqing beat`.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from yuqing.jobs import periodic as periodic_jobs
from yuqing.jobs.tasks import SCHEDULE, Periodic, run_task
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)


class Runner(Protocol):
    def submit(self, name: str, **kwargs: Any) -> Any: ...
    def schedule(self, periodic: Periodic) -> None: ...
    def start(self) -> None: ...
    def shutdown(self) -> None: ...


class InProcessRunner:
    """Tasks on a thread pool; periodic jobs checked by APScheduler's background scheduler.

    On start every job whose period has passed since its last run (kept in the database) runs at once
    (catch-up), then each job is checked every `check_interval` and runs when `jobs.periodic` says it is due.
    """

    def __init__(self, ws: Workspace, workers: int = 2, schedule: list[Periodic] | None = None):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.ws = ws
        self.periodic = list(SCHEDULE if schedule is None else schedule)
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yuqing-job")
        self.scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
        self.caught_up: Future[list[str]] | None = None

    def _run(self, name: str, kwargs: dict[str, Any]) -> Any:
        try:
            return run_task(self.ws, name, **kwargs)
        except Exception:
            log.exception("task %s failed", name)
            raise

    def _run_periodic(self, periodic: Periodic) -> None:
        try:
            periodic_jobs.run_if_due(self.ws, periodic)
        except Exception:
            log.exception("periodic job %s failed", periodic.name)

    def submit(self, name: str, **kwargs: Any) -> Future[Any]:
        return self.pool.submit(self._run, name, kwargs)

    def schedule(self, periodic: Periodic) -> None:
        """Check `periodic` regularly and run it whenever it is due (its last run is in the database)."""
        self.scheduler.add_job(
            self._run_periodic, "interval", seconds=periodic_jobs.check_interval(periodic), args=[periodic],
            id=periodic.name, replace_existing=True, max_instances=1, coalesce=True,
        )

    def start(self) -> None:
        self.caught_up = self.pool.submit(periodic_jobs.catch_up, self.ws, self.periodic)
        for periodic in self.periodic:
            self.schedule(periodic)
        self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.pool.shutdown(wait=True, cancel_futures=True)


class CeleryRunner:
    """Submits tasks to Celery workers through the broker; the schedule lives in `yuqing beat`."""

    def __init__(self, ws: Workspace):
        from yuqing.jobs.celery_app import make_app

        self.ws = ws
        self.app = make_app(ws.settings.broker_url)

    def submit(self, name: str, **kwargs: Any) -> Any:
        return self.app.send_task("yuqing.run", args=[str(self.ws.path), name], kwargs=kwargs)

    def schedule(self, periodic: Periodic) -> None:
        raise NotImplementedError("with Celery the schedule is run by `yuqing beat` (jobs.periodic decides)")

    def start(self) -> None:
        return None

    def shutdown(self) -> None:
        return None


def make_runner(ws: Workspace) -> Runner:
    if ws.settings.jobs_engine == "celery":
        return CeleryRunner(ws)
    return InProcessRunner(ws)
