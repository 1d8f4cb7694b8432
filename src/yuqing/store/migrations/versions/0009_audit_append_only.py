"""audit_entries: append-only in the database (triggers refuse UPDATE, DELETE and, on PostgreSQL, TRUNCATE)

Revision ID: 0009_audit_append_only
Revises: 0008_login_throttle
"""

from __future__ import annotations

from alembic import op

revision = "0009_audit_append_only"
down_revision = "0008_login_throttle"
branch_labels = None
depends_on = None

MESSAGE = "audit_entries is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""")
        op.execute("""CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
                      FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""")
        op.execute("""CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                      FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries
                       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_entries_no_{verb}")
