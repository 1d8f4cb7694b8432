"""Case desk pages: the office board, a unit's workbench, the ledger, a case with its history and the
forms for exactly the actions the lifecycle table allows this user; the responsibility list.

Scoped by the repository (a unit sees only its own cases, 404 otherwise); changes go through
`respond.actions`, and a refused change re-renders the page with the reason.
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
from yuqing.respond import actions, queries
from yuqing.respond.actions import CaseError, NotFound, TransitionRefused, Upload
from yuqing.store import audit
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
    return render(request, "cases/rules.html", rules=actions.list_rules(ws), units=units, kinds=KIND_LABELS,
                  error=error)


@router.post("/cases/rules")
def rules_save(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
               kind: Annotated[str, Form()], pattern: Annotated[str, Form()], lead: Annotated[str, Form()],
               assists: Annotated[str, Form()] = "", priority: Annotated[int, Form()] = 0,
               rule_id: Annotated[str, Form()] = "", delete: Annotated[str, Form()] = "") -> object:
    try:
        if delete and rule_id:
            actions.delete_rule(ws, viewer.actor, int(rule_id))
        else:
            names = [a for a in assists.replace("，", "、").replace(",", "、").split("、") if a.strip()]
            actions.save_rule(ws, viewer.actor, kind=kind, pattern=pattern, lead=lead.strip(),
                              assists=[a.strip() for a in names], priority=priority,
                              rule_id=int(rule_id) if rule_id else None)
    except (CaseError, NotFound, PermissionDenied, ValueError) as exc:
        return rules_page(request, viewer, ws, session, error=_refusal(exc)[1])
    return RedirectResponse("/cases/rules", status_code=303)


@router.get("/cases/rules.xlsx")
def rules_export(viewer: CurrentViewer, ws: WorkspaceDep) -> Response:
    try:
        data = actions.export_rules_xlsx(ws, viewer.actor)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=rules.xlsx"})


@router.post("/cases/rules/import")
def rules_import(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
                 file: Annotated[UploadFile, File()], replace: Annotated[str, Form()] = "") -> object:
    try:
        actions.import_rules_xlsx(ws, viewer.actor, file.file.read(), replace=bool(replace))
    except (CaseError, PermissionDenied) as exc:
        return rules_page(request, viewer, ws, session, error=_refusal(exc)[1])
    return RedirectResponse("/cases/rules", status_code=303)


def _context(session: Session, viewer: Viewer, case_id: int) -> dict[str, Any]:
    case = get_case(session, viewer.actor, case_id)
    detail = session.get(CaseDetail, case_id)
    return {
        "case": case, "detail": detail, "lc": lc, "label": lc.label(case.state),
        "countdown": actions.countdown(case.due_at) if lc.is_open(case.state) else "",
        "allowed": queries.available_actions(session, viewer.actor, case_id),
        "history": queries.history(session, viewer.actor, case_id),
        "tasks": queries.tasks(session, viewer.actor, case_id),
        "replies": queries.replies(session, viewer.actor, case_id),
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
        "sections": actions.EVALUATION_SECTIONS, "grades": grading.GRADE_LABELS,
        "resolution_labels": lc.RESOLUTION_LABELS, "state_labels": lc.STATE_LABELS,
        "units": list(session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)).scalars()),
        "unit_names": {i: n for i, n in session.execute(select(Unit.id, Unit.name)).all()},
        "can": viewer.can,
        "mine": next((a for a in case.assignments if viewer.actor.unit_id is not None
                      and a.unit_id == viewer.actor.unit_id), None),
        "feedback_labels": actions.FEEDBACK_STATUS_LABELS, "contribution_states": actions.CONTRIBUTION_STATES,
        "unsigned_assists": [a.unit.name for a in case.assignments
                             if a.role == "assist" and a.signed_at is None and a.unit is not None],
    }


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, viewer: CurrentViewer, session: DbSession,
              ws: WorkspaceDep, done: str = "") -> object:
    """A case: its state, units, deadline, tier tasks, feedback, replies, history and the allowed actions."""
    page = _render_case(request, case_id, viewer, session, notice=NOTICES.get(done))
    with ws.db.write() as s:  # 保密: who saw which case is part of the audit log (R-PLATFORM-2)
        audit.append(s, viewer.actor, "case.view", "case", case_id)
    return page


NOTICES = {"opened": "已立案。", "done": "操作已完成。"}


def _render_case(request: Request, case_id: int, viewer: Viewer, session: Session, error: str | None = None,
                 status: int = 200, notice: str | None = None) -> object:
    try:
        ctx = _context(session, viewer, case_id)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound:
        raise HTTPException(404, "案件不存在或无权查看") from None
    return render(request, "cases/detail.html", status, error=error, notice=notice, **ctx)


def _do(request: Request, viewer: Viewer, session: DbSession, case_id: int, fn: Callable[[], Any]) -> object:
    """Run an action; on success go back to the case (303), else show the case with the reason."""
    try:
        fn()
    except (PermissionDenied, NotFound, TransitionRefused, CaseError, ValueError) as exc:
        code, msg = _refusal(exc)
        if code == 404:
            raise HTTPException(404, msg) from None
        session.expire_all()
        return _render_case(request, case_id, viewer, session, error=msg, status=code)
    return RedirectResponse(f"/cases/{case_id}?done=done", status_code=303)


@router.post("/cases/{case_id}/act")
async def case_act(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep,
                   session: DbSession) -> object:
    """One form for every lifecycle action: the `action` field names it; the table decides."""
    form = await request.form()
    params: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    action = params.pop("action", "")
    return _do(request, viewer, session, case_id, lambda: actions.perform(ws, viewer.actor, case_id, action, params))


@router.post("/cases/{case_id}/feedback")
def case_feedback(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
                  text: Annotated[str, Form()], explanation: Annotated[str, Form()] = "",
                  files: Annotated[list[UploadFile] | None, File()] = None) -> object:
    uploads = [Upload(f.filename, f.file.read(actions.MAX_ATTACHMENT_BYTES + 1)) for f in files or []
               if f.filename]
    return _do(request, viewer, session, case_id, lambda: actions.submit_feedback(
        ws, viewer.actor, case_id, text, attachments=uploads, explanation=explanation))


@router.post("/cases/{case_id}/contribute")
def case_contribute(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep, session: DbSession,
                    text: Annotated[str, Form()],
                    files: Annotated[list[UploadFile] | None, File()] = None) -> object:
    """协办意见: an assisting unit's part, with attachments."""
    uploads = [Upload(f.filename, f.file.read(actions.MAX_ATTACHMENT_BYTES + 1)) for f in files or []
               if f.filename]
    return _do(request, viewer, session, case_id, lambda: actions.contribute(
        ws, viewer.actor, case_id, text, attachments=uploads))


@router.post("/cases/{case_id}/more")
async def case_more(request: Request, case_id: int, viewer: CsrfViewer, ws: WorkspaceDep,
                    session: DbSession) -> object:
    """The other case-desk forms: extension, supervision, instruction, replies, tasks, spot check, evaluation."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    what = form.get("what", "")
    a = viewer.actor

    def num(key: str) -> int | None:
        v = form.get(key, "").strip()
        return int(v) if v else None

    def decision(key: str) -> bool:
        """An explicit yes ("1") or no ("0"); a missing decision is refused, never taken as yes."""
        value = form.get(key, "")
        if value not in ("1", "0"):
            raise CaseError("请明确选择：批准/签发，或不批准/退回")
        return value == "1"

    def run() -> Any:
        if what == "assist_sign":
            return actions.sign(ws, a, case_id)
        if what == "extension":
            return actions.request_extension(ws, a, case_id, reason=form.get("reason", ""), days=num("days"),
                                             working_days=num("working_days"))
        if what == "extension_decision":
            return actions.decide_extension(ws, a, int(form["request_id"]), approve=decision("approve"),
                                            note=form.get("note", ""))
        if what == "supervise":
            return actions.supervise(ws, a, case_id, form.get("reason", ""), level=form.get("level", "office"))
        if what == "instruct":
            return actions.instruct(ws, a, case_id, form.get("text", ""))
        if what == "instruction_done":
            return actions.complete_instruction(ws, a, int(form["instruction_id"]), form.get("note", ""))
        if what == "draft":
            return actions.draft_reply(ws, a, case_id, kind=form.get("kind", "reply"), text=form.get("text") or None)
        if what == "approve":
            return actions.approve_reply(ws, a, int(form["reply_id"]), approve=decision("approve"),
                                         note=form.get("note", ""), text=form.get("text") or None)
        if what == "release":
            return actions.release_reply(ws, a, int(form["reply_id"]), url=form.get("url", ""))
        if what == "task":
            return actions.complete_task(ws, a, case_id, form.get("code", ""), form.get("note", ""))
        if what == "spot_request":
            return actions.request_spot_check(ws, a, case_id, form.get("reason", ""))
        if what == "spot_result":
            return actions.record_spot_check(ws, a, int(form["check_id"]), passed=form.get("passed") == "1",
                                             note=form.get("note", ""))
        if what == "evaluate":
            return actions.evaluate(ws, a, case_id, {k: form.get(k, "") for k in actions.EVALUATION_SECTIONS})
        raise CaseError(f"未知操作：{what}")

    return _do(request, viewer, session, case_id, run)


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def attachment(case_id: int, attachment_id: int, viewer: CurrentViewer, ws: WorkspaceDep,
               session: DbSession) -> Response:
    """Download an attachment of a case the viewer may see; the download is audited."""
    try:
        get_case(session, viewer.actor, case_id)
    except (NotFound, PermissionDenied):
        raise HTTPException(404, "附件不存在或无权查看") from None
    att = session.get(Attachment, attachment_id)
    if att is None or att.case_id != case_id:
        raise HTTPException(404, "附件不存在")
    path = (ws.path / att.path).resolve()
    if not path.is_relative_to(ws.path.resolve()) or not path.exists():
        raise HTTPException(404, "附件文件缺失")
    with ws.db.write() as s:  # every download is audited (R-PLATFORM-2)
        audit.append(s, viewer.actor, "case.attachment_download", "attachment", att.id, case_id=case_id,
                     filename=att.filename)
    return Response(path.read_bytes(), media_type=att.content_type,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''" + _quote(att.filename)})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)
