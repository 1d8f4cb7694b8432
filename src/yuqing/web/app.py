"""The FastAPI application: Chinese pages (Jinja2 + htmx) and the JSON API under /api.

Conventions for new routes (collection, analysis, case desk …):
- Pages go in `web/pages/<area>.py`, the API in `web/api/<area>.py`, each an `APIRouter` named
  `router`, added to ROUTERS below; templates under `web/templates/<area>/`, extending `base.html`.
- Take `DbSession` (read), `WorkspaceDep` (use `ws.db.write()` for one transaction), `CurrentViewer`,
  `require_permission("perm")` and `check_csrf` (every unsafe method) from `web.deps`. Routes stay thin:
  queries live in `store/repositories`, changes in action functions that audit.
- Render with `render(request, "area/page.html", **context)`. Forms carry
  `<input type="hidden" name="csrf_token" value="{{ viewer.csrf_token }}">`; htmx sends the header.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from yuqing import __version__
from yuqing.domain.roles import PermissionDenied
from yuqing.web.deps import LoginRequired, render
from yuqing.workspace import Workspace

ROUTERS = [
    "yuqing.web.pages.auth",
    "yuqing.web.pages.dashboard",
    "yuqing.web.pages.items",
    "yuqing.web.pages.events",
    "yuqing.web.pages.case_open",  # before pages.cases: /cases/new must not match /cases/{case_id}
    "yuqing.web.pages.cases",
    "yuqing.web.pages.admin",
    "yuqing.web.pages.profile",
    "yuqing.web.pages.sources",
    "yuqing.web.pages.notifications",
    "yuqing.web.pages.jobs",
    "yuqing.web.pages.alerts",
    "yuqing.web.pages.public",
    "yuqing.web.pages.special_reports",  # before pages.reports: /reports/special/… must not match /reports/{kind}/…
    "yuqing.web.pages.duty",
    "yuqing.web.pages.direct",
    "yuqing.web.pages.windows",
    "yuqing.web.pages.library",
    "yuqing.web.pages.reports",
    "yuqing.web.pages.channel_pages",  # /channels/orders and /channels/words before /channels/{channel_id}
    "yuqing.web.pages.publish",
    "yuqing.web.api.push",
    "yuqing.web.api.publish",
    "yuqing.web.api.cases",  # before api.routes: /api/cases/board must not match /api/cases/{case_id}
    "yuqing.web.api.routes",
]

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """Security headers on every response that does not set its own (plain ASGI: no task or stream per request,
    which Starlette's BaseHTTPMiddleware costs)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Request bodies: forms and JSON are small; uploads (case attachments, the rules sheet) may carry several
# files. The push API has its own limit, checked after its token (web/api/push.py).
BODY_LIMIT = 1024 * 1024
UPLOAD_LIMIT = 50 * 1024 * 1024


class BodyLimit:
    """Refuse a request body over its limit with 413, whether declared (Content-Length) or streamed.

    A declared length is checked at once (the server holds the client to it). A body streamed without one is
    read here, up to the limit, and handed on only if it fits: the framework would otherwise turn a refusal
    raised while it parses into a 400.
    """

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/push"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        limit = UPLOAD_LIMIT if headers.get("content-type", "").startswith("multipart/") else BODY_LIMIT
        declared = headers.get("content-length", "")
        if declared.isdigit():
            if int(declared) > limit:
                await _too_large(scope, limit)(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > limit:
                await _too_large(scope, limit)(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _too_large(scope: Any, limit: int) -> Response:
    message = f"提交的内容太大：上限 {limit // (1024 * 1024)} MB。附件请压缩或分次上传。"
    request = Request(scope)
    if _wants_html(request):
        return render(request, "error.html", 413, status=413, message=message)
    return JSONResponse({"detail": message}, status_code=413)


# What a person reads when a page cannot be shown (Starlette's own details are English: never shown).
ERROR_MESSAGES = {
    400: "请求有误，请返回上一页检查后重试。",
    403: "您的账号无权查看此页面或执行此操作。",
    404: "找不到这个页面：地址可能有误，或内容已被删除、不在您的查看范围内。",
    405: "此地址不能这样打开（例如直接打开了只用于提交表单的地址），请从页面上的按钮或链接进入。",
    413: "提交的内容太大。",
    422: "表单内容不完整或格式有误，请返回检查后重新提交。",
    500: "服务器处理时出错，已记录。请稍后重试；如仍不行，请联系系统管理员。",
}
# Form fields named in a 422, in the words of the forms.
FIELD_LABELS = {
    "username": "用户名", "password": "密码", "display_name": "姓名", "role": "角色", "unit": "单位",
    "name": "名称", "kind": "类型", "parent": "上级", "place": "地名", "url": "网址", "alias": "别名",
    "keywords": "关键词", "text": "内容", "reason": "理由", "note": "说明", "title": "标题", "summary": "摘要",
    "action": "操作", "file": "文件", "files": "附件", "days": "天数", "working_days": "工作日数",
    "interval": "采集间隔", "q": "搜索词", "page": "页码",
}


def _chinese(detail: object) -> bool:
    return isinstance(detail, str) and any("\u4e00" <= ch <= "\u9fff" for ch in detail)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "text/html")


# Fields whose absence would otherwise be read as a decision: they are always required, never default to yes.
DECISION_FIELDS = {"approve": "是否批准（approve：true 批准/签发，false 不批准/退回）",
                   "passed": "抽查是否通过（passed：true 通过，false 未通过）"}


def _validation_message(error: Any) -> str:
    """One validation error in Chinese, naming the field."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form")]
    field = ".".join(loc) or "请求体"
    kind = str(error.get("type", ""))
    if kind == "missing":
        if loc and loc[-1] in DECISION_FIELDS:
            return f"缺少决定：请明确给出{DECISION_FIELDS[loc[-1]]}，不会默认为同意"
        return f"缺少字段 {field}"
    if kind.startswith("bool"):
        return f"字段 {field} 须为 true 或 false"
    if kind.startswith("int"):
        return f"字段 {field} 须为整数"
    if kind.startswith(("string", "str")):
        return f"字段 {field} 须为文本"
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return f"{field} 须为 JSON 对象"
    return f"字段 {field} 的值不正确"


def app_from_environment() -> FastAPI:
    """The app of the workspace named by $YUQING_WORKSPACE: what each `yuqing up --workers N` process serves."""
    from yuqing.workspace import open_workspace

    return create_app(open_workspace())


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At most WEB_THREADS request threads per process: the database pool is sized for twice that."""
    import anyio.to_thread

    from yuqing.store.db import WEB_THREADS

    anyio.to_thread.current_default_thread_limiter().total_tokens = WEB_THREADS
    yield


def create_app(ws: Workspace, runner: Any = None) -> FastAPI:
    app = FastAPI(title="Yuqing 舆情 API", version=__version__,
                  description="网络舆情监测、交办、回应与考核。页面与接口共用同一套权限与审计。",
                  docs_url=None, redoc_url=None, lifespan=_lifespan)
    app.state.ws = ws
    app.state.runner = runner
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    for module in ROUTERS:
        app.include_router(importlib.import_module(module).router)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Any:
        if _wants_html(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        return JSONResponse({"detail": "请先登录"}, status_code=401)

    @app.exception_handler(PermissionDenied)
    async def permission_denied(request: Request, exc: PermissionDenied) -> Any:
        """Actions and repositories refuse below the routes; every route answers 403 the same way."""
        return await http_error(request, HTTPException(403, str(exc)))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Any:
        if _wants_html(request) and 400 <= exc.status_code < 500:
            message = exc.detail if _chinese(exc.detail) else ERROR_MESSAGES.get(exc.status_code, ERROR_MESSAGES[400])
            page = render(request, "error.html", exc.status_code, status=exc.status_code, message=message)
            page.headers.update(exc.headers or {})
            return page
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        """422 in Chinese: pages name the fields to check; the API names each field (a missing decision says
        which one is needed, and is never taken as yes)."""
        if _wants_html(request):
            fields = sorted({FIELD_LABELS.get(str(e["loc"][-1]), "") for e in exc.errors() if e.get("loc")} - {""})
            message = ERROR_MESSAGES[422] + (f"（请检查：{'、'.join(fields)}）" if fields else "")
            return render(request, "error.html", 422, status=422, message=message)
        if any(e.get("loc", ("",))[0] == "body" and isinstance(e.get("input"), bytes) for e in exc.errors()):
            # The body was not parsed as JSON (another content type): say so instead of a field list.
            return JSONResponse({"detail": "请求体必须是 JSON（Content-Type: application/json）"}, status_code=415)
        errors = [{"loc": list(e.get("loc", ())), "type": e.get("type", ""), "msg": _validation_message(e)}
                  for e in exc.errors()]
        return JSONResponse({"detail": "；".join(e["msg"] for e in errors) or "请求格式不正确", "errors": errors},
                            status_code=422)

    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: OverflowError) -> Any:
        """An integer beyond 64 bits in a path or query (SQLite cannot bind it): a client error, not a bug."""
        return await http_error(request, HTTPException(422, "数值超出范围"))

    @app.exception_handler(DataError)
    async def bad_data(request: Request, exc: DataError) -> Any:
        """PostgreSQL refused a value (a number out of range, a character it cannot store): a client error."""
        return await http_error(request, HTTPException(422, "数值超出范围或含有无法保存的字符"))

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Any:
        """A bug must not show its exception text to a person: log it, answer in Chinese."""
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if _wants_html(request):
            return render(request, "error.html", 500, status=500, message=ERROR_MESSAGES[500])
        return JSONResponse({"detail": "服务器内部错误"}, status_code=500)

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Any:
        """Swagger UI served from the vendored bundle (swagger-ui-dist), so the docs work offline."""
        return render(request, "docs.html", openapi_url=app.openapi_url)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/demo/feed.xml", include_in_schema=False)
    def demo_feed() -> Response:
        """The demo's own fictional news feed (GB2312, no charset header), so collection can be watched."""
        if not ws.settings.demo:
            return Response(status_code=404)
        body = resources.files("yuqing.demo").joinpath("feed.xml").read_bytes()
        return Response(body, media_type="application/rss+xml")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
