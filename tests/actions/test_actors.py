"""Who actions run as outside a page: a named account, the jobs account, or the installer on a new workspace."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories
from yuqing.accounts import authenticate
from yuqing.actions.actors import (
    JOBS_USERNAME,
    OperatorRequired,
    acting_user,
    installer,
    jobs_actor,
    seed_actor,
    setup_actor,
)
from yuqing.domain.roles import JOBS, PermissionDenied, require
from yuqing.store.tables import AuditEntry, User
from yuqing.workspace import Workspace


def test_acting_user_is_the_named_active_account(ws: Workspace) -> None:
    with ws.db.write() as s:
        office = factories.user(s, "office1", role="office")
        factories.user(s, "gone", role="office", active=False)
        office_id = office.id
    actor = acting_user(ws, "office1")
    assert (actor.user_id, actor.role) == (office_id, "office")
    with pytest.raises(OperatorRequired, match="--as"):
        acting_user(ws, None)  # no --as and no operator setting: refused, never an anonymous actor
    with pytest.raises(OperatorRequired, match="不存在或已停用"):
        acting_user(ws, "gone")
    with pytest.raises(OperatorRequired, match="不存在或已停用"):
        acting_user(ws, "nobody")


def test_jobs_account_is_made_once_audited_and_cannot_log_in(ws: Workspace) -> None:
    first = jobs_actor(ws)
    again = jobs_actor(ws)
    assert first == again and first.role == JOBS and first.user_id is not None
    with ws.db.write() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.username == JOBS_USERNAME)) == 1
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "user.create")).scalar_one()
        assert entry.actor_id == first.user_id
        assert authenticate(s, JOBS_USERNAME, "") is None
        assert authenticate(s, JOBS_USERNAME, "!nologin") is None
    require(first, "cases.supervise")
    with pytest.raises(PermissionDenied):
        require(first, "users.manage")  # the jobs account manages nobody
    with pytest.raises(OperatorRequired):
        acting_user(ws, JOBS_USERNAME)  # and no CLI command may act as it


def test_installer_only_until_an_administrator_exists(ws: Workspace) -> None:
    assert installer(ws).role == "admin"
    assert setup_actor(ws, None).user_id is None
    with ws.db.write() as s:
        factories.user(s, "root", role="admin")
    with pytest.raises(OperatorRequired, match="已有系统管理员"):
        installer(ws)
    assert setup_actor(ws, "root").role == "admin"


def test_the_demo_seed_acts_as_the_installer_then_as_the_administrator(ws: Workspace) -> None:
    assert seed_actor(ws).user_id is None
    with ws.db.write() as s:
        factories.user(s, "off", role="admin", active=False)
        root_id = factories.user(s, "root", role="admin").id
    assert (seed_actor(ws).user_id, seed_actor(ws).role) == (root_id, "admin")
