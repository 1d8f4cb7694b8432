"""The disposal loop on a real workspace, clock frozen: every action checks, changes, logs and audits."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.respond.conftest import START
from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, aware, frozen
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import (
    cases,
    casework,
    dispatch,
    followups,
    queries,
    replies,
    routing,
    rules,
    rules_io,
    supervision,
    uploads,
)
from yuqing.respond.errors import CaseError, DuplicateOpenCase, NotFound, TransitionRefused
from yuqing.respond.uploads import Upload
from yuqing.store import audit
from yuqing.store.tables import AuditEntry, Case, Notification
from yuqing.store.tables_case import (
    Attachment,
    CaseDetail,
    CaseHistory,
    CaseItem,
    Feedback,
    UnitMark,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


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
        s.add(Case(title="绕过检查", event_id=ev, state=lc.ASSIGNED, extra={}))
        s.flush()
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


def test_feedback_attachments_are_checked_and_stored(desk):
    cid = desk.case_to("in_progress")
    with pytest.raises(CaseError, match="类型不允许"):
        casework.submit_feedback(desk.ws, desk.handler, cid, "x", attachments=[Upload("a.exe", b"MZ")])
    with pytest.raises(CaseError, match="不符"):
        casework.submit_feedback(desk.ws, desk.handler, cid, "x", attachments=[Upload("a.png", b"GIF89a")])
    with pytest.raises(CaseError, match="超过"):
        big = Upload("a.pdf", b"%PDF-" + b"0" * uploads.MAX_ATTACHMENT_BYTES)
        casework.submit_feedback(desk.ws, desk.handler, cid, "x", attachments=[big])
    fb = casework.submit_feedback(desk.ws, desk.handler, cid, "已协调支付 42 万元",
                                 attachments=[Upload("现场照片.png", PNG), Upload("说明.txt", "情况".encode())])
    assert not fb.late
    with desk.ws.db.read() as s:
        atts = list(s.execute(select(Attachment).where(Attachment.feedback_id == fb.id)).scalars())
        assert sorted(a.content_type for a in atts) == ["image/png", "text/plain"]
        for a in atts:
            assert (desk.ws.path / a.path).read_bytes()[:4] in (PNG[:4], "情况".encode()[:4])
            assert a.path.startswith(f"attachments/{cid}/")
        assert s.get(Case, cid).state == lc.FEEDBACK_DRAFTED


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


def test_grade_one_needs_leading_group_meeting_and_an_approved_statement(desk):
    cid = desk.case_to("reviewed", grade="I")
    with desk.ws.db.read() as s:
        assert [t.code for t in queries.tasks(s, desk.office, cid) if t.done_at is None] == [
            "leading_group", "joint_meeting", "statement"]
    casework.complete_task(desk.ws, desk.office, cid, "leading_group")
    casework.complete_task(desk.ws, desk.office, cid, "joint_meeting", "10月1日联席会议")
    with pytest.raises(CaseError, match="自动完成"):
        casework.complete_task(desk.ws, desk.office, cid, "statement")
    st = replies.draft_reply(desk.ws, desk.office, cid, kind="statement")
    with pytest.raises(PermissionDenied, match="新闻发言人"):
        replies.approve_reply(desk.ws, desk.town_leader, st.id, approve=True)
    replies.approve_reply(desk.ws, desk.spokesperson, st.id, approve=True)
    replies.release_reply(desk.ws, desk.spokesperson, st.id, url="https://example.gov.cn/fb/1")
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


def test_instructions_tracked_to_done(desk):
    cid = desk.case_to("signed")
    with pytest.raises(PermissionDenied):
        supervision.instruct(desk.ws, desk.office, cid, "x")
    ins = supervision.instruct(desk.ws, desk.leader, cid, "请劳动保障局会同桃源镇三日内解决")
    with desk.ws.db.read() as s:
        assert any("批示待落实" in n for n in queries.ledger(s, desk.office)[0].notes)
    done = supervision.complete_instruction(desk.ws, desk.handler, ins.id, "已兑付")
    assert done.status == "done"
    with pytest.raises(CaseError):
        supervision.complete_instruction(desk.ws, desk.handler, ins.id, "again")


def test_follow_up_post_attaches_to_the_closed_case_and_can_reopen_it(desk):
    ev = desk.event(grade="IV")
    cid = desk.case_to("reviewed", grade="IV", event_id=ev)
    cases.close(desk.ws, desk.office, cid)
    with desk.ws.db.write() as s:
        same_event = factories.item(s, "工资还是没发", event_id=ev).id
        same_place = factories.item(s, "桃源镇又有工地欠薪", places=["桃源镇"], topics=["劳动保障/欠薪"]).id
        unrelated = factories.item(s, "青石镇路灯坏了", places=["青石镇"], topics=["城管"]).id
    attached = followups.attach_follow_ups(desk.ws, jobs_actor(desk.ws), [same_event, same_place, unrelated])
    assert attached == [(same_event, cid), (same_place, cid)]
    with desk.ws.db.read() as s:
        assert s.execute(select(CaseItem.after_close).where(CaseItem.item_id == same_event)).scalar() is True
    with frozen(datetime(2026, 10, 12, 9, 0, tzinfo=CHINA)):
        followups.attach_item(desk.ws, desk.office, cid, same_event, reason="工资仍未发放", reopen_case=True)
    with desk.ws.db.read() as s:
        case = s.get(Case, cid)
        assert case.state == lc.ASSIGNED and case.closed_at is None
        assert local(case.due_at) == datetime(2026, 10, 15, 9, 0, tzinfo=CHINA)
        assert s.get(CaseDetail, cid).reopen_count == 1


def test_evaluation_from_template(desk):
    cid = desk.case_to("reviewed", grade="IV")
    cases.close(desk.ws, desk.office, cid)
    with pytest.raises(CaseError, match="请填写"):
        cases.evaluate(desk.ws, desk.office, cid, {"overview": "欠薪"})
    with pytest.raises(CaseError, match="栏目"):
        cases.evaluate(desk.ws, desk.office, cid, {"nonsense": "x"})
    ev = cases.evaluate(desk.ws, desk.office, cid, {"overview": "欠薪", "handling": "镇劳联动", "effect": "已发放",
                                                      "lessons": "节前排查"})
    assert ev.template == cases.EVALUATION_TEMPLATE
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.EVALUATED
    assert set(cases.evaluation_template()) >= {"overview", "lessons"}


def test_rules_xlsx_round_trip(desk):
    data = rules_io.export_rules_xlsx(desk.ws, desk.office)
    before = rules.list_rules(desk.ws)
    n = rules_io.import_rules_xlsx(desk.ws, desk.office, data, replace=True)
    assert n == 3 and rules.list_rules(desk.ws) == before
    with pytest.raises(PermissionDenied):
        rules_io.export_rules_xlsx(desk.ws, desk.handler)
    with pytest.raises(CaseError):
        rules_io.import_rules_xlsx(desk.ws, desk.office, b"not a workbook")


def test_rules_upload_reads_a_hostile_workbook_quickly(desk):
    """Found by a probe: the rules upload used the same unbounded parser as `yuqing import` (minutes)."""
    import time

    from tests.test_importer import hostile_xlsx

    before = rules.list_rules(desk.ws)
    started = time.monotonic()
    with pytest.raises(CaseError):  # its rows are not rules: refused with a clear error, in seconds
        rules_io.import_rules_xlsx(desk.ws, desk.office, hostile_xlsx())
    assert time.monotonic() - started < 60  # a hang guard: it took > 10 minutes
    assert rules.list_rules(desk.ws) == before


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


@pytest.mark.parametrize("state", ["found", "assigned", "in_progress", "reviewed", "closed"])
def test_every_action_not_in_the_table_is_refused_by_the_action_layer(desk, state):
    cid = desk.case_to("reviewed", grade="IV") if state == "closed" else desk.case_to(state, grade="IV")
    if state == "closed":
        cases.close(desk.ws, desk.office, cid)
    params = {"reason": "理由", "by": "当事人", "lead": "桃源镇人民政府", "grade": "IV"}
    for action in [a.code for a in lc.ACTIONS.values() if a.form == "act"]:
        if (state, action) in lc.TRANSITIONS:
            continue
        # (a unit cannot even see a case before it is assigned to it: NotFound, tested elsewhere)
        for actor in (desk.office, desk.analyst) + ((desk.handler,) if state != "found" else ()):
            with pytest.raises(TransitionRefused):
                dispatch.perform(desk.ws, actor, cid, action, params)
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == state


def test_assisting_unit_signs_only_while_the_case_is_with_the_units(desk):
    cid = desk.case_to("reviewed", grade="IV")
    with pytest.raises(TransitionRefused):
        casework.sign(desk.ws, desk.labour_handler, cid)
    cid2 = desk.case_to("assigned")
    casework.sign(desk.ws, desk.labour_handler, cid2)
    with pytest.raises(CaseError, match="已签收"):
        casework.sign(desk.ws, desk.labour_handler, cid2)


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


def test_the_drafter_of_a_reply_cannot_approve_it(desk):
    cid = desk.case_to("reviewed")
    rep = replies.draft_reply(desk.ws, desk.town_leader, cid)
    with pytest.raises(PermissionDenied, match="起草人"):
        replies.approve_reply(desk.ws, desk.town_leader, rep.id, approve=True)
    st = replies.draft_reply(desk.ws, desk.spokesperson, cid, kind="clarification")
    with pytest.raises(PermissionDenied, match="起草人"):
        replies.approve_reply(desk.ws, desk.spokesperson, st.id, approve=True)
    assert replies.approve_reply(desk.ws, desk.spokesperson, rep.id, approve=True).status == "approved"
    assert replies.approve_reply(desk.ws, desk.town_leader, st.id, approve=True).status == "approved"


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
