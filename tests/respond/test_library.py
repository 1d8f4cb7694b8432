"""案例库 (R-CASE-11): evaluated cases with lessons and venue contacts, filtered, exported (watermarked, audited)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.respond.conftest import START
from tests.respond.test_trend_watch import SECTIONS
from tests.respond.test_venues import CONTACT
from yuqing.clock import frozen
from yuqing.respond import cases, library, venues
from yuqing.store.tables import AuditEntry
from yuqing.web.app import create_app


def _evaluated(desk) -> int:
    cid = desk.case_to("reviewed", grade="IV")
    venues.log_contact(desk.ws, desk.handler, cid, **CONTACT)
    cases.close(desk.ws, desk.office, cid)
    cases.evaluate(desk.ws, desk.office, cid, SECTIONS)
    return cid


def test_only_evaluated_cases_are_in_the_library_and_filters_narrow_it(desk):
    cid = _evaluated(desk)
    desk.case_to("reviewed", grade="III")  # not closed, not evaluated
    with desk.ws.db.read() as s:
        got = library.entries(s, desk.office)
        assert [e.case_id for e in got] == [cid]
        e = got[0]
        assert e.places == ["桃源镇"] and e.year == 2026 and e.grade == "IV"
        assert ("教训与改进", "节前排查欠薪隐患") in e.sections
        assert e.contacts[0][1] == CONTACT["venue"] and e.response == ["已督促支付"]
        assert any(step == "销号" for _, step, _ in e.timeline)
        lf = library.LibraryFilter
        assert library.entries(s, desk.office, lf(q="节前 欠薪")) and not library.entries(s, desk.office, lf(q="暴雨"))
        assert library.entries(s, desk.office, lf(place="桃源镇")) and not library.entries(s, desk.office, lf(place="青石镇"))
        assert library.entries(s, desk.office, lf(grade="IV")) and not library.entries(s, desk.office, lf(grade="I"))
        assert library.entries(s, desk.office, lf(year=2026)) and not library.entries(s, desk.office, lf(year=2025))
        assert library.entries(s, desk.office, lf(topic="欠薪"))
        assert library.entries(s, desk.other_handler) == []  # another town's unit sees none of it


def test_library_page_and_watermarked_audited_exports(desk):
    _evaluated(desk)
    with frozen(START + timedelta(days=1)), \
            TestClient(create_app(desk.ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"username": "office", "password": factories.PASSWORD, "csrf_token": token})
        text = c.get("/library", params={"q": "欠薪", "place": "桃源镇"}).text
        assert "案例库" in text and "节前排查欠薪隐患" in text and CONTACT["outcome"] in text and "共 1 个案例" in text
        assert "共 0 个案例" in c.get("/library", params={"q": "暴雨"}).text
        bad = c.get("/library", params={"year": "去年", "q": "欠薪"})
        assert bad.status_code == 400 and "年份应为四位数字" in bad.text and 'value="欠薪"' in bad.text
        x = c.get("/library/export.xlsx", params={"place": "桃源镇"})
        sheet = load_workbook(io.BytesIO(x.content)).active
        assert "导出人：办公室王" in str(sheet["A1"].value) and sheet["B3"].value == "拖欠工资"
        d = c.get("/library/export.docx", params={"grade": "IV"})
        xml = zipfile.ZipFile(io.BytesIO(d.content)).read("word/document.xml").decode()
        header = "".join(zipfile.ZipFile(io.BytesIO(d.content)).read(n).decode()
                         for n in zipfile.ZipFile(io.BytesIO(d.content)).namelist() if "header" in n)
        assert "节前排查欠薪隐患" in xml and "本地论坛" in xml and "导出人：办公室王" in header
    with desk.ws.db.read() as s:
        audits = list(s.execute(select(AuditEntry).where(AuditEntry.action == "export.case_library")).scalars())
        assert len(audits) == 2
