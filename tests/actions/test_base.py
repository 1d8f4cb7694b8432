"""The action base: permission before anything, one transaction for change + audit + notifications."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests import factories
from yuqing.actions import Tx, UnauditedChange, action
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.store import audit
from yuqing.store.tables import AuditEntry, Notification, Unit
from yuqing.workspace import Workspace

ADMIN = Actor(7, "管理员甲", "admin")
ANALYST = Actor(8, "监测员乙", "analyst")


@action("test.add_unit", permission="units.manage")
def add_unit(tx: Tx, name: str, *, fail_after_change: bool = False) -> int:
    unit = factories.unit(tx.session, name)
    tx.audit("unit.create", "unit", unit.id, name=name)
    tx.notify("admin", "unit.created", f"新单位：{name}")
    if fail_after_change:
        raise RuntimeError("boom after the change and the audit entry")
    return unit.id


@action("test.silent", permission="units.manage")
def add_unit_without_audit(tx: Tx, name: str) -> None:
    factories.unit(tx.session, name)


@action("test.summarised", permission="units.manage")
def add_unit_summarised(tx: Tx, name: str) -> None:
    factories.unit(tx.session, name)
    tx.summarised(by="test.round")  # its round writes the one entry


@action("test.two", permission="units.manage")
def add_two(tx: Tx, first: str, second: str) -> None:
    add_unit.within(tx, first)
    add_unit.within(tx, second)


def counts(ws: Workspace) -> tuple[int, int, int]:
    with ws.db.read() as s:
        return (s.scalar(select(func.count()).select_from(Unit)) or 0,
                s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
                s.scalar(select(func.count()).select_from(Notification)) or 0)


def test_change_audit_and_notification_are_committed_together(ws: Workspace) -> None:
    before = counts(ws)
    uid = add_unit(ws, ADMIN, "城管局")
    assert counts(ws) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with ws.db.read() as s:
        entry = s.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
        assert (entry.action, entry.object_id, entry.actor_name) == ("unit.create", str(uid), "管理员甲")
        assert audit.verify(s).ok


def test_permission_refused_writes_nothing(ws: Workspace) -> None:
    before = counts(ws)
    with pytest.raises(PermissionDenied):
        add_unit(ws, ANALYST, "城管局")
    assert counts(ws) == before


def test_exception_mid_change_rolls_back_change_and_audit(ws: Workspace) -> None:
    before = counts(ws)
    with pytest.raises(RuntimeError, match="boom"):
        add_unit(ws, ADMIN, "城管局", fail_after_change=True)
    assert counts(ws) == before
    with ws.db.read() as s:
        assert audit.verify(s).ok


@pytest.mark.parametrize("who", [None, "admin", {"role": "admin"}])
def test_no_actor_is_refused(ws: Workspace, who: object) -> None:
    before = counts(ws)
    with pytest.raises(TypeError, match="explicit Actor"):
        add_unit(ws, who, "城管局")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        add_unit(ws, "城管局")  # type: ignore[call-arg]
    assert counts(ws) == before


def test_a_change_without_an_audit_entry_is_refused_and_rolled_back(ws: Workspace) -> None:
    before = counts(ws)
    with pytest.raises(UnauditedChange):
        add_unit_without_audit(ws, ADMIN, "城管局")
    assert counts(ws) == before


def test_a_change_accounted_for_by_a_rounds_summary_entry_is_kept_without_its_own(ws: Workspace) -> None:
    before = counts(ws)
    add_unit_summarised(ws, ADMIN, "城管局")
    assert counts(ws)[:2] == (before[0] + 1, before[1])


def test_within_runs_in_the_callers_transaction(ws: Workspace) -> None:
    before = counts(ws)
    add_two(ws, ADMIN, "甲局", "乙局")
    assert counts(ws)[:2] == (before[0] + 2, before[1] + 2)
    with pytest.raises(IntegrityError):  # the second unit's name is taken: the first is rolled back too
        add_two(ws, ADMIN, "丙局", "甲局")
    assert counts(ws)[:2] == (before[0] + 2, before[1] + 2)


def test_after_commit_runs_only_after_a_commit(ws: Workspace) -> None:
    ran: list[str] = []

    @action("test.hook", permission="units.manage")
    def hooked(tx: Tx, name: str, fail: bool) -> None:
        factories.unit(tx.session, name)
        tx.audit("unit.create", "unit", None, name=name)
        tx.after_commit(lambda: ran.append(name))
        if fail:
            raise ValueError("不行")

    with pytest.raises(ValueError):
        hooked(ws, ADMIN, "甲局", True)
    assert ran == []
    hooked(ws, ADMIN, "乙局", False)
    assert ran == ["乙局"]
