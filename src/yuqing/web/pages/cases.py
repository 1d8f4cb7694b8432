"""Case list and case page, scoped by the repository: a unit sees only its own cases (404 otherwise)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from yuqing.domain.roles import PermissionDenied
from yuqing.store.repositories.cases import NotFound, get_case, list_cases
from yuqing.web.deps import CurrentViewer, DbSession, render

router = APIRouter()


@router.get("/cases")
def cases_page(request: Request, viewer: CurrentViewer, session: DbSession, state: str | None = None) -> object:
    try:
        cases = list_cases(session, viewer.actor, state=state)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    return render(request, "cases/list.html", cases=cases, state=state)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, viewer: CurrentViewer, session: DbSession) -> object:
    try:
        case = get_case(session, viewer.actor, case_id)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound:
        raise HTTPException(404, "案件不存在或无权查看") from None
    return render(request, "cases/detail.html", case=case)
