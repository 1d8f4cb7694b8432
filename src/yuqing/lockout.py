"""Login lockout: attempts per user name are counted in the database BEFORE the password is checked.

The name is normalised first (NFKC, invisible characters and surrounding spaces removed, case folded),
so " liming" and "ＬＩＭＩＮＧ" count under the same key as "liming". Reserving the attempt is one
atomic upsert, so parallel guesses cannot all pass the check before any failure is recorded.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.clock import utcnow
from yuqing.store.tables import LoginThrottle, UTCDateTime

LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15


def clean_username(username: str) -> str:
    """The user name as typed, made comparable: NFKC, invisible format characters dropped, trimmed."""
    name = unicodedata.normalize("NFKC", username)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cc"))
    return name.strip()


def name_key(username: str) -> str:
    """The key attempts are counted under: the cleaned name, case folded."""
    return clean_username(username).casefold()[:100]


def reserve_attempt(session: Session, username: str, now: datetime | None = None) -> bool:
    """Count one login attempt for this name; False when the name is locked (the password must not be checked).

    One statement, inside the caller's write transaction: a window older than LOCKOUT_MINUTES starts again.
    """
    now = now or utcnow()
    cutoff = now - timedelta(minutes=LOCKOUT_MINUTES)
    key = name_key(username)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = cast(Table, LoginThrottle.__table__)
    stamp = literal(now, UTCDateTime())
    stmt = insert(table).values(name_key=key, attempts=1, window_start=now)
    expired = table.c.window_start < literal(cutoff, UTCDateTime())
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.name_key],
        set_={
            "attempts": case((expired, 1), else_=table.c.attempts + 1),
            "window_start": case((expired, stamp), else_=table.c.window_start),
        },
    )
    attempts = session.execute(stmt.returning(table.c.attempts)).scalar_one()
    return attempts <= LOCKOUT_FAILURES


def clear(session: Session, username: str) -> None:
    """A successful login starts the count again."""
    row = session.get(LoginThrottle, name_key(username))
    if row is not None:
        session.delete(row)
