"""The daily report job: generated once a day after `daily_report_time`, and the readers told (inbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
from yuqing.jobs.periodic import run_if_due
from yuqing.jobs.tasks import SCHEDULE
from yuqing.reports.store import generate_daily, get_report, list_reports
from yuqing.store.tables import AuditEntry, Notification
from yuqing.workspace import Workspace

JOB = next(p for p in SCHEDULE if p.name == "report.daily")


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHINA)


def _notes(ws: Workspace) -> list[tuple[str, str, str | None]]:
    with ws.db.read() as s:
        return [(n.audience, n.title, n.link) for n in s.execute(
            select(Notification).where(Notification.kind == "report.daily").order_by(Notification.id)).scalars()]


def test_generated_once_a_day_across_the_report_time(day_ws: Workspace) -> None:
    with frozen(_at(21, 16, 20)):
        assert run_if_due(day_ws, JOB) == (True, {"generated": False, "reason": "not yet"})
    with frozen(_at(21, 10, 0)):  # an analyst made one on demand in the morning: nobody was told
        generate_daily(day_ws, Actor(None, "测试监测员", "analyst"), _at(21, 0, 0).date())
    assert _notes(day_ws) == []
    with frozen(_at(21, 16, 31)):
        ran, result = run_if_due(day_ws, JOB)
    assert ran and result["generated"] and result["day"] == "2026-11-21"
    link = "/reports/daily/2026-11-21"
    assert _notes(day_ws) == [(a, "网络舆情日报告表（2026-11-21）已生成", link) for a in ("leader", "office", "analyst")]
    for minute in (37, 45, 59):  # every check after that: already done
        with frozen(_at(21, 16, minute)):
            assert run_if_due(day_ws, JOB)[1] == {"generated": False, "reason": "done", "day": "2026-11-21"}
    with frozen(_at(21, 23, 59)):
        run_if_due(day_ws, JOB)
    assert len(_notes(day_ws)) == 3
    with day_ws.db.read() as s:
        stored = get_report(s, "2026-11-21")
        assert stored is not None and stored.generated_by == "系统任务" and stored.notified_at is not None
        jobs = s.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == "report.generate")).scalar()
    assert jobs == 2  # the analyst's and the job's
    with frozen(_at(22, 16, 29)):
        run_if_due(day_ws, JOB)
    with frozen(_at(22, 16, 35)):
        assert run_if_due(day_ws, JOB)[1]["generated"] is True
    with day_ws.db.read() as s:
        assert [r.period for r in list_reports(s)] == ["2026-11-22", "2026-11-21"]
    assert len(_notes(day_ws)) == 6


def test_the_report_time_is_a_setting(day_ws: Workspace) -> None:
    day_ws.settings.daily_report_time = "08:00"
    with frozen(_at(21, 8, 1)):
        assert run_if_due(day_ws, JOB)[1]["generated"] is True
