"""Hourly reminders and supervision, weekly spot checks: idempotent, reproducible, recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, aware, frozen
from yuqing.domain import lifecycle as lc
from yuqing.domain.spotcheck import draw
from yuqing.respond import cases, casework, jobs, queries, spotchecks
from yuqing.respond.errors import CaseError
from yuqing.store.tables import Case, Notification
from yuqing.store.tables_case import CaseDetail, Reminder, SpotCheck, SpotCheckRun, Supervision, UnitMark

DUE = datetime(2026, 10, 8, 10, 0, tzinfo=CHINA)  # a case assigned 09-29 10:00 with the default 3 days


def count(ws, model, *where):
    with ws.db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar()


def test_reminders_before_and_after_the_deadline_never_twice(desk):
    cid = desk.case_to("signed")
    with frozen(datetime(2026, 10, 5, 10, 0, tzinfo=CHINA)):  # three days early: nothing yet
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws)) == {"before_due": [], "overdue": [], "supervised": []}
    with frozen(DUE - timedelta(hours=20)):
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["before_due"] == [cid]
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["before_due"] == []  # idempotent
        with desk.ws.db.read() as s:  # the workbench shows it, not only 待签收
            assert "已催办" in queries.todos(s, desk.handler)[0].notes
    with frozen(DUE + timedelta(hours=1)):
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws)) == {"before_due": [], "overdue": [cid], "supervised": []}
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["overdue"] == []
        with desk.ws.db.read() as s:
            rows = queries.todos(s, desk.handler)
            assert rows[0].overdue and rows[0].countdown == "已超期 1小时0分钟"
            assert "超期催办" in rows[0].notes and "督办中" not in rows[0].notes
    with frozen(DUE + timedelta(hours=25)):
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["supervised"] == [cid]
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["supervised"] == []
        with desk.ws.db.read() as s:
            assert "督办中" in queries.todos(s, desk.handler)[0].notes
    assert count(desk.ws, Reminder) == 3
    assert count(desk.ws, Supervision, Supervision.automatic.is_(True)) == 1
    with desk.ws.db.read() as s:
        marks = sorted(m.kind for m in s.execute(select(UnitMark)).scalars())
        assert marks == ["overdue", "supervised"]
        audiences = set(s.execute(select(Notification.audience).where(
            Notification.kind == "case.supervision")).scalars())
        assert audiences == {"office", "leader", f"unit:{desk.town}", f"unit:{desk.labour}"}
        kinds = [h.action for h in queries.history(s, desk.office, cid)]
        assert kinds.count("remind") == 2 and kinds.count("supervise") == 1


def test_an_extended_deadline_is_reminded_afresh(desk):
    cid = desk.case_to("in_progress")
    with frozen(DUE + timedelta(hours=1)):
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["overdue"] == [cid]
        req = casework.request_extension(desk.ws, desk.handler, cid, reason="节后企业复工", days=3,
                                        )
        casework.decide_extension(desk.ws, desk.office, req.id, approve=True)
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["overdue"] == []
    with frozen(datetime(2026, 10, 11, 12, 0, tzinfo=CHINA)):  # new deadline 10-11 10:00 (Sunday → 10-12)
        with desk.ws.db.read() as s:
            assert aware(s.get(Case, cid).due_at).astimezone(CHINA) == datetime(2026, 10, 12, 10, 0, tzinfo=CHINA)
        assert jobs.remind_due(desk.ws, jobs_actor(desk.ws))["before_due"] == [cid]


def _closed_cases(desk, n):
    ids = []
    for _ in range(n):
        cid = desk.case_to("reviewed", grade="IV")
        cases.close(desk.ws, desk.office, cid)
        ids.append(cid)
    return ids


def test_spot_check_draw_is_seeded_logged_and_not_repeated(desk):
    ids = _closed_cases(desk, 5)
    run = jobs.spot_check(desk.ws, jobs_actor(desk.ws), share=0.4, seed="2026-W41")
    assert run["population"] == ids and run["drawn"] == draw(ids, 0.4, "2026-W41") and len(run["drawn"]) == 2
    again = jobs.spot_check(desk.ws, jobs_actor(desk.ws), share=0.4, seed="2026-W41")
    assert again["run_id"] == run["run_id"] and again["new"] is False
    assert count(desk.ws, SpotCheck) == 2 and count(desk.ws, SpotCheckRun) == 1
    nxt = jobs.spot_check(desk.ws, jobs_actor(desk.ws), share=1.0, seed="2026-W42")  # already-drawn cases are not drawn again
    assert sorted(nxt["drawn"]) == sorted(set(ids) - set(run["drawn"]))


def test_spot_check_seed_defaults_to_the_week(desk):
    _closed_cases(desk, 1)
    with frozen(datetime(2026, 10, 12, 8, 0, tzinfo=CHINA)):
        assert jobs.spot_check(desk.ws, jobs_actor(desk.ws), share=1.0)["seed"] == "2026-W42"


def test_spot_check_pass_and_fail(desk):
    a, b = _closed_cases(desk, 2)
    jobs.spot_check(desk.ws, jobs_actor(desk.ws), share=1.0, seed="s")
    with desk.ws.db.read() as s:
        checks = {c.case_id: c.id for c in queries.pending_spot_checks(s, desk.office)}
    spotchecks.record_spot_check(desk.ws, desk.office, checks[a], passed=True)
    with pytest.raises(CaseError, match="原因"):
        spotchecks.record_spot_check(desk.ws, desk.office, checks[b], passed=False)
    with frozen(datetime(2026, 10, 12, 9, 0, tzinfo=CHINA)):
        spotchecks.record_spot_check(desk.ws, desk.office, checks[b], passed=False, note="回访：工资未全额发放")
    with pytest.raises(CaseError, match="已有结论"):
        spotchecks.record_spot_check(desk.ws, desk.office, checks[a], passed=False, note="x")
    with desk.ws.db.read() as s:
        assert s.get(Case, a).state == lc.VERIFIED and s.get(CaseDetail, a).resolution == "verified"
        case_b = s.get(Case, b)
        assert case_b.state == lc.ASSIGNED and s.get(CaseDetail, b).resolution is None
        assert aware(case_b.due_at).astimezone(CHINA) == datetime(2026, 10, 15, 9, 0, tzinfo=CHINA)
        assert [m.kind for m in s.execute(select(UnitMark).where(UnitMark.case_id == b)).scalars()] == [
            "spot_check_failed"]
        assert [r.id for r in queries.todos(s, desk.handler)] == [b]
        assert queries.todos(s, desk.handler)[0].notes == ["待签收"]


def test_board_puts_overdue_first(desk):
    late = desk.case_to("signed")
    with frozen(datetime(2026, 10, 7, 10, 0, tzinfo=CHINA)):
        fresh = desk.case_to("signed")  # due 10-10 10:00 (make-up Saturday)
    with frozen(datetime(2026, 10, 9, 10, 0, tzinfo=CHINA)), desk.ws.db.read() as s:
        board = queries.board(s, desk.office)
        assert [r.id for r in board[lc.SIGNED]] == [late, fresh]
        assert board[lc.SIGNED][0].overdue and not board[lc.SIGNED][1].overdue
        assert [r.id for r in queries.overdue_first(s, desk.office)] == [late, fresh]
        assert queries.board(s, desk.other_handler) == {}
