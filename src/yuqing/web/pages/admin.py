"""Admin pages: units (a tree), users and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.accounts import (
    UNIT_KINDS,
    AccountError,
    create_unit,
    create_user,
    delete_unit,
    delete_user,
    is_jobs_account,
    set_password,
    set_unit_active,
    set_user_active,
    unit_tree,
    update_unit,
    update_user,
)
from yuqing.domain import records
from yuqing.domain.roles import ROLE_DESCRIPTIONS, ROLE_LABELS, ROLE_NAMES
from yuqing.store.references import acted, references
from yuqing.store.references import describe as describe_refs
from yuqing.store.repositories import audit as audit_repo
from yuqing.store.repositories.audit import AuditFilter, search_audit
from yuqing.store.tables import Unit, User
from yuqing.web.deps import (
    DbSession,
    Viewer,
    WorkspaceDep,
    check_csrf,
    redirect_with_flash,
    render,
    require_permission,
)

router = APIRouter(prefix="/admin")
UnitAdmin = Annotated[Viewer, require_permission("units.manage")]
UserAdmin = Annotated[Viewer, require_permission("users.manage")]
AuditReader = Annotated[Viewer, require_permission("audit.read")]


@router.get("/units")
def units_page(request: Request, viewer: UnitAdmin, session: DbSession) -> object:
    return _units(request, session)


def _units(request: Request, session: Session, status: int = 200, error: str | None = None,
           form: dict[str, str] | None = None) -> object:
    return render(request, "admin/units.html", status, tree=unit_tree(session), kinds=UNIT_KINDS, error=error,
                  form=form or {})


@router.post("/units", dependencies=[Depends(check_csrf)])
def units_create(
    request: Request, viewer: UnitAdmin, ws: WorkspaceDep,
    name: Annotated[str, Form()] = "", kind: Annotated[str, Form()] = "", parent: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
) -> object:
    form = {"name": name, "kind": kind, "parent": parent, "place": place}
    try:
        create_unit(ws, viewer.actor, name, kind, parent or None, place.strip() or None)
    except AccountError as exc:
        with ws.db.read() as s:
            return _units(request, s, 400, str(exc), form)
    return redirect_with_flash("/admin/units", f"已新增单位“{name.strip()}”")


@router.get("/users")
def users_page(request: Request, viewer: UserAdmin, session: DbSession) -> object:
    return _users(request, session)


def _users(request: Request, session: Session, status: int = 200, error: str | None = None,
           form: dict[str, str] | None = None) -> object:
    users = list(session.execute(select(User).order_by(User.id)).scalars())
    return render(request, "admin/users.html", status, users=users, roles=ROLE_NAMES, role_labels=ROLE_LABELS,
                  descriptions=ROLE_DESCRIPTIONS, units=unit_tree(session), error=error, form=form or {})


@router.post("/users", dependencies=[Depends(check_csrf)])
def users_create(
    request: Request, viewer: UserAdmin, ws: WorkspaceDep,
    username: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
) -> object:
    form = {"username": username, "display_name": display_name, "role": role, "unit": unit}  # never the password
    try:
        create_user(ws, viewer.actor, username, display_name, password, role, unit or None)
    except AccountError as exc:
        with ws.db.read() as s:
            return _users(request, s, 400, str(exc), form)
    return redirect_with_flash("/admin/users", f"已新增用户“{username.strip()}”（{ROLE_NAMES[role]}）")


@router.get("/audit")
def audit_page(request: Request, viewer: AuditReader, session: DbSession, actor: str = "", unit: str = "",
               object_type: str = "", object_id: str = "", action: str = "", since: str = "", until: str = "",
               before: str = "") -> object:
    """The audit log in Chinese: filter by person, unit, object, action and date; details as labelled fields."""
    form = {"actor": actor, "unit": unit, "object_type": object_type, "object_id": object_id.strip(),
            "action": action, "since": since, "until": until}
    errors: list[str] = []
    f = AuditFilter(object_type=object_type, object_id=object_id.strip(), action=action,
                    actor_id=_int(actor, "操作人", errors), unit_id=_int(unit, "单位", errors),
                    since=_day(since, "开始日期", errors), until=_day(until, "结束日期", errors),
                    before_id=_int(before, "页码", errors))
    entries = search_audit(session, f)
    units = audit_repo.unit_names(session)
    rows = [{"e": e, "label": records.action_label(e.action), "object": records.object_label(e.object_type),
             "link": _object_link(viewer, e.object_type, e.object_id),
             "fields": records.describe(e.detail, units=units, action=e.action)} for e in entries]
    more = {**form, "before": entries[-1].id} if len(entries) == audit_repo.PAGE else None
    return render(request, "admin/audit.html", rows=rows, form=form, error="；".join(errors) or None,
                  people=audit_repo.actors(session), units=sorted(units.items(), key=lambda u: u[1]),
                  actions=records.action_choices(), objects=records.OBJECT_LABELS,
                  more=urlencode(more) if more else None)


# Object pages an entry links to, with the right the reader needs to open them (no link to a 403).
_LINKS = {"case": ("/cases/{}", "cases.read_all"), "event": ("/events/{}", "events.read"),
          "source": ("/sources/{}", "sources.manage"), "item": ("/items/{}", "items.read"),
          "channel": ("/channels/{}", "channels.read"), "publication": ("/publications/{}", "channels.read"),
          "correction_order": ("/channels/orders/{}", "channels.read")}


def _object_link(viewer: Viewer, object_type: str, object_id: str | None) -> str | None:
    pattern, right = _LINKS.get(object_type, ("", ""))
    if not pattern or not object_id or not object_id.isdigit() or not viewer.can(right):
        return None
    return pattern.format(object_id)


def _int(value: str, name: str, errors: list[str]) -> int | None:
    if not value.strip():
        return None
    if value.strip().isdigit():
        return int(value)
    errors.append(f"{name}无效")
    return None


def _day(value: str, name: str, errors: list[str]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(f"{name}应为 年-月-日，如 2026-10-08")
        return None


# ---- Edit, disable, delete ---------------------------------------------------------------------------


def _unit_page(request: Request, session: Session, unit_id: int, status: int = 200, error: str | None = None,
               form: dict[str, str] | None = None) -> object:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise HTTPException(404, "单位不存在")
    refs = references(session, "units", unit_id)
    form = form or {"name": unit.name, "kind": unit.kind, "parent": unit.parent.name if unit.parent else "",
                    "place": unit.place or ""}
    return render(request, "admin/unit_edit.html", status, unit=unit, tree=unit_tree(session), kinds=UNIT_KINDS,
                  refs=describe_refs(refs) if refs else "", error=error, form=form)


@router.get("/units/{unit_id}")
def unit_page(request: Request, unit_id: int, viewer: UnitAdmin, session: DbSession) -> object:
    return _unit_page(request, session, unit_id)


@router.post("/units/{unit_id}", dependencies=[Depends(check_csrf)])
def unit_change(request: Request, unit_id: int, viewer: UnitAdmin, ws: WorkspaceDep,
                op: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                kind: Annotated[str, Form()] = "", parent: Annotated[str, Form()] = "",
                place: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> object:
    """One form per change: save (edit), disable, enable, delete (needs the confirmation box ticked)."""
    form = {"name": name, "kind": kind, "parent": parent, "place": place} if op == "save" else None
    try:
        if op == "save":
            update_unit(ws, viewer.actor, unit_id, name=name, kind=kind, parent=parent or None, place=place or None)
            return redirect_with_flash(f"/admin/units/{unit_id}", "已保存单位信息")
        return _active_or_delete(op, confirm, "units", "单位", lambda on: set_unit_active(ws, viewer.actor, unit_id, on),
                                 lambda: delete_unit(ws, viewer.actor, unit_id), unit_id)
    except AccountError as exc:
        with ws.db.read() as s:
            return _unit_page(request, s, unit_id, 400, str(exc), form)


def _active_or_delete(op: str, confirm: str, path: str, what: str, set_active: Callable[[bool], None],
                      delete: Callable[[], str], object_id: int) -> object:
    """The steps a unit's and a user's page share: disable, enable, delete (only with the box ticked)."""
    if op in ("disable", "enable"):
        set_active(op == "enable")
        return redirect_with_flash(f"/admin/{path}/{object_id}", f"已{'启用' if op == 'enable' else '停用'}{what}")
    if op == "delete":
        if confirm != "yes":
            raise AccountError("删除前请勾选“确认删除”")
        return redirect_with_flash(f"/admin/{path}", f"已删除{what}“{delete()}”")
    raise AccountError("请选择要执行的操作")


def _user_page(request: Request, session: Session, user_id: int, status: int = 200, error: str | None = None,
               form: dict[str, str] | None = None) -> object:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, "用户不存在")
    refs = references(session, "users", user_id)
    did = acted(session, user_id)
    if did:
        refs["audit_entries"] = did
    form = form or {"display_name": user.display_name, "role": user.role_code, "unit": user.unit.name if user.unit else ""}
    return render(request, "admin/user_edit.html", status, user=user, roles=ROLE_NAMES, descriptions=ROLE_DESCRIPTIONS,
                  units=unit_tree(session), refs=describe_refs(refs) if refs else "", error=error, form=form,
                  jobs_account=is_jobs_account(user))


@router.get("/users/{user_id}")
def user_page(request: Request, user_id: int, viewer: UserAdmin, session: DbSession) -> object:
    return _user_page(request, session, user_id)


@router.post("/users/{user_id}", dependencies=[Depends(check_csrf)])
def user_change(request: Request, user_id: int, viewer: UserAdmin, ws: WorkspaceDep,
                op: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
                role: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> object:
    """One form per change: save (edit), password, disable, enable, delete (needs the confirmation box)."""
    form = {"display_name": display_name, "role": role, "unit": unit} if op == "save" else None
    try:
        if op == "save":
            update_user(ws, viewer.actor, user_id, display_name=display_name, role=role, unit=unit or None)
            return redirect_with_flash(f"/admin/users/{user_id}", "已保存用户信息")
        if op == "password":
            set_password(ws, viewer.actor, user_id, password)
            return redirect_with_flash(f"/admin/users/{user_id}", "已重设密码")
        return _active_or_delete(op, confirm, "users", "用户", lambda on: set_user_active(ws, viewer.actor, user_id, on),
                                 lambda: delete_user(ws, viewer.actor, user_id), user_id)
    except AccountError as exc:
        with ws.db.read() as s:
            return _user_page(request, s, user_id, 400, str(exc), form)
