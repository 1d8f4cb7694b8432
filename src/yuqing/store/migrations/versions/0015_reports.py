"""reports: generated reports (the daily report first), one row per kind and period with its figures

Revision ID: 0015_reports
Revises: 0014_alert_rule_unit, 0012_event_grading (merges the two heads)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_reports"
down_revision = ("0014_alert_rule_unit", "0012_event_grading")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by", sa.String(length=100), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("kind", "period", name="uq_reports_kind_period"),
    )
    op.create_index(op.f("ix_reports_period"), "reports", ["period"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_reports_period"), table_name="reports")
    op.drop_table("reports")
