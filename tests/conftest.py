"""Shared fixtures. The same suite runs on SQLite (default) and on PostgreSQL when
YUQING_TEST_DATABASE_URL is set (CI does both)."""

from __future__ import annotations

import atexit
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from yuqing.domain.profile import DistrictProfile
from yuqing.workspace import Workspace, init_workspace

PG_URL = os.environ.get("YUQING_TEST_DATABASE_URL")


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Layout checks (does every page fit a 390-px phone, does the menu fold) measure CSS on pages whose
    data the demo fixes; which database served the data changes nothing there, and they are the slowest
    browser walks. The PostgreSQL suite still loads every page as every role (tests/web/test_smoke.py)
    and drives the phone forms that write."""
    if not PG_URL:
        return
    skip = pytest.mark.skip(reason="layout check: the same on every database, run in the SQLite suite")
    for item in items:
        if item.get_closest_marker("layout"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clock_left_running() -> Iterator[None]:
    """A test that leaves the clock frozen (e.g. overlapping `frozen` blocks in threads) would freeze it for
    every later test: fail that test, and run the clock again for the others."""
    from yuqing import clock

    yield
    if clock._frozen is not None:
        left = clock._frozen
        clock._frozen = None
        pytest.fail(f"the test left the clock frozen at {left:%Y-%m-%d %H:%M}")


_templates: set[str] = set()


def reset_postgres(url: str, template: str | None = None) -> None:
    """Make the test database a fresh, migrated, empty workspace database (or a copy of `template`, a
    database of the same server).

    It is cloned from a template database (`<name>_tpl`) that is migrated once per test run: dropping
    the schema and migrating anew for every test cost about a second each on PostgreSQL, most of the
    PostgreSQL run. A clone takes about a tenth of that. The template is dropped when the run ends.
    """
    from sqlalchemy.engine import make_url

    target = make_url(_psycopg(url))
    name = target.database
    template_name = f"{name}_tpl"
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if url not in _templates:
                collate, ctype = conn.execute(text(
                    "SELECT datcollate, datctype FROM pg_database WHERE datname = :n"), {"n": name}).one()
                conn.execute(text(f'DROP DATABASE IF EXISTS "{template_name}" WITH (FORCE)'))
                conn.execute(text(f"CREATE DATABASE \"{template_name}\" TEMPLATE template0 ENCODING 'UTF8' "
                                  f"LC_COLLATE '{collate}' LC_CTYPE '{ctype}'"))
                _migrate_template(str(target.set(database=template_name).render_as_string(hide_password=False)))
                _templates.add(url)
                atexit.register(_drop_template, admin.url, template_name)
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            source = make_url(_psycopg(template)).database if template else template_name
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    finally:
        admin.dispose()


def _migrate_template(url: str) -> None:
    import tempfile

    previous = os.environ.get("YUQING_DATABASE_URL")
    os.environ["YUQING_DATABASE_URL"] = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with tempfile.TemporaryDirectory() as folder:
            init_workspace(Path(folder) / "ws").db.dispose()
    finally:
        if previous is None:
            os.environ.pop("YUQING_DATABASE_URL", None)
        else:
            os.environ["YUQING_DATABASE_URL"] = previous


def _drop_template(admin_url: object, template: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")  # type: ignore[call-overload]
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    finally:
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


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace built once per run (about 25 s), as a folder and, on PostgreSQL, a database
    `<test db>_demo`. Tests get copies (copy_demo), so each may change its own."""
    from yuqing.demo.build import build_demo

    folder = tmp_path_factory.mktemp("demo_template") / "demo"
    with pytest.MonkeyPatch.context() as mp:
        if PG_URL:
            url = _demo_database(PG_URL)
            mp.setenv("YUQING_DATABASE_URL", url)
        else:
            mp.delenv("YUQING_DATABASE_URL", raising=False)
        ws, _ = build_demo(folder)
        ws.db.dispose()
    return folder


def copy_demo(template: Path, folder: Path, base_url: str = "http://127.0.0.1:8000"
              ) -> tuple[Workspace, list[tuple[str, str, str, str]]]:
    """A demo workspace of its own in `folder`, copied from the built one; on PostgreSQL the test database
    becomes a copy of the demo database (the caller has pointed YUQING_DATABASE_URL at it, as for `ws`).
    `build_demo` runs again on the copy, as on any existing demo: it points the demo's sources at
    `base_url` and returns the demo passwords (a rebuild changes nothing else and takes a fraction of a second)."""
    from yuqing.demo.build import build_demo

    shutil.copytree(template, folder)
    if PG_URL:
        reset_postgres(PG_URL, template=_demo_database(PG_URL))
    return build_demo(folder, base_url=base_url)


def _demo_database(url: str) -> str:
    """The PostgreSQL database the demo template lives in (made on first use, dropped when the run ends)."""
    from sqlalchemy.engine import make_url

    target = make_url(_psycopg(url))
    reset_postgres(url)  # makes sure the migrated template exists
    name = f"{target.database}_demo"
    if name not in _templates:
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{target.database}_tpl"'))
            atexit.register(_drop_template, admin.url, name)
        finally:
            admin.dispose()
        _templates.add(name)
    return target.set(database=name).render_as_string(hide_password=False).replace(
        "postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def demo_profile() -> DistrictProfile:
    import json
    from importlib import resources

    return DistrictProfile.from_dict(json.loads(resources.files("yuqing.demo").joinpath("profile.json").read_text("utf-8")))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file migrated once per run. Migrating a fresh file takes about 0.2 s, copying this
    one about a fiftieth of that; most tests start from an empty migrated workspace."""
    folder = tmp_path_factory.mktemp("migrated") / "ws"
    if not PG_URL:
        init_workspace(folder).db.dispose()
    return folder / "yuqing.db"


@pytest.fixture
def ws(tmp_path: Path, database_url: str, demo_profile: DistrictProfile,
       migrated_sqlite: Path) -> Iterator[Workspace]:
    """A migrated workspace with the demo district's profile and no rows but the roles."""
    if not PG_URL:
        (tmp_path / "ws").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_sqlite, tmp_path / "ws" / "yuqing.db")
    workspace = init_workspace(tmp_path / "ws", demo_profile)
    yield workspace
    workspace.db.dispose()
