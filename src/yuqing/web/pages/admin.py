"""Admin pages: units (a tree) and users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from yuqing.accounts import UNIT_KINDS, AccountError, create_unit, create_user, unit_tree
from yuqing.domain.roles import ROLE_NAMES
from yuqing.store.tables import AuditEntry, User
from yuqing.web.deps import DbSession, Viewer, WorkspaceDep, check_csrf, render, require_permission

router = APIRouter(prefix="/admin")
UnitAdmin = Annotated[Viewer, require_permission("units.manage")]
UserAdmin = Annotated[Viewer, require_permission("users.manage")]
AuditReader = Annotated[Viewer, require_permission("audit.read")]


@router.get("/units")
def units_page(request: Request, viewer: UnitAdmin, session: DbSession, error: str | None = None) -> object:
    return render(request, "admin/units.html", tree=unit_tree(session), kinds=UNIT_KINDS, error=error)


@router.post("/units", dependencies=[Depends(check_csrf)])
def units_create(
    request: Request, viewer: UnitAdmin, ws: WorkspaceDep,
    name: Annotated[str, Form()], kind: Annotated[str, Form()], parent: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
) -> object:
    try:
        with ws.db.write() as s:
            create_unit(s, viewer.actor, name, kind, parent or None, place or None)
    except AccountError as exc:
        with ws.db.read() as s:
            return render(request, "admin/units.html", 400, tree=unit_tree(s), kinds=UNIT_KINDS, error=str(exc))
    return RedirectResponse("/admin/units", status_code=303)


@router.get("/users")
def users_page(request: Request, viewer: UserAdmin, session: DbSession) -> object:
    users = list(session.execute(select(User).order_by(User.id)).scalars())
    return render(request, "admin/users.html", users=users, roles=ROLE_NAMES, units=unit_tree(session), error=None)


@router.post("/users", dependencies=[Depends(check_csrf)])
def users_create(
    request: Request, viewer: UserAdmin, ws: WorkspaceDep,
    username: Annotated[str, Form()], display_name: Annotated[str, Form()], password: Annotated[str, Form()],
    role: Annotated[str, Form()], unit: Annotated[str, Form()] = "",
) -> object:
    try:
        with ws.db.write() as s:
            create_user(s, viewer.actor, username, display_name, password, role, unit or None)
    except AccountError as exc:
        with ws.db.read() as s:
            users = list(s.execute(select(User).order_by(User.id)).scalars())
            return render(request, "admin/users.html", 400, users=users, roles=ROLE_NAMES, units=unit_tree(s),
                          error=str(exc))
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit")
def audit_page(request: Request, viewer: AuditReader, session: DbSession, action: str = "") -> object:
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    return render(request, "admin/audit.html", entries=list(session.execute(stmt).scalars()), action=action)
