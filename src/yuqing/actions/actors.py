"""Who an action runs as, outside a logged-in page: always a named account, never a default.

- The CLI acts as `--as USERNAME`, else the workspace's `operator` setting (`acting_user`).
- Periodic jobs act as the `yuqing-jobs` account (role 系统任务), made on first use (`jobs_actor`).
- Setting up a new workspace (the first units and the first administrator, the demo seed) acts as the
  installer (`installer`), refused as soon as an active administrator exists; the demo seed then acts as
  that administrator (`seed_actor`).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from yuqing.domain.roles import ADMIN, JOBS, Actor
from yuqing.store import audit
from yuqing.store.tables import User
from yuqing.workspace import Workspace

JOBS_USERNAME = "yuqing-jobs"
JOBS_DISPLAY_NAME = "系统任务"
_INSTALLER = Actor(user_id=None, name="安装程序", role=ADMIN)


class OperatorRequired(ValueError):
    """No named account to act as; the message says how to give one (in Chinese)."""


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.display_name, role=user.role_code, unit_id=user.unit_id)


def acting_user(ws: Workspace, username: str | None) -> Actor:
    """The CLI's actor: `--as USERNAME`, else the workspace's `operator` account; refused without one."""
    name = (username or ws.settings.operator).strip()
    if not name:
        raise OperatorRequired("请用 --as 用户名 指定以哪个账号操作（或在工作区设置 operator）")
    with ws.db.read() as s:
        user = s.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if user is None or not user.active or user.role_code == JOBS:
            raise OperatorRequired(f"操作账号“{name}”不存在或已停用：请用 --as 用户名 指定")
        return _actor(user)


def jobs_actor(ws: Workspace) -> Actor:
    """The periodic jobs' account `yuqing-jobs` (role 系统任务), created and audited on first use.

    Its password hash is not a hash, so nobody can log in as it.
    """
    with ws.db.read() as s:
        user = s.execute(select(User).where(User.username == JOBS_USERNAME)).scalar_one_or_none()
        if user is not None:
            return _actor(user)
    try:
        with ws.db.write() as s:
            user = s.execute(select(User).where(User.username == JOBS_USERNAME)).scalar_one_or_none()
            if user is None:
                user = User(username=JOBS_USERNAME, display_name=JOBS_DISPLAY_NAME,
                            password_hash="!nologin-" + secrets.token_hex(8), role_code=JOBS)
                s.add(user)
                s.flush()
                audit.append(s, _actor(user), "user.create", "user", user.id, username=JOBS_USERNAME, role=JOBS,
                             reason="系统任务账号，首次运行定时任务时建立，不能登录")
            return _actor(user)
    except IntegrityError:  # two jobs made it at once (PostgreSQL): the other's account is there now
        with ws.db.read() as s:
            return _actor(s.execute(select(User).where(User.username == JOBS_USERNAME)).scalar_one())


def installer(ws: Workspace) -> Actor:
    """The actor that sets up a new workspace (first units, first administrator, demo seed).

    Refused once an active administrator exists: from then on a named administrator acts (`--as`).
    """
    with ws.db.read() as s:
        admin = s.execute(select(User.id).where(User.role_code == ADMIN, User.active.is_(True)).limit(1)).first()
    if admin is not None:
        raise OperatorRequired("已有系统管理员：请用 --as 用户名 以管理员账号操作")
    return _INSTALLER


def setup_actor(ws: Workspace, username: str | None) -> Actor:
    """For the account and unit commands: `--as`/operator when given, else the installer on a new workspace."""
    if username or ws.settings.operator.strip():
        return acting_user(ws, username)
    return installer(ws)


def seed_actor(ws: Workspace) -> Actor:
    """The demo seed's actor: the installer on a new workspace, else its first active administrator."""
    with ws.db.read() as s:
        admin = s.execute(select(User).where(User.role_code == ADMIN, User.active.is_(True))
                          .order_by(User.id).limit(1)).scalar_one_or_none()
        if admin is not None:
            return _actor(admin)
    return _INSTALLER
