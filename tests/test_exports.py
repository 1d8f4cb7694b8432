"""Exports: formulas in collected text are written as text, characters XLSX cannot hold are dropped."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests import factories
from yuqing.exports import items_xlsx, xlsx
from yuqing.store.tables import Item
from yuqing.workspace import Workspace


def _sheet(body: bytes) -> list[list[object]]:
    """The cells of the first sheet (openpyxl cell objects)."""
    return [list(row) for row in load_workbook(io.BytesIO(body)).worksheets[0].iter_rows()]


def test_formulas_are_written_as_text() -> None:
    """Found by a probe: a pushed title `=HYPERLINK(…)` became a live formula in the feed export."""
    bad = ['=HYPERLINK("http://evil.example","点此")', "+1+1", "-2+3", "@SUM(A1)", " =1+1", "=1+1"]
    body = xlsx("导出", ["内容"], [[b] for b in bad] + [[-5], [3.5], ["正常文字"]], "测试")
    cells = [row[0] for row in _sheet(body)[2:]]
    for cell, original in zip(cells[:6], bad, strict=True):
        assert (cell.value, cell.data_type, cell.quotePrefix) == (original, "s", True)  # type: ignore[attr-defined]
    assert [(c.value, c.data_type) for c in cells[6:]] == [(-5, "n"), (3.5, "n"), ("正常文字", "s")]  # type: ignore[attr-defined]
    assert not any(c.quotePrefix for c in cells[6:])  # type: ignore[attr-defined]


def test_one_nul_in_an_item_no_longer_breaks_the_export(ws: Workspace) -> None:
    """Found by a probe: a NUL (or another control character) in any item made every export including it fail."""
    with ws.db.write() as s:
        # PostgreSQL cannot hold a NUL at all (the collectors strip it before storage); SQLite can.
        nul = "" if s.get_bind().dialect.name == "postgresql" else "\x00"
        factories.item(s, f"正文{nul}含空字符\x01\x1f与\ufffe", title="标题\x0b")
        factories.item(s, "正常的一条")
    with ws.db.read() as s:
        items = list(s.query(Item).order_by(Item.id))
        for it in items:
            _ = it.source.name
    values = [[c.value for c in row] for row in _sheet(items_xlsx(items, "测试"))]  # type: ignore[attr-defined]
    assert values[2][4] == "标题" and values[2][5] == "正文含空字符与"
    assert values[3][5] == "正常的一条"
