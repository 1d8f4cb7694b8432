"""Admin pages: units (a tree), users and the audit log."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.accounts import UNIT_KINDS, AccountError, create_unit, create_user, unit_tree
from yuqing.domain import records
from yuqing.domain.roles import ROLE_DESCRIPTIONS, ROLE_NAMES
from yuqing.store.repositories import audit as audit_repo
from yuqing.store.repositories.audit import AuditFilter, search_audit
from yuqing.store.tables import User
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
        with ws.db.write() as s:
            create_unit(s, viewer.actor, name, kind, parent or None, place.strip() or None)
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
    return render(request, "admin/users.html", status, users=users, roles=ROLE_NAMES,
                  descriptions=ROLE_DESCRIPTIONS, units=unit_tree(session), error=error, form=form or {})


@router.post("/users", dependencies=[Depends(check_csrf)])
def users_create(
    request: Request, viewer: UserAdmin, ws: WorkspaceDep,
    username: Annotated[str, Form()] = "", display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "", unit: Annotated[str, Form()] = "",
) -> object:
    form = {"username": username, "display_name": display_name, "role": role, "unit": unit}  # never the password
    try:
        with ws.db.write() as s:
            create_user(s, viewer.actor, username, display_name, password, role, unit or None)
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
             "fields": records.describe(e.detail, units=units)} for e in entries]
    more = {**form, "before": entries[-1].id} if len(entries) == audit_repo.PAGE else None
    return render(request, "admin/audit.html", rows=rows, form=form, error="；".join(errors) or None,
                  people=audit_repo.actors(session), units=sorted(units.items(), key=lambda u: u[1]),
                  actions=records.action_choices(), objects=records.OBJECT_LABELS,
                  more=urlencode(more) if more else None)


# Object pages an entry links to, with the right the reader needs to open them (no link to a 403).
_LINKS = {"case": ("/cases/{}", "cases.read_all"), "event": ("/events/{}", "events.read"),
          "source": ("/sources/{}", "sources.manage"), "item": ("/items/{}", "items.read")}


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
