"""analysis: an index of the pending items in claim order, so claiming a batch does not walk the analysed ones

`store.analysis.claim` takes the oldest pending items (`ORDER BY coalesce(published_at, captured_at), id`)
and a batch waits while older pending items are claimed by others (`earlier_claimed`); without this index
both scanned every item (analysed ones too) on each call. A partial index holds only the pending rows.

Revision ID: 0016_pending_items
Revises: 0015_reports
"""

from __future__ import annotations

from alembic import op

revision = "0016_pending_items"
down_revision = "0015_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_items_pending ON items "
               "((coalesce(published_at, captured_at)), id) WHERE analysed_at IS NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_items_pending")
