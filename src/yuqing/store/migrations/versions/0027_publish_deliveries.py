"""publish: 发布监管提醒渠道 (which publishing findings go to which alert channels) and their sent-log, once per
finding and channel

Revision ID: 0027_publish_deliveries
Revises: 0026_window_duty
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_publish_deliveries"
down_revision = "0026_window_duty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publish_routes",
        sa.Column("finding_kind", sa.String(length=20), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"],
                                name=op.f("fk_publish_routes_channel_id_alert_channels"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("finding_kind", "channel_id", name=op.f("pk_publish_routes")),
    )
    op.create_table(
        "publish_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("own_channel_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("channel_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["own_channel_id"], ["channels.id"],
                                name=op.f("fk_publish_deliveries_own_channel_id_channels"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"],
                                name=op.f("fk_publish_deliveries_channel_id_alert_channels"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_deliveries")),
        sa.UniqueConstraint("finding_kind", "subject", "channel_id", name="uq_publish_deliveries_key"),
    )
    op.create_index("ix_publish_deliveries_due", "publish_deliveries", ["status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_publish_deliveries_channel_id"), "publish_deliveries", ["channel_id"], unique=False)
    op.create_index(op.f("ix_publish_deliveries_own_channel_id"), "publish_deliveries", ["own_channel_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_publish_deliveries_own_channel_id"), table_name="publish_deliveries")
    op.drop_index(op.f("ix_publish_deliveries_channel_id"), table_name="publish_deliveries")
    op.drop_index("ix_publish_deliveries_due", table_name="publish_deliveries")
    op.drop_table("publish_deliveries")
    op.drop_table("publish_routes")
