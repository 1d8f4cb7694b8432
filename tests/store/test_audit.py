from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.factories import ADMIN
from yuqing.clock import utcnow
from yuqing.domain.roles import Actor
from yuqing.store import audit
from yuqing.store.tables import AuditEntry
from yuqing.workspace import Workspace


def drop_triggers(s: Session) -> None:
    """What an intruder with database access does first: the append-only triggers go."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("DROP TRIGGER audit_entries_no_change ON audit_entries"))
        s.execute(text("DROP TRIGGER audit_entries_no_truncate ON audit_entries"))
    else:
        s.execute(text("DROP TRIGGER audit_entries_no_update"))
        s.execute(text("DROP TRIGGER audit_entries_no_delete"))


def _chain(ws: Workspace, n: int = 5) -> None:
    with ws.db.write() as s:
        for i in range(n):
            audit.append(s, Actor(1, "李明", "analyst"), "test.step", "thing", i, note=f"第{i}步", n=i)


def test_intact_chain_verifies(ws: Workspace) -> None:
    _chain(ws)
    with ws.db.read() as s:
        result = audit.verify(s)
    assert result.ok and result.checked == 5


def test_edited_row_is_named(ws: Workspace) -> None:
    _chain(ws)
    with ws.db.write() as s:
        third = s.execute(text("SELECT id FROM audit_entries ORDER BY id LIMIT 1 OFFSET 2")).scalar_one()
        drop_triggers(s)
        s.execute(text("UPDATE audit_entries SET actor_name = '张三' WHERE id = :i"), {"i": third})
    with ws.db.read() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.bad_id == third


def test_deleted_row_breaks_the_next_link(ws: Workspace) -> None:
    _chain(ws)
    with ws.db.write() as s:
        ids = list(s.execute(text("SELECT id FROM audit_entries ORDER BY id")).scalars())
        drop_triggers(s)
        s.execute(text("DELETE FROM audit_entries WHERE id = :i"), {"i": ids[1]})
    with ws.db.read() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.bad_id == ids[2]


def test_append_is_part_of_the_callers_transaction(ws: Workspace) -> None:
    try:
        with ws.db.write() as s:
            audit.append(s, ADMIN, "test.rolled_back", "thing", 1)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with ws.db.read() as s:
        assert audit.verify(s).checked == 0


def _verify(ws: Workspace) -> audit.VerifyResult:
    with ws.db.read() as s:
        return audit.verify(s)


def test_the_database_refuses_to_change_or_delete_entries(ws: Workspace) -> None:
    _chain(ws)
    for statement in ("UPDATE audit_entries SET actor_name = '张三'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"), ws.db.write() as s:
            s.execute(text(statement))
    assert _verify(ws).ok and _verify(ws).checked == 5


def test_deleting_the_newest_entries_is_caught(ws: Workspace) -> None:
    """Found by a probe: `audit verify` passed after the newest entries were deleted."""
    _chain(ws)
    with ws.db.write() as s:
        drop_triggers(s)
        s.execute(text("DELETE FROM audit_entries WHERE id > (SELECT min(id) + 1 FROM audit_entries)"))
    result = _verify(ws)
    assert not result.ok and result.kind == "tail_deleted" and "被删除" in result.reason


def test_emptying_the_table_is_caught(ws: Workspace) -> None:
    """Found by a probe: `audit verify` passed after the whole table was emptied."""
    _chain(ws)
    with ws.db.write() as s:
        drop_triggers(s)
        s.execute(text("DELETE FROM audit_entries"))
    result = _verify(ws)
    assert not result.ok and result.kind == "truncated" and "清空" in result.reason


def _rewrite(s: Session, key: bytes | None, edit_index: int = 1) -> None:
    """Edit one entry and recompute every later hash, as an intruder would with the hash function."""
    rows = list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())
    rows[edit_index].actor_name = "张三"
    prev = rows[edit_index - 1].hash if edit_index else audit.GENESIS
    for row in rows[edit_index:]:
        row.prev_hash = prev
        row.hash = audit.entry_hash(prev, row.at, row.actor_id, row.actor_name, row.action, row.object_type,
                                    row.object_id, row.detail, key)
        prev = row.hash
    s.flush()


def test_an_edit_recomputed_with_the_public_hash_function_is_caught(ws: Workspace) -> None:
    """Found by a probe: an edited row with every later hash recomputed passed `audit verify`."""
    _chain(ws)
    with ws.db.write() as s:
        drop_triggers(s)
        _rewrite(s, None)
    result = _verify(ws)
    assert not result.ok and result.kind == "recomputed" and "重算" in result.reason


def test_a_recomputation_with_another_key_is_caught(ws: Workspace) -> None:
    _chain(ws)
    with ws.db.write() as s:
        drop_triggers(s)
        _rewrite(s, b"guessed-key")
    result = _verify(ws)
    assert not result.ok and result.kind == "edited"


def test_even_with_the_key_a_recomputed_head_differs_from_the_checkpoint(ws: Workspace) -> None:
    _chain(ws)
    with ws.db.write() as s:
        drop_triggers(s)
        _rewrite(s, ws.audit_anchor.key)
    result = _verify(ws)
    assert not result.ok and result.kind == "recomputed" and "检查点" in result.reason


def test_the_checkpoint_follows_commits_only(ws: Workspace) -> None:
    _chain(ws, 3)
    cp = json.loads(ws.audit_anchor.checkpoint.read_text("utf-8"))  # type: ignore[union-attr]
    with ws.db.read() as s:
        count, last_id, last_hash = audit.head(s)
    assert (cp["count"], cp["last_id"], cp["last_hash"]) == (3, last_id, last_hash) and count == 3
    with pytest.raises(RuntimeError), ws.db.write() as s:
        audit.append(s, ADMIN, "test.rolled_back", "thing", 1)
        raise RuntimeError("boom")
    assert json.loads(ws.audit_anchor.checkpoint.read_text("utf-8"))["count"] == 3  # type: ignore[union-attr]


def test_a_chain_written_before_keys_keeps_verifying(ws: Workspace) -> None:
    """Workspaces (the demo too) made before the key existed: old entries stay plain SHA-256, new ones keyed."""
    anchor = ws.audit_anchor
    assert anchor.checkpoint is not None
    anchor.checkpoint.unlink()
    with ws.db.write() as s:  # what the code before keys wrote: plain SHA-256 hashes and no checkpoint
        prev = audit.GENESIS
        for i in range(3):
            at = utcnow()
            digest = audit.entry_hash(prev, at, None, "系统", "test.old", "thing", str(i), {"n": i})
            s.add(AuditEntry(at=at, actor_id=None, actor_name="系统", action="test.old", object_type="thing",
                             object_id=str(i), detail={"n": i}, prev_hash=prev, hash=digest))
            s.flush()
            prev = digest
    ws.migrate()  # the first checkpoint marks where keyed entries start
    assert json.loads(anchor.checkpoint.read_text("utf-8"))["keyed_since"] == 4
    _chain(ws, 2)
    result = _verify(ws)
    assert result.ok and result.checked == 5
    with ws.db.write() as s:  # and an old entry edited and re-hashed plainly is still caught downstream
        drop_triggers(s)
        _rewrite(s, None, edit_index=1)
    assert _verify(ws).kind == "recomputed"
