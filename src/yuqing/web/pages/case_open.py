"""立案 pages (R-CASE-1): from an event (立案交办), from an item (以此立案) or by hand (新建案件), one form.

The form is prefilled from the event or the items, shows the routing proposal with the reason for each unit
(editable), and the deadline a choice gives before submitting (htmx preview, and again on every render).
It calls `respond.cases.open_case`, the same action as the API and the CLI. Included before `pages.cases` so that
`/cases/new` is not read as a case id.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA
from yuqing.domain import grading
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import opening
from yuqing.respond.cases import open_case
from yuqing.respond.errors import CaseError, DuplicateOpenCase, NotFound, TransitionRefused
from yuqing.store.tables import Unit
from yuqing.web.deps import CsrfViewer, CurrentViewer, DbSession, Viewer, WorkspaceDep, render

router = APIRouter()

DEADLINE_KINDS = {"default": "默认（3 天）", "days": "自然日", "working_days": "工作日", "date": "指定日期"}
THEN_LABELS = {"": "仅立案（待研判）", "report": "研判并报送办公室交办", "assign": "立即按交办建议交办"}


def _ids(values: list[str]) -> list[int]:
    out: list[int] = []
    for v in values:
        for part in re.split(r"[、,，\s]+", v or ""):
            if part.strip():
                if not part.strip().isdigit():
                    raise CaseError(f"信息编号须为数字，而不是“{part.strip()}”")
                out.append(int(part))
    return list(dict.fromkeys(out))


def _units(session: Session) -> list[Unit]:
    return list(session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).scalars())


def _due_text(ws: Any, kind: str, value: str) -> tuple[str, bool]:
    """The computed end date for the form, or the reason it cannot be computed (second value False)."""
    try:
        due, warns = opening.preview_due(ws, opening.deadline_choice(kind, value))
    except CaseError as exc:
        return str(exc), False
    text = "若现在交办，期限至 " + due.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    if kind in ("", "default") or not value.strip():
        text += f"（默认 {ws.settings.default_deadline_days} 天）"
    if warns:
        text += "；注意：" + "；".join(warns)
    return text, True


def _form(request: Request, viewer: Viewer, ws: Any, session: Session, draft: opening.Draft,
          values: dict[str, Any], error: str | None = None, status: int = 200) -> object:
    kind, value = values.get("due_kind", "default"), values.get("due_value", "")
    due_text, due_ok = _due_text(ws, kind, value)
    lead = next((u["unit"] for u in draft.proposal if u["role"] == "lead"), "")
    assists = "、".join(u["unit"] for u in draft.proposal if u["role"] == "assist")
    form = {"title": draft.title, "summary": draft.summary, "grade": draft.grade or "", "lead": lead,
            "assists": assists, "items": "、".join(str(i) for i in draft.item_ids), "then": "report",
            "due_kind": "default", "due_value": ""} | values
    return render(request, "cases/open.html", status, draft=draft, form=form, error=error, units=_units(session),
                  grades=grading.GRADE_LABELS, kinds=DEADLINE_KINDS, then_labels=THEN_LABELS,
                  due_text=due_text, due_ok=due_ok)


def _draft(session: Session, event: int | None, items: list[int]) -> opening.Draft:
    try:
        if event is not None:
            return opening.draft_from_event(session, event)
        return opening.draft_from_items(session, items)
    except NotFound:
        raise HTTPException(404, "事件不存在") from None


@router.get("/cases/new")
def new_case_form(request: Request, viewer: CurrentViewer, ws: WorkspaceDep, session: DbSession,
                  event: int | None = None, item: list[int] | None = None) -> object:
    """The 立案 form: from `?event=ID`, from `?item=ID` (repeatable), or empty (by hand)."""
    if not viewer.can("cases.open"):
        raise HTTPException(403, "无权立案")
    return _form(request, viewer, ws, session, _draft(session, event, item or []), {})


@router.get("/cases/new/due", response_class=HTMLResponse)
def due_preview(viewer: CurrentViewer, ws: WorkspaceDep, due_kind: str = "default", due_value: str = "") -> str:
    """htmx: the end date the chosen deadline gives, shown before submitting (R-CASE-3)."""
    from markupsafe import escape

    text, ok = _due_text(ws, due_kind, due_value)
    return f'<span class="{"" if ok else "error"}">{escape(text)}</span>'


@router.post("/cases/new")
async def new_case(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession) -> object:
    """Open the case; on a refusal show the form again with everything typed and the reason."""
    raw = await request.form()
    values = {k: v.strip() for k, v in raw.items() if isinstance(v, str) and k != "csrf_token"}
    event_id = int(values["event_id"]) if values.get("event_id", "").isdigit() else None
    try:
        items = _ids([values.get("items", "")])
    except CaseError as exc:
        return _form(request, viewer, ws, session, _draft(session, event_id, []), values, str(exc), 400)
    draft = _draft(session, event_id, items if event_id is None else [])
    try:
        choice = opening.deadline_choice(values.get("due_kind", "default"), values.get("due_value", ""))
        assists = [a for a in re.split(r"[、,，\s]+", values.get("assists", "")) if a]
        lead = values.get("lead") or None
        case = open_case(
            ws, viewer.actor, title=values.get("title", ""), summary=values.get("summary", ""),
            event_id=event_id, grade=values.get("grade") or None,
            item_ids=items or (draft.item_ids if event_id is not None else []),
            lead=lead, assists=assists if lead else (assists or None), then=values.get("then", ""),
            second_case=values.get("second_case") == "1", **choice)
    except (CaseError, PermissionDenied, TransitionRefused, NotFound) as exc:
        code = 403 if isinstance(exc, PermissionDenied) else 409 if isinstance(exc, DuplicateOpenCase) \
            else 400
        return _form(request, viewer, ws, session, draft, values, str(exc), code)
    return RedirectResponse(f"/cases/{case.id}?done=opened", status_code=303)
