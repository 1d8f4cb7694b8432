"""The demo story: every step of the "done means" list is in the case history and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

import yuqing.store.tables_case  # noqa: F401
from tests import factories
from yuqing.clock import CHINA, aware
from yuqing.domain import lifecycle as lc
from yuqing.respond.demo import run_demo_case_story
from yuqing.store import audit
from yuqing.store.tables import AuditEntry, Case
from yuqing.store.tables_case import CaseHistory, Feedback, Reply, UnitMark


def test_wage_arrears_story(ws):
    with ws.db.write() as s:
        factories.item(s, "我们在青石工业园锦江华府项目干了大半年，包工头跑了，欠薪40万")
    cid = run_demo_case_story(ws)
    assert run_demo_case_story(ws) == cid  # idempotent
    with ws.db.read() as s:
        case = s.get(Case, cid)
        units = {a.unit.name: a.role for a in case.assignments}
        assert units == {"青石镇": "lead", "劳动保障局": "assist"}
        hist = list(s.execute(select(CaseHistory).where(CaseHistory.case_id == cid).order_by(CaseHistory.id))
                    .scalars())
        states = [h.to_state for h in hist if h.to_state]
        assert states == ["found", "assessed", "reported", "assigned", "signed", "in_progress",
                          "feedback_drafted", "feedback_submitted", "reviewed", "replied", "closed", "assigned"]
        actions = [h.action for h in hist]
        for step in ("remind", "supervise", "instruction", "instruction_done", "reply_released",
                     "spot_check_drawn", "fail_check"):
            assert step in actions, step
        assign = next(h for h in hist if h.action == "assign")
        assert aware(datetime.fromisoformat(assign.detail["due_at"])).astimezone(CHINA) == datetime(
            2026, 10, 8, 10, 0, tzinfo=CHINA)  # across National Day
        assert "规则" in assign.detail["routing"]
        assert s.execute(select(Feedback.late)).scalar() is True
        assert s.execute(select(Reply.released_url)).scalar().startswith("https://")
        marks = sorted(m.kind for m in s.execute(select(UnitMark).where(UnitMark.case_id == cid)).scalars())
        assert marks == ["late_feedback", "overdue", "spot_check_failed", "supervised"]
        assert case.state == lc.ASSIGNED
        audited = set(s.execute(select(AuditEntry.action).where(AuditEntry.object_id == str(cid))).scalars())
        assert {"case.assign", "case.sign", "case.remind", "case.supervise", "case.close",
                "case.fail_check"} <= audited
        assert audit.verify(s).ok
