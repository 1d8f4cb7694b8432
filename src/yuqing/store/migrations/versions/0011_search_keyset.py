"""search: newest-first walks and keyset pages by (time, id) on PostgreSQL

SQLite's index on the time expression already ends in the rowid (= items.id); PostgreSQL's does not,
so ORDER BY time DESC, id DESC LIMIT n sorted every row there.

Revision ID: 0011_search_keyset
Revises: 0010_snapshot_redaction
"""

from __future__ import annotations

from alembic import op

revision = "0011_search_keyset"
down_revision = "0010_snapshot_redaction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX IF NOT EXISTS ix_items_time_id ON items "
                   "((coalesce(published_at, captured_at)) DESC, id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_items_time_id")
