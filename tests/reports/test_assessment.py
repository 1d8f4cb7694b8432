"""The yearly assessment of sites and accounts (网站与新媒体账号考核): each own channel scored from 100 by what the
channel checks found in the year and by its correction orders, counted by hand; drillable to the findings and
orders; the same figures when the year is regenerated after later fixes; on the page, in the DOCX and the XLSX."""

from __future__ import annotations

import io
import json
from datetime import datetime

from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests import factories as f
from tests.web.conftest import login
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
from yuqing.reports.store import ReportError, generate_period, get_report
from yuqing.store.tables_publish import Channel
from yuqing.web.app import create_app
from yuqing.workspace import Workspace

ANALYST = Actor(None, "监测员李", "analyst")


def t(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=CHINA)


def _channels(ws: Workspace) -> dict[str, int]:
    with ws.db.write() as s:
        office = f.unit(s, "区政府办公室")
        edu = f.unit(s, "区教育局")
        portal = f.channel(s, "区政府门户网站", owner=office, created_at=t(2025, 1, 1), admission="approved")
        wechat = f.channel(s, "教育发布", kind="wechat", owner=edu, created_at=t(2025, 1, 1), admission="approved")
        f.channel(s, "旧微博", kind="weibo", owner=edu, created_at=t(2024, 1, 1), closed=True, admission="closed",
                  closed_at=t(2025, 6, 1))  # closed before the year: not assessed
        f.channel_finding(s, portal, "zombie", found_at=t(2026, 5, 3))
        f.channel_finding(s, portal, "mismatch", found_at=t(2026, 4, 1), detail="发布内容与签发稿不一致")
        word = f.channel_finding(s, portal, "wrong_word", found_at=t(2026, 3, 2), detail="“区长助理”应为“区长”",
                                 page_url="http://127.0.0.1/portal/a.html")
        f.channel_finding(s, portal, "wrong_word", found_at=t(2025, 12, 30))  # the year before
        link = f.channel_finding(s, portal, "broken_link", found_at=t(2026, 6, 1))
        # Due 10 June, the fix seen on 20 June: overdue. Issued 20 December, due 8 January, unfixed: open.
        late = f.correction_order(s, portal, word, issued_at=t(2026, 6, 1), due_at=t(2026, 6, 10),
                                  confirmed_at=t(2026, 6, 20), state="confirmed")
        f.correction_order(s, portal, link, issued_at=t(2026, 12, 20), due_at=t(2027, 1, 8))
        f.correction_order(s, portal, link, issued_at=t(2026, 2, 1), due_at=t(2026, 2, 5), state="cancelled")
        return {"portal": portal.id, "wechat": wechat.id, "late": late.id, "word": word.id}


def _sites(ws: Workspace) -> dict[str, dict]:
    with ws.db.read() as s:
        stored = get_report(s, "2026", "yearly")
    assert stored is not None
    return {c["name"]: c for c in stored.figures["assessment"]["sites"]["channels"]}


def test_sites_and_accounts_are_scored_by_hand_and_stay_the_same_when_regenerated(ws: Workspace) -> None:
    ids = _channels(ws)
    with frozen(t(2027, 1, 10)):
        generate_period(ws, ANALYST, "yearly", "2026")
    sites = _sites(ws)
    assert set(sites) == {"区政府门户网站", "教育发布"}
    portal = sites["区政府门户网站"]
    # 100 − 20 (zombie) − 10 (mismatch) − 2 (one wrong word in the year) − 2 (broken link) − 5 (one order
    # overdue) − 2 (one order still open at the year's end).
    assert portal["score"] == 59 and portal["rank"] == 2 and sites["教育发布"]["score"] == 100
    formulas = [p["formula"] for p in portal["points"] if p["points"]]
    assert formulas == ["僵尸账号扣分 = -20 × 被列为僵尸账号 1 = -20 分",
                        "发布内容与签发稿不一致扣分 = -10 × 发布内容与签发稿不一致 1 = -10 分",
                        "链接失效扣分 = -2 × 链接失效 1 = -2 分", "错敏词扣分 = -2 × 错敏词 1 = -2 分",
                        "整改逾期扣分 = -5 × 整改逾期 1 = -5 分", "整改未完成扣分 = -2 × 整改未完成 1 = -2 分"]
    overdue = next(p for p in portal["points"] if p["key"] == "correction_overdue")
    assert overdue["counts"][0]["ids"] == [ids["late"]]
    with ws.db.write() as s:  # next year: the open order is fixed, more is found; 2026 does not move
        portal_row = s.get(Channel, ids["portal"])
        f.channel_finding(s, portal_row, "zombie", found_at=t(2027, 1, 20))
    with frozen(t(2027, 2, 1)):
        generate_period(ws, ANALYST, "yearly", "2026")
    assert _sites(ws)["区政府门户网站"] == portal


def test_the_sheet_sets_the_deductions_and_the_page_and_files_show_and_open_them(ws: Workspace) -> None:
    ids = _channels(ws)
    with ws.db.write() as s:
        f.user(s, "analyst", "analyst")
    (ws.path / "assessment.json").write_text(json.dumps({"indicators": [
        {"key": "o", "name": "逾期扣分", "kind": "per_count", "count": "overdue", "points": -2}],
        "channel_base": 10, "channel_indicators": [
            {"key": "w", "name": "错敏词扣分", "count": "wrong_word", "points": -50}]}), encoding="utf-8")
    with frozen(t(2027, 1, 10)):
        generate_period(ws, ANALYST, "yearly", "2026")
    assert _sites(ws)["区政府门户网站"]["score"] == 0  # never below zero
    (ws.path / "assessment.json").write_text(json.dumps({"indicators": [
        {"key": "o", "name": "逾期扣分", "kind": "per_count", "count": "overdue", "points": -2}],
        "channel_indicators": [{"name": "乱写", "count": "nope", "points": -1}]}), encoding="utf-8")
    with frozen(t(2027, 1, 10)):
        try:
            generate_period(ws, ANALYST, "yearly", "2026")
            raise AssertionError("a bad sheet must be refused")
        except ReportError as exc:
            assert "评分表“乱写”：count 须为" in str(exc)
    (ws.path / "assessment.json").unlink()
    with frozen(t(2027, 1, 10)):
        generate_period(ws, ANALYST, "yearly", "2026")
        with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
            login(client, "analyst")
            page = client.get("/reports/yearly/2026").text
            assert "网站与新媒体账号考核" in page and "区政府门户网站（区政府办公室）：59 分" in page
            drill = f"/reports/yearly/2026/sites?channel={ids['portal']}&amp;count=wrong_word"
            assert drill in page
            words = client.get(drill.replace("&amp;", "&")).text
            assert "“区长助理”应为“区长”" in words and "http://127.0.0.1/portal/a.html" in words
            orders = client.get(f"/reports/yearly/2026/sites?channel={ids['portal']}&count=correction_overdue").text
            assert f'href="/channels/orders/{ids["late"]}"' in orders and "整改逾期" in orders
            assert client.get("/reports/yearly/2026/sites?channel=999&count=zombie").status_code == 404
            wb = load_workbook(io.BytesIO(client.get("/reports/yearly/2026/download.xlsx").content))
            assert {"网站与账号考核", "网站与账号扣分明细"} <= set(wb.sheetnames)
            doc = Document(io.BytesIO(client.get("/reports/yearly/2026/download.docx").content))
            text = "\n".join(p.text for p in doc.paragraphs)
            assert "网站与新媒体账号考核" in text and "整改逾期扣分 = -5 × 整改逾期 1 = -5 分" in text


def test_equal_scores_share_a_rank_and_no_point_reads_minus_zero() -> None:
    from yuqing.reports.assessment import DEFAULT_CHANNEL_INDICATORS, assess_channels

    empty = {ind["count"]: [] for ind in DEFAULT_CHANNEL_INDICATORS}
    rows = [{"channel_id": n, "name": name, "kind_label": "网站", "unit_id": 1, "unit_name": "区政府办",
             "ids": dict(empty, **({"broken_link": [7]} if name == "丙" else {}))}
            for n, name in enumerate(["甲", "乙", "丙", "丁"], start=1)]
    out = assess_channels(rows, {})["channels"]
    assert [(c["name"], c["rank"]) for c in out] == [("丁", 1), ("乙", 1), ("甲", 1), ("丙", 4)]
    formulas = " ".join(p["formula"] for c in out for p in c["points"])
    assert "-0 分" not in formulas and "= 0 分" in formulas


def test_channels_not_admitted_are_listed_apart_and_those_found_live_count_against_their_unit(ws: Workspace) -> None:
    """Never applied, awaiting review, refused or closed: not ranked at 100 but listed under 未纳入考核的渠道 with
    why; one the check found running without approval, or closed but answering, costs its owner unit points by
    the sheet, once a year, shown with what the check saw — on the page, in the DOCX and in the XLSX."""
    ids = _channels(ws)
    with ws.db.write() as s:
        f.user(s, "analyst", "analyst")
        town = f.unit(s, "柳湾乡")
        edu = s.get(f.Unit, s.get(Channel, ids["wechat"]).owner_unit_id)
        app = f.channel(s, "柳湾乡政务客户端", kind="app", owner=town, created_at=t(2025, 3, 1))  # never applied
        for when in (t(2026, 3, 1), t(2026, 9, 1)):  # seen live twice in the year: one channel, counted once
            f.channel_finding(s, app, "unapproved", found_at=when, resolved_at=when,
                              detail="未经准入（未申请）仍在运行：http://127.0.0.1/lw/ 可以访问（HTTP 200）")
        f.channel(s, "柳湾乡抖音号", kind="video", owner=town, created_at=t(2026, 2, 1), admission="applied")
        f.channel(s, "教育局视频号", kind="video", owner=edu, created_at=t(2026, 2, 1), admission="rejected")
        old = f.channel(s, "原教育局网站", owner=edu, created_at=t(2020, 1, 1), closed=True, admission="closed",
                        closed_at=t(2025, 10, 1))  # closed before the year, but still answering in it
        f.channel_finding(s, old, "closed_live", found_at=t(2026, 4, 2),
                          detail="已登记关停，但 http://127.0.0.1/old/ 仍可访问（HTTP 200）")
        town_id, edu_id, app_id = town.id, edu.id, app.id
    with frozen(t(2027, 1, 10)):
        generate_period(ws, ANALYST, "yearly", "2026")
    with ws.db.read() as s:
        stored = get_report(s, "2026", "yearly")
    assert stored is not None
    sites = stored.figures["assessment"]["sites"]
    assert [c["name"] for c in sites["channels"]] == ["教育发布", "区政府门户网站"]  # only the admitted are ranked
    apart = {c["name"]: c for c in sites["unassessed"]}
    assert {n: c["reason"] for n, c in apart.items()} == {
        "柳湾乡政务客户端": "未经审批开设（未申请准入），仍在运行", "原教育局网站": "已关停，但仍可访问",
        "柳湾乡抖音号": "未经审批开设（准入申请待审核）", "教育局视频号": "申请被退回（不予准入）"}
    assert len(apart["柳湾乡政务客户端"]["finding_ids"]) == 2 and apart["柳湾乡抖音号"]["finding_ids"] == []
    units = {u["name"]: u for u in stored.figures["assessment"]["units"]}
    point = next(p for p in units["柳湾乡"]["points"] if p["key"] == "unapproved")
    assert point["formula"] == "未经准入运行或关停后仍可访问扣分 = -3 × 未经准入运行或关停后仍可访问 1 = -3 分"
    assert point["counts"][0]["link"] == f"/channels/orders?unit={town_id}&unapproved=1"
    assert next(p for p in units["区教育局"]["points"] if p["key"] == "unapproved")["points"] == -3
    assert next(p for p in units["区政府办公室"]["points"] if p["key"] == "unapproved")["points"] == 0
    with frozen(t(2027, 1, 10)), TestClient(create_app(ws), base_url="http://127.0.0.1",
                                            headers={"accept": "text/html"}) as client:
        login(client, "analyst")
        page = client.get("/reports/yearly/2026").text
        assert "未纳入考核的渠道（4）" in page and "申请被退回（不予准入）" in page
        assert "2026-03-01 10:00 未经准入即运行：未经准入（未申请）仍在运行" in page
        ranked = page.split("未纳入考核的渠道")[0]
        assert "柳湾乡政务客户端" not in ranked.split("网站与新媒体账号考核")[1]
        drill = client.get(f"/reports/yearly/2026/sites?channel={app_id}&count=standing").text
        assert "未纳入原因：未经审批开设（未申请准入），仍在运行。" in drill and "http://127.0.0.1/lw/" in drill
        assert "柳湾乡政务客户端 · 未纳入考核，计入主办单位扣分的检查发现 2</h1>" in drill
        wb = load_workbook(io.BytesIO(client.get("/reports/yearly/2026/download.xlsx").content))
        rows = [[c.value for c in r] for r in wb["未纳入考核的渠道"].iter_rows(min_row=3)]
        assert {r[0]: r[3] for r in rows}["原教育局网站"] == "已关停，但仍可访问"
        assert all(r[0] != "柳湾乡政务客户端" for r in wb["网站与账号考核"].iter_rows(min_row=3, values_only=True))
        doc = Document(io.BytesIO(client.get("/reports/yearly/2026/download.docx").content))
        text = "\n".join(p.text for p in doc.paragraphs)
        cells = [c.text for tb in doc.tables for row in tb.rows for c in row.cells]
        assert "未纳入考核的渠道" in text and "未经审批开设（准入申请待审核）" in cells
        assert "未经准入运行或关停后仍可访问扣分 = -3 × 未经准入运行或关停后仍可访问 1 = -3 分" in text
    with ws.db.write() as s:  # the unit's drill-down shows the channel with what the check saw
        f.user(s, "office", "office")
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        login(client, "office")
        mine = client.get(f"/channels/orders?unit={town_id}&unapproved=1").text
        assert "未经准入运行或关停后仍可访问的网站与账号（1）" in mine and "HTTP 200" in mine
        assert "柳湾乡政务客户端" in mine and "原教育局网站" not in mine
        page = client.get(f"/channels/{app_id}").text  # the channel page shows it among its findings
        assert "<h3>未经准入即运行（" not in page  # (both resolved: only open findings are listed)
    with ws.db.write() as s:
        f.channel_finding(s, s.get(Channel, app_id), "unapproved", found_at=t(2027, 1, 5),
                          detail="未经准入（未申请）仍在运行：http://127.0.0.1/lw/ 可以访问（HTTP 200）")
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        login(client, "office")
        page = client.get(f"/channels/{app_id}").text
        assert "<h3>未经准入即运行（1）</h3>" in page and "可以访问（HTTP 200）" in page
        assert "下达整改通知（" not in page.split('id="findings"')[1].split('id="orders"')[0]
    assert edu_id
