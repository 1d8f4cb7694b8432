"""Case desk pages: the office board, a unit's workbench, the ledger, a case with its history and the
forms for exactly the actions the lifecycle table allows this user; the responsibility list.

Scoped by the repository (a unit sees only its own cases, 404 otherwise); changes go through the actions of
`respond.*`, lifecycle moves and the other case forms dispatched by `respond.dispatch` (the same table as the
API); a refused change re-renders the page with the reason and what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.domain.routing import KIND_LABELS
from yuqing.publish.filings import filing_rows
from yuqing.respond import cases, casework, dispatch, queries, rules, rules_io, trend, venues
from yuqing.respond.cases import EVALUATION_SECTIONS
from yuqing.respond.display import countdown
from yuqing.respond.errors import CaseError, NotFound, TransitionRefused
from yuqing.respond.uploads import MAX_ATTACHMENT_BYTES, Upload, download_attachment
from yuqing.store.repositories.cases import get_case, list_cases
from yuqing.store.tables import Unit
from yuqing.store.tables_case import (
    Attachment,
    CaseDetail,
    Evaluation,
    ExtensionRequest,
    Feedback,
    Instruction,
    SpotCheck,
)
from yuqing.web.deps import CsrfViewer, CurrentViewer, DbSession, Viewer, WorkspaceDep, render

router = APIRouter()


def _refusal(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, PermissionDenied):
        return 403, str(exc)
    if isinstance(exc, NotFound):
        return 404, "案件不存在或无权查看"
    if isinstance(exc, TransitionRefused):
        return 409, str(exc)
    return 400, str(exc)


@router.get("/cases")
def cases_page(request: Request, viewer: CurrentViewer, session: DbSession, state: str | None = None) -> object:
    """The office board (all open cases by state, overdue first), or a filtered list by state."""
    try:
        if state:
            cases = list_cases(session, viewer.actor, state=state)
            return render(request, "cases/list.html", cases=cases, state=state, board=None, lc=lc)
        board = queries.board(session, viewer.actor)
        pending = queries.pending_spot_checks(session, viewer.actor)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    return render(request, "cases/list.html", board=board, cases=None, state=None, lc=lc, spot_checks=pending)


@router.get("/cases/workbench")
def workbench(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    """A unit's to-dos with countdowns: sign, handle, feed back, ask for more time."""
    rows = queries.todos(session, viewer.actor)  # PermissionDenied → 403 (app-wide handler)
    return render(request, "cases/workbench.html", rows=rows)


@router.get("/cases/ledger")
def ledger_page(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    rows = queries.ledger(session, viewer.actor)  # PermissionDenied → 403 (app-wide handler)
    return render(request, "cases/ledger.html", rows=rows)


@router.get("/cases/rules")
def rules_page(request: Request, viewer: CurrentViewer, ws: WorkspaceDep, session: DbSession,
               error: str | None = None) -> object:
    if not viewer.can("rules.manage"):
        raise HTTPException(403, "无权管理责任清单")
    units = list(session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).scalars())
    return render(request, "cases/rules.html", rules=rules.list_rules(ws), units=units, kinds=KIND_LABELS,
                  error=error)


@router.post("/cases/rules")
def rules_save(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
               kind: Annotated[str, Form()], pattern: Annotated[str, Form()], lead: Annotated[str, Form()],
               assists: Annotated[str, Form()] = "", priority: Annotated[int, Form()] = 0,
               rule_id: Annotated[str, Form()] = "", delete: Annotated[str, Form()] = "") -> object:
    try:
        if delete and rule_id:
            rules.delete_rule(ws, viewer.actor, int(rule_id))
        else:
            names = [a for a in assists.replace("，", "、").replace(",", "、").split("、") if a.strip()]
            rules.save_rule(ws, viewer.actor, kind=kind, pattern=pattern, lead=lead.strip(),
                            assists=[a.strip() for a in names], priority=priority,
                            rule_id=int(rule_id) if rule_id else None)
    except (CaseError, NotFound, PermissionDenied, ValueError) as exc:
        return rules_page(request, viewer, ws, session, error=_refusal(exc)[1])
    return RedirectResponse("/cases/rules", status_code=303)


@router.get("/cases/rules.xlsx")
def rules_export(viewer: CurrentViewer, ws: WorkspaceDep) -> Response:
    try:
        data = rules_io.export_rules_xlsx(ws, viewer.actor)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=rules.xlsx"})


@router.post("/cases/rules/import")
def rules_import(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
                 file: Annotated[UploadFile, File()], replace: Annotated[str, Form()] = "") -> object:
    try:
        rules_io.import_rules_xlsx(ws, viewer.actor, file.file.read(), replace=bool(replace))
    except (CaseError, PermissionDenied) as exc:
        return rules_page(request, viewer, ws, session, error=_refusal(exc)[1])
    return RedirectResponse("/cases/rules", status_code=303)


def _context(session: Session, viewer: Viewer, case_id: int, watch_days: int = 14) -> dict[str, Any]:
    case = get_case(session, viewer.actor, case_id)
    detail = session.get(CaseDetail, case_id)
    return {
        "case": case, "detail": detail, "lc": lc, "label": lc.label(case.state),
        "countdown": countdown(case.due_at) if lc.is_open(case.state) else "",
        "allowed": queries.available_actions(session, viewer.actor, case_id),
        "history": queries.history(session, viewer.actor, case_id),
        "tasks": queries.tasks(session, viewer.actor, case_id),
        "replies": queries.replies(session, viewer.actor, case_id),
        "filings": filing_rows(session, viewer.actor, case_id=case_id, scoped=False),  # 申报备案 (R-PUBLISH-4)
        "feedback": list(session.execute(select(Feedback).where(Feedback.case_id == case_id)
                                         .order_by(Feedback.id)).scalars()),
        "attachments": list(session.execute(select(Attachment).where(Attachment.case_id == case_id)).scalars()),
        "extensions": list(session.execute(select(ExtensionRequest).where(ExtensionRequest.case_id == case_id)
                                           .order_by(ExtensionRequest.id)).scalars()),
        "instructions": list(session.execute(select(Instruction).where(Instruction.case_id == case_id)
                                             .order_by(Instruction.id)).scalars()),
        "spot_checks": list(session.execute(select(SpotCheck).where(SpotCheck.case_id == case_id)
                                            .order_by(SpotCheck.id)).scalars()),
        "evaluations": list(session.execute(select(Evaluation).where(Evaluation.case_id == case_id)).scalars()),
        "sections": {**lc.EVALUATION_SECTIONS_V1, **EVALUATION_SECTIONS}, "template_sections": EVALUATION_SECTIONS,
        "venue_contacts": venues.contacts(session, case_id),
        "watch": trend.trend_watch(session, case, watch_days), "watch_days": watch_days, "grades": grading.GRADE_LABELS,
        "resolution_labels": lc.RESOLUTION_LABELS, "state_labels": lc.STATE_LABELS,
        "units": list(session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).scalars()),
        "unit_names": {i: n for i, n in session.execute(select(Unit.id, Unit.name)).all()},
        "can": viewer.can,
        "mine": next((a for a in case.assignments if viewer.actor.unit_id is not None
                      and a.unit_id == viewer.actor.unit_id), None),
        "feedback_labels": casework.FEEDBACK_STATUS_LABELS, "contribution_states": casework.CONTRIBUTION_STATES,
        "unsigned_assists": [a.unit.name for a in case.assignments
                             if a.role == "assist" and a.signed_at is None and a.unit is not None],
    }


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, viewer: CurrentViewer, session: DbSession,
              ws: WorkspaceDep, done: str = "") -> object:
    """A case: its state, units, deadline, tier tasks, feedback, replies, history and the allowed actions."""
    page = _render_case(request, case_id, viewer, session, notice=NOTICES.get(done))
    cases.record_view(ws, viewer.actor, case_id)  # 保密: who saw which case is audited (R-PLATFORM-2)
    return page


NOTICES = {"opened": "已立案。", "done": "操作已完成。", "venue_contact": "已记录与信息发布平台的沟通。",
           "evaluate": "总结评估已保存，案件已进入案例库。"}


def _render_case(request: Request, case_id: int, viewer: Viewer, session: Session, error: str | None = None,
                 status: int = 200, notice: str | None = None, typed: dict[str, Any] | None = None,
                 typed_form: str = "") -> object:
    """The case page; after a refusal `typed` holds what the user typed into the form named `typed_form`
    (an action code, "feedback", "contribute" or a `what` of the other forms), shown again in that form."""
    try:
        ctx = _context(session, viewer, case_id, request.app.state.ws.settings.case_watch_days)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound:
        raise HTTPException(404, "案件不存在或无权查看") from None
    return render(request, "cases/detail.html", status, error=error, notice=notice,
                  typed=typed or {}, typed_form=typed_form if error else "", **ctx)


def _do(request: Request, viewer: Viewer, session: DbSession, case_id: int, fn: Callable[[], Any],
        typed: dict[str, Any] | None = None, typed_form: str = "", done: str = "done") -> object:
    """Run an action; on success go back to the case (303), else show the case with the reason and what
    was typed."""
    try:
        fn()
    except (PermissionDenied, NotFound, TransitionRefused, CaseError, ValueError) as exc:
        code, msg = _refusal(exc)
        if code == 404:
            raise HTTPException(404, msg) from None
        session.expire_all()
        return _render_case(request, case_id, viewer, session, error=msg, status=code, typed=typed,
                            typed_form=typed_form)
    return RedirectResponse(f"/cases/{case_id}?done={done}", status_code=303)


@router.post("/cases/{case_id}/act")
async def case_act(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep,
                   session: DbSession) -> object:
    """One form for every lifecycle action: the `action` field names it; the table decides."""
    form = await request.form()
    params: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    action = params.pop("action", "")
    return _do(request, viewer, session, case_id,
               lambda: dispatch.perform(ws, viewer.actor, case_id, action, params), params, action)


@router.post("/cases/{case_id}/feedback")
def case_feedback(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
                  text: Annotated[str, Form()], explanation: Annotated[str, Form()] = "",
                  files: Annotated[list[UploadFile] | None, File()] = None) -> object:
    uploads = [Upload(f.filename, f.file.read(MAX_ATTACHMENT_BYTES + 1)) for f in files or [] if f.filename]
    typed = {"text": text, "explanation": explanation}
    return _do(request, viewer, session, case_id, lambda: dispatch.perform(
        ws, viewer.actor, case_id, "submit_feedback", typed, attachments=uploads), typed, "submit_feedback")


@router.post("/cases/{case_id}/contribute")
def case_contribute(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
                    text: Annotated[str, Form()],
                    files: Annotated[list[UploadFile] | None, File()] = None) -> object:
    """协办意见: an assisting unit's part, with attachments."""
    uploads = [Upload(f.filename, f.file.read(MAX_ATTACHMENT_BYTES + 1)) for f in files or [] if f.filename]
    return _do(request, viewer, session, case_id, lambda: casework.contribute(
        ws, viewer.actor, case_id, text, attachments=uploads), {"text": text}, "contribute")


@router.post("/cases/{case_id}/more")
async def case_more(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep,
                    session: DbSession) -> object:
    """The other case-desk forms: extension, supervision, instruction, replies, tasks, spot check, evaluation
    (`respond.dispatch.DESK_FORMS`, by the `what` field). A missing decision is refused, never taken as yes."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}
    what = form.get("what", "")
    return _do(request, viewer, session, case_id,
               lambda: dispatch.perform_form(ws, viewer.actor, case_id, what, form), form, what,
               what if what in NOTICES else "done")


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def attachment(case_id: int, attachment_id: int, viewer: CurrentViewer, ws: WorkspaceDep) -> Response:
    """Download an attachment of a case the viewer may see; the download is audited."""
    try:
        got = download_attachment(ws, viewer.actor, case_id, attachment_id)
    except (NotFound, PermissionDenied) as exc:
        raise HTTPException(404, str(exc) if isinstance(exc, NotFound) else "附件不存在或无权查看") from None
    return Response(got.data, media_type=got.content_type,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''" + _quote(got.filename)})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
