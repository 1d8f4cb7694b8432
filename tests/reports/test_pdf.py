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
