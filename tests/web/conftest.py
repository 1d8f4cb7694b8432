from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories
from yuqing.web.app import create_app
from yuqing.workspace import Workspace


@pytest.fixture
def app_client(ws: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        yield client


def login(client: TestClient, username: str, password: str = factories.PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token for later writes."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "login form has no CSRF token"
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    me = client.get("/api/me")
    assert me.status_code == 200
    return str(me.json()["csrf_token"])
