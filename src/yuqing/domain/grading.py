"""Grades (特别重大 I / 重大 II / 较大 III / 一般 IV) and the tiered response each one requires.

Tiered response (R-CASE-2, 实施意见 "分级响应"): grade I goes to the leading group — joint meeting and
an official statement drafted and approved before release; grades II–III need the unit's investigation
and an official reply; grade IV needs the investigation. A case may close only when its tasks are done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GRADES: tuple[str, ...] = ("I", "II", "III", "IV")
GRADE_LABELS = {"I": "特别重大（I级）", "II": "重大（II级）", "III": "较大（III级）", "IV": "一般（IV级）"}

# ---- Tiered response ---------------------------------------------------------------------------------

TASK_LEADING_GROUP = "leading_group"
TASK_JOINT_MEETING = "joint_meeting"
TASK_INVESTIGATION = "investigation"
TASK_STATEMENT = "statement"
TASK_REPLY = "official_reply"


@dataclass(frozen=True, slots=True)
class TierTask:
    code: str
    label: str
    done_by: str  # what completes it: "manual" (recorded by the office), "feedback", "reply", "statement"


TASKS: dict[str, TierTask] = {t.code: t for t in (
    TierTask(TASK_LEADING_GROUP, "报领导小组，启动特别重大舆情应对", "manual"),
    TierTask(TASK_JOINT_MEETING, "召开联席会议研究应对措施", "manual"),
    TierTask(TASK_INVESTIGATION, "责任单位调查核实并反馈", "feedback"),
    TierTask(TASK_STATEMENT, "起草权威发布（新闻通稿），经审核后发布", "statement"),
    TierTask(TASK_REPLY, "正式回复网民（点对点回复或公开回应）", "reply"),
)}

TIER_TASKS: dict[str, tuple[str, ...]] = {
    "I": (TASK_LEADING_GROUP, TASK_JOINT_MEETING, TASK_INVESTIGATION, TASK_STATEMENT),
    "II": (TASK_INVESTIGATION, TASK_REPLY),
    "III": (TASK_INVESTIGATION, TASK_REPLY),
    "IV": (TASK_INVESTIGATION,),
}


def tier_tasks(grade: str | None) -> list[TierTask]:
    """The tasks a grade requires; an ungraded case is handled like grade IV."""
    return [TASKS[c] for c in TIER_TASKS.get(grade or "IV", TIER_TASKS["IV"])]


def needs_public_answer(grade: str | None) -> bool:
    """Whether closing waits for a released reply or statement (grades I–III)."""
    codes = TIER_TASKS.get(grade or "IV", ())
    return TASK_REPLY in codes or TASK_STATEMENT in codes


def missing_tasks(grade: str | None, done: Iterable[str]) -> list[TierTask]:
    """The required tasks not yet done, in order."""
    have = set(done)
    return [t for t in tier_tasks(grade) if t.code not in have]
