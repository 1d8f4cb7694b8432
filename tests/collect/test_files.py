"""Message-board exports (CSV in GBK, XLSX) and JSONL/CSV file sources."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import collect_once
from yuqing.store.tables import FetchRun, Item
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .test_rss import count

BOARD_CSV = (
    "留言编号,留言标题,留言内容,留言人,留言时间,回复单位,回复内容,办理状态\n"
    "L001,小区垃圾清运不及时,垃圾堆了三天没人清运,王某,2026-11-20 09:00,城管局,已安排清运,已办结\n"
    "L002,学校门口交通拥堵,早晚高峰堵车严重,赵某,2026/11/21 17:30,,,办理中\n"
)


def test_board_csv_in_gbk(ws: Workspace, tmp_path: Path, policy: HttpPolicy) -> None:
    path = tmp_path / "留言板.csv"
    path.write_bytes(BOARD_CSV.encode("gbk"))
    sid = sources.sources_add(ws, ADMIN, "board", str(path), "区委书记留言板")
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.new == 2, result.error
    with ws.db.read() as s:
        item = s.execute(select(Item).where(Item.external_id == "L001")).scalar_one()
    assert item.title == "小区垃圾清运不及时" and item.text == "垃圾堆了三天没人清运"
    assert item.extra["reply"] == "已安排清运" and item.extra["reply_unit"] == "城管局"
    assert item.extra["status"] == "已办结"
    assert (
        item.author_hash
        and item.author_public is None
        and "王某" not in json.dumps(item.extra, ensure_ascii=False)
    )
    assert item.published_at is not None and item.raw_snapshot
    # Re-reading the unchanged file does nothing; a changed reply is a new version.
    assert collect_once(ws, [sid], policy=policy).results[0].status == "not_modified"
    path.write_bytes(BOARD_CSV.replace("垃圾堆了三天没人清运", "垃圾堆了四天没人清运").encode("gbk"))
    again = collect_once(ws, [sid], policy=policy)
    assert (again.new, again.updated) == (0, 1) and count(ws, Item) == 2


def test_board_xlsx_over_http(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["领导留言板导出"])  # a title row before the header
    sheet.append(["编号", "标题", "内容", "网友", "发布时间"])
    sheet.append([1, "路灯不亮", "北路路灯坏了", "甲", datetime(2026, 11, 20, 8, 0)])
    sheet.append([2, "噪音扰民", "夜间施工", "乙", "2026-11-21 22:00"])
    sheet.append([None, None, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    url = server.add("/export.xlsx", buf.getvalue())
    sid = sources.sources_add(ws, ADMIN, "board", url, "留言板导出")
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.new == 2, result.error
    with ws.db.read() as s:
        ids = set(s.execute(select(Item.external_id)).scalars())
    assert ids == {"1", "2"}


def test_jsonl_file_with_bad_lines(ws: Workspace, tmp_path: Path, policy: HttpPolicy) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "id": "a",
                        "title": "一",
                        "text": "正文一",
                        "author": "某人",
                        "likes": 5,
                        "topic": "交通",
                    },
                    ensure_ascii=False,
                ),
                "{not json",
                json.dumps({"text": "没有编号也没有链接"}, ensure_ascii=False),
                json.dumps({"id": "c"}),
                json.dumps(["not", "an", "object"]),
            ]
        ),
        encoding="utf-8",
    )
    sid = sources.sources_add(ws, ADMIN, "file", str(path))
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.new == 2 and len(result.item_errors) == 3
    with ws.db.read() as s:
        run = s.execute(select(FetchRun)).scalar_one()
        a = s.execute(select(Item).where(Item.external_id == "a")).scalar_one()
    assert run.status == "ok" and "3 个条目出错" in (run.error or "") and "第 2 行" in (run.error or "")
    assert a.likes == 5 and a.extra["topic"] == "交通"
    assert collect_once(ws, [sid], policy=policy).new == 0 and count(ws, Item) == 2


def test_missing_file_is_an_error(ws: Workspace, tmp_path: Path, policy: HttpPolicy) -> None:
    sid = sources.sources_add(ws, ADMIN, "file", str(tmp_path / "nope.csv"))
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "error" and "找不到文件" in (result.error or "")


def test_csv_file_utf8_with_bom(ws: Workspace, tmp_path: Path, policy: HttpPolicy) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("\ufeffid,title,text,url\n1,标题,内容,http://a.test/1\n".encode())
    sid = sources.sources_add(ws, ADMIN, "file", path.as_uri())
    assert collect_once(ws, [sid], policy=policy).new == 1
