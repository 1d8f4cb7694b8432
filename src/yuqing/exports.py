"""Exports that open in WPS/Excel. Every file names who downloaded it and when (a watermark in the
sheet's header, footer and first row), and every download is audited (R-PLATFORM-2)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from yuqing.clock import CHINA, aware, now_local
from yuqing.store.tables import Item

SENTIMENT = {"negative": "负面", "neutral": "中性", "positive": "正面"}


def watermark(who: str) -> str:
    return f"导出人：{who}　导出时间：{now_local().strftime('%Y-%m-%d %H:%M')}　仅限工作使用，注意保密"


def xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], who: str,
         widths: Sequence[int] | None = None) -> bytes:
    """One sheet: a watermark line, a bold header row, the rows; frozen header, filters on."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    mark = watermark(who)
    ws.append([mark])
    ws["A1"].font = Font(color="B3261E", italic=True)
    ws.append(list(headers))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F3F4F6")
    for row in rows:
        ws.append(list(row))
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{len(rows) + 2}"
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.oddHeader.center.text = mark
    ws.oddFooter.center.text = mark
    wb.properties.creator = who
    wb.properties.title = title
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
