"""Periodic jobs keep their last run in the database: catch-up on start, once per period, failures told."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.factories import ADMIN
from tests.store.test_audit import drop_triggers
from yuqing.clock import CHINA, frozen
from yuqing.jobs.periodic import LEASE_SECONDS, LastRun, catch_up, claim, due_jobs, is_due, run_if_due
from yuqing.jobs.runner import InProcessRunner
from yuqing.jobs.tasks import SCHEDULE, Periodic, run_task, task
from yuqing.store import audit
from yuqing.store.tables import AuditEntry, JobRun, Notification
from yuqing.store.tables_case import SpotCheckRun
from yuqing.workspace import Workspace

MONDAY = datetime(2026, 10, 12, 3, 0, tzinfo=CHINA)
WEEKLY = next(p for p in SCHEDULE if p.name == "case.spot_check")
FAILS: list[bool] = []


@task("test.flaky")
def flaky(ws: Workspace) -> str:
    if FAILS and FAILS.pop(0):
        raise RuntimeError("数据源连接超时")
    return "ok"


def test_is_due_by_period_and_lease() -> None:
    p = Periodic("x", 3600)
    now = MONDAY
    assert is_due(p, None, now)
    assert not is_due(p, LastRun(now - timedelta(minutes=59), now - timedelta(minutes=58)), now)
    assert is_due(p, LastRun(now - timedelta(minutes=60), now - timedelta(minutes=58)), now)
    assert is_due(p, LastRun(now - timedelta(seconds=3598), now - timedelta(minutes=58)), now)  # timer jitter
    running = LastRun(now - timedelta(hours=2) + timedelta(seconds=1), None)  # still inside its lease
    assert not is_due(Periodic("x", 60), running, now - timedelta(hours=1))
    assert is_due(Periodic("x", 60), LastRun(now - timedelta(seconds=LEASE_SECONDS), None), now)  # died


def test_weekly_spot_check_runs_once_a_week_though_the_service_restarts_daily(ws: Workspace) -> None:
    ran_on = []
    for day in range(15):
        with frozen(MONDAY + timedelta(days=day)):
            if "case.spot_check" in catch_up(ws, [WEEKLY]):  # what `yuqing up` does on start
                ran_on.append(day)
    assert ran_on == [0, 7, 14]
    with ws.db.read() as s:
        seeds = sorted(s.execute(select(SpotCheckRun.seed)).scalars())
        row = s.get(JobRun, "case.spot_check")
    assert seeds == ["2026-W42", "2026-W43", "2026-W44"]
    assert row.ok is True and row.runs == 3 and row.finished_at is not None


def test_the_in_process_runner_catches_up_on_start(ws: Workspace) -> None:
    schedule = [WEEKLY, next(p for p in SCHEDULE if p.name == "audit.verify")]
    with frozen(MONDAY):
        catch_up(ws, [WEEKLY])  # ran last Monday…
    with frozen(MONDAY + timedelta(days=3)):  # …restarted on Thursday: only the daily job is due
        runner = InProcessRunner(ws, schedule=schedule)
        runner.start()
        try:
            assert runner.caught_up is not None and runner.caught_up.result(timeout=60) == ["audit.verify"]
        finally:
            runner.shutdown()
        assert [p.name for p in due_jobs(ws, schedule)] == []
    with frozen(MONDAY + timedelta(days=4)):  # Friday: the daily one again, the weekly one not yet
        assert [p.name for p in due_jobs(ws, schedule)] == ["audit.verify"]
    with frozen(MONDAY + timedelta(days=7, minutes=1)):
        assert [p.name for p in due_jobs(ws, schedule)] == ["case.spot_check", "audit.verify"]


def test_every_scheduled_job_records_its_last_run(ws: Workspace) -> None:
    with frozen(MONDAY):
        assert sorted(catch_up(ws)) == sorted(p.name for p in SCHEDULE)
        assert catch_up(ws) == []
    with ws.db.read() as s:
        rows = {r.name: r for r in s.execute(select(JobRun)).scalars()}
    assert set(rows) == {p.name for p in SCHEDULE} and all(r.ok for r in rows.values())


def test_a_claim_is_taken_once(ws: Workspace) -> None:
    p = Periodic("test.flaky", 600)
    with frozen(MONDAY):
        assert claim(ws, p) is not None
        assert claim(ws, p) is None  # another runner, same moment: not twice
    with frozen(MONDAY + timedelta(minutes=30)):
        assert claim(ws, p) is None  # period passed, but the first run never finished: within its lease
    with frozen(MONDAY + timedelta(seconds=LEASE_SECONDS)):
        assert claim(ws, p) is not None  # the process died: taken over after the lease


def test_a_failing_job_tells_the_admin_once_until_it_recovers(ws: Workspace) -> None:
    p = Periodic("test.flaky", 60)
    FAILS[:] = [True, True, False, True]
    for minute in range(4):
        with frozen(MONDAY + timedelta(minutes=minute)):
            if minute in (0, 1, 3):
                with pytest.raises(RuntimeError):
                    run_if_due(ws, p)
            else:
                assert run_if_due(ws, p) == (True, "ok")
    with ws.db.read() as s:
        notes = list(s.execute(select(Notification).where(Notification.kind == "job.failed")).scalars())
        row = s.get(JobRun, "test.flaky")
    assert len(notes) == 2 and all(n.audience == "admin" and n.link == "/admin/jobs" for n in notes)
    assert "数据源连接超时" in notes[0].body and row.ok is False and row.runs == 4


def test_daily_audit_verification_notifies_the_admins_when_the_chain_breaks(ws: Workspace) -> None:
    with ws.db.write() as s:
        for i in range(3):
            audit.append(s, ADMIN, "test.x", "thing", i)
    assert run_task(ws, "audit.verify")["ok"] is True
    with ws.db.write() as s:
        second = s.execute(select(AuditEntry.id).order_by(AuditEntry.id).offset(1).limit(1)).scalar_one()
        drop_triggers(s)  # the table is append-only: an intruder drops the triggers first
        s.execute(update(AuditEntry).where(AuditEntry.id == second).values(actor_name="篡改者"))
    daily = next(p for p in SCHEDULE if p.name == "audit.verify")
    with frozen(MONDAY):
        ran, result = run_if_due(ws, daily)
    assert ran and result["ok"] is False and result["bad_id"] == second
    with ws.db.read() as s:
        note = s.execute(select(Notification).where(Notification.kind == "audit.broken")).scalar_one()
    assert note.audience == "admin" and note.link == "/admin/audit" and f"第 {second} 条" in note.title


def test_the_jobs_page_shows_each_last_run(ws: Workspace) -> None:
    from fastapi.testclient import TestClient

    from tests.web.conftest import login
    from yuqing.web.app import create_app

    with ws.db.write() as s:
        factories.user(s, "admin", "admin")
    with frozen(MONDAY):
        catch_up(ws, [WEEKLY])
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        login(client, "admin")
        page = client.get("/admin/jobs")
    assert page.status_code == 200
    assert "每周抽查复核" in page.text and "2026-10-12 03:00" in page.text and "成功" in page.text
    assert "从未运行" in page.text  # the jobs that have not run yet in this workspace


def test_every_scheduled_job_has_a_chinese_name() -> None:
    """/admin/jobs and the failure notice show these names; a raw task code there is a defect."""
    from yuqing.jobs.periodic import JOB_NAMES
    from yuqing.jobs.tasks import SCHEDULE

    assert {p.name for p in SCHEDULE} <= set(JOB_NAMES)
