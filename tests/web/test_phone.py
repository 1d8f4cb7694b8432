"""Phones (390 px wide) and a wall (1440 px) on real Chromium: every menu page of every demo role fits
the width (no horizontal overflow of the page), the menu collapses behind a toggle that works, and a
unit handler signs for a case and submits feedback with a photo from a phone. Screenshots are written to
$YUQING_SCREENSHOTS (or the test's tmp dir) so a person can look at them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL, reset_postgres
from tests.servers import free_port, serve
from tests.web.test_browser import ARGS, CHROMIUM, pytestmark  # noqa: F401  (same skip and marker)

PHONE = {"width": 390, "height": 844}
WALL = {"width": 1440, "height": 900}
ROLES = ["admin", "analyst", "office", "leader", "spokesperson", "qingshi", "qingshi_lead"]
# One detail page of each kind, reached from the list pages, so detail layouts are checked too.
DETAIL = re.compile(r"^/((cases|events|items|sources)/\d+|reports/daily/\d{4}-\d\d-\d\d"
                    r"|reports/(monthly|quarterly|yearly)/[0-9Q-]+|reports/special(/\d+)?"
                    r"|channels/\d+/admission|publications(/\d+(/diff)?)?|filings(/\d+)?)$")
# Pages counted apart by their shape (a list and its detail pages): reports, own channels' sign-off and filings.
BY_SHAPE = ("/reports/", "/publications", "/filings")
# Width of the page as laid out, and the elements sticking out of it (named, to fix them).
OVERFLOW_JS = """() => {
  const w = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && r.width > 0 && !el.closest('table.grid, .table-wrap, pre, .snapshot-html')) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
    }
  }
  return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    from tests.conftest import copy_demo
    from yuqing.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        if PG_URL:
            reset_postgres(PG_URL)
            mp.setenv("YUQING_DATABASE_URL", PG_URL)
        else:
            mp.delenv("YUQING_DATABASE_URL", raising=False)
        port = free_port()
        ws, _ = copy_demo(demo_template, tmp_path_factory.mktemp("phone") / "demo", base_url=f"http://127.0.0.1:{port}")
        with serve(create_app(ws), port=port) as url:
            yield url
        ws.db.dispose()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = os.environ.get("YUQING_SCREENSHOTS")
    path = Path(where) if where else tmp_path_factory.mktemp("screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _login(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}@demo2026")
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def _menu_pages(page) -> list[str]:  # type: ignore[no-untyped-def]
    hrefs = page.eval_on_selector_all("#main-nav a", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and h.startswith("/")]


@pytest.mark.layout
@pytest.mark.parametrize("username", ROLES)
def test_every_menu_page_fits_a_phone_and_the_menu_toggles(browser, demo_url: str, shots: Path,  # type: ignore[no-untyped-def]
                                                           username: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, demo_url, username)

    # The menu is folded away until the toggle opens it; a link in it then works.
    nav = page.locator("#main-nav")
    assert not nav.is_visible()
    toggle = page.locator(".menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    pages = _menu_pages(page)
    assert len(pages) >= 2, pages
    last = nav.locator("a").last
    target = last.get_attribute("href")
    last.click()
    page.wait_for_url(demo_url + target)
    assert not page.locator("#main-nav").is_visible()  # folded again on the new page

    seen: list[str] = []
    queue = list(dict.fromkeys(pages + (["/cases/workbench"] if username.startswith("qingshi") else [])))
    details: set[str] = set()
    came_from = {p: "菜单" for p in queue}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        response = page.goto(demo_url + path)
        assert response is not None and response.status == 200, (username, path, "linked from", came_from[path])
        page.wait_for_load_state("networkidle")
        fit = page.evaluate(OVERFLOW_JS)
        name = re.sub(r"[^a-z0-9]+", "_", path).strip("_") or "dashboard"
        page.screenshot(path=str(shots / f"390_{username}_{name}.png"), full_page=True)
        assert fit["scroll"] <= PHONE["width"], f"{username} {path}: page {fit['scroll']} px wide: {fit['wide']}"
        if path == "/reports":  # the lists scroll sideways, headers never one character a line (涉/区/信/息)
            tall = page.eval_on_selector_all("table.report-list th", "els => els.filter("
                                             "e => e.getBoundingClientRect().height > 48).map(e => e.innerText)")
            assert not tall, (username, tall)
        for href in page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))"):
            # One of each kind; each kind of report (daily, monthly, special list, special report) counts apart.
            kind = (re.sub(r"\d", "0", href) if href.startswith(BY_SHAPE) else href.split("/")[1]) \
                if DETAIL.match(href or "") else None
            if kind and kind not in details:
                details.add(kind)
                queue.append(href)
                came_from[href] = path
    assert len(seen) >= 2
    assert not errors, errors
    context.close()


def test_a_unit_handler_signs_and_sends_feedback_with_a_photo_from_a_phone(browser, demo_url: str,  # type: ignore[no-untyped-def]
                                                                          shots: Path, tmp_path: Path) -> None:
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    _login(page, demo_url, "qingshi")
    page.goto(demo_url + "/cases/workbench")
    link = page.locator("main a[href^='/cases/']").filter(has_text=re.compile(".")).first
    href = link.get_attribute("href")
    assert href and re.match(r"^/cases/\d+$", href), href
    page.goto(demo_url + href)

    def act(label: str) -> None:
        button = page.locator(f"form button:text-is('{label}')").first
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
        button.click()
        page.wait_for_load_state("networkidle")

    if page.locator("form button:text-is('签收')").count():
        act("签收")
    if page.locator("form button:text-is('开始办理')").count():
        act("开始办理")
    page.fill("textarea[name=text]", "已到现场核实，工资发放名单已张贴（手机提交）")
    if page.locator("textarea[name=explanation]").count():  # asked for only when the case is overdue
        page.fill("textarea[name=explanation]", "超期原因：涉及人数多，逐一核对")
    page.set_input_files("input[name=files]", str(photo))
    page.screenshot(path=str(shots / "390_qingshi_feedback_form.png"), full_page=True)
    act("提交反馈")
    assert "现场照片.png" in page.content() and "手机提交" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(shots / "390_qingshi_after_feedback.png"), full_page=True)
    context.close()


@pytest.mark.layout
@pytest.mark.parametrize("path", ["/", "/cases", "/admin/audit"])
def test_the_wall_and_desk_widths_keep_the_full_menu(browser, demo_url: str, shots: Path, path: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    page = context.new_page()
    _login(page, demo_url, "office")
    page.goto(demo_url + path)
    page.wait_for_load_state("networkidle")
    assert page.locator("#main-nav").is_visible() and not page.locator(".menu-toggle").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WALL["width"]
    name = re.sub(r"[^a-z0-9]+", "_", path).strip("_") or "dashboard"
    page.screenshot(path=str(shots / f"1440_office_{name}.png"), full_page=True)
    context.close()


@pytest.mark.layout
@pytest.mark.parametrize("viewport", [PHONE, WALL], ids=["390", "1440"])
def test_the_alert_editors_fit_a_phone_and_a_wall(browser, demo_url: str, shots: Path, viewport: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    """预警设置 (the rule and channel editors, reached from 预警中心) and 通知设置 fit both widths, and a
    rule saved with a mistake comes back with what was typed."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", is_mobile=viewport is PHONE,
                                  has_touch=viewport is PHONE)
    page = context.new_page()
    _login(page, demo_url, "office")
    for path in ("/alerts", "/alerts/rules/new", "/alerts/channels/new", "/alerts/channels/1", "/alerts/rules/1",
                 "/settings/notifications"):
        response = page.goto(demo_url + path)
        assert response is not None and response.status == 200, path
        fit = page.evaluate(OVERFLOW_JS)
        name = re.sub(r"[^a-z0-9]+", "_", path).strip("_")
        page.screenshot(path=str(shots / f"{viewport['width']}_office_{name}.png"), full_page=True)
        assert fit["scroll"] <= viewport["width"], f"{path}: page {fit['scroll']} px wide: {fit['wide']}"
    page.goto(demo_url + "/alerts/rules/new")
    page.fill("input[name=name]", "夜间突发")
    page.select_option("select[name=min_grade]", "III")
    page.click("main form button")  # sent nowhere: refused, the typed name and grade kept
    assert "至少要发往" in page.locator("[role=alert]").inner_text()
    assert page.input_value("input[name=name]") == "夜间突发" and page.input_value("select[name=min_grade]") == "III"
    context.close()


@pytest.mark.layout
def test_on_the_wall_the_long_menu_the_window_steps_and_the_chart_axis_read_whole(browser, demo_url: str,  # type: ignore[no-untyped-def]
                                                                                   shots: Path) -> None:
    """At 1440 px the administrator's long menu wraps by whole links (never one character a line), each step of
    a monitoring window's history stands on its own line, 通知设置 lays its choices in columns, and a channel's
    weekly chart leaves room above the plot for its axis name (篇)."""
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    page = context.new_page()
    _login(page, demo_url, "admin")
    heights = page.eval_on_selector_all("#main-nav a", "els => els.map(e => [e.innerText, e.getBoundingClientRect().height])")
    assert len(heights) > 12 and all(h < 30 for _, h in heights), heights
    page.goto(demo_url + "/windows")
    tops = page.eval_on_selector_all("#ended .win-history li", "els => els.map(e => e.getBoundingClientRect().top)")
    assert len(tops) >= 3 and len(set(tops)) == len(tops), tops  # 已计划 / 已开启 / 已结束, one a line
    page.screenshot(path=str(shots / "1440_admin_windows.png"), full_page=True)
    page.goto(demo_url + "/settings/notifications")  # some sixty choices in columns, not one 420-px strip
    columns = page.eval_on_selector(".pref-list", "e => getComputedStyle(e).gridTemplateColumns.split(' ').length")
    assert columns >= 3, columns
    option = page.request.get(demo_url + "/channels/1/charts").json()["weekly"]["option"]
    assert option["yAxis"]["name"] == "篇" and option["grid"]["top"] >= 32  # name gap 15 + a 12-px line + margin
    context.close()
