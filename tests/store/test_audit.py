from __future__ import annotations

from sqlalchemy import text

from yuqing.domain.roles import SYSTEM, Actor
from yuqing.store import audit
from yuqing.workspace import Workspace


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
        s.execute(text("UPDATE audit_entries SET actor_name = '张三' WHERE id = :i"), {"i": third})
    with ws.db.read() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.bad_id == third


def test_deleted_row_breaks_the_next_link(ws: Workspace) -> None:
    _chain(ws)
    with ws.db.write() as s:
        ids = list(s.execute(text("SELECT id FROM audit_entries ORDER BY id")).scalars())
        s.execute(text("DELETE FROM audit_entries WHERE id = :i"), {"i": ids[1]})
    with ws.db.read() as s:
        result = audit.verify(s)
    assert not result.ok
    assert result.bad_id == ids[2]


def test_append_is_part_of_the_callers_transaction(ws: Workspace) -> None:
    try:
        with ws.db.write() as s:
            audit.append(s, SYSTEM, "test.rolled_back", "thing", 1)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with ws.db.read() as s:
        assert audit.verify(s).checked == 0
