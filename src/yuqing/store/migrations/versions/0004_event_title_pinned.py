"""events: a title an analyst chose is pinned (kept when the event grows or the pipeline is rebuilt)

Revision ID: 0004_event_title
Revises: 0002_collect, 0003_case
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_event_title"
down_revision = ("0002_collect", "0003_case")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("title_pinned", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("title_pinned")
