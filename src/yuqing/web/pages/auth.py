"""Login and logout pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from yuqing import lockout
from yuqing.lockout import LOCKOUT_MINUTES, clean_username
from yuqing.sessions import claimant, sign_in, sign_out
from yuqing.web.deps import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfViewer,
    WorkspaceDep,
    render,
)

router = APIRouter()


@router.get("/login")
def login_form(request: Request, next: str = "/") -> object:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", login_csrf=token, next=_safe_next(next), error=None)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.ws.settings.https_cookies)
    return response


def _safe_next(target: str) -> str:
    """Only same-site paths: never redirect to another host after login."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login")
def login(
    request: Request,
    ws: WorkspaceDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> object:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, csrf_token):
        return render(request, "login.html", 403, login_csrf=cookie, next=_safe_next(next),
                      error="页面已过期，请刷新后重新登录")
    name = clean_username(username)
    with ws.db.write() as s:
        # Count the attempt before checking the password: parallel guesses cannot outrun the lock.
        allowed = lockout.reserve_attempt(s, name)
    if not allowed:
        return render(request, "login.html", 429, login_csrf=cookie, next=_safe_next(next),
                      error=f"登录失败次数过多，请 {LOCKOUT_MINUTES} 分钟后再试")
    signed = sign_in(ws, claimant(name), name, password, ws.settings.session_hours)
    if signed is None:
        return render(request, "login.html", 401, login_csrf=cookie, next=_safe_next(next),
                      error="用户名或密码错误")
    _user, token = signed
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=ws.settings.https_cookies, max_age=ws.settings.session_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, ws: WorkspaceDep, viewer: CsrfViewer) -> object:
    sign_out(ws, viewer.actor, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
