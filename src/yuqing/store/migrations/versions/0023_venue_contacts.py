"""cases: 与信息发布平台沟通记录 (who explained what to which outlet or forum, when, the outcome)

Revision ID: 0023_venue_contacts
Revises: 0022_event_forwards
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_venue_contacts"
down_revision = "0022_event_forwards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venue_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("explained_by", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_venue_contacts_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_contacts")),
    )
    op.create_index(op.f("ix_venue_contacts_case_id"), "venue_contacts", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_venue_contacts_case_id"), table_name="venue_contacts")
    op.drop_table("venue_contacts")
