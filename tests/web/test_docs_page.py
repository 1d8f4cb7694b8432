"""The API docs page (/docs) works offline: Swagger UI comes from the vendored bundle, under the CSP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

from tests.servers import serve
from tests.web.test_browser import ARGS, CHROMIUM, pytestmark  # noqa: F401  (same skip and marker)
from yuqing.web.app import create_app
from yuqing.workspace import Workspace


@pytest.fixture
def server(ws: Workspace) -> Iterator[str]:
    with serve(create_app(ws)) as url:
        yield url


def test_docs_page_loads_swagger_from_this_server_only(server: str) -> None:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN")

        def only_local(route):  # type: ignore[no-untyped-def]
            if urlparse(route.request.url).hostname not in ("127.0.0.1", None) and \
                    not route.request.url.startswith("data:"):
                outside.append(route.request.url)
                return route.abort()
            return route.continue_()

        page.route("**/*", only_local)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(server + "/docs")
        page.wait_for_selector(".opblock", timeout=20_000)
        # Swagger UI virtualises a list of 150 operations or more (only those in view are in the page): ask the
        # loaded spec for the API's operations rather than looking for them in the page.
        assert page.evaluate("window.ui.specSelectors.paths().has('/api/items')")
        assert page.locator(".opblock-summary-path").count() >= 1
        browser.close()
    assert not outside, outside
    assert not [m for m in problems if "Content Security Policy" in m or "Refused" in m], problems


def test_docs_assets_are_vendored_with_their_licence(ws: Workspace) -> None:
    with TestClient(create_app(ws), base_url="http://127.0.0.1") as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "/static/vendor/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower() and "<script>" not in page.text
        assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200
        assert "Apache License" in client.get("/static/vendor/LICENSE.swagger-ui").text
        assert client.get("/redoc").status_code == 404
