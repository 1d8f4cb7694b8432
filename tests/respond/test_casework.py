"""The units' work (respond.casework): signing, feedback and its approval by the unit leader, assisting units'
parts, the office's review, extensions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.respond.conftest import START
from yuqing.clock import CHINA, aware, frozen
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import cases, casework, queries, replies
from yuqing.respond.errors import CaseError, TransitionRefused
from yuqing.respond.uploads import Upload
from yuqing.store.tables import Case, Notification
from yuqing.store.tables_case import Feedback, UnitMark

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def local(dt):
    return aware(dt).astimezone(CHINA)


def test_sign_records_time_to_sign_and_assist_signs_separately(desk):
    cid = desk.case_to("assigned")
    with frozen(START + timedelta(hours=2, minutes=30)):
        casework.sign(desk.ws, desk.labour_handler, cid)  # assisting unit: recorded, no state change
        case = casework.sign(desk.ws, desk.handler, cid)
    assert case.state == lc.SIGNED
    with desk.ws.db.read() as s:
        hist = queries.history(s, desk.office, cid)
        timing = [h for h in hist if h.action == "time_to_sign"]
        assert timing[0].detail["hours"] == 2.5
        assert any(h.action == "sign_assist" for h in hist)
        assert all(a.signed_at is not None for a in s.get(Case, cid).assignments)


def test_late_feedback_needs_explanation_and_counts_against_the_unit(desk):
    cid = desk.case_to("in_progress")
    with frozen(datetime(2026, 10, 9, 9, 0, tzinfo=CHINA)):
        with pytest.raises(CaseError, match="书面说明"):
            casework.submit_feedback(desk.ws, desk.handler, cid, "已处理")
        fb = casework.submit_feedback(desk.ws, desk.handler, cid, "已处理", explanation="节日期间企业负责人联系不上")
    assert fb.late
    with desk.ws.db.read() as s:
        marks = queries.unit_marks(s, desk.office, desk.town)
        assert [m.kind for m in marks] == ["late_feedback"]
        assert queries.unit_marks(s, desk.other_handler) == []


def test_false_feedback_recorded_against_the_unit(desk):
    cid = desk.case_to("feedback_submitted")
    case = casework.reject_feedback(desk.ws, desk.office, cid, "回访当事人，工资未发放", false_feedback=True)
    assert case.state == lc.IN_PROGRESS
    with desk.ws.db.read() as s:
        assert s.execute(select(Feedback.status)).scalar() == "false"
        assert [m.kind for m in s.execute(select(UnitMark)).scalars()] == ["false_feedback"]


def test_a_rejection_with_a_new_deadline_writes_it_to_the_case_history(desk):
    cid = desk.case_to("feedback_submitted")
    with frozen(datetime(2026, 10, 12, 9, 0, tzinfo=CHINA)):
        with desk.ws.db.read() as s:
            before = s.get(Case, cid).due_at
        casework.reject_feedback(desk.ws, desk.office, cid, "整改不到位，请重新办理", days=3)
        with pytest.raises(TransitionRefused):  # no feedback to reject now: refused, the deadline stays
            casework.reject_feedback(desk.ws, desk.office, cid, "再退回", days=10)
    with desk.ws.db.read() as s:
        case = s.get(Case, cid)
        [row] = [h for h in queries.history(s, desk.office, cid) if h.action == "reject_feedback"]
        note = s.execute(select(Notification.body).where(Notification.kind == "case.feedback_rejected")).scalar()
    assert local(case.due_at) == datetime(2026, 10, 15, 9, 0, tzinfo=CHINA) and case.due_at != before
    assert row.detail["due_at"] == case.due_at.isoformat()
    assert note == "整改不到位，请重新办理（重新办理期限：2026-10-15 09:00）"


def test_extension_request_and_approval(desk):
    cid = desk.case_to("signed")
    req = casework.request_extension(desk.ws, desk.handler, cid, reason="需审计工程款", working_days=2)
    assert local(req.new_due_at) == datetime(2026, 10, 10, 10, 0, tzinfo=CHINA)  # 10-09, make-up Sat 10-10
    with pytest.raises(CaseError, match="待审批"):
        casework.request_extension(desk.ws, desk.handler, cid, reason="再延", days=1)
    with pytest.raises(PermissionDenied):
        casework.decide_extension(desk.ws, desk.handler, req.id, approve=True)
    casework.decide_extension(desk.ws, desk.office, req.id, approve=True, note="同意")
    with desk.ws.db.read() as s:
        assert local(s.get(Case, cid).due_at) == datetime(2026, 10, 10, 10, 0, tzinfo=CHINA)
        assert "extension_approved" in [h.action for h in queries.history(s, desk.office, cid)]


def test_assisting_unit_signs_only_while_the_case_is_with_the_units(desk):
    cid = desk.case_to("reviewed", grade="IV")
    with pytest.raises(TransitionRefused):
        casework.sign(desk.ws, desk.labour_handler, cid)
    cid2 = desk.case_to("assigned")
    casework.sign(desk.ws, desk.labour_handler, cid2)
    with pytest.raises(CaseError, match="已签收"):
        casework.sign(desk.ws, desk.labour_handler, cid2)


def _labour_leader(desk):
    from yuqing.accounts import actor_of
    from yuqing.store.tables import Unit

    with desk.ws.db.write() as s:
        return actor_of(factories.user(s, "labour_l", "unit_leader", s.get(Unit, desk.labour),
                                       display_name="劳保局局长"))


def _office_notes(desk, kind):
    with desk.ws.db.read() as s:
        return list(s.execute(select(Notification.title).where(Notification.audience == "office",
                                                               Notification.kind == kind)).scalars())


def test_feedback_reaches_the_office_only_after_the_unit_leader_approves(desk):
    cid = desk.case_to("in_progress")
    fb = casework.submit_feedback(desk.ws, desk.handler, cid, "已约谈施工方，工资本周发放",
                                 attachments=[Upload("现场.png", PNG)])
    assert fb.status == casework.FEEDBACK_PENDING_LEADER
    assert _office_notes(desk, "case.feedback") == []
    with desk.ws.db.read() as s:
        leader_notes = list(s.execute(select(Notification.kind).where(
            Notification.audience == f"unit:{desk.town}")).scalars())
        assert "case.feedback_to_approve" in leader_notes
        assert "feedback_drafted" in [r.state for r in queries.todos(s, desk.town_leader)]
    with pytest.raises(TransitionRefused):
        casework.review(desk.ws, desk.office, cid)
    with pytest.raises(PermissionDenied):
        casework.approve_feedback(desk.ws, desk.handler, cid)  # the handler has no right to approve
    with pytest.raises(PermissionDenied):
        casework.approve_feedback(desk.ws, desk.spokesperson, cid)
    with pytest.raises(TransitionRefused, match="理由"):
        casework.return_feedback(desk.ws, desk.town_leader, cid, " ")
    back = casework.return_feedback(desk.ws, desk.town_leader, cid, "请补充发放名单")
    assert back.status == "returned"
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.IN_PROGRESS
    casework.submit_feedback(desk.ws, desk.handler, cid, "已发放，名单见附件", attachments=[Upload("名单.txt", b"37")])
    fb2 = casework.approve_feedback(desk.ws, desk.town_leader, cid, "属实")
    assert fb2.status == "submitted"
    assert _office_notes(desk, "case.feedback") == ["单位已反馈：拖欠工资"]
    casework.review(desk.ws, desk.office, cid)
    with desk.ws.db.read() as s:
        hist = [h.action for h in queries.history(s, desk.office, cid)]
        assert hist[-5:] == ["submit_feedback", "time_to_feedback", "approve_feedback", "review", "task_done"]
        assert "return_feedback" in hist


def test_an_assisting_unit_cannot_act_for_the_case(desk):
    labour_leader = _labour_leader(desk)
    cid = desk.case_to("assigned")
    with pytest.raises(PermissionDenied, match="协办"):
        cases.return_case(desk.ws, desk.labour_handler, cid, "不是我们的事")
    casework.sign(desk.ws, desk.labour_handler, cid)  # signs for its own part: the case does not move
    casework.sign(desk.ws, desk.handler, cid)
    with pytest.raises(PermissionDenied, match="协办"):
        casework.start(desk.ws, desk.labour_handler, cid)
    with pytest.raises(PermissionDenied, match="协办"):
        casework.submit_feedback(desk.ws, desk.labour_handler, cid, "我们处理好了")
    with pytest.raises(PermissionDenied, match="牵头单位"):
        casework.request_extension(desk.ws, desk.labour_handler, cid, reason="忙", days=2)
    casework.submit_feedback(desk.ws, desk.handler, cid, "已处理")
    with pytest.raises(PermissionDenied, match="协办"):
        casework.approve_feedback(desk.ws, labour_leader, cid)
    casework.approve_feedback(desk.ws, desk.town_leader, cid)
    casework.review(desk.ws, desk.office, cid)
    with pytest.raises(PermissionDenied, match="牵头单位"):
        replies.draft_reply(desk.ws, desk.labour_handler, cid)
    rep = replies.draft_reply(desk.ws, desk.handler, cid)
    with pytest.raises(PermissionDenied, match="牵头单位"):
        replies.approve_reply(desk.ws, labour_leader, rep.id, approve=True)
    replies.approve_reply(desk.ws, desk.town_leader, rep.id, approve=True)
    with pytest.raises(PermissionDenied, match="牵头单位"):
        replies.release_reply(desk.ws, labour_leader, rep.id, url="https://example.gov.cn/r/2")
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.REVIEWED


def test_assisting_unit_signs_then_contributes_its_part(desk):
    cid = desk.case_to("assigned")
    with pytest.raises(CaseError, match="先签收"):
        casework.contribute(desk.ws, desk.labour_handler, cid, "已核实劳动合同")
    with pytest.raises(PermissionDenied, match="协办单位"):
        casework.contribute(desk.ws, desk.handler, cid, "牵头单位不写协办意见")
    casework.sign(desk.ws, desk.labour_handler, cid)
    with pytest.raises(CaseError, match="不能为空"):
        casework.contribute(desk.ws, desk.labour_handler, cid, "  ")
    op = casework.contribute(desk.ws, desk.labour_handler, cid, "已核实劳动合同 37 份，督促总包垫付",
                            attachments=[Upload("合同清单.txt", "37 份".encode())])
    assert op.status == casework.FEEDBACK_CONTRIBUTION and op.unit_id == desk.labour
    with desk.ws.db.read() as s:
        assert s.execute(select(Notification.kind).where(
            Notification.audience == f"unit:{desk.town}", Notification.kind == "case.assist_opinion")).first()
        assert [h.action for h in queries.history(s, desk.office, cid)][-1] == "assist_opinion"
        assert s.get(Case, cid).state == lc.ASSIGNED  # an opinion does not move the case
    # The lead's feedback is what the office reviews; the opinion stays beside it.
    casework.sign(desk.ws, desk.handler, cid)
    casework.submit_feedback(desk.ws, desk.handler, cid, "已处理")
    fb = casework.approve_feedback(desk.ws, desk.town_leader, cid)
    assert fb.unit_id == desk.town
