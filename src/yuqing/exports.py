"""Exports that open in WPS/Excel. Every file names who downloaded it and when (a watermark in the
sheet's header, footer and first row), and every download is audited (R-PLATFORM-2).

Collected text is hostile: a cell starting with = + - @ is written as text (type string, quote prefix),
never as a formula, and characters an XLSX file cannot hold (C0 controls, U+FFFE/FFFF, lone
surrogates) are dropped, so one odd item never breaks an export."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from yuqing.actions import Tx, action
from yuqing.clock import CHINA, aware, now_local
from yuqing.store.tables import Item

SENTIMENT = {"negative": "负面", "neutral": "中性", "positive": "正面"}


# XML 1.0 cannot carry these; openpyxl refuses them (ILLEGAL_CHARACTERS_RE) and the save fails.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@")


def cell_text(value: str) -> str:
    """The text with every character an XLSX cell cannot hold removed."""
    return _ILLEGAL.sub("", value)


def _put(cell: Any, value: Any) -> None:
    """Write one value; text that a spreadsheet would read as a formula stays text."""
    if isinstance(value, str):
        value = cell_text(value)
        cell.value = value
        if value.lstrip().startswith(_FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value


def watermark(who: str) -> str:
    return f"导出人：{who}　导出时间：{now_local().strftime('%Y-%m-%d %H:%M')}　仅限工作使用，注意保密"


def xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], who: str,
         widths: Sequence[int] | None = None) -> bytes:
    """One sheet: a watermark line, a bold header row, the rows; frozen header, filters on."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    mark = cell_text(watermark(who))
    ws.append([mark])
    ws["A1"].font = Font(color="B3261E", italic=True)
    ws.append([cell_text(h) for h in headers])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F3F4F6")
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            _put(ws.cell(row=r, column=c), value)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{len(rows) + 2}"
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.oddHeader.center.text = mark
    ws.oddFooter.center.text = mark
    wb.properties.creator = cell_text(who)
    wb.properties.title = cell_text(title)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def items_xlsx(items: Sequence[Item], who: str) -> bytes:
    headers = ["编号", "来源", "发布时间", "采集时间", "标题", "正文", "链接", "情感", "领域", "涉区", "地点",
               "转发", "评论", "点赞", "内容哈希"]
    rows = []
    for it in items:
        rows.append([
            it.id, it.source.name,
            aware(it.published_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if it.published_at else "",
            aware(it.captured_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
            it.title, it.text, it.url or "", SENTIMENT.get(it.sentiment or "", ""),
            "、".join(t["name"] if isinstance(t, dict) else str(t) for t in it.topics or []),
            "是" if it.relevant else ("否" if it.relevant is False else ""),
            "、".join(p["name"] if isinstance(p, dict) else str(p) for p in it.places or []),
            it.reposts, it.comments, it.likes, it.content_hash,
        ])
    return xlsx("信息导出", headers, rows, who, widths=[8, 12, 17, 17, 30, 60, 30, 6, 14, 6, 16, 6, 6, 6, 20])


@action("export.items", permission="items.read")
def record_items_export(tx: Tx, *, rows: int, total: int, filters: dict[str, Any]) -> None:
    """Who exported which filter of the feed, and how many rows (an export is a sensitive read)."""
    tx.audit("export.items", "items", None, rows=rows, total=total, **filters)
