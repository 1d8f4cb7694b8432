"""预警中心 (admin and office): sent alerts with their status and attempts, channel health, the rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from yuqing.alert.admin import acknowledge
from yuqing.alert.queries import centre
from yuqing.store.repositories.cases import NotFound
from yuqing.web.deps import (
    CsrfViewer,
    DbSession,
    Viewer,
    WorkspaceDep,
    redirect_with_flash,
    render,
    require_permission,
)

router = APIRouter()
AlertsManager = Annotated[Viewer, require_permission("alerts.manage")]


@router.get("/alerts")
def alerts_page(request: Request, viewer: AlertsManager, session: DbSession) -> object:
    from yuqing.alert.duty import page_views

    return render(request, "alerts/centre.html", **centre(session), duty_pages=page_views(session, limit=20))


@router.post("/alerts/{delivery_id}/ack")
def acknowledge_alert(delivery_id: int, viewer: AlertsManager, ws: WorkspaceDep, _csrf: CsrfViewer) -> object:
    try:
        acknowledge(ws, viewer.actor, delivery_id)
    except NotFound:
        return redirect_with_flash("/alerts", "这条预警不存在")
    return redirect_with_flash("/alerts", "已确认收到")
