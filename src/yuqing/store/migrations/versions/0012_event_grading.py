"""events: computed grade score, analyst override flag, grading time; the grade history table

Revision ID: 0012_event_grading
Revises: 0011_search_keyset
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_event_grading"
down_revision = "0011_search_keyset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("grade_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("grade_overridden", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "event_grades",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_grade", sa.String(length=4), nullable=True),
        sa.Column("to_grade", sa.String(length=4), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_event_grades_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_event_grades_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_grades")),
    )
    op.create_index(op.f("ix_event_grades_event_id"), "event_grades", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_event_grades_event_id"), table_name="event_grades")
    op.drop_table("event_grades")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("graded_at")
        batch.drop_column("grade_overridden")
        batch.drop_column("grade_score")
