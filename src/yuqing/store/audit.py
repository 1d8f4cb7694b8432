"""The audit chain: append-only entries, each hashing the previous one, verifiable end to end."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.domain.roles import Actor
from yuqing.store.tables import AuditEntry

GENESIS = "0" * 64


def _canonical_time(at: datetime) -> str:
    return aware(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, at: datetime, actor_id: int | None, actor_name: str, action: str,
               object_type: str, object_id: str | None, detail: dict[str, Any]) -> str:
    payload = json.dumps(
        [prev_hash, _canonical_time(at), actor_id, actor_name, action, object_type, object_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(session: Session, actor: Actor, action: str, object_type: str, object_id: object = None,
           **detail: Any) -> AuditEntry:
    """Add one entry to the chain, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never chain onto the same previous entry.
        session.execute(text("SELECT pg_advisory_xact_lock(7310001)"))
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    at = utcnow()
    oid = None if object_id is None else str(object_id)
    clean = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
    entry = AuditEntry(
        at=at, actor_id=actor.user_id, actor_name=actor.name, action=action, object_type=object_type,
        object_id=oid, detail=clean, prev_hash=prev,
        hash=entry_hash(prev, at, actor.user_id, actor.name, action, object_type, oid, clean),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(slots=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""


def verify(session: Session) -> VerifyResult:
    """Walk the chain in order; report the first entry whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for row in rows:
        if row.prev_hash != prev:
            return VerifyResult(False, checked, row.id, f"第 {row.id} 条记录的前序哈希与链不符（前一条被改动或删除）")
        want = entry_hash(prev, row.at, row.actor_id, row.actor_name, row.action, row.object_type,
                          row.object_id, row.detail)
        if want != row.hash:
            return VerifyResult(False, checked, row.id, f"第 {row.id} 条记录内容被改动（哈希不符）")
        prev = row.hash
        checked += 1
        session.expunge(row)
    return VerifyResult(True, checked)
