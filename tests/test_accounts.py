"""Units and users: edit, disable and delete (only what nothing refers to), each audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories
from yuqing.accounts import (
    AccountError,
    create_unit,
    create_user,
    delete_unit,
    delete_user,
    set_password,
    set_unit_active,
    set_user_active,
    update_unit,
    update_user,
)
from yuqing.actions.actors import jobs_actor
from yuqing.domain.roles import JOBS, Actor, PermissionDenied
from yuqing.store import audit
from yuqing.store.tables import AuditEntry, LoginSession, Unit, User
from yuqing.workspace import Workspace


@pytest.fixture
def admin(ws: Workspace) -> Actor:
    with ws.db.write() as s:
        row = factories.user(s, "admin1", role="admin")
        return Actor(row.id, row.display_name, "admin")


def test_a_unit_is_edited_disabled_and_deleted_only_when_unreferenced(ws: Workspace, admin: Actor) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        spare = factories.unit(s, "临时工作组", "office")
        sub = factories.unit(s, "青石镇社区", "street", parent_id=town.id)
        factories.case(s, "欠薪", units=[town])
        ids = town.id, spare.id, sub.id
    town_id, spare_id, sub_id = ids
    update_unit(ws, admin, town_id, name="青石镇人民政府", kind="town", parent=None, place="青石镇")
    with pytest.raises(AccountError, match="已存在"):
        update_unit(ws, admin, spare_id, name="青石镇人民政府", kind="office", parent=None, place=None)
    with pytest.raises(AccountError, match="下级单位"):
        update_unit(ws, admin, town_id, name="青石镇人民政府", kind="town", parent="青石镇社区", place=None)
    with pytest.raises(AccountError, match="太长"):
        update_unit(ws, admin, spare_id, name="长" * 101, kind="office", parent=None, place=None)
    with pytest.raises(AccountError, match="不能删除；可以停用") as refused:
        delete_unit(ws, admin, town_id)
    assert "案件分派" in str(refused.value) and "下级单位" in str(refused.value)
    set_unit_active(ws, admin, town_id, False)
    assert delete_unit(ws, admin, spare_id) == "临时工作组"
    with pytest.raises(PermissionDenied):
        delete_unit(ws, Actor(None, "监测员", "analyst"), sub_id)
    with ws.db.read() as s:
        assert not s.get(Unit, town_id).active and s.get(Unit, spare_id) is None
        assert s.get(Unit, town_id).name == "青石镇人民政府"
        codes = [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert codes == ["unit.update", "unit.disable", "unit.delete"]


def test_a_user_who_acted_is_disabled_not_deleted(ws: Workspace, admin: Actor) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        worker = factories.user(s, "liuyang", role="unit_handler", unit=town)
        fresh = factories.user(s, "newbie", role="analyst")
        s.add(LoginSession(token_hash="t" * 64, user_id=worker.id, csrf_token="c", expires_at=worker.created_at))
        audit.append(s, Actor(worker.id, worker.display_name, "unit_handler", town.id), "auth.login", "user", worker.id)
        wid, fid = worker.id, fresh.id
    update_user(ws, admin, wid, display_name="刘洋", role="unit_leader", unit="青石镇")
    with pytest.raises(AccountError, match="必须属于一个单位"):
        update_user(ws, admin, wid, display_name="刘洋", role="unit_handler", unit=None)
    with pytest.raises(AccountError, match="不能修改自己的角色"):
        update_user(ws, admin, admin.user_id or 0, display_name="管理员", role="analyst", unit=None)
    with pytest.raises(AccountError, match="审计记录"):
        delete_user(ws, admin, wid)
    with pytest.raises(AccountError, match="不能删除自己"):
        delete_user(ws, admin, admin.user_id or 0)
    with pytest.raises(AccountError, match="不能停用自己"):
        set_user_active(ws, admin, admin.user_id or 0, False)
    set_user_active(ws, admin, wid, False)
    assert delete_user(ws, admin, fid) == "newbie"
    with ws.db.read() as s:
        worker = s.get(User, wid)
        assert not worker.active and worker.role_code == "unit_leader" and worker.display_name == "刘洋"
        assert s.execute(select(LoginSession).where(LoginSession.user_id == wid)).first() is None  # logged out
        assert s.get(User, fid) is None


def test_units_and_users_are_created_by_actions_with_an_explicit_actor(ws: Workspace, admin: Actor) -> None:
    unit = create_unit(ws, admin, "青石镇", "town", place="青石镇")
    user = create_user(ws, admin, "qs", "刘洋", "abcdefgh1", "unit_handler", "青石镇")
    assert (unit.name, user.unit_id) == ("青石镇", unit.id)
    with pytest.raises(TypeError, match="explicit Actor"):
        create_unit(ws, None, "河口镇", "town")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        create_user(ws, Actor(None, "监测员", "analyst"), "x1", "某", "abcdefgh1", "analyst")
    with pytest.raises(AccountError, match="请选择角色"):
        create_user(ws, admin, "robot", "机器人", "abcdefgh1", JOBS)  # the jobs role is never given to a person
    set_password(ws, Actor(user.id, "刘洋", "unit_handler", unit.id), user.id, "newpassword1")  # one's own
    with pytest.raises(PermissionDenied):
        set_password(ws, Actor(user.id, "刘洋", "unit_handler", unit.id), admin.user_id or 0, "newpassword1")
    with ws.db.read() as s:
        codes = [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert codes == ["unit.create", "user.create", "user.set_password"]


def test_the_jobs_account_cannot_be_edited_disabled_or_deleted(ws: Workspace, admin: Actor) -> None:
    jobs_id = jobs_actor(ws).user_id or 0
    for change in (lambda: update_user(ws, admin, jobs_id, display_name="改名", role="admin", unit=None),
                   lambda: set_user_active(ws, admin, jobs_id, False),
                   lambda: delete_user(ws, admin, jobs_id),
                   lambda: set_password(ws, admin, jobs_id, "abcdefgh1")):
        with pytest.raises(AccountError, match="系统任务"):
            change()
    with ws.db.read() as s:
        jobs = s.get(User, jobs_id)
        assert jobs.active and jobs.role_code == JOBS and jobs.display_name == "系统任务"
