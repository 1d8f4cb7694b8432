"""Retention: raw snapshots and personal fields of items older than `retention_days` are purged.

What goes: the stored snapshots (item, earlier versions, shared feed/page bodies), the author's salted
hash and the person fields of `extra`. What stays: the item's text, its content hash and the SHA-256 of
the bytes as received (`raw_sha256`), so the evidence can still be matched against a copy kept elsewhere.
Every run is audited with its cutoff and counts (and each batch of items as it is purged). It runs as
the jobs account (permission privacy.purge), daily or by `yuqing retention`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update

from yuqing.actions import Tx, action
from yuqing.actions.base import check_permission
from yuqing.clock import utcnow
from yuqing.collect.privacy import is_person_key
from yuqing.domain.roles import Actor
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


def purge_expired(ws: Workspace, actor: Actor, now: datetime | None = None) -> PurgeResult:
    """Purge what is older than the workspace's `retention_days` (captured before the cutoff); audited.

    In batches, each one action (one transaction): a large first purge never holds the writer for long.
    Each batch of items is audited as it goes; the run's totals are audited at the end."""
    check_permission(actor, purge_items.permission, purge_items.name)
    cutoff = (now or utcnow()) - timedelta(days=ws.settings.retention_days)
    result = PurgeResult(cutoff=cutoff.isoformat())
    while True:
        done = purge_items(ws, actor, cutoff)
        result.items += done
        if done < BATCH:
            break
    return purge_snapshots(ws, actor, cutoff, result)


@action("privacy.retention_purge_batch", permission="privacy.purge")
def purge_items(tx: Tx, cutoff: datetime) -> int:
    """Clear the snapshot and personal fields of up to BATCH items captured before `cutoff`."""
    rows = list(tx.session.execute(
        select(Item).where(Item.captured_at < cutoff,
                           or_(Item.raw_snapshot.is_not(None), Item.author_hash.is_not(None)))
        .order_by(Item.id).limit(BATCH)).scalars())
    for item in rows:
        item.raw_snapshot = None
        item.author_hash = None
        item.extra = {k: v for k, v in (item.extra or {}).items() if not is_person_key(k)}
    if rows:
        tx.audit("privacy.retention_purge_batch", "item", None, cutoff=cutoff.isoformat(), items=len(rows))
    return len(rows)


@action("privacy.retention_purge", permission="privacy.purge")
def purge_snapshots(tx: Tx, cutoff: datetime, result: PurgeResult) -> PurgeResult:
    """Clear the stored earlier versions and feed/page bodies captured before `cutoff`; audit the run."""
    versions = tx.session.execute(
        update(ItemVersion).where(ItemVersion.captured_at < cutoff, ItemVersion.raw_snapshot.is_not(None))
        .values(raw_snapshot=None))
    bodies = tx.session.execute(
        update(RawBody).where(RawBody.captured_at < cutoff, RawBody.snapshot.is_not(None))
        .values(snapshot=None))
    result.versions = cast(CursorResult[Any], versions).rowcount or 0
    result.bodies = cast(CursorResult[Any], bodies).rowcount or 0
    tx.audit("privacy.retention_purge", "item", None, retention_days=tx.ws.settings.retention_days, **asdict(result))
    return result
