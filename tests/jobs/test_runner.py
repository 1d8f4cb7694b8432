from __future__ import annotations

import time

from yuqing.domain.roles import SYSTEM
from yuqing.jobs.runner import InProcessRunner
from yuqing.jobs.tasks import Periodic, run_task, task
from yuqing.store import audit
from yuqing.workspace import Workspace

CALLS: list[str] = []


@task("test.record")
def record(ws: Workspace, note: str) -> int:
    CALLS.append(note)
    with ws.db.write() as s:
        audit.append(s, SYSTEM, "test.job", "job", None, note=note)
    return len(CALLS)


def test_run_task_by_name(ws: Workspace) -> None:
    with ws.db.write() as s:
        audit.append(s, SYSTEM, "test.x", "thing", 1)
    assert run_task(ws, "audit.verify") == {"ok": True, "checked": 1, "bad_id": None, "reason": ""}


def test_in_process_runner_submits_and_schedules(ws: Workspace) -> None:
    runner = InProcessRunner(ws)
    runner.start()
    try:
        assert runner.submit("test.record", note="now").result(timeout=10) >= 1
        runner.schedule(Periodic("test.record", 1, (("note", "tick"),)))
        deadline = time.monotonic() + 10
        while CALLS.count("tick") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        runner.shutdown()
    assert CALLS.count("tick") >= 2
    assert run_task(ws, "audit.verify")["checked"] >= 3
