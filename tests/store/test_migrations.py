"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from yuqing.store.migrate import include_object
from yuqing.store.tables import Base
from yuqing.workspace import Workspace


def test_models_and_migrations_agree(ws: Workspace) -> None:
    with ws.db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
