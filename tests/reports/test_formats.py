"""The daily report's files: DOCX in GB/T 9704 layout, XLSX with frozen headers, HTML; each watermarked."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from docx.shared import Mm, Pt
from openpyxl import load_workbook

from tests.reports.conftest import NOW
from yuqing.clock import frozen
from yuqing.reports.daily import daily_report
from yuqing.reports.render import render_daily
from yuqing.workspace import Workspace

WHO = "王分析（analyst）"
HEADINGS = ["一、总体情况", "二、涉区信息分布", "三、新增与升温事件", "四、重点信息", "五、案件办理", "六、信息源运行",
            "七、各单位直报情况"]


@pytest.fixture
def figures(day_ws: Workspace) -> dict:
    with day_ws.db.read() as s:
        return daily_report(s, date(2026, 11, 20), now=NOW).figures()


def _east_asian(run: object) -> str | None:
    from docx.oxml.ns import qn

    fonts = run._element.rPr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    return fonts.get(qn("w:eastAsia"))


def test_docx_has_the_official_layout(figures: dict) -> None:
    with frozen(NOW):
        body = render_daily("docx", figures, who=WHO, district="示例区")
    doc = Document(io.BytesIO(body))
    sec = doc.sections[0]
    mm = lambda length: round(length.mm, 1)  # noqa: E731  (lengths are stored in twips)
    assert (mm(sec.page_width), mm(sec.page_height)) == (210, 297)
    assert tuple(map(mm, (sec.top_margin, sec.left_margin, sec.right_margin, sec.bottom_margin))) == (37, 28, 26, 35)
    assert round((sec.page_width - sec.left_margin - sec.right_margin) / Mm(1)) == 156
    assert round((sec.page_height - sec.top_margin - sec.bottom_margin) / Mm(1)) == 225
    paragraphs = [p for p in doc.paragraphs if p.text]
    title = paragraphs[0]
    assert title.text == "网络舆情日报告表"
    assert title.runs[0].font.size == Pt(22) and "小标宋" in (_east_asian(title.runs[0]) or "")
    by_text = {p.text: p for p in paragraphs}
    for heading in HEADINGS:
        run = by_text[heading].runs[0]
        assert run.font.size == Pt(16) and _east_asian(run) == "黑体", heading
    second = by_text["（一）按来源"].runs[0]
    assert "楷体" in (_east_asian(second) or "")
    body_para = next(p for p in paragraphs if p.text.startswith("当日共采集信息6条"))
    assert body_para.runs[0].font.size == Pt(16) and "仿宋" in (_east_asian(body_para.runs[0]) or "")
    assert round(body_para.paragraph_format.line_spacing.pt, 1) == round(225 / 25.4 * 72 / 22, 1)
    # The issuing unit and the date line close the document; pages are numbered "— N —".
    assert [p.text for p in paragraphs[-2:]] == ["示例区网络舆情工作领导小组办公室", "2026年11月20日"]
    footer = sec.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —") and "PAGE" in footer._p.xml
    assert WHO in sec.header.paragraphs[0].text and "2026-11-21 10:00" in sec.header.paragraphs[0].text
    # The numbers are the figures': the overdue case and the evidence of a top item.
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "西关路塌陷处置" in cells and "https://example.invalid/1" in cells


def test_xlsx_one_sheet_per_table_with_frozen_headers(figures: dict) -> None:
    with frozen(NOW):
        body = render_daily("xlsx", figures, who=WHO, district="示例区")
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames[:4] == ["总体情况", "按来源", "按情感", "按领域"]
    assert {"新增事件", "升温事件", "重点信息", "案件状态", "逾期案件", "信息源运行"} <= set(wb.sheetnames)
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A3", sheet.title
        assert WHO in str(sheet["A1"].value) and "2026-11-21 10:00" in str(sheet["A1"].value)
        assert WHO in sheet.oddHeader.center.text
    totals = {r[0]: r[1] for r in wb["总体情况"].iter_rows(min_row=4, values_only=True)}
    assert totals["涉区信息"] == 4 and totals["逾期"] == 1
    overdue = list(wb["逾期案件"].iter_rows(min_row=2, values_only=True))
    assert overdue[0][:3] == ("编号", "案件", "责任单位") and overdue[1][1] == "西关路塌陷处置"


def test_html_is_a_standalone_watermarked_page(figures: dict) -> None:
    with frozen(NOW):
        html = render_daily("html", figures, who=WHO, district="示例区").decode("utf-8")
    assert "<script" not in html and WHO in html
    for heading in HEADINGS:
        assert heading in html
    assert "西关路塌陷处置" in html and "未设置每日报送单位" in html


def test_docx_charts_are_drawn_with_a_cjk_font(figures: dict) -> None:
    """Each distribution with counts gets a bar chart above its table (four here); no CJK font: no chart."""
    from yuqing.reports.charts import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed (fonts-wqy-microhei)")
    doc = Document(io.BytesIO(render_daily("docx", figures, who=WHO, district="示例区")))
    images = [s for s in doc.inline_shapes]
    assert len(images) == 4
    assert all(round(s.width.mm) == 120 for s in images)


def test_a_rate_chart_keeps_the_units_at_zero_percent() -> None:
    """各单位按期反馈率: a unit at 0% is drawn (a bar chart of counts leaves zeros out); all at 0% still draws."""
    from PIL import Image

    from yuqing.reports.charts import bar_chart, cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed (fonts-wqy-microhei)")
    rows = [{"name": "滨江街道", "count": 100.0}, {"name": "城西街道", "count": 0.0}]

    def bars(png: bytes | None) -> int:  # the figure is 0.45 in a bar + 0.9 in, at 150 dpi
        assert png is not None
        return round((Image.open(io.BytesIO(png)).height / 150 - 0.9) / 0.45)

    assert bars(bar_chart("各单位按期反馈率（%）", rows, top=None, keep_zero=True)) == 2
    assert bars(bar_chart("涉区信息按来源", rows)) == 1
    assert bars(bar_chart("各单位按期反馈率（%）", [{"name": "城西街道", "count": 0.0}], keep_zero=True)) == 1
