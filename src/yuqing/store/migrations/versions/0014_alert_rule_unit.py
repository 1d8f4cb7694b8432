"""alerts: a rule may ask for a unit (R-ALERT-2 "rules per grade/topic/area/unit")

Revision ID: 0014_alert_rule_unit
Revises: 0013_alert_silences
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_alert_rule_unit"
down_revision = "0013_alert_silences"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_alert_rules_unit_id_units"), "units", ["unit_id"], ["id"],
                                    ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_rules_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("unit_id")
