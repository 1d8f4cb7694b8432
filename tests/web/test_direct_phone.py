"""舆情直报 from a phone (390 px, real Chromium): the form fits, a screenshot is attached, the confirmation shows
and the report is listed under the unit's reports today; an error keeps what was typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests import factories
from tests.servers import serve
from tests.web.test_browser import ARGS, CHROMIUM, pytestmark  # noqa: F401  (same skip and marker)
from tests.web.test_phone import OVERFLOW_JS, PHONE
from yuqing.web.app import create_app
from yuqing.workspace import Workspace


def test_a_unit_reports_from_a_phone(ws: Workspace, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with ws.db.write() as s:
        unit = factories.unit(s, "区网宣办")
        factories.user(s, "wx", "unit_handler", unit, display_name="网宣办陈")
    shot = tmp_path / "截图.png"
    Image.new("RGB", (390, 800), (240, 240, 240)).save(shot, "PNG")
    with serve(create_app(ws)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
        page.goto(url + "/login")
        page.fill("input[name=username]", "wx")
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/")
        page.goto(url + "/direct-reports")
        wide = page.evaluate(OVERFLOW_JS)
        assert wide["scroll"] <= PHONE["width"] and not wide["wide"], wide
        # An error first: only a screenshot, no note. What was typed stays.
        page.fill("input[name=poster]", "某网友")
        page.set_input_files("input[name=screenshots]", str(shot))
        page.click("button[type=submit]")
        assert "请在“说明”里简要写明" in page.locator("p.error").inner_text()
        assert page.input_value("input[name=poster]") == "某网友"
        page.set_input_files("input[name=screenshots]", str(shot))
        page.fill("textarea[name=note]", "某公众号称东湖公园游船侧翻，需核实")
        page.check("input[name=urgency][value=urgent]")
        page.click("button[type=submit]")
        page.wait_for_url(url + "/direct-reports")
        assert "直报已提交" in page.locator("p.flash").inner_text()
        item = page.locator("#today li").first.inner_text()
        assert "东湖公园游船侧翻" in item and "紧急" in item and "截图 1 张" in item
        wide = page.evaluate(OVERFLOW_JS)
        assert wide["scroll"] <= PHONE["width"] and not wide["wide"], wide
        page.screenshot(path=str(tmp_path / "direct-phone.png"), full_page=True)
        browser.close()


@pytest.mark.layout
def test_the_windows_calendar_fits_a_phone(ws: Workspace, tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    from playwright.sync_api import sync_playwright

    from yuqing.clock import utcnow
    from yuqing.collect.sources import plan_window

    with ws.db.write() as s:
        factories.user(s, "adm", "admin", display_name="管理员")
        src = factories.source(s, "示例区政务论坛（一个很长的信息源名称用来检查换行）", kind="rss", url="http://127.0.0.1:9/r").id
    start: datetime = utcnow() + timedelta(days=3)
    plan_window(ws, factories.ADMIN, "2027年中考（全区考点周边）", start, start + timedelta(days=2), [src],
                ["中考", "考场", "泄题", "交通管制"], 120, ["adm"])
    from yuqing.actions.actors import jobs_actor
    from yuqing.clock import frozen
    from yuqing.collect.schedule import switch_windows

    past = utcnow() - timedelta(days=3)  # an exam day a few days ago: its history (已开启, 已结束) on the page
    with frozen(past - timedelta(days=1)):
        plan_window(ws, factories.ADMIN, "高考艺术类专业统考（本区考点，时间较长的名称）", past, past + timedelta(hours=10),
                    [src], ["艺考"], 60, ["adm"])
    for moment in (past, past + timedelta(hours=10)):
        with frozen(moment + timedelta(seconds=40)):
            switch_windows(ws, jobs_actor(ws))
    with serve(create_app(ws)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
        page.goto(url + "/login")
        page.fill("input[name=username]", "adm")
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/")
        page.goto(url + "/windows")
        assert "2027年中考" in page.locator("#calendar").inner_text()
        assert "已结束" in page.locator("#ended").inner_text() and "值班安排" in page.locator("#ended").inner_text()
        wide = page.evaluate(OVERFLOW_JS)
        assert wide["scroll"] <= PHONE["width"] and not wide["wide"], wide
        page.screenshot(path=str(tmp_path / "windows-phone.png"), full_page=True)
        browser.close()
