"""reports: special reports (舆情专报) for one event, draft → approved → sent, with every version kept

Revision ID: 0017_special_reports
Revises: 0016_pending_items
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_special_reports"
down_revision = "0016_pending_items"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "special_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("drafted_by_name", sa.String(length=100), nullable=False),
        sa.Column("approved_version", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_name", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approval_note", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by_name", sa.String(length=100), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_special_reports_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_reports")),
    )
    op.create_index(op.f("ix_special_reports_event_id"), "special_reports", ["event_id"], unique=False)
    op.create_table(
        "special_report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["special_reports.id"],
                                name=op.f("fk_special_report_versions_report_id_special_reports"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_report_versions")),
        sa.UniqueConstraint("report_id", "version", name="uq_special_report_versions_report_version"),
    )
    op.create_index(op.f("ix_special_report_versions_report_id"), "special_report_versions", ["report_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_special_report_versions_report_id"), table_name="special_report_versions")
    op.drop_table("special_report_versions")
    op.drop_index(op.f("ix_special_reports_event_id"), table_name="special_reports")
    op.drop_table("special_reports")
