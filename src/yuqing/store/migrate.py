"""Apply Alembic migrations (automatically on `init`, `up` and `demo`) and set up search."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from yuqing.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


# Search structures made by raw DDL (store/search.py) and the partial index of pending items (migration
# 0016), unknown to the models: never autogenerate drops.
SEARCH_OBJECTS = {"search_tsv", "items_fts", "ix_items_search_tsv", "ix_items_text_trgm", "ix_items_time",
                  "ix_items_time_id", "ix_items_pending"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's filter: leave the search structures alone."""
    return not (reflected and compare_to is None and (name in SEARCH_OBJECTS or (name or "").startswith("items_fts")))


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision of every branch."""
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
