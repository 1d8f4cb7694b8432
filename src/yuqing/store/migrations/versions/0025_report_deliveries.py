"""reports: 报告发送渠道 (which reports go to which alert channels) and the reports' sent-log, once per channel

Revision ID: 0025_report_deliveries
Revises: 0024_publish
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_report_deliveries"
down_revision = "0024_publish"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_routes",
        sa.Column("report_type", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"],
                                name=op.f("fk_report_routes_channel_id_alert_channels"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("report_type", "channel_id", name=op.f("pk_report_routes")),
    )
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_type", sa.String(length=20), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("channel_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"],
                                name=op.f("fk_report_deliveries_channel_id_alert_channels"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_deliveries")),
        sa.UniqueConstraint("report_type", "report_id", "channel_id", name="uq_report_deliveries_key"),
    )
    op.create_index("ix_report_deliveries_due", "report_deliveries", ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_report_deliveries_channel_id"), "report_deliveries", ["channel_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_report_deliveries_channel_id"), table_name="report_deliveries")
    op.drop_index("ix_report_deliveries_due", table_name="report_deliveries")
    op.drop_table("report_deliveries")
    op.drop_table("report_routes")
