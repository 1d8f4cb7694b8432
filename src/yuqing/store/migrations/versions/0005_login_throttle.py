"""login_throttle: login attempts counted per normalised name before the password is checked

Revision ID: 0005_login_throttle
Revises: 0004_event_title
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_login_throttle"
down_revision = "0004_event_title"
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
