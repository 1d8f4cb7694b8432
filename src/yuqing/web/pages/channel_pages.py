"""A channel's page (R-PUBLISH item 6: posts per week, last update, signed vs unsigned, mismatches, broken links,
wrong words, correction orders), the correction orders of a unit (情况说明, 申请复查) and the wrong-words list.
Routes stay thin: reads in publish.views, changes through the actions of publish.corrections / publish.words.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from yuqing.clock import utcnow
from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import PermissionDenied
from yuqing.publish import corrections, registry, views, words
from yuqing.publish import order_states as st
from yuqing.publish.states import ADMISSION_LABELS, CHANNEL_KINDS, FINDING_KINDS, LIVE_CHECK_LABELS
from yuqing.publish.wording import CATEGORIES
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Unit
from yuqing.store.tables_publish import Channel, ChannelFinding, CorrectionOrder
from yuqing.web.deps import (
    CsrfViewer,
    CurrentViewer,
    DbSession,
    Viewer,
    WorkspaceDep,
    redirect_with_flash,
    render,
)

router = APIRouter()
LABELS = {"kinds": CHANNEL_KINDS, "admission_labels": ADMISSION_LABELS, "finding_kinds": FINDING_KINDS,
          "live_labels": LIVE_CHECK_LABELS, "order_states": st.STATES, "word_kinds": CATEGORIES}


def _need_read(viewer: Viewer) -> None:
    if not viewer.can("channels.read"):
        raise HTTPException(403, "无权访问：网站与新媒体账号供网宣办、办公室和各单位使用")


def _sees_all(session: Session, request: Request, viewer: Viewer) -> bool:
    return registry.sees_all(session, request.app.state.ws, viewer.actor)


# -- correction orders (before /channels/{channel_id}: "orders" is not a channel id) -------------------------
@router.get("/channels/orders")
def orders_page(request: Request, viewer: CurrentViewer, session: DbSession, unit: int | None = None,
                overdue: int = 0, zombie: int = 0, unapproved: int = 0, all: int = 0) -> object:
    _need_read(viewer)
    everyone = _sees_all(session, request, viewer)
    if not everyone:
        unit = viewer.actor.unit_id
    rows = views.order_rows(session, actor=viewer.actor, all_units=everyone, unit_id=unit,
                            overdue_only=bool(overdue), active_only=not (overdue or all))
    unit_row = session.get(Unit, unit) if unit else None
    zombies = views.zombie_channels(session, unit) if zombie else []
    standing = views.standing_findings(session, unit) if unapproved else []
    return render(request, "publish/orders.html", rows=rows, unit=unit_row, overdue=bool(overdue),
                  zombie=bool(zombie), zombies=zombies, unapproved=bool(unapproved), standing=standing,
                  show_all=bool(all), due_text=views.due_text, now=utcnow(),
                  **LABELS)


def _order(request: Request, viewer: Viewer, session: Session, order_id: int, status: int = 200,
           **extra: Any) -> Any:
    _need_read(viewer)
    order = session.get(CorrectionOrder, order_id)
    if order is None or (not _sees_all(session, request, viewer) and order.unit_id != viewer.actor.unit_id):
        raise HTTPException(404, "整改通知不存在，或不属于本单位")
    row = views.order_rows(session, channel_id=order.channel_id)
    this = next(r for r in row if r.order.id == order.id)
    may_act = viewer.can("channels.correct") or (viewer.can("channels.explain")
                                                 and viewer.actor.unit_id == order.unit_id)
    extra.setdefault("form", {})
    return render(request, "publish/order.html", status, row=this, o=order, allowed=st.allowed(order.state),
                  may_act=may_act, may_cancel=viewer.can("channels.correct"), due=views.due_text(order),
                  min_explanation=corrections.MIN_EXPLANATION, **LABELS, **extra)


@router.get("/channels/orders/{order_id}")
def order_page(request: Request, viewer: CurrentViewer, session: DbSession, order_id: int) -> object:
    return _order(request, viewer, session, order_id)


REFUSED = (corrections.OrderError, TransitionRefused, ValueError)


@router.post("/channels/orders/{order_id}/explain")
def order_explain(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, order_id: int,
                  text: Annotated[str, Form()] = "") -> object:
    try:
        order = corrections.explain_order(ws, viewer.actor, order_id, text)
    except NotFound:
        raise HTTPException(404, "整改通知不存在") from None
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except REFUSED as exc:
        return _order(request, viewer, session, order_id, 400, error=str(exc), form={"text": text})
    done = "整改通知已办结" if order.state == st.CONFIRMED else "情况说明已提交；复查确认整改到位后办结"
    return redirect_with_flash(f"/channels/orders/{order_id}", done)


@router.post("/channels/orders/{order_id}/recheck")
def order_recheck(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                  order_id: int) -> object:
    try:
        order = corrections.request_recheck(ws, viewer.actor, order_id)
    except NotFound:
        raise HTTPException(404, "整改通知不存在") from None
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except REFUSED as exc:
        return _order(request, viewer, session, order_id, 400, error=str(exc))
    if order.state in (st.FIXED, st.CONFIRMED):
        return redirect_with_flash(f"/channels/orders/{order_id}", "复查通过：重新抓取页面，问题已消除")
    return redirect_with_flash(f"/channels/orders/{order_id}", "复查未通过：重新抓取页面，问题仍在")


@router.post("/channels/orders/{order_id}/cancel")
def order_cancel(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, order_id: int,
                 reason: Annotated[str, Form()] = "") -> object:
    try:
        corrections.cancel_order(ws, viewer.actor, order_id, reason)
    except NotFound:
        raise HTTPException(404, "整改通知不存在") from None
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except REFUSED as exc:
        return _order(request, viewer, session, order_id, 400, error=str(exc), form={"reason": reason})
    return redirect_with_flash(f"/channels/orders/{order_id}", "整改通知已撤销")


# -- the wrong-words list --------------------------------------------------------------------------------------
def _words(request: Request, viewer: Viewer, session: Session, status: int = 200, **extra: Any) -> Any:
    _need_read(viewer)
    rows, defaults = words.listing(session)
    extra.setdefault("form", {"kind": "outdated"})
    return render(request, "publish/words.html", status, rows=rows, defaults=defaults,
                  may_edit=viewer.can("channels.correct"), **LABELS, **extra)


@router.get("/channels/words")
def words_page(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    return _words(request, viewer, session)


@router.post("/channels/words")
def words_save(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
               word: Annotated[str, Form()] = "", suggestion: Annotated[str, Form()] = "",
               kind: Annotated[str, Form()] = "outdated", note: Annotated[str, Form()] = "") -> object:
    form = {"word": word, "suggestion": suggestion, "kind": kind, "note": note}
    try:
        words.save_word(ws, viewer.actor, word, suggestion, kind, note)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except ValueError as exc:
        return _words(request, viewer, session, 400, error=str(exc), form=form)
    return redirect_with_flash("/channels/words", f"已保存：{word.strip()} → {suggestion.strip()}")


@router.post("/channels/words/active")
def words_active(request: Request, viewer: CsrfViewer, ws: WorkspaceDep, word: Annotated[str, Form()] = "",
                 active: Annotated[int, Form()] = 0) -> object:
    try:
        words.set_active(ws, viewer.actor, word, bool(active))
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return redirect_with_flash("/channels/words", f"已{'启用' if active else '停用'}：{word}")


# -- the channel page --------------------------------------------------------------------------------------------
def _channel(request: Request, viewer: Viewer, session: Session, channel_id: int) -> Channel:
    _need_read(viewer)
    try:
        return registry.load_channel(session, viewer.actor, channel_id, all_units=_sees_all(session, request, viewer))
    except NotFound:
        raise HTTPException(404, "网站或账号不存在，或不属于本单位") from None


@router.get("/channels/{channel_id}")
def channel_page(request: Request, viewer: CurrentViewer, session: DbSession, channel_id: int) -> object:
    ch = _channel(request, viewer, session, channel_id)
    view = views.channel_view(session, ch)
    from yuqing.publish.deliver import sent_log

    return render(request, "publish/channel.html", v=view, ch=ch, due_text=views.due_text,
                  working_days=request.app.state.ws.settings.correction_working_days,
                  deliveries=sent_log(session, own_channel_id=ch.id, limit=20), **LABELS)


@router.post("/channels/findings/{finding_id}/order")
def finding_order(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                  finding_id: int) -> object:
    """The office sends a finding the checks do not send by rule (an article never signed) as an order."""
    found = session.get(ChannelFinding, finding_id)
    if found is None:
        raise HTTPException(404, "问题记录不存在")
    try:
        order = corrections.issue_order(ws, viewer.actor, finding_id)
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except REFUSED as exc:
        return redirect_with_flash(f"/channels/{found.channel_id}#finding-{finding_id}", f"未能下达：{exc}")
    return redirect_with_flash(f"/channels/orders/{order.id}", "整改通知已下达，主办单位已收到通知")


@router.get("/channels/{channel_id}/charts")
def channel_charts(request: Request, viewer: CurrentViewer, session: DbSession, channel_id: int) -> JSONResponse:
    ch = _channel(request, viewer, session, channel_id)
    return JSONResponse({"weekly": views.weekly_chart(views.channel_view(session, ch))})
