"""Engines and sessions. SQLite runs in WAL mode with one writer; PostgreSQL as it is."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_write_lock = threading.RLock()

# A web request may hold two connections at once (its read session, and a write); the web app runs at
# most WEB_THREADS request threads per process, so the pool must allow twice that or threads can wait on
# each other until the pool's timeout (seen under 50 concurrent users: 30 s stalls).
WEB_THREADS = 16
POOL_SIZE = 8
POOL_OVERFLOW = 2 * WEB_THREADS - POOL_SIZE + 8


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)


class Database:
    """One database of a workspace: the engine, a session factory and the single-writer lock."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading."""
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction; committed on success, rolled back on error. SQLite: one writer at a time."""
        lock = _write_lock if self.is_sqlite else None
        if lock:
            lock.acquire()
        try:
            with self.sessions() as session, session.begin():
                yield session
        finally:
            if lock:
                lock.release()

    def dispose(self) -> None:
        self.engine.dispose()
