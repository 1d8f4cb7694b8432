"""The audit chain: append-only entries, each hashing the previous one, verifiable end to end.

Anchored three ways, so an edit made inside the database is caught:
- keyed: each hash is an HMAC with the workspace's audit secret, which lives outside the database
  (the `audit_secret` setting, else the file `audit.key` in the workspace); recomputing the chain with
  the public hash function is recognised as such;
- checkpointed: after every commit the head (count, last id, last hash) is written to
  `audit.checkpoint.json` in the workspace, so deleting the newest entries or emptying the table shows;
- append-only in the database: triggers refuse UPDATE and DELETE (migration 0009).
Chains written before the key existed keep their plain SHA-256 hashes up to `keyed_since`.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.domain.roles import Actor
from yuqing.store.tables import AuditEntry

log = logging.getLogger(__name__)
GENESIS = "0" * 64
KEY_FILE = "audit.key"
CHECKPOINT_FILE = "audit.checkpoint.json"


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a database's audit chain is anchored: the HMAC key and the checkpoint file."""

    key: bytes
    checkpoint: Path | None = None


_ANCHORS: weakref.WeakKeyDictionary[Engine, Anchor] = weakref.WeakKeyDictionary()


def register(engine: Engine, anchor: Anchor) -> None:
    """Anchor the chain of the database behind `engine` (done when a workspace opens its database)."""
    _ANCHORS[engine] = anchor


def anchor_of(session: Session) -> Anchor | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _ANCHORS.get(engine)


def workspace_key(folder: Path, secret: str | None) -> bytes:
    """The audit key: the `audit_secret` setting, else `audit.key` in the workspace (made on first use)."""
    if secret:
        return secret.encode("utf-8")
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _canonical_time(at: datetime) -> str:
    return aware(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _payload(prev_hash: str, at: datetime, actor_id: int | None, actor_name: str, action: str,
             object_type: str, object_id: str | None, detail: dict[str, Any]) -> bytes:
    return json.dumps(
        [prev_hash, _canonical_time(at), actor_id, actor_name, action, object_type, object_id, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    ).encode("utf-8")


def entry_hash(prev_hash: str, at: datetime, actor_id: int | None, actor_name: str, action: str,
               object_type: str, object_id: str | None, detail: dict[str, Any], key: bytes | None = None) -> str:
    """HMAC-SHA256 of the entry with the audit key; plain SHA-256 only for chains written before keys."""
    payload = _payload(prev_hash, at, actor_id, actor_name, action, object_type, object_id, detail)
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def append(session: Session, actor: Actor, action: str, object_type: str, object_id: object = None,
           **detail: Any) -> AuditEntry:
    """Add one entry to the chain, inside the caller's transaction (the checkpoint follows the commit)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two transactions never chain onto the same previous entry.
        session.execute(text("SELECT pg_advisory_xact_lock(7310001)"))
    last = session.execute(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).scalar()
    prev = last or GENESIS
    at = utcnow()
    oid = None if object_id is None else str(object_id)
    clean = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
    anchor = anchor_of(session)
    entry = AuditEntry(
        at=at, actor_id=actor.user_id, actor_name=actor.name, action=action, object_type=object_type,
        object_id=oid, detail=clean, prev_hash=prev,
        hash=entry_hash(prev, at, actor.user_id, actor.name, action, object_type, oid, clean,
                        anchor.key if anchor else None),
    )
    session.add(entry)
    session.flush()
    if anchor is not None and anchor.checkpoint is not None and not session.info.get("audit_checkpoint"):
        session.info["audit_checkpoint"] = True
        event.listen(session, "after_commit", _checkpoint_after_commit, once=True)
    return entry


# -- the checkpoint --------------------------------------------------------------------------------------
@dataclass(slots=True)
class Checkpoint:
    count: int
    last_id: int | None
    last_hash: str
    keyed_since: int  # entries with a smaller id carry plain SHA-256 hashes (written before the key)
    at: str = ""


def head(session: Session) -> tuple[int, int | None, str]:
    """(count, last id, last hash) of the chain as the database holds it now."""
    count, last_id = session.execute(select(func.count(AuditEntry.id), func.max(AuditEntry.id))).one()
    last_hash = session.execute(select(AuditEntry.hash).where(AuditEntry.id == last_id)).scalar() if last_id else None
    return int(count or 0), last_id, last_hash or GENESIS


def read_checkpoint(path: Path | None) -> Checkpoint | None:
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Checkpoint(int(data["count"]), data.get("last_id"), str(data["last_hash"]),
                          int(data.get("keyed_since", 1)), str(data.get("at", "")))
    except (ValueError, KeyError, TypeError):
        return None


def write_checkpoint(path: Path, count: int, last_id: int | None, last_hash: str,
                     keyed_since: int | None = None) -> None:
    """Move the checkpoint forward (never back), atomically and under a lock shared by every process."""
    lock = path.with_suffix(".lock")
    with open(lock, "a+") as lock_fh:
        fcntl.flock(lock_fh, fcntl.LOCK_EX)
        old = read_checkpoint(path)
        if old is not None and count <= old.count and path.exists():
            return
        since = old.keyed_since if old is not None else (keyed_since or 1)
        body = {"count": count, "last_id": last_id, "last_hash": last_hash, "keyed_since": since,
                "at": utcnow().isoformat()}
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(body, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _checkpoint_after_commit(session: Session) -> None:
    session.info.pop("audit_checkpoint", None)
    anchor = anchor_of(session)
    if anchor is None or anchor.checkpoint is None:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with Session(engine) as fresh:
        count, last_id, last_hash = head(fresh)
    try:
        write_checkpoint(anchor.checkpoint, count, last_id, last_hash)
    except OSError:  # the transaction is committed already; the next commit moves the checkpoint on
        log.exception("could not write the audit checkpoint %s", anchor.checkpoint)


def anchor_existing_chain(session: Session, anchor: Anchor) -> None:
    """First checkpoint of a workspace: entries already there (written before keys) stay plain-hashed."""
    if anchor.checkpoint is None or anchor.checkpoint.exists():
        return
    count, last_id, last_hash = head(session)
    keyed_since = (last_id or 0) + 1
    anchor.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    write_checkpoint(anchor.checkpoint, count, last_id, last_hash, keyed_since=keyed_since)


# -- verification ----------------------------------------------------------------------------------------
@dataclass(slots=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_id: int | None = None
    reason: str = ""
    kind: str = "ok"  # ok | edited | relinked | recomputed | tail_deleted | truncated


def verify(session: Session, anchor: Anchor | None = None) -> VerifyResult:
    """Walk the chain in order, then compare its head with the checkpoint; say what kind of change broke it."""
    anchor = anchor or anchor_of(session)
    key = anchor.key if anchor else None
    cp = read_checkpoint(anchor.checkpoint) if anchor else None
    prev = GENESIS
    checked = 0
    last_id: int | None = None
    hash_at_checkpoint: str | None = None
    seen_keyed = False
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    for row in rows:
        if row.prev_hash != prev:
            return VerifyResult(False, checked, row.id, f"第 {row.id} 条记录的前序哈希与链不符（前一条被改动或删除）",
                                "relinked")
        args = (prev, row.at, row.actor_id, row.actor_name, row.action, row.object_type, row.object_id, row.detail)
        plain = entry_hash(*args)
        legacy = key is None or (row.id < cp.keyed_since if cp else not seen_keyed)
        if key is not None and row.hash == entry_hash(*args, key=key):
            seen_keyed = True
        elif row.hash == plain and legacy:
            pass
        elif row.hash == plain:
            return VerifyResult(False, checked, row.id,
                                f"第 {row.id} 条记录的哈希是用公开算法重算的，不是审计密钥所签：记录被改动后整链重算",
                                "recomputed")
        else:
            return VerifyResult(False, checked, row.id, f"第 {row.id} 条记录内容被改动（哈希不符）", "edited")
        if cp is not None and row.id == cp.last_id:
            hash_at_checkpoint = row.hash
        prev = row.hash
        last_id = row.id
        checked += 1
        session.expunge(row)
    if cp is not None and cp.count > 0:
        if checked == 0:
            return VerifyResult(False, 0, None, f"审计表被清空：检查点记录有 {cp.count} 条（{cp.at}），现在一条也没有",
                                "truncated")
        if hash_at_checkpoint is None and (last_id or 0) < (cp.last_id or 0):
            return VerifyResult(False, checked, last_id,
                                f"最新的记录被删除：检查点记录到第 {cp.last_id} 条（共 {cp.count} 条），"
                                f"现在只到第 {last_id} 条（共 {checked} 条）", "tail_deleted")
        if hash_at_checkpoint is not None and hash_at_checkpoint != cp.last_hash:
            return VerifyResult(False, checked, cp.last_id,
                                f"第 {cp.last_id} 条记录的哈希与检查点不符：审计链被整体重算", "recomputed")
        if checked < cp.count:
            return VerifyResult(False, checked, None,
                                f"记录条数少于检查点（现在 {checked} 条，检查点 {cp.count} 条）：有记录被删除",
                                "tail_deleted")
    if anchor is not None and anchor.checkpoint is not None and cp is None:
        return VerifyResult(True, checked, reason="没有找到检查点文件，无法确认末尾没有被删除")
    return VerifyResult(True, checked)
