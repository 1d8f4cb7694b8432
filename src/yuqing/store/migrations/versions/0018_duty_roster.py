"""alerts: the duty roster (值班): shifts, hand-over notes, escalation pages; rules may route to the person on duty

Revision ID: 0018_duty_roster
Revises: 0017_special_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_duty_roster"
down_revision = "0017_special_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("to_duty", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "duty_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_duty_shifts_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_duty_shifts_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_shifts")),
    )
    op.create_index("ix_duty_shifts_span", "duty_shifts", ["starts_at", "ends_at"], unique=False)
    op.create_index(op.f("ix_duty_shifts_user_id"), "duty_shifts", ["user_id"], unique=False)
    op.create_table(
        "duty_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["duty_shifts.id"], name=op.f("fk_duty_handovers_shift_id_duty_shifts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_duty_handovers_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_handovers")),
    )
    op.create_index(op.f("ix_duty_handovers_shift_id"), "duty_handovers", ["shift_id"], unique=False)
    op.create_table(
        "duty_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("paged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("ack_via", sa.String(length=20), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["alert_deliveries.id"],
                                name=op.f("fk_duty_pages_delivery_id_alert_deliveries"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_duty_pages_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_duty_pages_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["users.id"],
                                name=op.f("fk_duty_pages_acknowledged_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_pages")),
        sa.UniqueConstraint("delivery_id", "step", name="uq_duty_pages_step"),
    )
    op.create_index("ix_duty_pages_due", "duty_pages", ["acknowledged_at", "escalated_at", "ack_due_at"], unique=False)
    op.create_index(op.f("ix_duty_pages_delivery_id"), "duty_pages", ["delivery_id"], unique=False)
    op.create_index(op.f("ix_duty_pages_event_id"), "duty_pages", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_table("duty_pages")
    op.drop_table("duty_handovers")
    op.drop_table("duty_shifts")
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_column("to_duty")
