"""The lifecycle table: the normal path, the side moves, and refusal of everything else."""

from __future__ import annotations

import pytest

from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import (
    ANALYST,
    LEADER,
    OFFICE,
    PERMISSIONS,
    SPOKESPERSON,
    UNIT_HANDLER,
    UNIT_LEADER,
    Actor,
    PermissionDenied,
)

OFFICE_USER = Actor(1, "办公室", OFFICE)
ANALYST_USER = Actor(2, "监测员", ANALYST)
TOWN_HANDLER = Actor(3, "镇经办人", UNIT_HANDLER, unit_id=10)
OTHER_HANDLER = Actor(4, "他单位经办人", UNIT_HANDLER, unit_id=99)
TOWN_LEADER = Actor(5, "镇领导", UNIT_LEADER, unit_id=10)

NORMAL_PATH = [
    ("assess", ANALYST_USER), ("report", ANALYST_USER), ("assign", OFFICE_USER), ("sign", TOWN_HANDLER),
    ("start", TOWN_HANDLER), ("submit_feedback", TOWN_HANDLER), ("approve_feedback", TOWN_LEADER),
    ("review", OFFICE_USER),
    ("reply", TOWN_LEADER), ("close", OFFICE_USER), ("watch", OFFICE_USER), ("evaluate", OFFICE_USER),
]


def test_normal_path_walks_every_state_of_r_case_4():
    state = lc.FOUND
    seen = [state]
    for action, actor in NORMAL_PATH:
        state = lc.check(state, action, actor, assigned_units={10})
        seen.append(state)
    assert seen == [lc.FOUND, lc.ASSESSED, lc.REPORTED, lc.ASSIGNED, lc.SIGNED, lc.IN_PROGRESS,
                    lc.FEEDBACK_DRAFTED, lc.FEEDBACK_SUBMITTED, lc.REVIEWED, lc.REPLIED, lc.CLOSED, lc.FOLLOW_UP, lc.EVALUATED]


@pytest.mark.parametrize("state", lc.STATES)
@pytest.mark.parametrize("action", list(lc.ACTIONS))
def test_every_move_not_in_the_table_is_refused(state, action):
    if (state, action) in lc.TRANSITIONS:
        assert lc.next_state(state, action) == lc.TRANSITIONS[(state, action)]
    else:
        with pytest.raises(lc.TransitionRefused):
            lc.next_state(state, action)
        with pytest.raises(lc.TransitionRefused):
            lc.check(state, action, OFFICE_USER, reason="x", assigned_units={10})


def test_unknown_action_is_refused():
    with pytest.raises(lc.TransitionRefused, match="未知操作"):
        lc.next_state(lc.FOUND, "teleport")


def test_table_is_consistent():
    for (s, a), t in lc.TRANSITIONS.items():
        assert s in lc.STATES and t in lc.STATES and a in lc.ACTIONS
    known = set().union(*PERMISSIONS.values())
    for act in lc.ACTIONS.values():
        assert act.permission in known, act
    # Every state except the terminal ones can be left somehow.
    leavable = {s for s, _ in lc.TRANSITIONS}
    assert set(lc.STATES) - leavable == {lc.DISMISSED}


def test_side_moves():
    assert lc.next_state(lc.ASSIGNED, "return") == lc.REPORTED
    assert lc.next_state(lc.SIGNED, "reassign") == lc.ASSIGNED
    assert lc.next_state(lc.IN_PROGRESS, "escalate") == lc.ESCALATED
    assert lc.next_state(lc.CLOSED, "reopen") == lc.ASSIGNED
    assert lc.next_state(lc.EVALUATED, "reopen") == lc.ASSIGNED
    assert lc.next_state(lc.CLOSED, "fail_check") == lc.ASSIGNED
    assert lc.next_state(lc.CONFIRMED, "pass_check") == lc.VERIFIED


def test_closed_is_not_solved():
    assert not lc.is_solved(lc.CLOSED)
    assert not lc.is_solved(lc.FOLLOW_UP)
    assert lc.is_solved(lc.CONFIRMED) and lc.is_solved(lc.VERIFIED)
    assert lc.SOLVED_STATES < lc.CLOSED_STATES
    assert lc.OPEN_STATES.isdisjoint(lc.FINISHED_STATES)
    assert set(lc.STATES) == lc.OPEN_STATES | lc.FINISHED_STATES
    assert all(lc.is_open(s) for s in (lc.FOUND, lc.ASSIGNED, lc.ESCALATED, lc.FEEDBACK_SUBMITTED))


def test_permissions_are_checked():
    with pytest.raises(PermissionDenied):
        lc.check(lc.REPORTED, "assign", TOWN_HANDLER)
    with pytest.raises(PermissionDenied):
        lc.check(lc.FEEDBACK_SUBMITTED, "review", TOWN_LEADER)
    with pytest.raises(PermissionDenied):
        lc.check(lc.CLOSED, "pass_check", Actor(7, "区领导", LEADER))


def test_unit_actions_only_for_the_assigned_unit():
    assert lc.check(lc.ASSIGNED, "sign", TOWN_HANDLER, assigned_units={10}) == lc.SIGNED
    with pytest.raises(PermissionDenied, match="责任单位"):
        lc.check(lc.ASSIGNED, "sign", OTHER_HANDLER, assigned_units={10})


def test_only_the_lead_unit_acts_for_the_case():
    assist = Actor(9, "协办单位经办人", UNIT_HANDLER, unit_id=20)
    units = {10, 20}
    for state, action in ((lc.ASSIGNED, "sign"), (lc.ASSIGNED, "return"), (lc.SIGNED, "start"),
                          (lc.IN_PROGRESS, "submit_feedback")):
        assert lc.check(state, action, TOWN_HANDLER, assigned_units=units, lead_unit=10, reason="x")
        with pytest.raises(PermissionDenied, match="协办单位"):
            lc.check(state, action, assist, assigned_units=units, lead_unit=10, reason="x")
    assert lc.allowed_actions(lc.IN_PROGRESS, assist, assigned_units=units, lead_unit=10) == []


def test_unit_leader_approves_the_feedback_before_the_office_sees_it():
    assert lc.next_state(lc.IN_PROGRESS, "submit_feedback") == lc.FEEDBACK_DRAFTED
    with pytest.raises(lc.TransitionRefused):
        lc.next_state(lc.FEEDBACK_DRAFTED, "review")  # the office waits for the unit leader
    with pytest.raises(PermissionDenied):  # a handler cannot approve, nor can the office or spokesperson
        lc.check(lc.FEEDBACK_DRAFTED, "approve_feedback", TOWN_HANDLER, assigned_units={10}, lead_unit=10)
    for other in (OFFICE_USER, Actor(8, "发言人", SPOKESPERSON)):
        with pytest.raises(PermissionDenied):
            lc.check(lc.FEEDBACK_DRAFTED, "approve_feedback", other, assigned_units={10}, lead_unit=10)
    other_leader = Actor(6, "他单位领导", UNIT_LEADER, unit_id=20)
    with pytest.raises(PermissionDenied):
        lc.check(lc.FEEDBACK_DRAFTED, "approve_feedback", other_leader, assigned_units={10, 20}, lead_unit=10)
    assert lc.check(lc.FEEDBACK_DRAFTED, "approve_feedback", TOWN_LEADER, assigned_units={10},
                    lead_unit=10) == lc.FEEDBACK_SUBMITTED
    with pytest.raises(lc.TransitionRefused, match="理由"):
        lc.check(lc.FEEDBACK_DRAFTED, "return_feedback", TOWN_LEADER, assigned_units={10}, lead_unit=10)
    assert lc.check(lc.FEEDBACK_DRAFTED, "return_feedback", TOWN_LEADER, assigned_units={10}, lead_unit=10,
                    reason="照片不清楚") == lc.IN_PROGRESS


def test_reason_required_where_the_table_says_so():
    with pytest.raises(lc.TransitionRefused, match="理由"):
        lc.check(lc.ASSIGNED, "return", TOWN_HANDLER, assigned_units={10}, reason="  ")
    moved = lc.check(lc.ASSIGNED, "return", TOWN_HANDLER, assigned_units={10}, reason="非本镇辖区")
    assert moved == lc.REPORTED


def test_allowed_actions_depend_on_state_and_actor():
    assert [a.code for a in lc.allowed_actions(lc.ASSIGNED, TOWN_HANDLER, assigned_units={10})] == [
        "sign", "return"]
    assert lc.allowed_actions(lc.ASSIGNED, OTHER_HANDLER, assigned_units={10}) == []
    assert [a.code for a in lc.allowed_actions(lc.ASSIGNED, OFFICE_USER)] == ["reassign", "escalate"]
    assert [a.code for a in lc.allowed_actions(lc.REVIEWED, Actor(8, "发言人", SPOKESPERSON))] == ["reply"]
    for state in lc.STATES:
        for act in lc.allowed_actions(state, OFFICE_USER):
            assert (state, act.code) in lc.TRANSITIONS


def test_labels_and_docs():
    assert lc.label(lc.CLOSED).startswith("已销号")
    assert len({lc.label(s) for s in lc.STATES}) == len(lc.STATES)
    md = lc.transition_table_markdown()
    assert md.count("\n") == len(lc.TRANSITIONS) + 1
