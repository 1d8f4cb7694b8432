"""The daily report as XLSX: one sheet per table, headers frozen, watermark (who, when) on every sheet."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from yuqing.exports import _put, cell_text, watermark

# (sheet, key in the figures, [(header, field)]); a "count" list is (name, count).
SHEETS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("按来源", "by_source", [("来源", "name"), ("条数", "count")]),
    ("按情感", "by_sentiment", [("情感", "name"), ("条数", "count")]),
    ("按领域", "by_topic", [("领域", "name"), ("条数", "count")]),
    ("按地点", "by_place", [("地点", "name"), ("条数", "count")]),
    ("新增事件", "new_events", [("编号", "id"), ("事件", "title"), ("等级", "grade_label"), ("首次发现", "first_seen"),
                            ("当日", "items_today"), ("前一日", "items_before"), ("累计", "items_total")]),
    ("升温事件", "rising_events", [("编号", "id"), ("事件", "title"), ("等级", "grade_label"),
                               ("首次发现", "first_seen"), ("当日", "items_today"), ("前一日", "items_before"),
                               ("累计", "items_total")]),
    ("重点信息", "top_items", [("编号", "id"), ("信息", "title"), ("来源", "source"), ("发布时间", "published"),
                            ("情感", "sentiment"), ("互动量", "engagement"), ("链接", "url"), ("采集时间", "captured"),
                            ("内容哈希", "content_hash"), ("原始数据哈希", "raw_sha256")]),
    ("案件状态", "case_states", [("状态", "name"), ("件数", "count")]),
    ("逾期案件", "overdue", [("编号", "id"), ("案件", "title"), ("责任单位", "units"), ("状态", "state"),
                          ("期限", "due"), ("逾期（小时）", "overdue_hours")]),
    ("信息源运行", "sources", [("信息源", "name"), ("状态", "label"), ("当日抓取", "runs"), ("失败", "failed"),
                           ("最近新内容", "last_new_item")]),
]
TOTALS = [("采集信息", "totals", "collected"), ("涉区信息", "totals", "relevant"), ("负面信息", "totals", "negative"),
          ("未分析", "totals", "not_analysed"), ("新增事件", "totals", "new_events"),
          ("升温事件", "totals", "rising_events"), ("累计立案", "case_totals", "total"),
          ("当日新立", "case_totals", "new"), ("在办", "case_totals", "open"), ("已销号", "case_totals", "closed"),
          ("确认解决", "case_totals", "solved"), ("逾期", "case_totals", "overdue")]


def _sheet(wb: Workbook, title: str, mark: str, headers: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append([mark])
    ws["A1"].font = Font(color="B3261E", italic=True)
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F3F4F6")
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            _put(ws.cell(row=r, column=c), value)
            ws.cell(row=r, column=c).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 40 if header in ("事件", "信息", "链接", "案件") else 16
    ws.oddHeader.center.text = mark
    ws.oddFooter.center.text = mark


def daily_xlsx(figures: dict[str, Any], *, who: str) -> bytes:
    """The daily report's tables, one sheet each (the first: the totals), watermarked with `who` and now."""
    mark = cell_text(watermark(who))
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    _sheet(wb, "总体情况", mark, ["项目", "数量"],
           [[f"{figures['title']}（{figures['day']}，截至 {figures['as_of']}）", ""]]
           + [[label, figures[group].get(key, 0)] for label, group, key in TOTALS])
    for title, key, columns in SHEETS:
        _sheet(wb, title, mark, [h for h, _ in columns], [[row.get(f) for _, f in columns] for row in figures[key]])
    ur = figures["unit_reports"]
    if ur.get("available"):
        _sheet(wb, "单位直报", mark, ["单位", "截止时间", "状态", "报送次数", "其中报送信息", "首次报送", "今日无舆情"],
               [[u["unit"], u["cutoff"], u["state_label"], u["submissions"], u["items"], u["first_at"] or "",
                 "是" if u["nothing"] else ""] for u in ur["units"]]
               + [[f"{c['name']}（非每日报送单位）", "", "", c["count"], c["count"], "", ""] for c in ur["others"]]
               + ([[f"统计截至 {ur['as_of']}", "", "", "", "", "", ""]] if ur.get("as_of") else [])
               + ([[ur["pending_note"], "", "", "", "", "", ""]] if ur.get("pending_note") else []))
    else:
        _sheet(wb, "单位直报（待建）", mark, ["说明"], [[ur["note"]]])
    wb.properties.creator = cell_text(who)
    wb.properties.title = cell_text(f"{figures['title']}（{figures['day']}）")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
