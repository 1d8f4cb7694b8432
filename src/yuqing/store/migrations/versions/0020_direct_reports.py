"""collect: direct reporting (舆情直报): reports by hand, the units that must report daily, cut-off misses

Revision ID: 0020_direct_reports
Revises: 0019_early_warning
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_direct_reports"
down_revision = "0019_early_warning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "direct_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("duplicate", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_direct_reports_unit_id_units")),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name=op.f("fk_direct_reports_reporter_id_users")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_direct_reports_item_id_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_direct_reports")),
    )
    op.create_index("ix_direct_reports_unit_day", "direct_reports", ["unit_id", "report_date"], unique=False)
    op.create_index(op.f("ix_direct_reports_item_id"), "direct_reports", ["item_id"], unique=False)
    op.create_table(
        "direct_report_duties",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_direct_report_duties_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_direct_report_duties")),
    )
    op.create_table(
        "direct_report_misses",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_direct_report_misses_unit_id_units"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit_id", "report_date", name=op.f("pk_direct_report_misses")),
    )


def downgrade() -> None:
    op.drop_table("direct_report_misses")
    op.drop_table("direct_report_duties")
    op.drop_index(op.f("ix_direct_reports_item_id"), table_name="direct_reports")
    op.drop_index("ix_direct_reports_unit_day", table_name="direct_reports")
    op.drop_table("direct_reports")
