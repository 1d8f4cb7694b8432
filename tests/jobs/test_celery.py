"""A real task through a real Celery worker process against the local Redis broker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import ADMIN
from yuqing.jobs.periodic import check_interval, due_jobs
from yuqing.jobs.tasks import SCHEDULE
from yuqing.store import audit
from yuqing.workspace import Workspace

REDIS = os.environ.get("YUQING_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [pytest.mark.services, pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379")]


def test_task_runs_in_a_celery_worker(ws: Workspace, tmp_path: Path) -> None:
    from yuqing.jobs.celery_app import make_app

    with ws.db.write() as s:
        for i in range(3):
            audit.append(s, ADMIN, "test.x", "thing", i)
    env = {**os.environ, "YUQING_BROKER_URL": REDIS, "YUQING_WORKSPACE": str(ws.path)}
    if os.environ.get("YUQING_DATABASE_URL"):
        env["YUQING_DATABASE_URL"] = os.environ["YUQING_DATABASE_URL"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "yuqing.cli", "--workspace", str(ws.path), "worker", "--concurrency", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        app = make_app(REDIS)
        result = app.send_task("yuqing.run", args=[str(ws.path), "audit.verify"])
        value = result.get(timeout=60)
        assert value == {"ok": True, "checked": 3, "bad_id": None, "reason": "", "kind": "ok"}
        # What beat sends: the same due rule as the in-process runner, the last run kept in the database.
        first = app.send_task("yuqing.periodic", args=[str(ws.path), "audit.verify"]).get(timeout=60)
        again = app.send_task("yuqing.periodic", args=[str(ws.path), "audit.verify"]).get(timeout=60)
        assert first["ran"] is True and first["result"]["ok"] is True and again == {"ran": False, "result": None}
        assert [p.name for p in due_jobs(ws, [p for p in SCHEDULE if p.name == "audit.verify"])] == []
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_beat_asks_the_due_check_for_every_periodic_job(ws: Workspace) -> None:
    from yuqing.jobs.celery_app import make_app

    schedule = make_app(REDIS, str(ws.path)).conf.beat_schedule
    assert set(schedule) == {p.name for p in SCHEDULE}
    for p in SCHEDULE:
        entry = schedule[p.name]
        assert entry["task"] == "yuqing.periodic" and entry["args"] == [str(ws.path), p.name]
        assert entry["schedule"] == check_interval(p) <= 300
