"""notifications: read state per user (read receipts) instead of one read_at for the whole audience;
an index for the bell's unread count by audience

Revision ID: 0006_notification_reads
Revises: 0005_analysis_state
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_notification_reads"
down_revision = "0005_analysis_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_reads",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_notification_reads_notification_id_notifications"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_reads_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("notification_id", "user_id", name=op.f("pk_notification_reads")),
    )
    op.create_index("ix_notifications_audience_id", "notifications", ["audience", "id"])
    # A notification read by one person was marked read for its whole audience; that state cannot be
    # given to anyone in particular, so it is dropped (everyone sees those as unread once).
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("read_at")


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_notifications_audience_id", table_name="notifications")
    op.drop_table("notification_reads")
