"""The daily report as DOCX in the layout of GB/T 9704-2012 (党政机关公文格式).

A4; top margin 37 mm, binding (left) margin 28 mm, type area 156 × 225 mm (so right 26 mm, bottom 35 mm);
title 2号 (22 pt) 小标宋; body 3号 (16 pt) 仿宋 at 22 lines a page (fixed line pitch 225 mm / 22);
first-level headings 黑体, second-level 楷体; page numbers "— 1 —" in 4号 (14 pt) 宋体 at the foot,
outside edge; the issuing unit and the date line (成文日期) at the end. Chinese fonts are named for
the East Asian script (w:eastAsia), so Word and WPS pick them; LibreOffice falls back to the CJK font installed.
The distributions come with bar charts (matplotlib, CJK font) above their tables.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from yuqing.reports.charts import bar_chart

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
TOP, LEFT, RIGHT, BOTTOM = Mm(37), Mm(28), Mm(26), Mm(35)  # 210 - 28 - 156 = 26; 297 - 37 - 225 = 35
LINE = Pt(225 / 25.4 * 72 / 22)  # 22 lines in the 225 mm type area
TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, PAGE_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
TITLE_SIZE, BODY_SIZE, PAGE_SIZE, TABLE_SIZE = Pt(22), Pt(16), Pt(14), Pt(10.5)
CN_NUMBERS = "一二三四五六七八九十"


def _font(run: Run, name: str, size: Pt, bold: bool = False) -> Run:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    return run


def _para(doc: Any, text: str = "", font: str = BODY_FONT, size: Pt = BODY_SIZE, *, bold: bool = False,
          align: int | None = None, indent: bool = False) -> Paragraph:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)  # 首行缩进两字
    if align is not None:
        p.alignment = align
    if text:
        _font(p.add_run(text), font, size, bold)
    return p


def _page_number(paragraph: Paragraph) -> None:
    """"— N —": an em dash, the PAGE field, an em dash (GB/T 9704 §7.5)."""
    _font(paragraph.add_run("— "), PAGE_FONT, PAGE_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = _font(paragraph.add_run(), PAGE_FONT, PAGE_SIZE)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._element.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text or ""
    _font(paragraph.add_run(" —"), PAGE_FONT, PAGE_SIZE)


def _table(doc: Any, headers: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), H1_FONT, TABLE_SIZE)
    for values in rows or [["无"] + [""] * (len(headers) - 1)]:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, TABLE_SIZE)


def new_document(watermark: str) -> Any:
    """An empty A4 document in the GB/T 9704 layout: margins, body font, the watermark (who, when) in the
    header of every page and the page number "— N —" at the foot."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = TOP, BOTTOM
    section.left_margin, section.right_margin = LEFT, RIGHT
    section.header_distance, section.footer_distance = Mm(15), Mm(28)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    head = section.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(head.add_run(watermark), BODY_FONT, Pt(9)).font.color.rgb = RGBColor(0xB3, 0x26, 0x1E)
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(foot)
    return doc


def finish(doc: Any, *, issuer: str, date_line: str, title: str, watermark: str) -> bytes:
    """The issuing unit and the date line (成文日期) at the end; the file's title and watermark; the bytes."""
    _para(doc)
    _para(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, date_line, align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.core_properties.title = title
    doc.core_properties.comments = watermark
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def daily_docx(figures: dict[str, Any], *, issuer: str, watermark: str) -> bytes:
    """The daily report in official-document layout; `watermark` (who, when) in the header of every page."""
    r = figures
    doc = new_document(watermark)

    _para(doc, r["title"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"（{r['day']}，截至 {r['as_of']}）", BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)

    t, c = r["totals"], r["case_totals"]
    _para(doc, "一、总体情况", H1_FONT)
    _para(doc, f"当日共采集信息{t['collected']}条，其中涉区信息{t['relevant']}条、负面{t['negative']}条；"
               f"新增事件{t['new_events']}个，升温事件{t['rising_events']}个；在办案件{c.get('open', 0)}件，"
               f"逾期{c.get('overdue', 0)}件。", indent=True)

    _para(doc, "二、涉区信息分布", H1_FONT)
    for i, (heading, key, what) in enumerate((("按来源", "by_source", "来源"), ("按情感", "by_sentiment", "情感"),
                                              ("按领域", "by_topic", "领域"), ("按地点", "by_place", "地点"))):
        _para(doc, f"（{CN_NUMBERS[i]}）{heading}", H2_FONT)
        chart = bar_chart(f"涉区信息{heading}", r[key])
        if chart is not None:
            doc.add_picture(io.BytesIO(chart), width=Mm(120))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _table(doc, [what, "条数"], [[x["name"], x["count"]] for x in r[key]])

    _para(doc, "三、新增与升温事件", H1_FONT)
    for i, (heading, key) in enumerate((("新增事件", "new_events"), ("升温事件", "rising_events"))):
        _para(doc, f"（{CN_NUMBERS[i]}）{heading}", H2_FONT)
        _table(doc, ["事件", "等级", "首次发现", "当日", "前一日", "累计"],
               [[e["title"], e["grade_label"], e["first_seen"], e["items_today"], e["items_before"], e["items_total"]]
                for e in r[key]])

    _para(doc, "四、重点信息", H1_FONT)
    _table(doc, ["信息", "来源", "发布时间", "互动量", "链接", "采集时间", "内容哈希"],
           [[x["title"], x["source"], x["published"], x["engagement"], x["url"], x["captured"], x["content_hash"]]
            for x in r["top_items"]])

    _para(doc, "五、案件办理", H1_FONT)
    _para(doc, f"累计立案{c.get('total', 0)}件，当日新立{c.get('new', 0)}件，在办{c.get('open', 0)}件，"
               f"已销号{c.get('closed', 0)}件（其中确认解决{c.get('solved', 0)}件），逾期{c.get('overdue', 0)}件。",
          indent=True)
    _para(doc, "（一）案件状态", H2_FONT)
    _table(doc, ["状态", "件数"], [[x["name"], x["count"]] for x in r["case_states"]])
    _para(doc, "（二）逾期案件", H2_FONT)
    _table(doc, ["案件", "责任单位", "状态", "期限", "逾期（小时）"],
           [[x["title"], x["units"], x["state"], x["due"], x["overdue_hours"]] for x in r["overdue"]])

    _para(doc, "六、信息源运行", H1_FONT)
    _table(doc, ["信息源", "状态", "当日抓取", "失败", "最近新内容"],
           [[x["name"], x["label"], x["runs"], x["failed"], x["last_new_item"] or "无"] for x in r["sources"]])

    _para(doc, "七、各单位直报情况", H1_FONT)
    ur = r["unit_reports"]
    if ur.get("available"):
        when = f"截至 {ur['as_of']}（北京时间），" if ur.get("as_of") else ""
        waiting = (f"，截至{ur.get('as_of_time', '')}未报送（未到截止时间）{ur['pending']} 个："
                   + "、".join(ur.get("pending_units", [])) if ur["pending"] else "")
        _para(doc, f"{when}每日报送单位 {len(ur['units'])} 个：按时报送 {ur['on_time']} 个，迟报 {ur['late']} 个，"
                   f"未报送 {ur['missing']} 个{waiting}。", indent=True)
        _table(doc, ["单位", "截止时间", "状态", "报送次数", "其中报送信息", "首次报送"],
               [[u["unit"], u["cutoff"], u["state_label"] + ("（今日无舆情）" if u["nothing"] else ""),
                 u["submissions"], u["items"], u["first_at"] or "—"] for u in ur["units"]])
        if ur["others"]:
            _para(doc, "其他单位直报：" + "；".join(f"{c['name']} {c['count']} 条" for c in ur["others"]) + "。",
                  indent=True)
        if ur.get("pending_note"):
            _para(doc, ur["pending_note"], indent=True)
        _para(doc, ur["note"], indent=True)
    else:
        _para(doc, f"【待建】{ur['note']}", indent=True)
    y, m, d = (int(x) for x in r["day"].split("-"))
    return finish(doc, issuer=issuer, date_line=f"{y}年{m}月{d}日", title=f"{r['title']}（{r['day']}）",
                  watermark=watermark)
