"""Tables of the case desk (R-CASE): responsibility list, history, feedback, reminders, supervision,
extensions, instructions, replies, spot checks, evaluations and marks against units. Same `Base` as tables.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.clock import utcnow
from yuqing.domain.lifecycle import FINISHED_STATES
from yuqing.store.tables import Base, Case

# One open case per event (R-CASE-4): a partial unique index over the cases that are not finished.
_FINISHED_SQL = "state NOT IN ({})".format(", ".join(f"'{s}'" for s in sorted(FINISHED_STATES)))
OPEN_CASE_PER_EVENT = Index(
    "uq_cases_open_event", Case.event_id, unique=True,
    sqlite_where=text(_FINISHED_SQL), postgresql_where=text(_FINISHED_SQL),
)


class ResponsibilityRule(Base):
    """One row of the responsibility list (责任清单): 属地/属事/属人 → lead unit (+ assisting units)."""

    __tablename__ = "responsibility_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # place | matter | person
    pattern: Mapped[str] = mapped_column(String(200))
    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    assist_unit_ids: Mapped[list[Any]] = mapped_column(default=list)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaseDetail(Base):
    """Case-desk facts kept beside a case: resolution level, ledger flag, routing and deadline basis."""

    __tablename__ = "case_details"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    resolution: Mapped[str | None] = mapped_column(String(20))  # reported | confirmed | verified
    ledger: Mapped[bool] = mapped_column(Boolean, default=False)  # a key case on the 台账
    routing: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the proposal and what the office chose
    deadline_basis: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"days": 3} | {"working_days": 3}
    deadline_started_at: Mapped[datetime | None] = mapped_column()
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)


class CaseHistory(Base):
    """Everything that happened to a case, in order: transitions (from → to) and other steps (reminders…)."""

    __tablename__ = "case_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str | None] = mapped_column(String(30))  # None: not a state change
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CaseTask(Base):
    """A task the grade's tiered response requires (joint meeting, statement, reply, investigation)."""

    __tablename__ = "case_tasks"
    __table_args__ = (UniqueConstraint("case_id", "code", name="uq_case_tasks_case_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class Feedback(Base):
    """The unit's report of what it did (反馈)."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    author_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")  # 书面说明 when it cannot be solved in time
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()  # the deadline at submission
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="submitted")  # submitted|accepted|rejected|false
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by_id: Mapped[int | None] = mapped_column(Integer)


class Attachment(Base):
    """A file attached to a case (feedback evidence); stored under `<workspace>/attachments/`."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))  # relative to the workspace
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(Base):
    """A reminder (催办) or automatic supervision sent for one case, kind and deadline — never twice."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("case_id", "kind", "due_key", name="uq_reminders_case_kind_due"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(20))  # before_due | overdue | supervision | manual
    due_key: Mapped[str] = mapped_column(String(40))  # the deadline it refers to (ISO, UTC)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")


class Supervision(Base):
    """督办: the office or a leader presses a unit on a case."""

    __tablename__ = "supervisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    level: Mapped[str] = mapped_column(String(20), default="office")  # office | leader
    reason: Mapped[str] = mapped_column(Text)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    by_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()


class ExtensionRequest(Base):
    """延期申请: a unit asks for a later deadline, with a written explanation; the office decides."""

    __tablename__ = "extension_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    requested_by_id: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    old_due_at: Mapped[datetime | None] = mapped_column()
    new_due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | rejected
    decided_by_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Instruction(Base):
    """批示: a leader's instruction on a case, tracked until done."""

    __tablename__ = "instructions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    leader_id: Mapped[int | None] = mapped_column(Integer)
    leader_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | done
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[int | None] = mapped_column(Integer)
    done_note: Mapped[str] = mapped_column(Text, default="")


class Reply(Base):
    """A point-to-point reply or a public statement: drafted, approved, then released with its URL."""

    __tablename__ = "replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="reply")  # reply | statement | clarification
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved | rejected | released
    drafted_by_id: Mapped[int | None] = mapped_column(Integer)
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(Integer)
    approved_by_name: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str] = mapped_column(Text, default="")
    released_text: Mapped[str | None] = mapped_column(Text)
    released_url: Mapped[str | None] = mapped_column(Text)
    released_at: Mapped[datetime | None] = mapped_column()
    released_by_id: Mapped[int | None] = mapped_column(Integer)


class SpotCheckRun(Base):
    """One weekly draw: the population, share, seed and the sample — so anyone can re-draw it."""

    __tablename__ = "spot_check_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    seed: Mapped[str] = mapped_column(String(100))
    share: Mapped[float] = mapped_column()
    population: Mapped[list[Any]] = mapped_column(default=list)
    drawn: Mapped[list[Any]] = mapped_column(default=list)


class SpotCheck(Base):
    """抽查复核 of one closed case: pending until the office records passed or failed."""

    __tablename__ = "spot_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("spot_check_runs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str] = mapped_column(String(20), default="pending")  # pending | passed | failed
    checked_by_id: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class Evaluation(Base):
    """总结评估 after closing, written from a template (sections → text)."""

    __tablename__ = "evaluations"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(40))
    sections: Mapped[dict[str, Any]] = mapped_column(default=dict)
    written_by_id: Mapped[int | None] = mapped_column(Integer)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseItem(Base):
    """A post linked to a case — also posts arriving after closing (follow-up), which can reopen it."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "item_id", name="uq_case_items_case_item"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)
    after_close: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")


class UnitMark(Base):
    """Something recorded against a unit (overdue, late or false feedback, failed spot check, 督办)."""

    __tablename__ = "unit_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # overdue | late_feedback | false_feedback | spot_check_failed
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class VenueContact(Base):
    """与信息发布平台沟通记录 (R-CASE-11): who explained what to which media outlet or forum, when, the outcome."""

    __tablename__ = "venue_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    venue: Mapped[str] = mapped_column(String(200))  # the outlet, forum or platform
    explained_by: Mapped[str] = mapped_column(String(200))  # our person and unit who explained
    content: Mapped[str] = mapped_column(Text)  # what was explained
    contacted_at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
