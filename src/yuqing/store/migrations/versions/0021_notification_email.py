"""notifications: per-person preferences (inbox only, or also e-mail) and the e-mails sent, once each

Revision ID: 0021_notification_email
Revises: 0020_direct_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_notification_email"
down_revision = "0020_direct_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_prefs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_prefs_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "kind", name=op.f("pk_notification_prefs")),
    )
    op.create_table(
        "notification_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"],
                                name=op.f("fk_notification_emails_notification_id_notifications"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notification_emails_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_emails")),
        sa.UniqueConstraint("notification_id", "user_id", name="uq_notification_emails_key"),
    )
    op.create_index(op.f("ix_notification_emails_notification_id"), "notification_emails", ["notification_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notification_emails_notification_id"), table_name="notification_emails")
    op.drop_table("notification_emails")
    op.drop_table("notification_prefs")
