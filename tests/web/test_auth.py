from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.workspace import Workspace


def test_pages_redirect_to_login_and_api_answers_401(app_client: TestClient) -> None:
    r = app_client.get("/items", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/items")
    assert app_client.get("/api/items", headers={"accept": "application/json"}).status_code == 401


def test_login_sets_a_secure_session_and_logout_ends_it(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming", role="analyst")
    csrf = login(app_client, "liming")
    cookie = app_client.cookies.get("yuqing_session")
    assert cookie
    r = app_client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    app_client.cookies.set("yuqing_session", cookie)  # replaying the old cookie must not work
    assert app_client.get("/api/me", headers={"accept": "application/json"}).status_code == 401


def test_wrong_password_is_refused_and_audited(ws: Workspace, app_client: TestClient) -> None:
    import re

    from sqlalchemy import select

    from yuqing.store.tables import AuditEntry

    with ws.db.write() as s:
        factories.user(s, "liming")
    page = app_client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = app_client.post("/login", data={"username": "liming", "password": "wrong-one", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    with ws.db.read() as s:
        actions = list(s.execute(select(AuditEntry.action)).scalars())
    assert "auth.login_failed" in actions


def test_login_without_csrf_token_is_refused(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
    app_client.get("/login")
    r = app_client.post("/login", data={"username": "liming", "password": factories.PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403
    assert "yuqing_session" not in app_client.cookies


def test_forms_without_csrf_are_refused(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "root", role="admin")
    login(app_client, "root")
    r = app_client.post("/admin/units", data={"name": "新单位", "kind": "department"})
    assert r.status_code == 403
    r = app_client.post("/api/units", json={"name": "新单位"}, headers={"accept": "application/json"})
    assert r.status_code == 403


def test_next_never_leaves_the_site(ws: Workspace, app_client: TestClient) -> None:
    import re

    with ws.db.write() as s:
        factories.user(s, "liming")
    page = app_client.get("/login?next=//evil.example/x")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = app_client.post("/login", data={"username": "liming", "password": factories.PASSWORD, "csrf_token": token,
                                        "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_repeated_failures_lock_the_name_for_a_while(ws: Workspace, app_client: TestClient) -> None:
    import re

    with ws.db.write() as s:
        factories.user(s, "liming")

    def attempt(password: str) -> int:
        page = app_client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = app_client.post("/login", data={"username": "liming", "password": password, "csrf_token": token},
                            follow_redirects=False)
        return r.status_code

    assert [attempt("wrong-pass") for _ in range(5)] == [401] * 5
    assert attempt(factories.PASSWORD) == 429


def _login_attempt(client: TestClient, username: str, password: str) -> int:
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                    follow_redirects=False)
    return r.status_code


def test_spelling_variants_of_a_name_share_one_lockout(ws: Workspace, app_client: TestClient) -> None:
    """Found by a probe: " liming" was counted under another key, so 25 guesses never locked the name."""
    with ws.db.write() as s:
        factories.user(s, "liming")
    variants = [" liming", "liming ", "\u3000liming", "ＬＩＭＩＮＧ", "li\u200bming"]
    assert [_login_attempt(app_client, v, "wrong-pass") for v in variants] == [401] * 5
    assert _login_attempt(app_client, "liming", factories.PASSWORD) == 429
    assert _login_attempt(app_client, " liming", factories.PASSWORD) == 429


def test_a_successful_login_starts_the_count_again(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
    assert [_login_attempt(app_client, "liming", "wrong-pass") for _ in range(4)] == [401] * 4
    assert _login_attempt(app_client, " liming ", factories.PASSWORD) == 303
    app_client.cookies.clear()
    assert [_login_attempt(app_client, "liming", "wrong-pass") for _ in range(5)] == [401] * 5
    assert _login_attempt(app_client, "liming", factories.PASSWORD) == 429


def test_parallel_guesses_cannot_outrun_the_lock(ws: Workspace) -> None:
    """Found by a probe: 30 parallel guesses were all checked before the first failure was counted."""
    import re
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from tests.servers import serve
    from yuqing.web.app import create_app

    with ws.db.write() as s:
        factories.user(s, "liming")

    with serve(create_app(ws)) as base:
        def guess(n: int) -> int:
            with httpx.Client(base_url=base, headers={"accept": "text/html"}, timeout=120) as c:
                page = c.get("/login")
                token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
                return c.post("/login", data={"username": "liming", "password": f"wrong-{n}", "csrf_token": token}).status_code

        with ThreadPoolExecutor(30) as pool:
            codes = list(pool.map(guess, range(30)))
    assert codes.count(401) == 5, codes
    assert codes.count(429) == 25, codes
