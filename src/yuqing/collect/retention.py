"""Retention: raw snapshots and personal fields of items older than `retention_days` are purged.

What goes: the stored snapshots (item, earlier versions, shared feed/page bodies), the author's salted
hash and the person fields of `extra`. What stays: the item's text, its content hash and the SHA-256 of
the bytes as received (`raw_sha256`), so the evidence can still be matched against a copy kept elsewhere.
Every run is audited with its cutoff and counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update

from yuqing.clock import utcnow
from yuqing.collect.privacy import is_person_key
from yuqing.domain.roles import SYSTEM, Actor
from yuqing.store import audit
from yuqing.store.tables import Item, ItemVersion
from yuqing.store.tables_collect import RawBody
from yuqing.workspace import Workspace

BATCH = 500


@dataclass(slots=True)
class PurgeResult:
    cutoff: str
    items: int = 0
    versions: int = 0
    bodies: int = 0


def purge_expired(ws: Workspace, actor: Actor = SYSTEM, now: datetime | None = None) -> PurgeResult:
    """Purge what is older than the workspace's `retention_days` (captured before the cutoff); audited."""
    cutoff = (now or utcnow()) - timedelta(days=ws.settings.retention_days)
    result = PurgeResult(cutoff=cutoff.isoformat())
    while True:  # in batches, each one transaction: a large first purge never holds the writer for long
        with ws.db.write() as s:
            rows = list(s.execute(
                select(Item).where(Item.captured_at < cutoff,
                                   or_(Item.raw_snapshot.is_not(None), Item.author_hash.is_not(None)))
                .order_by(Item.id).limit(BATCH)).scalars())
            for item in rows:
                item.raw_snapshot = None
                item.author_hash = None
                item.extra = {k: v for k, v in (item.extra or {}).items() if not is_person_key(k)}
            result.items += len(rows)
        if len(rows) < BATCH:
            break
    with ws.db.write() as s:
        versions = s.execute(
            update(ItemVersion).where(ItemVersion.captured_at < cutoff, ItemVersion.raw_snapshot.is_not(None))
            .values(raw_snapshot=None))
        bodies = s.execute(
            update(RawBody).where(RawBody.captured_at < cutoff, RawBody.snapshot.is_not(None))
            .values(snapshot=None))
        result.versions = cast(CursorResult[Any], versions).rowcount or 0
        result.bodies = cast(CursorResult[Any], bodies).rowcount or 0
        audit.append(s, actor, "privacy.retention_purge", "item", None, retention_days=ws.settings.retention_days,
                     **asdict(result))
    return result
