"""A case's course (respond.cases) on a real workspace, clock frozen: every action checks, changes, logs and
audits; the lifecycle table refuses the rest."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import factories
from yuqing.clock import CHINA, aware
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import cases, casework, queries, replies, routing, supervision
from yuqing.respond.errors import CaseError, DuplicateOpenCase, NotFound, TransitionRefused
from yuqing.store import audit
from yuqing.store.tables import AuditEntry, Case, Notification
from yuqing.store.tables_case import CaseDetail, CaseHistory


def local(dt):
    return aware(dt).astimezone(CHINA)


def test_open_route_assign_by_rule_with_deadline_across_national_day(desk):
    cid = desk.case_to("reported")
    proposal = routing.propose_units(desk.ws, desk.office, cid)
    assert proposal.lead is not None and proposal.lead.unit == "桃源镇人民政府"
    assert [u.unit for u in proposal.assists] == ["劳动保障局"]
    assert "属地" in proposal.explain() and "属事" in proposal.explain()
    case = cases.assign(desk.ws, desk.office, cid)  # the office confirms the proposal
    assert case.state == lc.ASSIGNED
    # 3 calendar days from Tue 09-29 end on Fri 10-02, inside the holiday → first working day 10-08.
    assert local(case.due_at) == datetime(2026, 10, 8, 10, 0, tzinfo=CHINA)
    with desk.ws.db.read() as s:
        detail = s.get(CaseDetail, cid)
        assert detail.deadline_basis == {"days": 3}
        assert detail.routing["followed_proposal"] is True
        roles = sorted((a.unit_id, a.role) for a in s.get(Case, cid).assignments)
        assert roles == sorted([(desk.town, "lead"), (desk.labour, "assist")])
        notes = set(s.execute(select(Notification.audience).where(Notification.kind == "case.assigned")).scalars())
        assert notes == {f"unit:{desk.town}", f"unit:{desk.labour}"}


def test_working_day_deadline_and_office_override(desk):
    cid = desk.case_to("reported")
    case = cases.assign(desk.ws, desk.office, cid, lead="劳动保障局", assists=["桃源镇人民政府"], working_days=3)
    # Working days after 09-29: 09-30, 10-08, 10-09.
    assert local(case.due_at) == datetime(2026, 10, 9, 10, 0, tzinfo=CHINA)
    with desk.ws.db.read() as s:
        assert s.get(CaseDetail, cid).routing["followed_proposal"] is False


def test_one_open_case_per_event_check_and_constraint(desk):
    ev = desk.event()
    first = cases.open_case(desk.ws, desk.analyst, title="一", event_id=ev)
    with pytest.raises(DuplicateOpenCase, match="已有未办结"):
        cases.open_case(desk.ws, desk.analyst, title="二", event_id=ev)
    with pytest.raises(IntegrityError), desk.ws.db.write() as s:  # the database refuses it too
        factories.case(s, "绕过检查", event_id=ev, state=lc.ASSIGNED, extra={})
    cases.dismiss(desk.ws, desk.office, first.id, "非涉区问题")
    second = cases.open_case(desk.ws, desk.analyst, title="二", event_id=ev)
    assert second.id != first.id


def test_reopen_refused_while_another_case_is_open_for_the_event(desk):
    ev = desk.event(grade="IV")
    cid = desk.case_to("reviewed", grade="IV", event_id=ev)
    cases.close(desk.ws, desk.office, cid)
    cases.open_case(desk.ws, desk.analyst, title="新案件", event_id=ev)
    with pytest.raises(DuplicateOpenCase):
        cases.reopen(desk.ws, desk.office, cid, "问题复发")


def test_unit_scoping(desk):
    cid = desk.case_to("assigned")
    with desk.ws.db.read() as s:
        assert [r.id for r in queries.todos(s, desk.handler)] == [cid]
        assert queries.todos(s, desk.other_handler) == []
        with pytest.raises(NotFound):
            queries.history(s, desk.other_handler, cid)
    with pytest.raises(NotFound):
        casework.sign(desk.ws, desk.other_handler, cid)


def test_transitions_not_in_the_table_are_refused_and_change_nothing(desk):
    cid = desk.case_to("assigned")
    with pytest.raises(TransitionRefused):
        cases.close(desk.ws, desk.office, cid)
    with pytest.raises(TransitionRefused):
        casework.review(desk.ws, desk.office, cid)
    with pytest.raises(TransitionRefused):
        cases.assign(desk.ws, desk.office, cid)
    with pytest.raises(PermissionDenied):
        casework.sign(desk.ws, desk.office, cid)  # the office cannot sign for a unit
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.ASSIGNED


def test_available_actions_follow_the_table(desk):
    cid = desk.case_to("assigned")
    with desk.ws.db.read() as s:
        assert [a.code for a in queries.available_actions(s, desk.handler, cid)] == ["sign", "return"]
        assert [a.code for a in queries.available_actions(s, desk.office, cid)] == ["reassign", "escalate"]
        # The assisting unit takes no lifecycle action: it signs for its part and contributes an opinion.
        assert queries.available_actions(s, desk.labour_handler, cid) == []


def test_return_to_sender_and_reassign(desk):
    cid = desk.case_to("assigned")
    with pytest.raises(TransitionRefused, match="理由"):
        cases.return_case(desk.ws, desk.handler, cid, " ")
    case = cases.return_case(desk.ws, desk.handler, cid, "该工地在青石镇辖区")
    assert case.state == lc.REPORTED
    case = cases.assign(desk.ws, desk.office, cid, lead="青石镇人民政府", assists=["劳动保障局"])
    case = cases.reassign(desk.ws, desk.office, cid, lead="桃源镇人民政府", reason="核实后仍属桃源镇")
    assert case.state == lc.ASSIGNED
    with desk.ws.db.read() as s:
        assert {a.unit_id for a in s.get(Case, cid).assignments} == {desk.town}


def test_escalate_then_close(desk):
    cid = desk.case_to("in_progress")
    case = cases.escalate(desk.ws, desk.office, cid, "涉及市属企业，属市级事权")
    assert case.state == lc.ESCALATED
    assert cases.close(desk.ws, desk.office, cid, "市级已办结").state == lc.CLOSED


def test_grade_tiers_gate_closing(desk):
    cid = desk.case_to("reviewed", grade="III")
    with pytest.raises(CaseError, match="正式回复"):
        cases.close(desk.ws, desk.office, cid)
    rep = replies.draft_reply(desk.ws, desk.handler, cid)
    assert "拖欠工资" in rep.text and "已督促支付" in rep.text
    with pytest.raises(CaseError, match="未经审核"):
        replies.release_reply(desk.ws, desk.town_leader, rep.id, url="https://example.gov.cn/r/1")
    with pytest.raises(PermissionDenied):
        replies.approve_reply(desk.ws, desk.handler, rep.id, approve=True)
    replies.approve_reply(desk.ws, desk.town_leader, rep.id, approve=True)
    with pytest.raises(CaseError, match="不一致"):
        replies.release_reply(desk.ws, desk.town_leader, rep.id, url="https://example.gov.cn/r/1",
                              released_text="改过的文本")
    rep = replies.release_reply(desk.ws, desk.town_leader, rep.id, url="https://example.gov.cn/r/1")
    assert rep.status == "released" and rep.released_url == "https://example.gov.cn/r/1"
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.REPLIED
    assert cases.close(desk.ws, desk.office, cid).state == lc.CLOSED


def test_grade_four_closes_after_review(desk):
    cid = desk.case_to("reviewed", grade="IV")
    case = cases.close(desk.ws, desk.office, cid)
    assert case.state == lc.CLOSED and case.closed_at is not None
    with desk.ws.db.read() as s:
        assert s.get(CaseDetail, cid).resolution == lc.RESOLUTION_REPORTED


def test_closed_is_not_solved_until_confirmed(desk):
    cid = desk.case_to("reviewed", grade="IV")
    cases.close(desk.ws, desk.office, cid)
    supervision.instruct(desk.ws, desk.leader, cid, "请务必落实到位")
    with desk.ws.db.read() as s:
        rows = queries.ledger(s, desk.office)
        assert [r.id for r in rows] == [cid] and "已销号，尚未确认解决" in rows[0].notes
    cases.confirm(desk.ws, desk.office, cid, by="讨薪工人代表")
    cases.watch(desk.ws, desk.office, cid)
    with desk.ws.db.read() as s:
        assert s.get(CaseDetail, cid).resolution == lc.RESOLUTION_CONFIRMED
        assert queries.ledger(s, desk.office) == []


def test_evaluation_from_template(desk):
    cid = desk.case_to("reviewed", grade="IV")
    cases.close(desk.ws, desk.office, cid)
    with pytest.raises(CaseError, match="请填写"):
        cases.evaluate(desk.ws, desk.office, cid, {"overview": "欠薪"})
    with pytest.raises(CaseError, match="栏目"):
        cases.evaluate(desk.ws, desk.office, cid, {"nonsense": "x"})
    ev = cases.evaluate(desk.ws, desk.office, cid, {"overview": "欠薪", "handling": "镇劳联动", "practices": "镇劳联动当日发放",
                                                      "lessons": "节前排查"})
    assert ev.template == cases.EVALUATION_TEMPLATE
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.EVALUATED
    assert set(cases.evaluation_template()) >= {"overview", "lessons"}


def test_every_step_is_in_history_and_the_audit_chain_holds(desk):
    cid = desk.case_to("reviewed", grade="IV")
    cases.close(desk.ws, desk.office, cid)
    with desk.ws.db.read() as s:
        moves = [(h.from_state, h.to_state) for h in s.execute(select(CaseHistory).where(
            CaseHistory.case_id == cid, CaseHistory.to_state.is_not(None)).order_by(CaseHistory.id)).scalars()]
        assert [t for _, t in moves] == ["found", "assessed", "reported", "assigned", "signed", "in_progress",
                                         "feedback_drafted", "feedback_submitted", "reviewed", "closed"]
        acts = [a for a in s.execute(select(AuditEntry.action).where(AuditEntry.object_type == "case")).scalars()]
        assert "case.assign" in acts and "case.close" in acts
        assert audit.verify(s).ok


def test_reopened_case_needs_new_accepted_feedback_before_closing_again(desk):
    cid = desk.case_to("reviewed", grade="IV")
    cases.close(desk.ws, desk.office, cid)
    cases.reopen(desk.ws, desk.office, cid, "群众反映问题复发")
    with desk.ws.db.read() as s:
        assert [t.done_at for t in queries.tasks(s, desk.office, cid)] == [None]  # investigation undone
    casework.sign(desk.ws, desk.handler, cid)
    casework.sign(desk.ws, desk.labour_handler, cid)
    casework.submit_feedback(desk.ws, desk.handler, cid, "再次处理")
    casework.approve_feedback(desk.ws, desk.town_leader, cid)
    with pytest.raises(TransitionRefused):
        cases.close(desk.ws, desk.office, cid)  # feedback not yet reviewed
    casework.review(desk.ws, desk.office, cid)
    assert cases.close(desk.ws, desk.office, cid).state == lc.CLOSED
    with desk.ws.db.read() as s:
        assert s.get(CaseDetail, cid).reopen_count == 1


# ---- the unit leader's step, assisting units, separation of duties (issue 9 item 3, issue 15 item 5) -----


def test_closing_with_an_unsigned_assisting_unit_needs_the_offices_reason(desk):
    cid = desk.case_to("assigned", grade="IV")
    casework.sign(desk.ws, desk.handler, cid)
    casework.submit_feedback(desk.ws, desk.handler, cid, "已处理")
    casework.approve_feedback(desk.ws, desk.town_leader, cid)
    casework.review(desk.ws, desk.office, cid)
    with pytest.raises(CaseError, match="劳动保障局未签收"):
        cases.close(desk.ws, desk.office, cid)
    case = cases.close(desk.ws, desk.office, cid, "劳动保障局电话确认无需其参与，予以销号")
    assert case.state == lc.CLOSED
    with desk.ws.db.read() as s:  # the analyst who opened it is told how it ended
        told = s.execute(select(Notification).where(Notification.audience == f"user:{desk.analyst.user_id}",
                                                    Notification.kind == "case.closed")).scalar_one()
        assert told.link == f"/cases/{cid}" and "已销号" in told.title
    with desk.ws.db.read() as s:
        last = queries.history(s, desk.office, cid)[-1]
        assert last.action == "close" and last.detail["unsigned_assists"] == ["劳动保障局"]
