"""Monthly and quarterly statistics as files: DOCX in the GB/T 9704 layout (hence PDF) and XLSX with one
sheet per table, frozen headers and each rate's formula as text beside its value. Both watermarked."""

from __future__ import annotations

import io
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from openpyxl import Workbook

from yuqing.exports import cell_text, watermark
from yuqing.reports.charts import bar_chart
from yuqing.reports.docx import (
    CN_NUMBERS,
    H1_FONT,
    H2_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    _para,
    _table,
    finish,
    new_document,
)
from yuqing.reports.submissions import day_outcome
from yuqing.reports.xlsx import _sheet

# The bulletin's tables: (heading, [count keys]); the first column is the unit.
TABLES: list[tuple[str, list[str]]] = [
    ("签收与反馈", ["received", "sign_due", "signed_on_time", "feedback_due", "feedback_on_time", "feedback_late"]),
    ("催办、督办与逾期", ["reminders", "supervisions", "overdue_open", "overdue", "spot_check_failed"]),
    ("销号（三种办结状态分列）", ["closed", "closed_reported", "closed_confirmed", "closed_verified", "closed_reopened"]),
    ("满意度", ["rated", "satisfied", "basically_satisfied", "unsatisfied"]),
    ("每日报送", ["submit_due", "submit_on_time", "submit_late", "submit_missing"]),
]


def _lag(value: Any) -> str:
    return "—" if value is None else str(value)


def _rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    return [*figures["units"], figures["total"]]


def _summary(figures: dict[str, Any]) -> str:
    c = figures["total"]["counts"]
    running = "" if figures["complete"] else f"，本期尚未结束，数字截至{figures['as_of']}"
    return (f"{figures['label']}（{figures['start']}至{figures['end']}{running}），全区各责任单位收到交办{c['received']}次，"
            f"应签收{c['sign_due']}次、按期签收{c['signed_on_time']}次，应反馈{c['feedback_due']}次、按期反馈"
            f"{c['feedback_on_time']}次；本期销号{c['closed']}件，其中单位报结{c['closed_reported']}件、当事方确认"
            f"{c['closed_confirmed']}件、抽查通过{c['closed_verified']}件；催办{c['reminders']}次，督办{c['supervisions']}次，"
            f"抽查未通过{c['spot_check_failed']}次；逾期案件{c['overdue']}件（其中期末仍逾期未办结{c['overdue_open']}件）。")


def _chart_rows(figures: dict[str, Any], key: str) -> list[dict[str, Any]]:
    out = []
    for u in figures["units"]:
        r = next(x for x in u["rates"] if x["key"] == key)
        if r["value"] is not None:
            out.append({"name": u["name"], "count": round(r["value"] * 100, 1)})
    return sorted(out, key=lambda x: (-x["count"], x["name"]))


def _sites_docx(doc: Any, sites: dict[str, Any] | None) -> None:
    """网站与新媒体账号考核: the ranking, then each channel's deductions with their formulas."""
    if not sites:
        return
    _para(doc, "网站与新媒体账号考核", H1_FONT)
    _para(doc, sites["note"], indent=True)
    apart = sites.get("unassessed") or []
    if not sites["channels"] and not apart:
        _para(doc, "本年度没有登记在册的网站或新媒体账号。", indent=True)
        return
    if sites["channels"]:
        _table(doc, ["名次", "网站或账号", "主办单位", "得分"],
               [[c["rank"], c["name"], c["unit_name"], c["score"]] for c in sites["channels"]])
    for c in sites["channels"]:
        lost = [p for p in c["points"] if p["points"]]
        if lost:
            _para(doc, f"{c['rank']}. {c['name']}：{c['score']} 分", H2_FONT)
            for p in lost:
                _para(doc, p["formula"], indent=True)
    if apart:
        _para(doc, "未纳入考核的渠道", H2_FONT)
        _para(doc, sites["unassessed_note"], indent=True)
        _table(doc, ["网站或账号", "主办单位", "未纳入原因", "计入主办单位扣分的检查发现"],
               [[c["name"], c["unit_name"], c["reason"], _evidence(c)] for c in apart])


def _evidence(c: dict[str, Any]) -> str:
    """The standing findings behind a channel not ranked, as one cell: when, what, what the check saw."""
    return "；".join(f"{e['found']} {e['label']}：{e['detail']}" for e in c.get("evidence") or []) or "—"


def period_docx(figures: dict[str, Any], *, issuer: str, watermark: str) -> bytes:
    """The bulletin in official-document layout; every rate printed with its formula and raw counts."""
    r = figures
    labels = r["count_labels"]
    doc = new_document(watermark)
    _para(doc, r["title"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"（{r['start']} 至 {r['end']}）", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)
    if r.get("assessment"):
        a = r["assessment"]
        _para(doc, "考核得分", H1_FONT)
        _para(doc, f"评分表：{a['sheet']['name']}。", indent=True)
        _table(doc, ["名次", "单位", "得分"], [[u["rank"], u["name"], u["score"]] for u in a["units"]])
        for u in a["units"]:
            _para(doc, f"{u['rank']}. {u['name']}：{u['score']} 分", H2_FONT)
            for p in u["points"]:
                _para(doc, p["formula"], indent=True)
        _para(doc, a["note"], indent=True)
        _sites_docx(doc, a.get("sites"))
    _para(doc, "一、总体情况", H1_FONT)
    _para(doc, _summary(r), indent=True)
    for x in r["total"]["rates"]:
        _para(doc, x["formula"], indent=True)

    _para(doc, "二、各单位办理情况", H1_FONT)
    for i, (heading, keys) in enumerate(TABLES):
        _para(doc, f"（{CN_NUMBERS[i]}）{heading}", H2_FONT)
        if i == 0:
            # Every unit with a rate, the 0% ones too (the worst are the point of the chart).
            chart = bar_chart("各单位按期反馈率（%）", _chart_rows(r, "feedback_rate"), top=None, keep_zero=True)
            if chart is not None:
                doc.add_picture(io.BytesIO(chart), width=Mm(120))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _table(doc, ["单位", *[labels.get(k, k) for k in keys]],
               [[u["name"], *[u["counts"].get(k, 0) for k in keys]] for u in _rows(r)])

    _para(doc, "三、各单位比率（公式与原始数）", H1_FONT)
    active = [u for u in r["units"] if sum(u["counts"].values())]
    for i, u in enumerate(active):
        _para(doc, f"（{_cn(i + 1)}）{u['name']}", H2_FONT)
        for x in u["rates"]:
            if x["key"] != "submit_rate" or u["counts"].get("submit_due"):  # only units on the daily list
                _para(doc, x["formula"], indent=True)

    if len(active) < len(r["units"]):
        _para(doc, "本期无任何交办、催办、督办或销号记录的单位不列公式（各项均为 0，见上表）。", indent=True)

    _para(doc, "四、发现时滞（小时）", H1_FONT)
    _table(doc, ["单位", "案件数", "网上首发→发现 平均", "中位数", "发现→签收 平均", "中位数"],
           [[u["name"], u["discovery_to_sign"]["n"], _lag(u["online_to_discovery"]["average_hours"]),
             _lag(u["online_to_discovery"]["median_hours"]), _lag(u["discovery_to_sign"]["average_hours"]),
             _lag(u["discovery_to_sign"]["median_hours"])] for u in _rows(r)])

    _para(doc, "五、表扬与通报", H1_FONT)
    _para(doc, "（一）表扬名单", H2_FONT)
    for x in r["commend"] or [{"name": "无", "reasons": ["本期无单位达到表扬条件"]}]:
        _para(doc, f"{x['name']}：{'；'.join(x['reasons'])}。", indent=True)
    _para(doc, "（二）通报名单", H2_FONT)
    for x in r["criticise"] or [{"name": "无", "reasons": ["本期无单位达到通报条件"]}]:
        _para(doc, f"{x['name']}：{'；'.join(x['reasons'])}。", indent=True)

    _para(doc, "六、统计口径", H1_FONT)
    for d in r["definitions"]:
        _para(doc, f"{d['name']}：{d['meaning']}。", indent=True)
    for note in r["notes"]:
        _para(doc, note, indent=True)
    return finish(doc, issuer=issuer, date_line=_date_line(r), title=r["title"], watermark=watermark)


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (headings number the units)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    return f"{CN_NUMBERS[tens - 1] if tens > 1 else ''}十{CN_NUMBERS[ones - 1] if ones else ''}"


def _date_line(r: dict[str, Any]) -> str:
    y, m, d = (int(x) for x in r["as_of"][:10].split("-"))
    return f"{y}年{m}月{d}日"


def period_xlsx(figures: dict[str, Any], *, who: str) -> bytes:
    """One sheet per table, headers frozen; rates with numerator, denominator, value and the formula as text."""
    r = figures
    labels = r["count_labels"]
    mark = cell_text(watermark(who))
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    t = r["total"]
    if r.get("assessment"):
        a = r["assessment"]
        _sheet(wb, "考核得分", mark, ["名次", "单位", "得分"], [[u["rank"], u["name"], u["score"]] for u in a["units"]])
        _sheet(wb, "得分明细", mark, ["单位", "指标", "得分", "公式（原始数）", "对应数量"],
               [[u["name"], p["name"], p["points"], p["formula"], "、".join(f"{c['name']} {c['count']}" for c in p["counts"])]
                for u in a["units"] for p in u["points"]])
        _sheet(wb, "评分表", mark, ["指标", "类型", "设置"],
               [[i["name"], "比率 × 权重" if i["kind"] == "rate" else "每件（次）分值，封顶",
                 f"{i.get('rate')} × {i.get('weight')}" if i["kind"] == "rate"
                 else f"{i.get('count')} × {i.get('points')}，封顶 {i.get('cap')}"] for i in a["sheet"]["indicators"]])
        sites = a.get("sites")
        if sites:
            _sheet(wb, "网站与账号考核", mark, ["名次", "网站或账号", "类型", "主办单位", "得分"],
                   [[c["rank"], c["name"], c["kind_label"], c["unit_name"], c["score"]] for c in sites["channels"]])
            _sheet(wb, "网站与账号扣分明细", mark, ["网站或账号", "指标", "得分", "公式（原始数）", "对应编号"],
                   [[c["name"], p["name"], p["points"], p["formula"],
                     "、".join(f"{k['name']} " + "、".join(f"#{i}" for i in k["ids"]) for k in p["counts"] if k["ids"])]
                    for c in sites["channels"] for p in c["points"] if p["points"]])
            if sites.get("unassessed"):
                _sheet(wb, "未纳入考核的渠道", mark, ["网站或账号", "类型", "主办单位", "未纳入原因",
                                                "计入主办单位扣分的检查发现", "对应编号"],
                       [[c["name"], c["kind_label"], c["unit_name"], c["reason"], _evidence(c),
                         "、".join(f"#{i}" for i in c["finding_ids"])] for c in sites["unassessed"]])
    _sheet(wb, "总体情况", mark, ["项目", "数值", "公式（原始数）"],
           [[f"{r['title']}（{r['start']} 至 {r['end']}，截至 {r['as_of']}）", "", ""]]
           + [[labels[k], v, ""] for k, v in t["counts"].items()]
           + [[x["name"], x["percent"], x["formula"]] for x in t["rates"]])
    for heading, keys in TABLES:
        _sheet(wb, heading, mark, ["单位", *[labels.get(k, k) for k in keys]],
               [[u["name"], *[u["counts"].get(k, 0) for k in keys]] for u in _rows(r)])
    _sheet(wb, "各单位比率", mark, ["单位", "比率", "分子", "分母", "数值", "公式（原始数）"],
           [[u["name"], x["name"], x["numerator"], x["denominator"], x["percent"], x["formula"]]
            for u in _rows(r) for x in u["rates"]])
    _sheet(wb, "发现时滞", mark, ["单位", "案件数", "网上首发→发现 平均（小时）", "中位数", "发现→签收 平均（小时）", "中位数"],
           [[u["name"], u["discovery_to_sign"]["n"], u["online_to_discovery"]["average_hours"],
             u["online_to_discovery"]["median_hours"], u["discovery_to_sign"]["average_hours"],
             u["discovery_to_sign"]["median_hours"]] for u in _rows(r)])
    _sheet(wb, "表扬名单", mark, ["单位", "理由"], [[x["name"], "；".join(x["reasons"])] for x in r["commend"]])
    _sheet(wb, "通报名单", mark, ["单位", "理由"], [[x["name"], "；".join(x["reasons"])] for x in r["criticise"]])
    _sheet(wb, "案件明细", mark, ["单位", "项目", "数量", "案件编号"],
           [[u["name"], labels[k], u["counts"][k], "、".join(str(i) for i in ids)]
            for u in _rows(r) for k, ids in u["cases"].items() if ids])
    _sheet(wb, "报送明细", mark, ["单位", "日期", "截止时间", "首次报送", "结果"],
           [[u["name"], d, info["cutoff"], info["first_at"] or "未报送", day_outcome(u, d)]
            for u in r["units"] for d, info in sorted(u.get("day_info", {}).items())])
    _sheet(wb, "统计口径", mark, ["项目", "含义"],
           [[d["name"], d["meaning"]] for d in r["definitions"]] + [["说明", n] for n in r["notes"]])
    wb.properties.creator = cell_text(who)
    wb.properties.title = cell_text(r["title"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- the special report (舆情专报) -----------------------------------------------------------------------


def _paragraphs(doc: Any, text: str) -> None:
    for para in text.split("\n"):
        if para.strip():
            _para(doc, para.strip(), indent=True)


def special_docx(figures: dict[str, Any], *, issuer: str, watermark: str) -> bytes:
    """A special report in official-document layout, with the spread chart; the version and approval at the end."""
    r = figures
    doc = new_document(watermark)
    _para(doc, r["title"], TITLE_FONT, TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, r["event_title"], H2_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)
    _para(doc, "一、事件概要", H1_FONT)
    _paragraphs(doc, r["summary"])
    _para(doc, "二、等级与定级理由", H1_FONT)
    score = f"（计算得分 {r['grade_score']}）" if r.get("grade_score") is not None else ""
    _para(doc, f"当前等级：{r['grade_label']}{score}{'，为人工定级' if r.get('grade_overridden') else ''}。", indent=True)
    _table(doc, ["定级因素", "贡献分", "说明"], [[f["label"], f["contribution"], f["detail"]] for f in r["grade_reasons"]])
    _para(doc, "三、传播情况", H1_FONT)
    _para(doc, "（一）传播趋势", H2_FONT)
    chart = bar_chart("按日信息量", r["spread"][-14:], top=14)
    if chart is not None:
        doc.add_picture(io.BytesIO(chart), width=Mm(120))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _table(doc, ["日期", "条数"], [[x["name"], x["count"]] for x in r["spread"]])
    _para(doc, "（二）情感倾向", H2_FONT)
    _table(doc, ["情感", "条数"], [[x["name"], x["count"]] for x in r["sentiment"]])
    _para(doc, "四、重点信息与证据", H1_FONT)
    _table(doc, ["信息", "来源", "发布时间", "互动量", "链接", "采集时间", "内容哈希"],
           [[x["title"], x["source"], x["published"], x["engagement"], x["url"], x["captured"], x["content_hash"]]
            for x in r["key_posts"]])
    _para(doc, "五、事件时间线", H1_FONT)
    _table(doc, ["时间", "节点", "说明"], [[x["at"], x["what"], x["detail"]] for x in r["timeline"]])
    _para(doc, "六、处置情况", H1_FONT)
    _table(doc, ["案件", "状态", "责任单位", "办理期限"],
           [[c["title"], c["state"] + ("（已逾期）" if c["overdue"] else ""), c["units"], c["due"]] for c in r["handling"]])
    _para(doc, "七、处置建议", H1_FONT)
    _paragraphs(doc, r["suggestion"])
    approval = f"；{r['approved_by']} 审批于 {r['approved_at']}" if r.get("approved_by") else "；未经审批"
    _para(doc, f"（第 {r['version']} 版，{r['author']} 撰写于 {r['written_at']}{approval}）", indent=True)
    return finish(doc, issuer=issuer, date_line=_date_line({"as_of": r["written_at"]}),
                  title=f"{r['title']}：{r['event_title']}", watermark=watermark)


def special_xlsx(figures: dict[str, Any], *, who: str) -> bytes:
    """A special report's tables, one sheet each, headers frozen, watermarked."""
    r = figures
    mark = cell_text(watermark(who))
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    _sheet(wb, "概要", mark, ["项目", "内容"], [
        ["专报", f"{r['title']}：{r['event_title']}"], ["版本", f"第 {r['version']} 版（{r['status_label']}）"],
        ["撰写", f"{r['author']} {r['written_at']}"], ["审批", f"{r['approved_by'] or '未审批'} {r['approved_at']}"],
        ["等级", r["grade_label"]], ["信息条数", r["totals"]["items"]], ["负面条数", r["totals"]["negative"]],
        ["事件概要", r["summary"]], ["处置建议", r["suggestion"]], ["数据截至", r["as_of"]]])
    _sheet(wb, "定级理由", mark, ["定级因素", "贡献分", "说明"],
           [[f["label"], f["contribution"], f["detail"]] for f in r["grade_reasons"]])
    _sheet(wb, "传播趋势", mark, ["日期", "条数"], [[x["name"], x["count"]] for x in r["spread"]])
    _sheet(wb, "情感倾向", mark, ["情感", "条数"], [[x["name"], x["count"]] for x in r["sentiment"]])
    _sheet(wb, "重点信息", mark, ["编号", "信息", "来源", "发布时间", "情感", "互动量", "链接", "采集时间", "内容哈希", "原始数据哈希"],
           [[x["id"], x["title"], x["source"], x["published"], x["sentiment"], x["engagement"], x["url"],
             x["captured"], x["content_hash"], x["raw_sha256"]] for x in r["key_posts"]])
    _sheet(wb, "时间线", mark, ["时间", "节点", "说明"], [[x["at"], x["what"], x["detail"]] for x in r["timeline"]])
    _sheet(wb, "处置情况", mark, ["编号", "案件", "状态", "责任单位", "办理期限", "逾期"],
           [[c["id"], c["title"], c["state"], c["units"], c["due"], "是" if c["overdue"] else "否"]
            for c in r["handling"]])
    wb.properties.creator = cell_text(who)
    wb.properties.title = cell_text(f"{r['title']}：{r['event_title']}")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
