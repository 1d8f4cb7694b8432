"""Tiered response: what each grade requires before a case may close."""

from __future__ import annotations

from yuqing.domain import grading as g


def test_tiers():
    assert [t.code for t in g.tier_tasks("I")] == [g.TASK_LEADING_GROUP, g.TASK_JOINT_MEETING,
                                                   g.TASK_INVESTIGATION, g.TASK_STATEMENT]
    assert [t.code for t in g.tier_tasks("II")] == [g.TASK_INVESTIGATION, g.TASK_REPLY]
    assert [t.code for t in g.tier_tasks("III")] == [g.TASK_INVESTIGATION, g.TASK_REPLY]
    assert [t.code for t in g.tier_tasks("IV")] == [g.TASK_INVESTIGATION]
    assert g.tier_tasks(None) == g.tier_tasks("IV")


def test_public_answer_and_missing():
    assert g.needs_public_answer("I") and g.needs_public_answer("III") and not g.needs_public_answer("IV")
    assert [t.code for t in g.missing_tasks("II", [g.TASK_INVESTIGATION])] == [g.TASK_REPLY]
    assert g.missing_tasks("IV", [g.TASK_INVESTIGATION]) == []
