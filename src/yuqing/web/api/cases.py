"""Case-desk JSON API under /api/cases: board, to-dos, ledger, a case's desk view, and every action.

Thin routes: queries in `respond.queries`, changes through the actions of `respond.*` (permission, table,
audit); the lifecycle actions dispatch through `respond.dispatch`, whose table also gives their JSON body.
Errors: 403 no right, 404 not found or not yours, 409 a move the lifecycle table refuses, 400 anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field, create_model

from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import cases, casework, dispatch, queries, replies, rules_io, spotchecks, supervision
from yuqing.respond.deadlines import due_from_date
from yuqing.respond.display import countdown
from yuqing.respond.errors import CaseError, DuplicateOpenCase, NotFound, TransitionRefused
from yuqing.respond.routing import propose_units
from yuqing.respond.uploads import MAX_ATTACHMENT_BYTES, Upload
from yuqing.store.tables import Case
from yuqing.web.deps import CurrentViewer, DbSession, WorkspaceDep, check_csrf

router = APIRouter(prefix="/api/cases", tags=["cases"])
Writes = [Depends(check_csrf)]
T = TypeVar("T")


def guard(fn: Callable[[], T]) -> T:
    """Run an action; turn its refusals into HTTP answers."""
    try:
        return fn()
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound as exc:
        raise HTTPException(404, str(exc) or "不存在或无权查看") from None
    except (TransitionRefused, DuplicateOpenCase) as exc:
        raise HTTPException(409, str(exc)) from None
    except (CaseError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from None


# The API answers with the same rows the pages show (a dataclass FastAPI serialises as it is).
CaseRowPublic = queries.CaseRow


class ActionPublic(BaseModel):
    code: str
    label: str
    needs_reason: bool


class HistoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    action: str
    from_state: str | None
    to_state: str | None
    actor_name: str
    reason: str
    detail: dict[str, Any]


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    label: str
    done_at: datetime | None


class ReplyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    text: str
    status: str
    approved_by_name: str | None
    released_url: str | None
    released_at: datetime | None


class CaseDeskPublic(BaseModel):
    id: int
    title: str
    summary: str
    state: str
    state_label: str
    grade: str | None
    due_at: datetime | None
    countdown: str
    units: list[dict[str, Any]]
    actions: list[ActionPublic]
    history: list[HistoryPublic]
    tasks: list[TaskPublic]
    replies: list[ReplyPublic]


_KIND_TYPES: dict[str, tuple[Any, Any]] = {
    "int": (int | None, None), "id": (int | None, None), "bool": (bool, False), "unit": (int | str | None, None),
    "units": (list[int | str], []), "grade": (str | None, None),
}


def _action_body() -> type[BaseModel]:
    """The JSON body of `POST /{case_id}/actions/{action}`: every parameter of the lifecycle rows, by kind."""
    fields: dict[str, Any] = {}
    for act in lc.ACTIONS.values():
        for p in act.params:
            typ, default = _KIND_TYPES.get(p.kind, (str | None, None))
            fields.setdefault(p.name, (typ, Field(default=default, description=p.label)))
    return create_model("ActionBody", **fields)


ActionBody = _action_body()


class CaseCreate(BaseModel):
    """立案: by hand, from items, or from an event (then title, summary and grade may be left to the event)."""

    title: str = ""
    summary: str | None = None
    event_id: int | None = None
    item_ids: list[int] = []
    grade: str | None = None
    due_at: date | datetime | None = None  # a date means the end of that day, China time
    days: int | None = None
    working_days: int | None = None
    lead: int | str | None = None  # change the routing proposal: the lead unit (id or name)
    assists: list[int | str] | None = None
    then: str = ""  # "" | "report" (研判并报送) | "assign" (交办 to the proposal at once)
    second_case: bool = False  # the event already has an open case and a second one is wanted


@router.post("", dependencies=Writes, status_code=201)
def open_case(body: CaseCreate, viewer: CurrentViewer, ws: WorkspaceDep, session: DbSession) -> dict[str, Any]:
    """Open a case (R-CASE-1) and return it as `cases show --json` prints it. 409 when the event already has
    an open case (unless `second_case`), 400 on bad input, 403 without the right."""
    from yuqing.respond import opening
    from yuqing.respond.queries import case_json

    def run() -> int:
        title, summary, grade, items = body.title, body.summary, body.grade, list(body.item_ids)
        if body.event_id is not None:
            draft = opening.draft_from_event(session, body.event_id)
            title, grade = title or draft.title, grade or draft.grade
            summary = draft.summary if summary is None else summary
            items = items or draft.item_ids
        elif items and (not title or summary is None):
            draft = opening.draft_from_items(session, items)
            title, summary = title or draft.title, draft.summary if summary is None else summary
        due = body.due_at
        if isinstance(due, date) and not isinstance(due, datetime):
            due = due_from_date(due)
        case = cases.open_case(ws, viewer.actor, title=title, summary=summary or "", event_id=body.event_id,
                               grade=grade, item_ids=items, due_at=due, days=body.days,
                               working_days=body.working_days, lead=body.lead, assists=body.assists,
                               then=body.then, second_case=body.second_case)
        return case.id

    return case_json(ws, viewer.actor, guard(run))


@router.get("/board", response_model=dict[str, list[CaseRowPublic]])
def board(viewer: CurrentViewer, session: DbSession) -> dict[str, list[CaseRowPublic]]:
    """Open cases by state (lifecycle order), overdue first within each state."""
    return guard(lambda: queries.board(session, viewer.actor))


@router.get("/todos", response_model=list[CaseRowPublic])
def todos(viewer: CurrentViewer, session: DbSession) -> list[CaseRowPublic]:
    """The viewer's unit's cases waiting on it, with countdowns."""
    return guard(lambda: queries.todos(session, viewer.actor))


@router.get("/ledger", response_model=list[CaseRowPublic])
def ledger(viewer: CurrentViewer, session: DbSession) -> list[CaseRowPublic]:
    """台账: key cases until really solved (confirmed or verified)."""
    return guard(lambda: queries.ledger(session, viewer.actor))


@router.get("/lifecycle")
def lifecycle() -> dict[str, Any]:
    """The transition table itself: states, actions and moves (generated from domain.lifecycle)."""
    return {
        "states": [{"code": s, "label": lc.label(s), "open": lc.is_open(s), "solved": lc.is_solved(s)}
                   for s in lc.STATES],
        "actions": [{"code": a.code, "label": a.label, "permission": a.permission,
                     "params": [{"name": p.name, "kind": p.kind, "label": p.label, "required": p.required}
                                for p in a.params]} for a in lc.ACTIONS.values()],
        "transitions": [{"from": s, "action": a, "to": t} for (s, a), t in lc.TRANSITIONS.items()],
    }


@router.get("/evaluation-template")
def evaluation_template() -> dict[str, str]:
    """The evaluation (总结评估) template: section code → heading."""
    return cases.evaluation_template()


@router.get("/rules.xlsx")
def rules_export(viewer: CurrentViewer, ws: WorkspaceDep) -> Response:
    data = guard(lambda: rules_io.export_rules_xlsx(ws, viewer.actor))
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=rules.xlsx"})


@router.post("/rules.xlsx", dependencies=Writes)
def rules_import(viewer: CurrentViewer, ws: WorkspaceDep, file: Annotated[UploadFile, File()],
                 replace: Annotated[bool, Form()] = False) -> dict[str, int]:
    data = file.file.read()
    return {"imported": guard(lambda: rules_io.import_rules_xlsx(ws, viewer.actor, data, replace=replace))}


@router.get("/{case_id}/desk", response_model=CaseDeskPublic)
def case_desk(case_id: int, viewer: CurrentViewer, session: DbSession) -> CaseDeskPublic:
    case = guard(lambda: queries.get_case(session, viewer.actor, case_id))
    return CaseDeskPublic(
        id=case.id, title=case.title, summary=case.summary, state=case.state, state_label=lc.label(case.state),
        grade=case.grade, due_at=case.due_at, countdown=countdown(case.due_at) if lc.is_open(case.state)
        else "",
        units=[{"unit_id": a.unit_id, "name": a.unit.name, "role": a.role, "signed_at": a.signed_at}
               for a in case.assignments],
        actions=[ActionPublic(code=a.code, label=a.label, needs_reason=a.needs_reason)
                 for a in queries.available_actions(session, viewer.actor, case_id)],
        history=[HistoryPublic.model_validate(h) for h in queries.history(session, viewer.actor, case_id)],
        tasks=[TaskPublic.model_validate(t) for t in queries.tasks(session, viewer.actor, case_id)],
        replies=[ReplyPublic.model_validate(r) for r in queries.replies(session, viewer.actor, case_id)],
    )


@router.get("/{case_id}/proposal")
def proposal(case_id: int, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    """Which units the responsibility list proposes, and which rule fired."""
    p = guard(lambda: propose_units(ws, viewer.actor, case_id))
    return {"explain": p.explain(),
            "units": [{"unit": u.unit, "role": u.role, "rule_id": u.rule_id, "reason": u.reason} for u in p.units]}


@router.post("/{case_id}/actions/{action}", dependencies=Writes)
def act(case_id: int, action: str, viewer: CurrentViewer, ws: WorkspaceDep,
        body: Annotated[ActionBody | None, Body()] = None) -> dict[str, Any]:  # type: ignore[valid-type]
    """Run one lifecycle action by its code (GET /api/cases/lifecycle lists them with their parameters).
    Refused (409) unless the table allows it."""
    params = (body or ActionBody()).model_dump()
    done = guard(lambda: dispatch.perform(ws, viewer.actor, case_id, action, params))
    return {"id": case_id, "state": done.state if isinstance(done, Case) else None}


@router.post("/{case_id}/feedback", dependencies=Writes)
def feedback(case_id: int, viewer: CurrentViewer, ws: WorkspaceDep, text: Annotated[str, Form()],
             explanation: Annotated[str, Form()] = "",
             files: Annotated[list[UploadFile] | None, File()] = None) -> dict[str, Any]:
    """Submit feedback with attachments (pdf, png, jpg, docx, xlsx, txt; 10 MB each)."""
    uploads = [Upload(f.filename or "file", f.file.read(MAX_ATTACHMENT_BYTES + 1)) for f in files or []
               if f.filename]
    fb = guard(lambda: dispatch.perform(ws, viewer.actor, case_id, "submit_feedback",
                                        {"text": text, "explanation": explanation}, attachments=uploads))
    return {"id": fb.id, "late": fb.late}


@router.post("/{case_id}/contributions", dependencies=Writes)
def contribution(case_id: int, viewer: CurrentViewer, ws: WorkspaceDep, text: Annotated[str, Form()],
                 files: Annotated[list[UploadFile] | None, File()] = None) -> dict[str, Any]:
    """协办意见: an assisting unit (after signing) contributes its part, with attachments."""
    uploads = [Upload(f.filename or "file", f.file.read(MAX_ATTACHMENT_BYTES + 1)) for f in files or []
               if f.filename]
    fb = guard(lambda: casework.contribute(ws, viewer.actor, case_id, text, attachments=uploads))
    return {"id": fb.id, "unit_id": fb.unit_id}


class ExtensionBody(BaseModel):
    reason: str
    days: int | None = None
    working_days: int | None = None


@router.post("/{case_id}/extensions", dependencies=Writes)
def extension(case_id: int, body: ExtensionBody, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    req = guard(lambda: casework.request_extension(ws, viewer.actor, case_id, reason=body.reason, days=body.days,
                                                  working_days=body.working_days))
    return {"id": req.id, "new_due_at": req.new_due_at}


class DecisionBody(BaseModel):
    """An explicit decision: there is no default (a missing `approve` is a 422)."""

    approve: bool = Field(description="true 批准 / false 不批准")
    note: str = ""


@router.post("/extensions/{request_id}/decision", dependencies=Writes)
def extension_decision(request_id: int, body: DecisionBody, viewer: CurrentViewer,
                       ws: WorkspaceDep) -> dict[str, Any]:
    req = guard(lambda: casework.decide_extension(ws, viewer.actor, request_id, approve=body.approve,
                                                 note=body.note))
    return {"id": req.id, "status": req.status}


class TextBody(BaseModel):
    text: str = ""
    level: str = "office"
    kind: str = "reply"
    url: str = ""
    note: str = ""


class ReplyDecisionBody(BaseModel):
    """签发 or 退回 a reply: `approve` must be given (no default)."""

    approve: bool = Field(description="true 签发 / false 退回")
    note: str = ""
    text: str = ""


class SpotCheckBody(BaseModel):
    """The result of a spot check: `passed` must be given (no default)."""

    passed: bool = Field(description="true 抽查通过 / false 未通过（重新办理）")
    note: str = ""


@router.post("/{case_id}/supervise", dependencies=Writes)
def supervise(case_id: int, body: TextBody, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    sup = guard(lambda: supervision.supervise(ws, viewer.actor, case_id, body.text, level=body.level))
    return {"id": sup.id}


@router.post("/{case_id}/instructions", dependencies=Writes)
def instruct(case_id: int, body: TextBody, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    ins = guard(lambda: supervision.instruct(ws, viewer.actor, case_id, body.text))
    return {"id": ins.id}


@router.post("/instructions/{instruction_id}/done", dependencies=Writes)
def instruction_done(instruction_id: int, body: TextBody, viewer: CurrentViewer,
                     ws: WorkspaceDep) -> dict[str, Any]:
    ins = guard(lambda: supervision.complete_instruction(ws, viewer.actor, instruction_id, body.note or body.text))
    return {"id": ins.id, "status": ins.status}


@router.post("/{case_id}/replies", dependencies=Writes)
def draft_reply(case_id: int, body: TextBody, viewer: CurrentViewer, ws: WorkspaceDep) -> ReplyPublic:
    rep = guard(lambda: replies.draft_reply(ws, viewer.actor, case_id, kind=body.kind, text=body.text or None))
    return ReplyPublic.model_validate(rep)


@router.post("/replies/{reply_id}/approve", dependencies=Writes)
def approve_reply(reply_id: int, body: ReplyDecisionBody, viewer: CurrentViewer, ws: WorkspaceDep) -> ReplyPublic:
    rep = guard(lambda: replies.approve_reply(ws, viewer.actor, reply_id, approve=body.approve, note=body.note,
                                              text=body.text or None))
    return ReplyPublic.model_validate(rep)


@router.post("/replies/{reply_id}/release", dependencies=Writes)
def release_reply(reply_id: int, body: TextBody, viewer: CurrentViewer, ws: WorkspaceDep) -> ReplyPublic:
    rep = guard(lambda: replies.release_reply(ws, viewer.actor, reply_id, url=body.url,
                                              released_text=body.text or None))
    return ReplyPublic.model_validate(rep)


@router.post("/{case_id}/evaluation", dependencies=Writes)
def evaluate(case_id: int, sections: dict[str, str], viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    """总结评估: sections of the template (GET /api/cases/evaluation-template lists them)."""
    ev = guard(lambda: cases.evaluate(ws, viewer.actor, case_id, sections))
    return {"id": ev.id, "template": ev.template}


@router.post("/spot-checks/{check_id}", dependencies=Writes)
def spot_check_result(check_id: int, body: SpotCheckBody, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    chk = guard(lambda: spotchecks.record_spot_check(ws, viewer.actor, check_id, passed=body.passed,
                                                  note=body.note))
    return {"id": chk.id, "result": chk.result}
