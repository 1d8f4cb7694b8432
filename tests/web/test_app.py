"""Error pages: HTML routes answer 4xx/5xx with a Chinese page (no English defaults, no codes, no
exception text); /api keeps JSON."""

from __future__ import annotations

import re
import zlib

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.web.app import create_app
from yuqing.workspace import Workspace

ENGLISH = re.compile(r"Not Found|Method Not Allowed|Field required|Traceback|missing|value_error")


def test_4xx_pages_are_chinese_for_html_and_json_for_the_api(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "qingshi", role="unit_handler", unit=factories.unit(s, "青石镇", "town"))
    csrf = login(app_client, "qingshi")

    missing = app_client.get("/no/such/page")
    assert missing.status_code == 404 and "找不到页面" in missing.text and not ENGLISH.search(missing.text)
    assert 'lang="zh-CN"' in missing.text

    wrong_method = app_client.get("/logout")
    assert wrong_method.status_code == 405 and "不能这样打开" in wrong_method.text
    assert not ENGLISH.search(wrong_method.text) and "POST" in wrong_method.headers.get("allow", "")

    forbidden = app_client.get("/admin/units")
    assert forbidden.status_code == 403 and "管理单位" in forbidden.text and "units.manage" not in forbidden.text

    incomplete = app_client.post("/admin/profile/aliases", data={"csrf_token": csrf})
    assert incomplete.status_code in (403, 422) and not ENGLISH.search(incomplete.text)

    api = app_client.get("/api/no/such", headers={"accept": "application/json"})
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_a_form_missing_a_field_names_it_in_chinese(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", role="admin")
    csrf = login(app_client, "admin1")
    r = app_client.post("/admin/profile/aliases", data={"csrf_token": csrf, "place": "青石镇"})
    assert r.status_code == 422 and "别名" in r.text and "表单" in r.text and not ENGLISH.search(r.text)
    api = app_client.post("/api/cases", json={}, headers={"accept": "application/json", "x-csrf-token": csrf})
    assert api.headers["content-type"].startswith("application/json")


def test_a_bug_shows_a_chinese_page_without_the_exception_text(ws: Workspace) -> None:
    app = create_app(ws)

    def boom() -> None:
        raise RuntimeError("secret internal detail sqlite3.OperationalError")

    app.add_api_route("/boom", boom)
    app.add_api_route("/api/boom", boom)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False,
                    headers={"accept": "text/html"}) as client:
        page = client.get("/boom")
        assert page.status_code == 500 and "服务器" in page.text and "secret" not in page.text
        api = client.get("/api/boom", headers={"accept": "application/json"})
        assert api.status_code == 500 and api.json() == {"detail": "服务器内部错误"}


def test_bodies_over_the_limit_are_refused_with_413_in_chinese(ws: Workspace, app_client: TestClient,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Declared or streamed without a length, a body over its limit is refused before a handler parses it."""
    from yuqing.web import app as web_app
    from yuqing.web.app import BODY_LIMIT

    with ws.db.write() as s:
        factories.user(s, "office1", role="office")
    csrf = login(app_client, "office1")
    big_form = {"title": "积水" * (BODY_LIMIT // 3), "csrf_token": csrf}
    page = app_client.post("/cases/new", data=big_form)
    assert page.status_code == 413 and "提交的内容太大" in page.text and "1 MB" in page.text
    api = app_client.post("/api/cases", content=b"{" + b" " * (BODY_LIMIT + 10) + b"}",
                          headers={"accept": "application/json", "content-type": "application/json",
                                   "x-csrf-token": csrf})
    assert api.status_code == 413 and api.json()["detail"].startswith("提交的内容太大")

    def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: counted as it streams
        for _ in range(BODY_LIMIT // 65536 + 2):
            yield b"x" * 65536
    streamed = app_client.post("/api/cases", content=chunks(), headers={
        "accept": "application/json", "content-type": "application/json", "x-csrf-token": csrf})
    assert streamed.status_code == 413
    monkeypatch.setattr(web_app, "UPLOAD_LIMIT", 2 * 1024 * 1024)  # uploads have their own, larger limit
    upload = app_client.post("/cases/new", data={"csrf_token": csrf, "title": "照片"},
                             files={"files": ("现场.jpg", b"\xff" * (3 * 1024 * 1024), "image/jpeg")})
    assert upload.status_code == 413 and "2 MB" in upload.text
    ok = app_client.post("/api/cases", json={"title": "西关路积水", "summary": "路口积水", "days": 3},
                         headers={"accept": "application/json", "x-csrf-token": csrf})
    assert ok.status_code in (200, 201), ok.text  # an ordinary body still goes through


def test_every_response_carries_the_security_headers_once(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
        snap = factories.item(s, "锦江华府项目拖欠工资", raw_snapshot=zlib.compress(b"<p>x</p>"),
                              raw_content_type="text/html")
    login(app_client, "liming")
    for path in ("/", "/no/such/page", "/login", "/api/no/such"):
        r = app_client.get(path)
        assert r.headers["content-security-policy"].startswith("default-src 'self'"), path
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY", path
        assert r.headers["referrer-policy"] == "same-origin", path
    own = app_client.get(f"/items/{snap.id}/snapshot")  # a page with its own, stricter policy keeps it, alone
    assert own.headers.get_list("content-security-policy") == [own.headers["content-security-policy"]]
    assert own.headers["content-security-policy"].startswith("default-src 'none'")
