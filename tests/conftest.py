"""Shared fixtures. The same suite runs on SQLite (default) and on PostgreSQL when
YUQING_TEST_DATABASE_URL is set (CI does both)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from yuqing.domain.profile import DistrictProfile
from yuqing.workspace import Workspace, init_workspace

PG_URL = os.environ.get("YUQING_TEST_DATABASE_URL")


def reset_postgres(url: str) -> None:
    """Empty the test database's public schema (extensions and all)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database for one test: a fresh SQLite file, or the emptied PostgreSQL test database."""
    if PG_URL:
        reset_postgres(PG_URL)
        monkeypatch.setenv("YUQING_DATABASE_URL", PG_URL)
        return PG_URL
    monkeypatch.delenv("YUQING_DATABASE_URL", raising=False)
    return f"sqlite:///{tmp_path / 'ws' / 'yuqing.db'}"


@pytest.fixture
def demo_profile() -> DistrictProfile:
    import json
    from importlib import resources

    return DistrictProfile.from_dict(json.loads(resources.files("yuqing.demo").joinpath("profile.json").read_text("utf-8")))


@pytest.fixture
def ws(tmp_path: Path, database_url: str, demo_profile: DistrictProfile) -> Iterator[Workspace]:
    """A migrated workspace with the demo district's profile and no rows but the roles."""
    workspace = init_workspace(tmp_path / "ws", demo_profile)
    yield workspace
    workspace.db.dispose()
