"""alerts: reporting upward (上报): an event's forward package sent to the city-level recipient, once per channel

Revision ID: 0022_event_forwards
Revises: 0021_notification_email
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_event_forwards"
down_revision = "0021_notification_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("package", sa.JSON(), nullable=False),
        sa.Column("package_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_event_forwards_event_id_events"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"],
                                name=op.f("fk_event_forwards_channel_id_alert_channels"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_event_forwards_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_forwards")),
        sa.UniqueConstraint("event_id", "channel_id", name="uq_event_forwards_key"),
    )
    op.create_index(op.f("ix_event_forwards_event_id"), "event_forwards", ["event_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_event_forwards_event_id"), table_name="event_forwards")
    op.drop_table("event_forwards")
