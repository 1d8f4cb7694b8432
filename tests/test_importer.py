"""`yuqing import` never loses good rows to a bad one (found by probing with hostile files)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from tests.factories import ADMIN
from yuqing.collect.base import MAX_COUNT
from yuqing.importer import ImportResult, import_file
from yuqing.store.tables import Item
from yuqing.workspace import Workspace


def _import(ws: Workspace, path: Path) -> ImportResult:
    return import_file(ws, ADMIN, path)


def _texts(ws: Workspace) -> dict[str, str]:
    with ws.db.read() as s:
        return {str(k): t for k, t in s.execute(select(Item.external_id, Item.text))}


def test_a_poison_row_at_line_601_loses_nothing_else(ws: Workspace, tmp_path: Path) -> None:
    """Found by a probe: line 601 stopped the import with a traceback and the rest was never imported."""
    lines = [json.dumps({"id": str(n), "text": f"第{n}条留言"}, ensure_ascii=False) for n in range(1, 1001)]
    lines[600] = '{"id": "601", "text": "坏\\ud800行\\u0000", "author": "\\udfff", "likes": "99999999999999999999万",' \
                 ' "reposts": 1e400, "published_at": "0001-01-01T00:00:00+23:59", "extra": {"x": NaN}}'
    lines[601] = '{"id": "602", "text": "太深", "nested": ' + "[" * 500 + "]" * 500 + "}"
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = _import(ws, path)
    texts = _texts(ws)
    assert result.new == len(texts) == 1000 and result.errors == []
    assert texts["601"] == "坏\ufffd行" and texts["1000"] == "第1000条留言"
    with ws.db.read() as s:
        row = s.execute(select(Item).where(Item.external_id == "601")).scalar_one()
    assert row.likes == row.reposts == MAX_COUNT and row.published_at is None


def test_one_line_of_invalid_utf8_is_reported_not_turned_into_mojibake(ws: Workspace, tmp_path: Path) -> None:
    """Found by a probe: one bad line made the whole file decode as mojibake, and the import said all was well."""
    good = [json.dumps({"id": str(n), "text": f"河口镇第{n}条留言"}, ensure_ascii=False).encode() for n in range(1, 40)]
    body = b"\n".join([*good[:20], b'{"id": "bad", "text": "\xff\xfe\xc3( broken"}', *good[20:]])
    path = tmp_path / "posts.jsonl"
    path.write_bytes(body)
    result = _import(ws, path)
    texts = _texts(ws)
    assert result.new == 39 and len(result.errors) == 1 and "第 21 行" in result.errors[0]
    assert "UTF-8" in result.errors[0]
    assert texts["1"] == "河口镇第1条留言" and "bad" not in texts

    csv_body = "编号,内容\n1,河口镇内涝\n2,夜市噪音\n".encode() + b"3,\xff\xfe\n" + "4,渡口村进水\n".encode()
    path = tmp_path / "board.csv"
    path.write_bytes(csv_body)
    result = _import(ws, path)
    assert result.new == 3 and len(result.errors) == 1 and "第 4 行" in result.errors[0]
    assert _texts(ws)["4"] == "渡口村进水"


def test_gbk_files_are_still_read_as_gbk(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "board.csv"
    path.write_bytes("编号,内容\n1,河口镇内涝\n2,夜市噪音\n".encode("gbk"))
    result = _import(ws, path)
    assert result.new == 2 and result.errors == [] and _texts(ws)["2"] == "夜市噪音"


def test_an_unterminated_csv_quote_does_not_swallow_the_rows_after_it(ws: Workspace, tmp_path: Path) -> None:
    """Found by a probe: an unterminated quote silently merged every following row into one."""
    rows = ["编号,内容"] + [f"{n},第{n}条" for n in range(1, 11)]
    rows[4] = '4,"没有结束的引号'
    path = tmp_path / "board.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _import(ws, path)
    texts = _texts(ws)
    assert sorted(texts, key=int) == [str(n) for n in range(1, 11) if n != 4]
    assert len(result.errors) == 1 and "第 5 行" in result.errors[0] and "引号" in result.errors[0]


def test_a_row_with_more_cells_than_the_header_is_reported(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "board.csv"
    path.write_text('编号,内容\n1,第一条\n2,"有引号"后面,又多,几列\n3,第三条\n', encoding="utf-8")
    result = _import(ws, path)
    assert sorted(_texts(ws)) == ["1", "3"] and len(result.errors) == 1 and "第 3 行" in result.errors[0]


def test_deep_nesting_refuses_one_record_not_the_file(ws: Workspace, tmp_path: Path) -> None:
    """Found by a probe: one record nested 100,000 deep made the whole JSON file unreadable."""
    deep = '{"id": "deep", "text": "太深", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    records = [json.dumps({"id": str(n), "text": f"第{n}条"}, ensure_ascii=False) for n in range(1, 6)]
    path = tmp_path / "posts.json"
    path.write_text("[" + ",".join([*records[:2], deep, *records[2:]]) + "]", encoding="utf-8")
    result = _import(ws, path)
    assert sorted(_texts(ws)) == ["1", "2", "3", "4", "5"]
    assert len(result.errors) == 1 and "第 3 条" in result.errors[0]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join([*records[:2], deep, *records[2:]]), encoding="utf-8")
    result = _import(ws, path)
    assert len(result.errors) == 1 and "第 3 行" in result.errors[0]


def hostile_xlsx(comment_bytes: int = 100_000_000, dimension: str | None = None) -> bytes:
    """A small workbook whose sheet XML carries a huge XML comment (100 MB unpacked, ~100 kB packed)."""
    wb = openpyxl.Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["编号", "内容"])
    sheet.append([1, "河口镇内涝"])
    sheet.append([2, "夜市噪音"])
    plain = io.BytesIO()
    wb.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<!--" + b"x" * comment_bytes + b"--><sheetData>")
                if dimension:
                    data = data.replace(b'<dimension ref="A1:B3"/>', f'<dimension ref="{dimension}"/>'.encode())
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_an_xlsx_with_a_huge_comment_is_read_or_refused_quickly(ws: Workspace, tmp_path: Path) -> None:
    """Found by a probe: a sheet carrying a huge XML comment parsed for many minutes (we stopped at 10)."""
    path = tmp_path / "board.xlsx"
    path.write_bytes(hostile_xlsx())
    started = time.monotonic()
    result = _import(ws, path)
    assert time.monotonic() - started < 60  # a hang guard: it was > 10 minutes
    assert result.new == 2 or (result.new == 0 and result.errors and "XLSX" in result.errors[0])


def test_an_xlsx_claiming_every_column_is_read_by_its_real_cells(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "board.xlsx"
    path.write_bytes(hostile_xlsx(10, dimension="A1:XFD1048576"))
    result = _import(ws, path)
    assert result.new == 2 and result.errors == []
    with ws.db.read() as s:
        assert s.execute(select(func.count(Item.id))).scalar_one() == 2
