"""Every page a role's menu offers renders on the demo workspace, without template slips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import copy_demo
from yuqing.demo.build import demo_password
from yuqing.web.app import create_app

SLIPS = ("<built-in method", "Undefined", "Traceback", "{{", "{%")


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> TestClient:
    import os

    if os.environ.get("YUQING_TEST_DATABASE_URL"):
        pytest.skip("the demo smoke test runs on SQLite (the PostgreSQL run covers the same pages elsewhere)")
    os.environ.pop("YUQING_DATABASE_URL", None)
    ws, _ = copy_demo(demo_template, Path(tmp_path_factory.mktemp("demo")) / "demo")
    return TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"})


def _login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": username, "password": demo_password(username), "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303


@pytest.mark.parametrize("username", ["admin", "analyst", "office", "leader", "spokesperson", "qingshi", "labour"])
def test_every_menu_page_renders(demo_client: TestClient, username: str) -> None:
    _login(demo_client, username)
    home = demo_client.get("/")
    assert home.status_code == 200
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", home.text, re.S)
    assert nav
    links = re.findall(r'href="(/[^"]*)"', nav.group(1))
    assert links
    for link in links:
        page = demo_client.get(link)
        assert page.status_code == 200, (username, link, page.status_code)
        for slip in SLIPS:
            assert slip not in page.text, (username, link, slip)
        for href in re.findall(r'class="card[^"]*" href="([^"]+)"', page.text):
            assert demo_client.get(href).status_code == 200, (username, "card", href)
        for detail in re.findall(r'href="(/(?:events|cases|items|sources)/\d+)"', page.text)[:3]:
            sub = demo_client.get(detail)
            assert sub.status_code == 200, (username, detail)
            assert not any(slip in sub.text for slip in SLIPS), (username, detail)


# The pages of the own channels, reports, case library, monitoring windows, direct reports and duty: each link
# on them answers (no 404 or 500) for the roles that live there. Files (downloads, exports) are left to their tests.
LINKED_PAGES = ("/channels", "/channels/orders", "/channels/words", "/publications", "/filings", "/windows",
                "/direct-reports", "/duty", "/settings/notifications", "/reports", "/reports/special", "/library")
FILES = re.compile(r"/download\.|/export\.|/files/|\.json$")


@pytest.mark.parametrize("username", ["office", "binjiang_lead", "spokesperson"])
def test_every_link_on_the_channel_report_and_duty_pages_answers(demo_client: TestClient, username: str) -> None:
    _login(demo_client, username)
    seen: dict[str, int] = {}
    for start in LINKED_PAGES:
        page = demo_client.get(start, follow_redirects=False)
        if page.status_code == 403:
            continue  # not this role's page (the menu test checks what it offers)
        assert page.status_code == 200, (username, start, page.status_code)
        main = page.text.split("<main", 1)[1]
        for href in dict.fromkeys(re.findall(r'href="(/[^"#]*)', main)):
            href = href.replace("&amp;", "&")
            if href in seen or FILES.search(href):
                continue
            seen[href] = demo_client.get(href, follow_redirects=False).status_code
            assert seen[href] in (200, 302, 303), (username, start, href, seen[href])
    assert len(seen) > 10, seen
