"""snapshots: posters redacted in the stored copy (its own hash beside the evidence hash); purgeable bodies

Revision ID: 0010_snapshot_redaction
Revises: 0009_audit_append_only
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_snapshot_redaction"
down_revision = "0009_audit_append_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("items", "item_versions", "raw_bodies"):
        op.add_column(table, sa.Column("snapshot_sha256", sa.String(64), nullable=True))
    with op.batch_alter_table("raw_bodies") as batch:
        batch.alter_column("snapshot", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("raw_bodies") as batch:
        batch.alter_column("snapshot", existing_type=sa.LargeBinary(), nullable=False)
    for table in ("items", "item_versions", "raw_bodies"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("snapshot_sha256")
