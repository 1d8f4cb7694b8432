"""The JSON API under /api. Same repositories and actions as the pages; OpenAPI at /docs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from sqlalchemy import select

from yuqing.accounts import AccountError, create_unit, create_user, unit_tree
from yuqing.domain.roles import PermissionDenied
from yuqing.respond.cases import record_view
from yuqing.store.repositories.cases import NotFound, get_case, list_cases
from yuqing.store.repositories.items import daily_counts, dashboard_counts, get_item
from yuqing.store.search import search_items
from yuqing.store.tables import User
from yuqing.web.api.schemas import (
    CasePublic,
    ItemPage,
    ItemPublic,
    Me,
    UnitCreate,
    UnitPublic,
    UserCreate,
    UserPublic,
)
from yuqing.web.deps import CurrentViewer, DbSession, Viewer, WorkspaceDep, check_csrf, require_permission
from yuqing.web.pages.items import filter_from

router = APIRouter(prefix="/api", tags=["api"])
ItemReader = Annotated[Viewer, require_permission("items.read")]
Writes = [Depends(check_csrf)]


@router.get("/me", response_model=Me)
def me(viewer: CurrentViewer) -> Me:
    u = viewer.user
    return Me(id=u.id, username=u.username, display_name=u.display_name, role=u.role_code, unit_id=u.unit_id,
              csrf_token=viewer.csrf_token)


@router.get("/items", response_model=ItemPage)
def items(
    viewer: ItemReader, session: DbSession, q: str = "", since: str | None = None, until: str | None = None,
    source: str | None = None, sentiment: str | None = None, topic: str | None = None, place: str | None = None,
    relevant: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> ItemPage:
    """Search items, newest first: `q` terms are AND-ed; dates are China-time days (YYYY-MM-DD).

    Page on with `cursor` (the previous page's `next_cursor`) rather than a growing `offset`.
    `total` is exact up to 2,000 matches, an estimate above (`total_exact` false)."""
    f = filter_from(q, since, until, source, sentiment, topic, place, relevant)
    try:
        hits = search_items(session, f, limit=limit, offset=offset, cursor=cursor)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return ItemPage(total=hits.total, total_exact=hits.exact, next_cursor=hits.next_cursor,
                    items=[ItemPublic.model_validate(r) for r in hits.items])


@router.get("/items/{item_id}", response_model=ItemPublic)
def item(item_id: int, viewer: ItemReader, session: DbSession) -> ItemPublic:
    try:
        return ItemPublic.model_validate(get_item(session, item_id))
    except NotFound:
        raise HTTPException(404, "信息不存在") from None


@router.get("/stats/counts")
def counts(viewer: CurrentViewer, session: DbSession) -> dict[str, int]:
    """The dashboard's counts, only those the caller may see (a unit sees its own cases)."""
    return dashboard_counts(session, viewer.actor)


@router.get("/stats/daily")
def daily(viewer: ItemReader, session: DbSession, days: Annotated[int, Query(ge=1, le=90)] = 14) -> dict:
    return daily_counts(session, days)


@router.get("/units", response_model=list[UnitPublic])
def units(viewer: CurrentViewer, session: DbSession) -> list[UnitPublic]:
    return [UnitPublic.model_validate(u) for u, _ in unit_tree(session)]


@router.post("/units", response_model=UnitPublic, status_code=201, dependencies=Writes)
def add_unit(body: UnitCreate, viewer: Annotated[Viewer, require_permission("units.manage")],
             ws: WorkspaceDep) -> UnitPublic:
    try:
        return UnitPublic.model_validate(create_unit(ws, viewer.actor, body.name, body.kind, body.parent, body.place))
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/users", response_model=list[UserPublic])
def users(viewer: Annotated[Viewer, require_permission("users.manage")], session: DbSession) -> list[UserPublic]:
    return [UserPublic.model_validate(u) for u in session.execute(select(User).order_by(User.id)).scalars()]


@router.post("/users", response_model=UserPublic, status_code=201, dependencies=Writes)
def add_user(body: UserCreate, viewer: Annotated[Viewer, require_permission("users.manage")],
             ws: WorkspaceDep) -> UserPublic:
    try:
        user = create_user(ws, viewer.actor, body.username, body.display_name, body.password, body.role, body.unit)
        return UserPublic.model_validate(user)
    except AccountError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/cases", response_model=list[CasePublic])
def cases(viewer: CurrentViewer, session: DbSession, state: str | None = None) -> list[CasePublic]:
    try:
        return [CasePublic.model_validate(c) for c in list_cases(session, viewer.actor, state=state)]
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None


@router.get("/cases/{case_id}", response_model=CasePublic)
def case(case_id: int, viewer: CurrentViewer, session: DbSession, ws: WorkspaceDep) -> CasePublic:
    try:
        found = CasePublic.model_validate(get_case(session, viewer.actor, case_id))
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound:
        raise HTTPException(404, "案件不存在或无权查看") from None
    record_view(ws, viewer.actor, case_id)
    return found
