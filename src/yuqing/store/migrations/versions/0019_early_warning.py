"""alerts: early warnings (预警: volume spikes, emergency keywords) and their place in the sent-log

Revision ID: 0019_early_warning
Revises: 0018_duty_roster
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_early_warning"
down_revision = "0018_duty_roster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=True),
        sa.Column("keyword", sa.String(length=100), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline_median", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_alert_warnings_event_id_events"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_warnings")),
        sa.UniqueConstraint("kind", "subject", "day", name="uq_alert_warnings_key"),
    )
    op.create_index(op.f("ix_alert_warnings_event_id"), "alert_warnings", ["event_id"], unique=False)
    op.create_index(op.f("ix_alert_warnings_window_end"), "alert_warnings", ["window_end"], unique=False)
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("early_warning", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warning_id", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_alert_deliveries_warning_id"), ["warning_id"], unique=False)
        batch_op.drop_constraint("uq_alert_deliveries_key", type_="unique")
        batch_op.create_unique_constraint("uq_alert_deliveries_key",
                                          ["rule_id", "event_id", "grade", "recipient", "warning_id"])


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_alert_deliveries_key", type_="unique")
        batch_op.create_unique_constraint("uq_alert_deliveries_key", ["rule_id", "event_id", "grade", "recipient"])
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_warning_id"))
        batch_op.drop_column("warning_id")
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_column("early_warning")
    op.drop_index(op.f("ix_alert_warnings_window_end"), table_name="alert_warnings")
    op.drop_index(op.f("ix_alert_warnings_event_id"), table_name="alert_warnings")
    op.drop_table("alert_warnings")
