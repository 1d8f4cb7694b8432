"""值班表 (R-ALERT-4): the roster, who is on duty now, hand-over notes, the import form; a paged alert and its
acknowledgement (logged in, or by the signed link in the message without logging in)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile

from yuqing.alert import duty
from yuqing.clock import CHINA, utcnow
from yuqing.domain import duty as policy
from yuqing.domain.roles import PermissionDenied
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import User
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


def _may_view(viewer: Viewer) -> None:
    if not (viewer.can("duty.manage") or viewer.can("events.read")):
        raise HTTPException(403, "无权访问：值班表供值班人员和领导小组办公室查看")


def _roster_page(request: Request, viewer: Viewer, session: DbSession, ws: Any, status: int = 200,
                 **extra: Any) -> Any:
    _may_view(viewer)
    view = duty.roster_view(session, utcnow())
    people = [] if not viewer.can("duty.manage") else [
        (u.username, u.display_name) for u in session.query(User).filter(User.active.is_(True), User.role_code != "jobs")
        .order_by(User.id)]
    extra.setdefault("form", {})
    return render(request, "duty/roster.html", status, **view, pages=duty.page_views(session, limit=30),
                  people=people, ack_minutes=ws.settings.duty_ack_minutes, columns=policy.ROSTER_COLUMNS,
                  kinds=policy.SHIFT_KINDS, levels=policy.LEVEL_LABELS, **extra)


@router.get("/duty")
def roster_page(request: Request, viewer: CurrentViewer, session: DbSession, ws: WorkspaceDep) -> object:
    return _roster_page(request, viewer, session, ws)


@router.post("/duty/import")
def roster_import(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                  file: Annotated[UploadFile | None, File()] = None) -> object:
    if file is None or not file.filename:
        return _roster_page(request, viewer, session, ws, 400, error="请选择要导入的值班表文件（.xlsx）")
    data = file.file.read(duty.MAX_ROSTER_BYTES + 1)
    try:
        result = duty.import_roster(ws, viewer.actor, data, file.filename)
    except duty.RosterError as exc:
        return _roster_page(request, viewer, session, ws, 400, error=str(exc))
    message = f"已导入 {result.added} 个班次" + (f"，{result.skipped} 个已在值班表中" if result.skipped else "")
    if result.errors:
        return _roster_page(request, viewer, session, ws, 200, import_errors=result.errors,
                            notice=message + f"；以下 {len(result.errors)} 行未导入，请改正后重新导入（已导入的不会重复）：")
    return redirect_with_flash("/duty", message)


def _when(text: str, label: str) -> datetime:
    try:
        dt = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise duty.RosterError(f"{label}应写成 2026-12-01 08:30") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=CHINA)


@router.post("/duty/shifts")
def shift_add(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
              person: Annotated[str, Form()] = "", starts: Annotated[str, Form()] = "",
              ends: Annotated[str, Form()] = "", level: Annotated[str, Form()] = "1",
              kind: Annotated[str, Form()] = "regular", note: Annotated[str, Form()] = "") -> object:
    form = {"person": person, "starts": starts, "ends": ends, "level": level, "kind": kind, "note": note}
    try:
        if not person.strip():
            raise duty.RosterError("请选择值班人员")
        duty.add_shift(ws, viewer.actor, person, _when(starts, "开始时间"), _when(ends, "结束时间"),
                       int(level) if level.isdigit() else 1, kind if kind in policy.SHIFT_KINDS else "regular", note)
    except duty.RosterError as exc:
        return _roster_page(request, viewer, session, ws, 400, error=str(exc), form=form)
    return redirect_with_flash("/duty", "已添加班次")


@router.post("/duty/shifts/{shift_id}/delete")
def shift_delete(shift_id: int, viewer: CsrfViewer, ws: WorkspaceDep,
                 confirm: Annotated[str, Form()] = "") -> object:
    if confirm != "yes":
        return redirect_with_flash("/duty", "未删除：请勾选“确认删除”后再提交")
    try:
        duty.delete_shift(ws, viewer.actor, shift_id)
    except NotFound:
        return redirect_with_flash("/duty", "这个班次不存在")
    return redirect_with_flash("/duty", "已删除班次")


@router.post("/duty/shifts/{shift_id}/handover")
def handover(request: Request, shift_id: int, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
             text: Annotated[str, Form()] = "") -> object:
    try:
        duty.add_handover(ws, viewer.actor, shift_id, text)
    except duty.RosterError as exc:
        return _roster_page(request, viewer, session, ws, 400, error=str(exc), handover_form={shift_id: text})
    except NotFound:
        return redirect_with_flash("/duty", "这个班次不存在")
    return redirect_with_flash(f"/duty#shift-{shift_id}", "已保存交接班记录")


@router.get("/duty/pages/{page_id}")
def page_detail(request: Request, page_id: int, viewer: CurrentViewer, session: DbSession) -> object:
    views = duty.page_views(session, page_ids=[page_id])
    if not views:
        raise HTTPException(404, "这条值班预警不存在")
    page = views[0]
    paged = page.user_id == viewer.actor.user_id or _paged(session, page_id, viewer.actor.user_id)
    if not (paged or viewer.can("alerts.manage") or viewer.can("duty.manage") or viewer.can("events.read")):
        raise HTTPException(404, "这条值班预警不存在")  # who may read the roster, or one of the people paged
    may_ack = page.status != "acknowledged" and (paged or viewer.can("alerts.manage"))
    return render(request, "duty/page.html", page=page, may_ack=may_ack)


def _paged(session: DbSession, page_id: int, user_id: int | None) -> bool:
    from sqlalchemy import select

    from yuqing.store.tables_alert import DutyPage

    row = session.get(DutyPage, page_id)
    if row is None or user_id is None:
        return False
    return user_id in set(session.execute(select(DutyPage.user_id).where(DutyPage.delivery_id == row.delivery_id))
                          .scalars())


@router.post("/duty/pages/{page_id}/ack")
def page_ack(page_id: int, viewer: CsrfViewer, ws: WorkspaceDep, via: Annotated[str, Form()] = "inbox") -> object:
    try:
        done = duty.acknowledge_page(ws, viewer.actor, page_id, via if via in ("inbox", "centre") else "inbox")
    except NotFound:
        raise HTTPException(404, "这条值班预警不存在") from None
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    back = "/alerts#duty" if via == "centre" else f"/duty/pages/{page_id}"
    return redirect_with_flash(back, "已确认收到，预警不再升级" if done else "这条预警此前已有人确认")


# ------------------------------------------------------------------ the signed link: no login
@router.get("/duty/ack/{token}")
def link_page(request: Request, token: str, ws: WorkspaceDep, session: DbSession) -> object:
    """Opening the link only shows the alert and a button: link previews (mail scanners, chat apps) fetch
    pages, so nothing is acknowledged by a GET."""
    try:
        found = duty.check_link(ws, token)
    except policy.TokenError as exc:
        return render(request, "duty/ack.html", 400, error=str(exc), token=None, page=None)
    page = duty.page_views(session, page_ids=[found.page_id])[0]
    return render(request, "duty/ack.html", token=token, page=page, done=found.acknowledged)


@router.post("/duty/ack/{token}")
def link_ack(request: Request, token: str, ws: WorkspaceDep, session: DbSession,
             confirm: Annotated[str, Form()] = "") -> object:
    try:
        found = duty.check_link(ws, token)
        page = duty.page_views(session, page_ids=[found.page_id])[0]
        if confirm != "yes":
            return render(request, "duty/ack.html", 400, token=token, page=page, done=found.acknowledged,
                          error="请点击“确认收到”按钮")
        done = duty.acknowledge_by_link(ws, token)
    except policy.TokenError as exc:
        return render(request, "duty/ack.html", 400, error=str(exc), token=None, page=None)
    with ws.db.read() as fresh:
        page = duty.page_views(fresh, page_ids=[found.page_id])[0]
    return render(request, "duty/ack.html", token=None, page=page, done=True,
                  notice="已确认收到，预警不再升级。谢谢！" if done else "这条预警此前已确认，无需再次确认。")
