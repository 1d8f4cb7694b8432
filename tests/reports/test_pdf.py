"""Proof the DOCX opens and shows Chinese, not only that a zip was written (issue 12, item 7): LibreOffice
headless converts it to PDF, the first page renders to PNG, and the PDF's text has the Chinese headings."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.reports.conftest import NOW
from yuqing.clock import frozen
from yuqing.reports.daily import daily_report
from yuqing.reports.pdf import soffice
from yuqing.reports.render import render_daily
from yuqing.workspace import Workspace

pytestmark = pytest.mark.skipif(
    soffice() is None or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs LibreOffice (libreoffice-writer) and poppler-utils; scripts/test.sh installs them when root")

HEADINGS = ["网络舆情日报告表", "一、总体情况", "二、涉区信息分布", "三、新增与升温事件", "四、重点信息", "五、案件办理",
            "六、信息源运行", "七、各单位直报情况"]


def test_the_docx_renders_through_libreoffice_with_chinese_text(day_ws: Workspace, tmp_path: Path) -> None:
    with day_ws.db.read() as s:
        figures = daily_report(s, date(2026, 11, 20), now=NOW).figures()
    with frozen(NOW):
        pdf = render_daily("pdf", figures, who="王分析", district="示例区")
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "daily.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    squeezed = "".join(text.split())
    for heading in HEADINGS:
        assert heading in squeezed, heading
    assert "示例区网络舆情工作领导小组办公室" in squeezed and "2026年11月20日" in squeezed
    assert "—1—" in squeezed  # the page number of the first page
    assert "王分析" in squeezed  # the watermark in the header
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    [png] = list(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5_000  # a page with text on it, not a blank one


def _pdf_text(pdf: bytes, tmp_path: Path, name: str) -> str:
    assert pdf.startswith(b"%PDF")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())


def test_the_monthly_bulletin_and_a_special_report_render_through_libreoffice(ws: Workspace, tmp_path: Path) -> None:
    """Both go through the same DOCX layout: Chinese headings, formulas with raw counts, page numbers, watermark."""
    from tests import factories
    from yuqing.reports.config import DEFAULTS
    from yuqing.reports.periodic import parse_period, period_report
    from yuqing.reports.render import render_period, render_special
    from yuqing.reports.special import default_texts, special_figures

    with ws.db.write() as s:
        factories.unit(s, "河口镇", kind="town")
        event = factories.event(s, "河口镇内涝", grade="II")
        factories.item(s, title="河口镇积水半米", event_id=event.id, published_at=NOW, captured_at=NOW,
                       url="https://example.invalid/1", content_hash="abc123")
    with ws.db.read() as s, frozen(NOW):
        monthly = period_report(s, parse_period("monthly", "2026-10"), DEFAULTS)
        special = special_figures(s, event.id)
    summary, suggestion = default_texts(special)
    doc = {**special, "report_id": 1, "version": 1, "status": "draft", "status_label": "草稿（待审批）",
           "summary": summary, "suggestion": suggestion, "author": "王分析", "written_at": special["as_of"],
           "approved_by": None, "approved_at": "", "sent_at": ""}
    with frozen(NOW):
        text = _pdf_text(render_period("pdf", monthly, who="王分析", district="示例区"), tmp_path, "monthly")
        for heading in ("2026年10月网络舆情处置月统计", "一、总体情况", "二、各单位办理情况", "五、表扬与通报", "六、统计口径",
                        "按期签收率=按期签收0/应签收0", "—1—", "王分析"):
            assert heading in text, heading
        text = _pdf_text(render_special("pdf", doc, who="王分析", district="示例区"), tmp_path, "special")
        for heading in ("舆情专报", "河口镇内涝", "一、事件概要", "四、重点信息与证据", "abc123", "七、处置建议", "—1—"):
            assert heading in text, heading
