"""monitoring windows: the duty arrangement a planned window names (值班安排) and when the window job found it
switched on and off (its history)

Revision ID: 0026_window_duty
Revises: 0025_report_deliveries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_window_duty"
down_revision = "0025_report_deliveries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_windows") as batch:
        batch.add_column(sa.Column("duty_user_ids", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("switched_on_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("switched_off_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitoring_windows") as batch:
        batch.drop_column("switched_off_at")
        batch.drop_column("switched_on_at")
        batch.drop_column("duty_user_ids")
