"""案例库 and a closed case's 后期跟踪 / 沟通记录 on a phone (390 px, real Chromium): nothing scrolls sideways."""

from __future__ import annotations

import pytest

from tests import factories
from tests.respond.test_library import _evaluated
from tests.servers import serve
from tests.web.test_browser import ARGS, CHROMIUM, pytestmark  # noqa: F401  (same skip and marker)
from tests.web.test_phone import OVERFLOW_JS, PHONE
from yuqing.actions.actors import jobs_actor
from yuqing.respond import followups
from yuqing.store.tables import Case
from yuqing.web.app import create_app


@pytest.mark.layout
def test_library_and_case_page_fit_a_phone(desk) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    cid = _evaluated(desk)
    with desk.ws.db.write() as s:
        event_id = s.get(Case, cid).event_id
        iid = factories.item(s, "工资已经到账了，点赞", event_id=event_id, sentiment="positive").id
    followups.attach_follow_ups(desk.ws, jobs_actor(desk.ws), [iid])
    with serve(create_app(desk.ws)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
        page.goto(url + "/login")
        page.fill("input[name=username]", "office")
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/")
        for path, text in (("/library", "节前排查欠薪隐患"), (f"/cases/{cid}", "正面 1")):
            page.goto(url + path)
            assert text in page.content()
            wide = page.evaluate(OVERFLOW_JS)
            assert wide["scroll"] <= PHONE["width"] and not wide["wide"], (path, wide)
        browser.close()
