"""The inbox (通知): everyone's notifications with the kind filter, mark read, mark all read; and the queues
that wait on this person (the leader's 批示 and their progress, drafts awaiting approval).

Opening a notification marks it read for this user only and goes to its page; when that page is no longer
the reader's (a case reassigned to another unit), the notification itself is shown instead of a 404.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from yuqing.actions import Action
from yuqing.domain.notifications import KINDS, kind_label
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import queries
from yuqing.store.repositories import notifications as repo
from yuqing.store.repositories.cases import NotFound, get_case
from yuqing.web.deps import CsrfViewer, CurrentViewer, DbSession, Viewer, WorkspaceDep, render
from yuqing.workspace import Workspace

router = APIRouter()

PAGE_SIZE = 50
CASE_LINK = re.compile(r"^/cases/(\d+)(?:[?#].*)?$")
RoutesAction = Action[[Collection[tuple[str, int]]], list[str]]  # reports' or findings' set_routes


def _back(kind: str | None, unread: bool, **extra: object) -> str:
    query = {k: v for k, v in {"kind": kind or "", "unread": "1" if unread else "", **extra}.items() if v}
    return "/notifications" + (f"?{urlencode(query)}" if query else "")


@router.get("/notifications")
def inbox_page(request: Request, viewer: CurrentViewer, session: DbSession, kind: str = "", unread: str = "",
               page: int = 1, done: int | None = None) -> object:
    """通知: newest first, filter by kind (Chinese labels) or unread only; the person's queues above."""
    kind = kind if kind in KINDS else ""
    page = max(1, page)
    only_unread = unread == "1"
    rows = repo.inbox(session, viewer.actor, kind=kind or None, unread_only=only_unread,
                      limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    counts = repo.kind_counts(session, viewer.actor)
    kinds = [(k, kind_label(k), *counts[k]) for k in KINDS if k in counts]
    actor = viewer.actor
    instructions = queries.my_instructions(session, actor) if actor.can("cases.instruct") else []
    approvals = queries.feedback_awaiting_approval(session, actor) + queries.replies_awaiting_approval(session, actor)
    return render(request, "notifications/inbox.html", rows=rows[:PAGE_SIZE], more=len(rows) > PAGE_SIZE,
                  page=page, kind=kind, kind_name=kind_label(kind) if kind else "", unread=only_unread,
                  kinds=kinds, total_unread=sum(c[3] for c in kinds), instructions=instructions,
                  approvals=approvals, done=done, back=_back(kind, only_unread, page=page if page > 1 else ""))


def _reachable(session: DbSession, viewer: Viewer, link: str | None) -> bool:
    """Whether the notification's page is one this reader may open now."""
    if not link:
        return False
    m = CASE_LINK.match(link)
    if m:
        try:
            get_case(session, viewer.actor, int(m.group(1)))
        except (NotFound, PermissionDenied):
            return False
    return True


@router.get("/notifications/{notification_id}")
def open_notification(request: Request, notification_id: int, viewer: CurrentViewer, ws: WorkspaceDep,
                      session: DbSession) -> object:
    """Mark it read (for this user) and go to its page; show it here when it has no page for this reader."""
    try:
        note = repo.get_notification(session, viewer.actor, notification_id)
    except NotFound:
        return render(request, "error.html", 404, status=404, message="通知不存在或不是发给您的")
    with ws.db.write() as s:
        repo.mark_read(s, viewer.actor, [note.id])
    if _reachable(session, viewer, note.link):
        assert note.link is not None
        return RedirectResponse(note.link, status_code=303)
    gone = bool(note.link)
    return render(request, "notifications/detail.html", note=note, kind_name=kind_label(note.kind), gone=gone)


@router.post("/notifications/{notification_id}/read")
def read_one(notification_id: int, viewer: CsrfViewer, ws: WorkspaceDep,
             back: Annotated[str, Form()] = "/notifications") -> object:
    with ws.db.write() as s:
        repo.mark_read(s, viewer.actor, [notification_id])
    return RedirectResponse(back if back.startswith("/notifications") else "/notifications", status_code=303)


@router.post("/notifications/read-all")
def read_all(viewer: CsrfViewer, ws: WorkspaceDep, kind: Annotated[str, Form()] = "") -> object:
    kind = kind if kind in KINDS else ""
    with ws.db.write() as s:
        n = repo.mark_all_read(s, viewer.actor, kind=kind or None)
    return RedirectResponse(_back(kind, False, done=n if n else "0"), status_code=303)


@router.get("/settings/notifications")
def settings_page(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    """通知设置: for each kind, the inbox only or also e-mail (to the address on the account); for those who
    manage the alert channels, also 报告发送渠道 (which reports go to which channels, for the whole district) and
    发布监管提醒渠道 (which findings on the district's own websites and accounts go to which channels), with their
    发送记录."""
    from yuqing.alert.notify_email import preferences

    assert viewer.actor.user_id is not None
    return render(request, "notifications/settings.html", prefs=preferences(session, viewer.actor.user_id),
                  kinds=KINDS, email=viewer.user.email or "", **_routes(session, viewer))


def _routes(session: DbSession, viewer: Viewer) -> dict[str, object]:
    """The two district route tables (channels × report types, channels × finding kinds) and the findings'
    发送记录, for those who manage the alert channels; nothing for the others."""
    from yuqing.domain.alerts import CHANNEL_KINDS
    from yuqing.domain.messages import FINDING_KINDS, REPORT_TYPES
    from yuqing.publish.deliver import FINDING_OUTBOX
    from yuqing.reports.deliver import REPORT_OUTBOX

    if not viewer.actor.can("alerts.manage"):
        return {"report_types": {}, "finding_kinds": {}}
    channels, reports = REPORT_OUTBOX.route_table(session)
    _channels, findings = FINDING_OUTBOX.route_table(session)
    return {"route_channels": channels, "channel_kinds": CHANNEL_KINDS,
            "report_types": REPORT_TYPES, "routes_on": _ticked(reports),
            "finding_kinds": FINDING_KINDS, "publish_on": _ticked(findings),
            "publish_log": FINDING_OUTBOX.sent_log(session, limit=30)}


def _ticked(table: dict[tuple[str, int], bool]) -> set[str]:
    """The checkbox values ("kind:channel id") of the pairs that are on."""
    return {f"{kind}:{channel}" for (kind, channel), on in table.items() if on}


async def _save_routes(request: Request, viewer: Viewer, ws: Workspace, set_routes: RoutesAction,
                       kinds: Mapping[str, str], what: str, anchor: str) -> object:
    """Save one route table from its form: the ticked "kind:channel id" values whose kind is one of `kinds` are
    on, every other pair off (audited by `set_routes`); back to the table with what changed, in words."""
    from yuqing.web.deps import redirect_with_flash

    if not viewer.actor.can("alerts.manage"):
        raise PermissionDenied(f"只有领导小组办公室和系统管理员可以设置{what}")
    form = await request.form()
    chosen = set()
    for value in form.getlist("route"):
        kind, _, channel = str(value).partition(":")
        if kind in kinds and channel.isdigit():
            chosen.add((kind, int(channel)))
    changed = set_routes(ws, viewer.actor, chosen)
    return redirect_with_flash(f"/settings/notifications#{anchor}",
                               f"已保存{what}：" + "；".join(changed) if changed else f"{what}没有变化")


@router.post("/settings/publish-channels")
async def publish_channels_save(request: Request, viewer: CsrfViewer, ws: WorkspaceDep) -> object:
    """发布监管提醒渠道: the ticked pairs of finding kind and channel go out, every other one not (audited)."""
    from yuqing.domain.messages import FINDING_KINDS
    from yuqing.publish.deliver import set_routes

    return await _save_routes(request, viewer, ws, set_routes, FINDING_KINDS, "发布监管提醒渠道", "publish-channels")


@router.post("/settings/report-channels")
async def report_channels_save(request: Request, viewer: CsrfViewer, ws: WorkspaceDep) -> object:
    """报告发送渠道: the ticked pairs of report type and channel go out, every other one not (audited)."""
    from yuqing.domain.messages import REPORT_TYPES
    from yuqing.reports.deliver import set_routes

    return await _save_routes(request, viewer, ws, set_routes, REPORT_TYPES, "报告发送渠道", "report-channels")


@router.post("/settings/notifications")
async def settings_save(request: Request, viewer: CsrfViewer, ws: WorkspaceDep) -> object:
    from yuqing.alert.notify_email import set_preferences
    from yuqing.web.deps import redirect_with_flash

    form = await request.form()
    choices = {kind: form.get(f"k.{kind}") == "email" for kind in KINDS}
    changed = set_preferences(ws, viewer.actor, choices)
    return redirect_with_flash("/settings/notifications",
                               f"已保存通知设置（{len(changed)} 项有变化）" if changed else "通知设置没有变化")
