"""报告 pages: the list, one report's page, its charts, downloads (watermarked, audited) and permissions."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.reports.conftest import NOW, build_day
from tests.web.conftest import login
from yuqing.clock import frozen
from yuqing.domain.roles import Actor
from yuqing.reports.pdf import soffice
from yuqing.reports.store import generate_daily
from yuqing.store.tables import AuditEntry
from yuqing.workspace import Workspace


@pytest.fixture
def day_ws(ws: Workspace) -> Workspace:
    return build_day(ws)


def _generate(ws: Workspace) -> None:
    with frozen(NOW):
        generate_daily(ws, Actor(None, "测试监测员", "analyst"), date(2026, 11, 20))


def test_leader_reads_the_list_and_the_report_and_downloads_both_files(day_ws: Workspace,
                                                                        app_client: TestClient) -> None:
    _generate(day_ws)
    with day_ws.db.write() as s:
        factories.user(s, "leader1", role="leader", display_name="张区长")
    login(app_client, "leader1")
    page = app_client.get("/reports")
    assert page.status_code == 200 and "2026-11-20 网络舆情日报告表" in page.text and 'href="/reports"' in page.text
    assert "生成日报" not in page.text  # a leader reads; analysts generate
    page = app_client.get("/reports/daily/2026-11-20")
    assert page.status_code == 200
    for text in ("一、总体情况", "西关路塌陷处置", "https://example.invalid/1", "被封禁", "未设置每日报送单位", "下载 DOCX"):
        assert text in page.text, text
    charts = app_client.get("/reports/daily/2026-11-20/charts.json").json()
    assert charts["source"]["option"]["series"][0]["data"] == [2, 2]
    assert [d["value"] for d in charts["sentiment"]["option"]["series"][0]["data"]] == [2, 1, 1, 0]

    docx = app_client.get("/reports/daily/2026-11-20/download.docx")
    assert docx.status_code == 200 and "attachment" in docx.headers["content-disposition"]
    assert "张区长" in Document(io.BytesIO(docx.content)).sections[0].header.paragraphs[0].text
    xlsx = app_client.get("/reports/daily/2026-11-20/download.xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "张区长" in str(book["总体情况"]["A1"].value) and book["逾期案件"].freeze_panes == "A3"
    with day_ws.db.read() as s:
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.action == "report.download")).scalars())
    assert [(e.actor_name, e.detail["format"], e.detail["period"]) for e in entries] == [
        ("张区长", "docx", "2026-11-20"), ("张区长", "xlsx", "2026-11-20")]
    if soffice() is not None:  # PDF through LibreOffice, offered only where it is installed
        assert "下载 PDF" in page.text
        pdf = app_client.get("/reports/daily/2026-11-20/download.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        with day_ws.db.read() as s:
            assert s.execute(select(AuditEntry).where(AuditEntry.action == "report.download")
                             .order_by(AuditEntry.id.desc()).limit(1)).scalar_one().detail["format"] == "pdf"
    assert app_client.get("/reports/daily/2026-11-19").status_code == 404
    assert app_client.get("/reports/daily/2026-11-20/download.odt").status_code == 404


def test_an_analyst_generates_a_day_and_a_unit_handler_may_not_read(day_ws: Workspace,
                                                                   app_client: TestClient) -> None:
    with day_ws.db.write() as s:
        factories.user(s, "ana", role="analyst")
        factories.user(s, "handler", role="unit_handler", unit=factories.unit(s))
    token = login(app_client, "ana")
    with frozen(NOW):
        r = app_client.post("/reports/daily", data={"day": "2026-11-20", "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/reports/daily/2026-11-20"
        bad = app_client.post("/reports/daily", data={"day": "2026-12-01", "csrf_token": token})
    assert bad.status_code == 400 and "尚未到来" in bad.text and 'value="2026-12-01"' in bad.text
    assert "涉区信息 <b>4</b> 条" in app_client.get("/reports/daily/2026-11-20").text
    app_client.post("/logout", data={"csrf_token": token})
    app_client.cookies.clear()
    login(app_client, "handler")
    assert app_client.get("/reports").status_code == 403
    assert app_client.get("/reports/daily/2026-11-20/download.docx").status_code == 403
