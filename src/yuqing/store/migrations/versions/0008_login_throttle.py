"""login_throttle: login attempts counted per normalised name before the password is checked

Revision ID: 0008_login_throttle
Revises: 0007_job_runs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_login_throttle"
down_revision = "0007_job_runs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("name_key", sa.String(100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name_key", name=op.f("pk_login_throttle")),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
