"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a real server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import serve

CHROMIUM = os.environ.get("YUQING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                       reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture
def demo_server(tmp_path: Path, database_url: str, demo_template: Path) -> Iterator[str]:
    from tests.conftest import copy_demo
    from yuqing.web.app import create_app

    ws, _ = copy_demo(demo_template, tmp_path / "demo")
    with serve(create_app(ws)) as url:
        yield url
    ws.db.dispose()


def test_login_search_feed_and_see_chinese(demo_server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(demo_server + "/items")
        assert "/login" in page.url
        page.fill("input[name=username]", "analyst")
        page.fill("input[name=password]", "analyst@demo2026")
        page.click("button[type=submit]")
        page.wait_for_url("**/items")
        page.fill("input[name=q]", "欠薪")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector("#result-count:has-text('欠薪')")
        count = page.text_content("#result-count") or ""
        assert "共" in count and "共 0 条" not in count
        first = page.text_content(".feed .item .title") or ""
        assert "欠薪" in first or "工资" in first
        assert "演示环境" in page.content()
        page.goto(demo_server + "/")
        page.wait_for_selector(".chart canvas", timeout=10_000)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        page.click("text=退出")
        page.wait_for_url("**/login")
        page.fill("input[name=username]", "office")
        page.fill("input[name=password]", "office@demo2026")
        page.click("button[type=submit]")
        page.wait_for_url(demo_server + "/")
        page.goto(demo_server + "/cases")
        page.click("a:has-text('锦江华府')")
        page.wait_for_selector("text=交办依据")
        assert "青石镇" in page.content() and "劳动保障局" in page.content()
        assert not errors, errors
        browser.close()
