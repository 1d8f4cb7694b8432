"""Shared web dependencies: the workspace, DB sessions, the logged-in actor, CSRF, templates.

Routes stay thin: they take these as `Annotated` aliases and call repositories and actions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from yuqing.accounts import actor_of
from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import records
from yuqing.domain.roles import ROLE_NAMES, Actor, permission_label
from yuqing.sessions import token_hash
from yuqing.store.tables import LoginSession, User
from yuqing.workspace import Workspace

SESSION_COOKIE = "yuqing_session"
LOGIN_CSRF_COOKIE = "yuqing_login_csrf"

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.auto_reload = False  # templates are part of the installed package: no stat() of each on every page


def _local(dt: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return aware(dt).astimezone(CHINA).strftime(fmt) if dt else ""


templates.env.filters["local"] = _local
templates.env.globals["ROLE_NAMES"] = ROLE_NAMES
SENTIMENT_NAMES = {"negative": "负面", "neutral": "中性", "positive": "正面"}
templates.env.globals["SENTIMENT_NAMES"] = SENTIMENT_NAMES
# Readable records (audit log, case history): codes in, Chinese out.
templates.env.globals["step_label"] = records.case_step_label
templates.env.globals["action_label"] = records.action_label
templates.env.globals["detail_fields"] = records.describe
templates.env.globals["KIND_LABELS"] = records.KIND_VALUES
RUN_STATUS = {"ok": "成功", "not_modified": "无变化", "error": "失败", "blocked": "被拒绝访问", "running": "进行中",
              "skipped": "跳过"}
templates.env.globals["RUN_STATUS"] = RUN_STATUS


def _readable_error(text: str | None) -> str:
    """A stored error as a person may read it: our Chinese messages as they are, exception text never."""
    if not text:
        return ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return "程序出错（详情见服务日志）"


templates.env.filters["readable_error"] = _readable_error


class LoginRequired(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.ws
    return ws


def db_session(request: Request) -> Iterator[Session]:
    with workspace(request).db.read() as session:
        yield session


class Viewer:
    """The logged-in user as the actions see them, plus what pages need to show."""

    def __init__(self, user: User, login: LoginSession, ws: Workspace | None = None):
        self.user = user
        self.actor: Actor = actor_of(user)
        self.csrf_token = login.csrf_token
        self.unit_name = user.unit.name if user.unit else ""
        self._ws = ws
        self._unread: int | None = None

    @property
    def unread(self) -> int:
        """Unread notifications for the header's bell: one indexed count, only when a page shows it. Its own
        short session: error pages render after the request's session has closed."""
        if self._unread is None:
            from yuqing.store.repositories.notifications import unread_count

            self._unread = 0
            if self._ws is not None:
                with self._ws.db.read() as session:
                    self._unread = unread_count(session, self.actor)
        return self._unread

    def can(self, permission: str) -> bool:
        return self.actor.can(permission)


def current_viewer(request: Request, session: Annotated[Session, Depends(db_session)]) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired()
    found = session.execute(  # the session, its user and the user's unit: one query on every request
        select(LoginSession, User).join(User, User.id == LoginSession.user_id).options(joinedload(User.unit))
        .where(LoginSession.token_hash == token_hash(token))).first()
    if found is None:
        raise LoginRequired()
    login, user = found
    if aware(login.expires_at) < utcnow() or not user.active:
        raise LoginRequired()
    viewer = Viewer(user, login, workspace(request))
    if not request.url.path.startswith("/api/"):
        # Pages show the bell: count now, on this request's connection, rather than open a second one later
        # (two connections per request let a busy server's threads exhaust the pool waiting for each other).
        from yuqing.store.repositories.notifications import unread_count

        viewer._unread = unread_count(session, viewer.actor)
    request.state.viewer = viewer
    return viewer


async def check_csrf(request: Request, viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    """Unsafe methods need the session's CSRF token, as a form field or the X-CSRF-Token header."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return viewer
    sent = request.headers.get("x-csrf-token")
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(sent, viewer.csrf_token):
        raise HTTPException(403, "CSRF 校验失败：请刷新页面后重试")
    return viewer


def require_permission(permission: str) -> Any:
    def check(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
        if not viewer.can(permission):
            raise HTTPException(403, f"无权访问：此页面需要“{permission_label(permission)}”的权限")
        return viewer

    return Depends(check)


DbSession = Annotated[Session, Depends(db_session)]
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
CsrfViewer = Annotated[Viewer, Depends(check_csrf)]
WorkspaceDep = Annotated[Workspace, Depends(workspace)]


FLASH_COOKIE = "yuqing_flash"


def redirect_with_flash(url: str, message: str) -> RedirectResponse:
    """Go to `url` (303) and show `message` there once: the confirmation after a change succeeded."""
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(FLASH_COOKIE, quote(message[:200]), max_age=60, httponly=True, samesite="lax", path="/")
    return response


def render(request: Request, name: str, status_code: int = 200, /, **context: Any) -> Any:
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    ws = request.app.state.ws
    context.setdefault("demo", ws.settings.demo)
    context.setdefault("district", ws.settings.district_name)
    flash = request.cookies.get(FLASH_COOKIE)
    if flash and request.method == "GET":
        context.setdefault("flash", unquote(flash))
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if flash and request.method == "GET":
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
