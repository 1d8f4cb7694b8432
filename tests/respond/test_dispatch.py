"""Lifecycle actions by code (respond.dispatch): one handler per row of the table, and the table answers first."""

from __future__ import annotations

import pytest

from yuqing.domain import lifecycle as lc
from yuqing.respond import cases, dispatch, replies
from yuqing.respond.errors import CaseError, NotFound, TransitionRefused
from yuqing.store.tables import Case


@pytest.mark.parametrize("state", ["found", "assigned", "in_progress", "reviewed", "closed"])
def test_every_action_not_in_the_table_is_refused_by_the_action_layer(desk, state):
    cid = desk.case_to("reviewed", grade="IV") if state == "closed" else desk.case_to(state, grade="IV")
    if state == "closed":
        cases.close(desk.ws, desk.office, cid)
    params = {"reason": "理由", "by": "当事人", "lead": "桃源镇人民政府", "grade": "IV", "text": "已办",
              "reply_id": 1, "check_id": 1, "url": "https://example.invalid/x",
              **{k: "内容" for k in lc.EVALUATION_SECTIONS}}
    for action in lc.ACTIONS:
        if (state, action) in lc.TRANSITIONS or action in dispatch.MOVES_ONLY_IF_ALLOWED:
            continue
        # (a unit cannot even see a case before it is assigned to it: NotFound, tested elsewhere)
        for actor in (desk.office, desk.analyst) + ((desk.handler,) if state != "found" else ()):
            with pytest.raises(TransitionRefused):
                dispatch.perform(desk.ws, actor, cid, action, params)
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == state


def test_every_lifecycle_row_has_a_handler_and_every_handler_a_row():
    assert set(dispatch.HANDLERS) == set(lc.ACTIONS)
    assert set(lc.ACTIONS) >= dispatch.MOVES_ONLY_IF_ALLOWED


def test_every_parameter_is_of_a_known_kind_with_a_chinese_label():
    kinds = {"text", "longtext", "int", "bool", "grade", "unit", "units", "id", "url"}
    for act in lc.ACTIONS.values():
        assert act.form in ("act", "feedback", "release", "spot_check", "evaluate"), act.code
        names = [p.name for p in act.params]
        assert len(names) == len(set(names)), act.code
        for p in act.params:
            assert p.kind in kinds and any("\u4e00" <= ch <= "\u9fff" for ch in p.label), (act.code, p)
        if act.needs_reason:
            assert any(p.name == "reason" and p.required for p in act.params), act.code


def test_the_api_body_offers_every_parameter_of_the_table():
    from yuqing.web.api.cases import ActionBody

    fields = set(ActionBody.model_fields)
    assert {p.name for a in lc.ACTIONS.values() for p in a.params} == fields


def test_parameters_are_read_by_kind_and_refused_in_chinese(desk):
    args = dispatch.arguments("reassign", {"lead": "3", "assists": "劳动保障局、4", "days": "2", "reason": " 改 "})
    assert args == {"lead": 3, "assists": ["劳动保障局", 4], "days": 2, "working_days": None, "reason": "改"}
    assert dispatch.arguments("reject_feedback", {"reason": "x", "false_feedback": "on"})["false_feedback"] is True
    assert dispatch.arguments("reject_feedback", {"reason": "x"})["false_feedback"] is False
    with pytest.raises(CaseError, match="自然日天数"):
        dispatch.arguments("assign", {"days": "三"})
    with pytest.raises(CaseError, match="办理情况"):
        dispatch.arguments("submit_feedback", {"text": " "})
    with pytest.raises(TransitionRefused, match="未知操作"):
        dispatch.arguments("publish", {})


def test_feedback_and_release_through_the_table(desk):
    cid = desk.case_to("in_progress")
    fb = dispatch.perform(desk.ws, desk.handler, cid, "submit_feedback", {"text": "已督促支付"})
    assert fb.status == "pending_leader"
    dispatch.perform(desk.ws, desk.town_leader, cid, "approve_feedback", {})
    dispatch.perform(desk.ws, desk.office, cid, "review", {"reason": "同意"})
    rep = replies.draft_reply(desk.ws, desk.handler, cid, kind="reply")
    replies.approve_reply(desk.ws, desk.town_leader, rep.id, approve=True)
    other = desk.case_to("reviewed")
    with pytest.raises(NotFound):  # a reply of another case is not this case's
        dispatch.perform(desk.ws, desk.town_leader, other, "reply",
                         {"reply_id": rep.id, "url": "https://example.invalid/r"})
    dispatch.perform(desk.ws, desk.town_leader, cid, "reply", {"reply_id": rep.id, "url": "https://example.invalid/r"})
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.REPLIED


def test_every_desk_form_runs_an_action(desk):
    assert set(dispatch.DESK_FORMS) == {"assist_sign", "extension", "extension_decision", "supervise", "instruct",
                                        "instruction_done", "draft", "approve", "release", "task", "spot_request",
                                        "spot_result", "evaluate", "venue_contact"}
    with pytest.raises(CaseError, match="未知操作"):
        dispatch.perform_form(desk.ws, desk.office, 1, "delete_everything", {})
