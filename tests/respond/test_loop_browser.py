"""The whole disposal loop through the pages alone, on real Chromium against the demo (issue 9, "Done means").

The analyst opens a case from the demo's flooding event; the office assigns the proposed units; the 河口镇
handler signs for it and submits feedback with a photo on a 390 px phone; the 河口镇 leader approves it; the
office reviews; the handler drafts a reply, the leader approves and releases it; the office closes the case
(with its written reason, since the assisting unit never signed); the audit page shows every step in Chinese.
Each person is led to the case by the matching notification in their inbox (通知), filtered by its kind.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import serve

CHROMIUM = os.environ.get("YUQING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                       reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium)"),
]


@pytest.fixture
def demo(tmp_path: Path, database_url: str, demo_template: Path) -> Iterator[tuple[Any, str]]:
    from tests.conftest import copy_demo
    from yuqing.web.app import create_app

    ws, _ = copy_demo(demo_template, tmp_path / "demo")
    with serve(create_app(ws)) as url:
        yield ws, url
    ws.db.dispose()


class Person:
    """One person's browser context (own cookies), logged in with the demo password."""

    def __init__(self, browser: Any, base: str, username: str, errors: list[str], phone: bool = False):
        self.base = base
        self.ctx = browser.new_context(locale="zh-CN", viewport=PHONE if phone else {"width": 1280, "height": 900})
        self.page = self.ctx.new_page()
        self.page.on("pageerror", lambda e: errors.append(f"{username}: {e}"))
        self.page.goto(base + "/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", f"{username}@demo2026")
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, f"{username} could not log in"

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.page

    def act(self, label: str, reason: str | None = None) -> None:
        """Press the lifecycle button with this label on the case page (filling its reason first)."""
        form = self.page.locator("form", has=self.page.locator(f"button:text-is('{label}')"))
        if reason is not None:
            form.locator("input[name=reason]").fill(reason)
        form.locator(f"button:text-is('{label}')").click()
        self.page.wait_for_load_state()
        alert = self.page.locator("p.error[role=alert]")
        assert alert.count() == 0, alert.first.text_content()

    def inbox(self, kind: str, words: str, case_id: int) -> None:
        """Find the notification of this kind about the case in the inbox and follow it to the case."""
        page = self.go(f"/notifications?kind={kind}")
        link = page.locator("a.inbox-title", has_text=words).first
        assert link.count() == 1, (kind, words, page.locator("ul.inbox-list").text_content())
        link.click()
        page.wait_for_url(f"**/cases/{case_id}")

    def state(self) -> str:
        return self.page.locator("article .meta .badge").first.text_content() or ""

    def close(self) -> None:
        self.ctx.close()


def _fits_phone(page: Any, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (selector, box)


@pytest.mark.timeout(900)  # builds the whole demo first, then eleven page visits by five people
def test_the_disposal_loop_through_the_pages(demo: tuple[Any, str], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    ws, base = demo
    errors: list[str] = []
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        # 1. The analyst opens a case from the flooding event (立案交办), grade III, 3 working days, reported.
        analyst = Person(browser, base, "analyst", errors)
        page = analyst.go("/events")
        page.locator("a", has_text="河口").first.click()
        page.wait_for_load_state()
        event_id = int(re.search(r"/events/(\d+)", page.url).group(1))  # type: ignore[union-attr]
        page.click("text=立案交办")
        page.wait_for_url(f"**/cases/new?event={event_id}")
        proposal = page.locator("#proposal").text_content() or ""
        assert "河口镇" in proposal and "属地" in proposal and "应急管理局" in proposal and "属事" in proposal
        assert "关键帖子" in page.input_value("textarea[name=summary]")
        page.select_option("select[name=grade]", "III")
        page.select_option("select[name=due_kind]", "working_days")
        page.fill("input[name=due_value]", "3")
        page.wait_for_function("document.querySelector('#due-preview').textContent.includes('期限至')")
        assert re.search(r"期限至 \d{4}-\d\d-\d\d \d\d:\d\d", page.text_content("#due-preview") or "")
        page.check("input[name=then][value=report]")
        title = page.input_value("input[name=title]")
        words = title[:12]
        page.click("form#open-case button.primary")
        page.wait_for_url(re.compile(r".*/cases/\d+\?done=opened$"))
        case_id = int(re.search(r"/cases/(\d+)", page.url).group(1))  # type: ignore[union-attr]
        assert "已立案" in page.content() and analyst.state() == "已报送"
        page = analyst.go(f"/events/{event_id}")
        assert page.locator(f"a[href='/cases/{case_id}']").count() >= 1  # the event links to its case
        analyst.close()

        # 2. The office, told by its inbox, assigns the proposed units (the deadline starts).
        office = Person(browser, base, "office", errors)
        office.inbox("case.reported", words, case_id)
        office.act("交办", "按责任清单交办：河口镇牵头，应急管理局协办")
        assert office.state() == "已交办"
        text = office.page.content()
        assert "河口镇（牵头）" in text and "应急管理局（协办）" in text

        # 3. The 河口镇 handler, on a phone: signs for it, then feeds back with a photo.
        handler = Person(browser, base, "hekou", errors, phone=True)
        handler.inbox("case.assigned", words, case_id)
        page = handler.go("/cases/workbench")
        page.locator(f"a[href='/cases/{case_id}']").click()
        page.wait_for_url(f"**/cases/{case_id}")
        handler.act("签收")
        assert handler.state() == "已签收"
        _fits_phone(page, "form[action$='/feedback'] textarea[name=text]")
        page.fill("form[action$='/feedback'] textarea[name=text]",
                  "河口镇连夜转移渡口村、河口村群众 46 人至镇中心小学安置点，抽排积水，河口大桥下路段已恢复通行。")
        page.set_input_files("form[action$='/feedback'] input[type=file]", str(photo))
        _fits_phone(page, "form[action$='/feedback'] button.primary")
        page.click("form[action$='/feedback'] button.primary")
        page.wait_for_load_state()
        assert handler.state() == "反馈待单位领导审核"
        assert page.locator("a", has_text="现场照片.png").count() == 1

        # 4. The 河口镇 leader approves the feedback (also on a phone); only now does it reach the office.
        leader = Person(browser, base, "hekou_lead", errors, phone=True)
        leader.inbox("case.feedback_to_approve", words, case_id)
        leader.act("单位领导审核通过反馈", "情况属实，同意报区委办")
        assert leader.state() == "已反馈（待办公室审核）"

        # 5. The office reviews the feedback.
        office.inbox("case.feedback", words, case_id)
        office.act("审核通过反馈", "反馈属实")
        assert office.state() == "已审核"

        # 6. The handler drafts the reply; the leader approves (签发) and records its release.
        page = handler.go(f"/cases/{case_id}")
        page.locator("form:has(input[name=what][value=draft]) button").click()
        page.wait_for_load_state()
        assert "待审核" in (page.locator("section", has_text="回复与发布").text_content() or "")
        leader.inbox("case.reply_draft", words, case_id)
        page = leader.page
        page.locator("form:has(input[name=what][value=approve]) input[name=note]").fill("同意回复")
        page.locator("form:has(input[name=what][value=approve]) button[value='1']").click()
        page.wait_for_load_state()
        page.locator("form:has(input[name=what][value=release]) input[name=url]").fill(
            "https://example.invalid/区长留言板/2301#reply")
        page.locator("form:has(input[name=what][value=release]) button").click()
        page.wait_for_load_state()
        assert leader.state() == "已回复"

        # 7. The office closes it; the assisting unit never signed, so its written reason is required.
        office.go(f"/cases/{case_id}")
        office.page.locator("form:has(input[name=action][value=close]) button").click()
        office.page.wait_for_load_state()  # the browser refuses the empty required reason, or the server does
        assert office.state() == "已回复"
        office.act("销号", "应急管理局未参与现场处置，经电话确认无需签收，予以销号")
        assert office.state().startswith("已销号")
        history = office.page.locator("section", has_text="办理记录").text_content() or ""
        assert "经电话确认无需签收" in history
        handler.inbox("case.closed", words, case_id)
        leader.inbox("case.closed", words, case_id)
        analyst = Person(browser, base, "analyst", errors)
        analyst.inbox("case.closed", "您立案的案件已销号", case_id)
        for person in (handler, leader, analyst):
            person.close()

        # 8. The audit page, filtered to this case, shows every step in Chinese (no codes, no JSON).
        page = office.go(f"/admin/audit?object_type=case&object_id={case_id}")
        table = page.locator("table.audit").text_content() or ""
        for step in ("立案", "研判", "报送", "交办", "签收", "提交反馈（送单位领导审核）", "单位领导审核通过反馈",
                     "审核通过反馈", "起草回复", "签发回复", "记录回复发布", "回复发布", "销号"):
            assert f"案件·{step}" in table, step
        for who in ("舆情监测员", "区委办", "河口镇经办人", "河口镇镇长"):
            assert who in table, who
        assert "未签收的协办单位" in table and "应急管理局" in table  # the reason for closing is on record
        assert not re.search(r"case\.[a-z_]+|\\u[0-9a-f]{4}|\{\"", table)
        page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
        office.close()
        browser.close()
    assert not errors, errors
    from yuqing.store.tables import Case

    with ws.db.read() as s:
        assert s.get(Case, case_id).state == "closed"
