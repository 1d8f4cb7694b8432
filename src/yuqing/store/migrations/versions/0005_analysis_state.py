"""analysis on the database: claims on pending items, stored event features, the analysis version

Revision ID: 0005_analysis_state
Revises: 0004_event_title
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_analysis_state"
down_revision = "0004_event_title"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analysis_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("rebuild_version", sa.BigInteger(), nullable=False),
        sa.Column("profile_version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_state")),
    )
    state = sa.table("analysis_state", sa.column("id", sa.Integer()), sa.column("version", sa.BigInteger()),
                     sa.column("rebuild_version", sa.BigInteger()), sa.column("profile_version", sa.BigInteger()),
                     sa.column("updated_at", sa.DateTime(timezone=True)))
    op.bulk_insert(state, [{"id": 1, "version": 0, "rebuild_version": 0, "profile_version": 0,
                            "updated_at": datetime.now(UTC)}])
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("analysis_features", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("analysis_version", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_items_analysis_version", ["analysis_version"])
        batch.create_index("ix_items_claimed_by", ["claimed_by"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("split_from_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("analysis_version", sa.BigInteger(), nullable=True))
        batch.create_index("ix_events_analysis_version", ["analysis_version"])
        batch.create_foreign_key("fk_events_split_from_id_events", "events", ["split_from_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("fk_events_split_from_id_events", type_="foreignkey")
        batch.drop_index("ix_events_analysis_version")
        batch.drop_column("analysis_version")
        batch.drop_column("split_from_id")
    with op.batch_alter_table("items") as batch:
        batch.drop_index("ix_items_analysis_version")
        batch.drop_index("ix_items_claimed_by")
        for col in ("claim_expires_at", "claimed_by", "analysis_version", "analysis_features"):
            batch.drop_column(col)
    op.drop_table("analysis_state")
