"""Users and units: the actions that create, change, disable and delete them (each `fn(ws, actor, ...)`,
audited in one transaction), and password checks."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.actions.actors import JOBS_USERNAME
from yuqing.clock import utcnow
from yuqing.domain.roles import JOBS, ROLE_NAMES, UNIT_ROLES, Actor
from yuqing.store.references import acted, delete_owned, references
from yuqing.store.references import describe as describe_refs
from yuqing.store.tables import LoginSession, Unit, User

_hasher = PasswordHasher()

UNIT_KINDS = {"town": "乡镇", "street": "街道", "department": "部门", "office": "办公室"}


class AccountError(ValueError):
    """A user or unit change that cannot be made; the message says why (in Chinese, for the UI)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.display_name, role=user.role_code, unit_id=user.unit_id)


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same answer for both mistakes)."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        _hasher.hash(password)  # spend the same time as a real check
        return None
    if not check_password(user, password):
        return None
    user.last_login_at = utcnow()
    return user


def _fits(value: str, what: str, limit: int) -> None:
    if len(value) > limit:
        raise AccountError(f"{what}太长：最多 {limit} 个字（现在 {len(value)} 个）")


def _unit_fields(name: str, kind: str, place: str | None) -> str:
    """The checks a unit's name, kind and place pass on creation and on edit; the trimmed name."""
    name = name.strip()
    if not name:
        raise AccountError("单位名称不能为空")
    _fits(name, "单位名称", 100)
    _fits(place or "", "负责地名", 100)
    if kind not in UNIT_KINDS:
        raise AccountError(f"单位类型只能是：{'、'.join(UNIT_KINDS.values())}")
    return name


@action("unit.create", permission="units.manage")
def create_unit(tx: Tx, name: str, kind: str = "department", parent: str | None = None,
                place: str | None = None, contact: str | None = None) -> Unit:
    """A new unit (乡镇、街道、部门) under an existing parent unit, if given."""
    s = tx.session
    name = _unit_fields(name, kind, place)
    if s.execute(select(Unit.id).where(Unit.name == name)).first():
        raise AccountError(f"单位“{name}”已存在")
    parent_id = _unit_named(s, parent, "上级单位").id if parent else None
    unit = Unit(name=name, kind=kind, parent_id=parent_id, place=place, contact=contact)
    s.add(unit)
    s.flush()
    tx.audit("unit.create", "unit", unit.id, name=name, kind=kind, parent=parent, place=place)
    return unit


def _unit_named(s: Session, name: str, what: str) -> Unit:
    """The unit of this name; refused in Chinese (e.g. 上级单位“X”不存在) when there is none."""
    row = s.execute(select(Unit).where(Unit.name == name)).scalar_one_or_none()
    if row is None:
        raise AccountError(f"{what}“{name}”不存在")
    return row


def _role_in_unit(s: Session, role: str, unit: str | None) -> int | None:
    """Check a person's role and unit (by name) together, for creating and editing; the unit's id."""
    if role not in ROLE_NAMES:
        raise AccountError(f"请选择角色：{'、'.join(ROLE_NAMES.values())}")
    unit_id = _unit_named(s, unit, "单位").id if unit else None
    if role in UNIT_ROLES and unit_id is None:
        raise AccountError(f"角色“{ROLE_NAMES[role]}”必须属于一个单位")
    return unit_id


@action("user.create", permission="users.manage")
def create_user(tx: Tx, username: str, display_name: str, password: str, role: str,
                unit: str | None = None, email: str | None = None) -> User:
    """A new person's account; the role is one of the people's roles (never the jobs account's)."""
    s = tx.session
    username = username.strip()
    if not username or not display_name.strip():
        raise AccountError("用户名和姓名不能为空")
    _fits(username, "用户名", 50)
    _fits(display_name.strip(), "姓名", 100)
    unit_id = _role_in_unit(s, role, unit)
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    if s.execute(select(User.id).where(User.username == username)).first():
        raise AccountError(f"用户名“{username}”已存在")
    user = User(username=username, display_name=display_name.strip(), password_hash=hash_password(password),
                role_code=role, unit_id=unit_id, email=email)
    s.add(user)
    s.flush()
    tx.audit("user.create", "user", user.id, username=username, role=role, unit=unit)
    return user


@action("user.set_password", permission=None)
def set_password(tx: Tx, user_id: int, password: str) -> None:
    """A new password: one's own, or anyone's for an administrator (the body checks which)."""
    user = _person(tx.session, user_id)
    if tx.actor.user_id != user.id:
        tx.require("users.manage")
    if len(password) < 8:
        raise AccountError("密码至少 8 位")
    user.password_hash = hash_password(password)
    tx.audit("user.set_password", "user", user.id)


def unit_tree(session: Session) -> list[tuple[Unit, int]]:
    """All units in tree order with their depth, for the admin page and `yuqing units list`."""
    units = list(session.execute(select(Unit).order_by(Unit.name)).scalars())
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            out.append((u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


# ---- Editing, disabling and deleting (delete only what nothing refers to; disable the rest) ----------


def _unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise AccountError(f"单位 #{unit_id} 不存在")
    return unit


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AccountError(f"用户 #{user_id} 不存在")
    return user


def is_jobs_account(user: User) -> bool:
    """The periodic jobs' own account (yuqing-jobs): run by the system, never edited by a person."""
    return user.role_code == JOBS or user.username == JOBS_USERNAME


def _person(session: Session, user_id: int) -> User:
    """A person's account, for the changes an administrator makes; the jobs account is refused."""
    user = _user(session, user_id)
    if is_jobs_account(user):
        raise AccountError("“系统任务”账号供定时任务使用，不能修改、停用或删除")
    return user


@action("unit.update", permission="units.manage")
def update_unit(tx: Tx, unit_id: int, *, name: str, kind: str, parent: str | None, place: str | None) -> Unit:
    """Rename a unit or change its kind, parent or place (audited with before and after)."""
    s = tx.session
    name = _unit_fields(name, kind, place)
    unit = _unit(s, unit_id)
    if s.execute(select(Unit.id).where(Unit.name == name, Unit.id != unit_id)).first():
        raise AccountError(f"单位“{name}”已存在")
    parent_id = None
    if parent:
        parent_unit = _unit_named(s, parent, "上级单位")
        walk: Unit | None = parent_unit
        while walk is not None:  # a unit cannot sit under itself or its own sub-unit
            if walk.id == unit_id:
                raise AccountError("上级单位不能是本单位或其下级单位")
            walk = walk.parent
        parent_id = parent_unit.id
    before = {"name": unit.name, "kind": unit.kind, "parent": unit.parent.name if unit.parent else None,
              "place": unit.place}
    unit.name, unit.kind, unit.parent_id, unit.place = name, kind, parent_id, (place or "").strip() or None
    after = {"name": name, "kind": kind, "parent": parent or None, "place": unit.place}
    tx.audit("unit.update", "unit", unit.id, before=before, after=after)
    s.flush()
    s.expunge(unit)
    return unit


@action("unit.set_active", permission="units.manage")
def set_unit_active(tx: Tx, unit_id: int, active: bool) -> None:
    """Disable a unit (kept for its history; no new cases or users go to it) or enable it again."""
    unit = _unit(tx.session, unit_id)
    unit.active = active
    tx.audit("unit.enable" if active else "unit.disable", "unit", unit.id, name=unit.name)


@action("unit.delete", permission="units.manage")
def delete_unit(tx: Tx, unit_id: int) -> str:
    """Delete a unit nothing refers to (no users, cases, rules, sub-units); else refuse: disable it instead."""
    s = tx.session
    unit = _unit(s, unit_id)
    found = references(s, "units", unit_id)
    from yuqing.store.tables_case import ResponsibilityRule  # assisting units are a JSON list, not a key

    assists = sum(unit_id in (r or []) for r in s.execute(select(ResponsibilityRule.assist_unit_ids)).scalars())
    if assists:
        found["responsibility_rules"] = found.get("responsibility_rules", 0) + assists
    if found:
        raise AccountError(f"单位“{unit.name}”仍被 {describe_refs(found)} 引用，不能删除；可以停用")
    name = unit.name
    s.delete(unit)
    tx.audit("unit.delete", "unit", unit_id, name=name)
    return name


@action("user.update", permission="users.manage")
def update_user(tx: Tx, user_id: int, *, display_name: str, role: str, unit: str | None) -> None:
    """Change a user's name, role or unit (audited with before and after)."""
    s = tx.session
    display_name = display_name.strip()
    if not display_name:
        raise AccountError("姓名不能为空")
    _fits(display_name, "姓名", 100)
    unit_id = _role_in_unit(s, role, unit)
    user = _person(s, user_id)
    if user.id == tx.actor.user_id and role != user.role_code:
        raise AccountError("不能修改自己的角色（请另一位管理员操作）")
    before = {"display_name": user.display_name, "role": user.role_code,
              "unit": user.unit.name if user.unit else None}
    user.display_name, user.role_code, user.unit_id = display_name, role, unit_id
    tx.audit("user.update", "user", user.id, before=before,
             after={"display_name": display_name, "role": role, "unit": unit or None})


@action("user.set_active", permission="users.manage")
def set_user_active(tx: Tx, user_id: int, active: bool) -> None:
    """Disable a user (cannot log in, kept in the records) or enable them again; their sessions end."""
    user = _person(tx.session, user_id)
    if user.id == tx.actor.user_id and not active:
        raise AccountError("不能停用自己的账号")
    user.active = active
    tx.audit("user.activate" if active else "user.deactivate", "user", user.id)
    if not active:
        tx.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


@action("user.delete", permission="users.manage")
def delete_user(tx: Tx, user_id: int) -> str:
    """Delete a user who never acted and is referred to by nothing; else refuse: disable instead."""
    s = tx.session
    user = _person(s, user_id)
    if user.id == tx.actor.user_id:
        raise AccountError("不能删除自己的账号")
    found = references(s, "users", user_id)
    did = acted(s, user_id)
    if did:
        found["audit_entries"] = did
    if found:
        raise AccountError(f"用户“{user.username}”已有 {describe_refs(found)}，不能删除；可以停用")
    username = user.username
    delete_owned(s, "users", user_id)
    s.delete(user)
    tx.audit("user.delete", "user", user_id, username=username)
    return username
