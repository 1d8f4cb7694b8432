"""Retention: raw snapshots and personal fields of items older than `retention_days` are purged.

What goes: the stored snapshots (item, earlier versions, shared feed/page bodies), the author's salted
hash and the person fields of `extra`. What stays: the item's text, its content hash and the SHA-256 of
the bytes as received (`raw_sha256`), so the evidence can still be matched against a copy kept elsewhere.
Every run is audited with its cutoff and counts (and each batch of items as it is purged). It runs as
the jobs account (permission privacy.purge), daily or by `yuqing retention`.

Each run first redacts snapshots stored before posters were redacted on the way in (a workspace older than
that change): a stored copy without its own hash (`snapshot_sha256` NULL) is redacted as collection does
now (JSON records and feeds: person fields hashed; an official source's copy kept), given its hash, and
never touched again. HTML pages stored then keep the poster's name where only the collected name could
find it (the name itself was never stored): the retention purge removes them in time.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, exists, or_, select, update

from yuqing.actions import Tx, action
from yuqing.actions.base import check_permission
from yuqing.clock import utcnow
from yuqing.collect.privacy import is_person_key, redact_body, redact_record
from yuqing.domain.roles import Actor
from yuqing.store.tables import Item, ItemVersion, Source
from yuqing.store.tables_collect import RawBody
from yuqing.workspace import Workspace

BATCH = 500


@dataclass(slots=True)
class PurgeResult:
    cutoff: str
    items: int = 0
    versions: int = 0
    bodies: int = 0
    legacy_redacted: int = 0  # snapshots stored before redaction existed, redacted now


def purge_expired(ws: Workspace, actor: Actor, now: datetime | None = None) -> PurgeResult:
    """Purge what is older than the workspace's `retention_days` (captured before the cutoff); audited.

    In batches, each one action (one transaction): a large first purge never holds the writer for long.
    Each batch of items is audited as it goes; the run's totals are audited at the end."""
    check_permission(actor, purge_items.permission, purge_items.name)
    cutoff = (now or utcnow()) - timedelta(days=ws.settings.retention_days)
    result = PurgeResult(cutoff=cutoff.isoformat())
    for kind in LEGACY_KINDS:
        while True:
            done = redact_legacy(ws, actor, kind)
            result.legacy_redacted += done
            if done < BATCH:
                break
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


LEGACY_KINDS = {"item": "信息快照", "item_version": "历史版本快照", "raw_body": "原始响应快照"}


@action("privacy.legacy_redaction_batch", permission="privacy.purge")
def redact_legacy(tx: Tx, kind: str) -> int:
    """Redact up to BATCH stored copies of one kind that predate redaction (no `snapshot_sha256`)."""
    salt = tx.ws.settings.author_salt
    s = tx.session
    official_item = select(Item.id).join(Source, Source.id == Item.source_id).where(Source.official.is_(True))
    rows: list[Any]
    if kind == "item":
        rows = list(s.execute(select(Item, Source.official).join(Source, Source.id == Item.source_id).where(
            Item.raw_snapshot.is_not(None), Item.snapshot_sha256.is_(None)).order_by(Item.id).limit(BATCH)))
        for item, official in rows:
            item.raw_snapshot, item.snapshot_sha256 = _redacted(item.raw_snapshot, item.raw_content_type,
                                                                salt, bool(official))
            if not official:
                item.extra = redact_record(dict(item.extra or {}), salt)
    elif kind == "item_version":
        rows = list(s.execute(select(ItemVersion, Item.raw_content_type, Item.id.in_(official_item))
                              .join(Item, Item.id == ItemVersion.item_id).where(
            ItemVersion.raw_snapshot.is_not(None), ItemVersion.snapshot_sha256.is_(None))
            .order_by(ItemVersion.id).limit(BATCH)))
        for version, ctype, official in rows:
            version.raw_snapshot, version.snapshot_sha256 = _redacted(version.raw_snapshot, ctype, salt,
                                                                      bool(official))
    else:
        shared_by_official = exists().where(Item.raw_sha256 == RawBody.sha256, Item.id.in_(official_item))
        rows = list(s.execute(select(RawBody, shared_by_official).where(
            RawBody.snapshot.is_not(None), RawBody.snapshot_sha256.is_(None)).order_by(RawBody.sha256).limit(BATCH)))
        for body, official in rows:
            body.snapshot, body.snapshot_sha256 = _redacted(body.snapshot, body.content_type, salt, bool(official))
    if rows:
        tx.audit("privacy.legacy_redaction_batch", "item", None, copies=LEGACY_KINDS[kind], count=len(rows))
    return len(rows)


def _redacted(snapshot: bytes | None, content_type: str | None, salt: str, official: bool) -> tuple[bytes, str]:
    """The stored copy as collection stores it now, and its hash."""
    raw = zlib.decompress(snapshot or b"")
    stored = raw if official else redact_body(raw, content_type, salt)
    return (zlib.compress(stored, 6) if stored != raw else snapshot or b""), hashlib.sha256(stored).hexdigest()
