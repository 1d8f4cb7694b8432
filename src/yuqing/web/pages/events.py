"""Event list and event page: timeline, spread chart, places, sentiment split, key items, heat factors, and the
grade (each factor's contribution with its evidence, the grade history, the analyst's override form)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from yuqing.domain import lifecycle as lc
from yuqing.domain.grading import FACTOR_LABELS, GRADE_LABELS
from yuqing.event_grading import grading_config
from yuqing.event_grading import history as grade_history
from yuqing.events_admin import (
    EventError,
    lift_grade_override,
    merge_events,
    override_grade,
    rename_event,
    split_event,
)
from yuqing.store.repositories.cases import NotFound, visible
from yuqing.store.repositories.events import event_items, event_overview, get_event, list_events
from yuqing.store.tables import Case, Item
from yuqing.store.tables_case import CaseItem
from yuqing.web.deps import (
    CurrentViewer,
    DbSession,
    Viewer,
    WorkspaceDep,
    check_csrf,
    redirect_with_flash,
    render,
    require_permission,
)

router = APIRouter()
EventReader = Annotated[Viewer, require_permission("events.read")]
EventEditor = Annotated[Viewer, require_permission("events.edit")]


@router.get("/events")
def events_page(request: Request, viewer: EventReader, session: DbSession, q: str = "") -> object:
    return render(request, "events/list.html", events=list_events(session, q=q.strip()), q=q,
                  grade_labels=GRADE_LABELS)


def may_read_event(session: DbSession, viewer: Viewer, event_id: int) -> bool:
    """Analysts and leaders read every event; a unit reads the events behind its own cases."""
    if viewer.can("events.read"):
        return True
    if not viewer.can("cases.read_own"):
        return False
    own = visible(select(Case.id), viewer.actor).where(Case.event_id == event_id)
    return session.execute(own.limit(1)).first() is not None


@router.get("/events/{event_id}")
def event_page(request: Request, event_id: int, viewer: CurrentViewer, session: DbSession) -> object:
    return _render_event(request, event_id, viewer, session)


def _render_event(request: Request, event_id: int, viewer: Viewer, session: DbSession, status: int = 200,
                  **extra: object) -> object:
    """The event page; `extra` carries a refused form's error and what was typed into it."""
    if not may_read_event(session, viewer, event_id):
        raise HTTPException(403, "无权查看该事件")
    try:
        event = get_event(session, event_id)
    except NotFound:
        raise HTTPException(404, "事件不存在") from None
    items = event_items(session, event_id)
    others = [e for e in list_events(session, limit=200) if e.id != event_id] if viewer.can("events.edit") else []
    cited = select(CaseItem.case_id).join(Item, Item.id == CaseItem.item_id).where(Item.event_id == event_id)
    cases = list(session.execute(visible(select(Case), viewer.actor).where(
        (Case.event_id == event_id) | Case.id.in_(cited)).order_by(Case.id)).scalars())
    extra.setdefault("grade_form", {"grade": event.grade or "", "reason": ""})
    extra.setdefault("lift_form", {"reason": ""})
    extra.setdefault("report_up_form", {"reason": ""})
    from yuqing.alert.forward import forwards_of
    from yuqing.publish.filings import filing_rows

    return render(request, "events/detail.html", status, event=event, o=event_overview(items), items=items,
                  forwards=forwards_of(session, event_id),
                  filings=filing_rows(session, viewer.actor, event_id=event_id, scoped=False),
                  may_report_up=viewer.can("events.edit") or viewer.can("cases.dispatch"),
                  others=others, cases=cases, open_states=lc.OPEN_STATES, state_label=lc.label,
                  grading=grade_view(event), grade_history=grade_history(session, event_id),
                  grade_labels=GRADE_LABELS, grade_thresholds=_thresholds(request), **extra)


def _thresholds(request: Request) -> list[tuple[str, float]]:
    config = grading_config(request.app.state.ws)
    return [(g, config.thresholds[g]) for g in ("I", "II", "III") if g in config.thresholds]


def grade_view(event: object) -> dict[str, object]:
    """The stored assessment for the page: factors with labels, bar widths and evidence ids."""
    stored = getattr(event, "grade_factors", None) or {}
    factors = []
    for f in stored.get("factors", []):
        weight = float(f.get("weight") or 0)
        factors.append({**f, "label": FACTOR_LABELS.get(f["name"], f["name"]),
                        "share": round(100 * float(f["contribution"]) / weight) if weight else 0})
    return {"computed": stored.get("grade"), "score": stored.get("score"), "factors": factors,
            "computed_at": stored.get("computed_at")}


@router.post("/events/{event_id}/grade", dependencies=[Depends(check_csrf)])
def set_grade(request: Request, event_id: int, viewer: EventEditor, ws: WorkspaceDep, session: DbSession,
              grade: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> object:
    """An analyst sets the grade with a reason (audited; holds until lifted)."""
    try:
        override_grade(ws, viewer.actor, event_id, grade, reason)
    except EventError as exc:
        return _render_event(request, event_id, viewer, session, 400, grade_error=str(exc),
                             grade_form={"grade": grade, "reason": reason})
    return redirect_with_flash(f"/events/{event_id}#grading",
                               f"已人工认定为{GRADE_LABELS[grade]}，流水线不再改动，直至撤销认定")


@router.post("/events/{event_id}/grade/lift", dependencies=[Depends(check_csrf)])
def lift_grade(request: Request, event_id: int, viewer: EventEditor, ws: WorkspaceDep, session: DbSession,
               reason: Annotated[str, Form()] = "") -> object:
    """An analyst lifts the override: the grade follows the factors again (audited)."""
    try:
        event = lift_grade_override(ws, viewer.actor, event_id, reason)
    except EventError as exc:
        return _render_event(request, event_id, viewer, session, 400, lift_error=str(exc),
                             lift_form={"reason": reason})
    return redirect_with_flash(f"/events/{event_id}#grading",
                               f"已撤销人工认定，按各因素计算为{GRADE_LABELS.get(event.grade or '', '未分级')}")


@router.post("/events/{event_id}/merge", dependencies=[Depends(check_csrf)])
def merge(request: Request, event_id: int, viewer: EventEditor, ws: WorkspaceDep,
          other_id: Annotated[int, Form()], reason: Annotated[str, Form()] = "") -> object:
    """Merge another event into this one (audited)."""
    try:
        merge_events(ws, viewer.actor, event_id, other_id, reason)
    except EventError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.post("/events/{event_id}/split", dependencies=[Depends(check_csrf)])
def split(request: Request, event_id: int, viewer: EventEditor, ws: WorkspaceDep,
          item_ids: Annotated[list[int], Form()], title: Annotated[str, Form()] = "",
          reason: Annotated[str, Form()] = "") -> object:
    """Move the chosen items into a new event (audited)."""
    try:
        new = split_event(ws, viewer.actor, event_id, item_ids, title, reason)
    except EventError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/events/{new.id}", status_code=303)


@router.post("/events/{event_id}/title", dependencies=[Depends(check_csrf)])
def rename(request: Request, event_id: int, viewer: EventEditor, ws: WorkspaceDep,
           title: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> object:
    """Give the event a title of the analyst's choosing (audited; kept as the event grows)."""
    try:
        rename_event(ws, viewer.actor, event_id, title, reason)
    except EventError as exc:
        raise HTTPException(400, str(exc)) from None
    return RedirectResponse(f"/events/{event_id}", status_code=303)


@router.get("/api/events/{event_id}/charts", tags=["api"])
def event_charts(event_id: int, viewer: CurrentViewer, session: DbSession) -> dict:
    """ECharts options for the event page (timeline with cumulative spread, sentiment split)."""
    if not may_read_event(session, viewer, event_id):
        raise HTTPException(403, "无权查看该事件")
    try:
        get_event(session, event_id)
    except NotFound:
        raise HTTPException(404, "事件不存在") from None
    o = event_overview(event_items(session, event_id))
    t = o["timeline"]
    names = {"negative": "负面", "neutral": "中性", "positive": "正面", "unknown": "未分析"}
    colors = {"negative": "#d9534f", "neutral": "#8a9bb0", "positive": "#3c9d5d", "unknown": "#c8ced6"}
    return {
        "timeline": {"option": {
            "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 40, "right": 40, "top": 40, "bottom": 50},
            "xAxis": {"type": "category", "data": t["labels"], "axisLabel": {"rotate": 30}},
            "yAxis": [{"type": "value", "name": "条/时段", "minInterval": 1}, {"type": "value", "name": "累计"}],
            "series": [
                {"name": "新增信息", "type": "bar", "data": t["posts"], "itemStyle": {"color": "#b3261e"}},
                {"name": "转发数", "type": "bar", "data": t["reposts"], "itemStyle": {"color": "#e69b00"}},
                {"name": "累计传播", "type": "line", "yAxisIndex": 1, "data": t["cumulative"], "smooth": True},
            ],
        }},
        "sentiment": {"option": {
            "tooltip": {"trigger": "item"},
            "series": [{"type": "pie", "radius": ["40%", "70%"], "data": [
                {"name": names[k], "value": v, "itemStyle": {"color": colors[k]}}
                for k, v in o["sentiment"].items()]}],
        }},
    }


@router.post("/events/{event_id}/report-up", dependencies=[Depends(check_csrf)])
def report_up_page(request: Request, event_id: int, viewer: CurrentViewer, ws: WorkspaceDep, session: DbSession,
                   reason: Annotated[str, Form()] = "") -> object:
    """上报市级: mark the event as belonging to a higher level and send its forward package (audited, once)."""
    from yuqing.alert.forward import ForwardError, report_up

    if not (viewer.can("events.edit") or viewer.can("cases.dispatch")):
        raise HTTPException(403, "无权上报事件")
    try:
        _, error = report_up(ws, viewer.actor, event_id, reason)
    except ForwardError as exc:
        return _render_event(request, event_id, viewer, session, 400, report_up_error=str(exc),
                             report_up_form={"reason": reason})
    except NotFound:
        raise HTTPException(404, "事件不存在") from None
    return redirect_with_flash(f"/events/{event_id}#report-up", f"上报材料发送失败：{error}（可再次点击上报重发）"
                               if error else "已上报市级，上报材料已送达接收方")
