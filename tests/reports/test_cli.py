"""The CLI contract: `yuqing [-w W] report daily [--date D] --format html|docx|xlsx --out FILE` and `--json`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories
from tests.reports.conftest import NOW
from yuqing.cli import app
from yuqing.clock import frozen
from yuqing.reports.pdf import soffice
from yuqing.store.tables import AuditEntry
from yuqing.workspace import Workspace

runner = CliRunner()


def _run(ws: Workspace, *args: str) -> object:
    with frozen(NOW):
        return runner.invoke(app, ["-w", str(ws.path), "report", "daily", *args])


def test_json_without_a_date_is_the_latest_day_with_data(day_ws: Workspace) -> None:
    r = _run(day_ws, "--json")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    figures = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert figures["day"] == "2026-11-21"  # the day after has one item
    r = _run(day_ws, "--date", "2026-11-20", "--json")
    figures = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert figures["totals"]["relevant"] == 4 and figures["case_totals"]["overdue"] == 1
    assert [s["state"] for s in figures["sources"]] == ["down", "blocked", "stale"]


@pytest.mark.parametrize("fmt", ["html", "docx", "xlsx", pytest.param(
    "pdf", marks=pytest.mark.skipif(soffice() is None, reason="needs LibreOffice (libreoffice-writer)"))])
def test_each_format_is_written_watermarked_and_audited(day_ws: Workspace, tmp_path: Path, fmt: str) -> None:
    with day_ws.db.write() as s:
        factories.user(s, "office1", role="office", display_name="李办公")
    out = tmp_path / f"daily.{fmt}"
    r = _run(day_ws, "--date", "2026-11-20", "--format", fmt, "--out", str(out), "--as", "office1", "--json")
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    figures = json.loads(r.stdout)  # type: ignore[attr-defined]
    body = out.read_bytes()
    if fmt == "docx":
        doc = Document(io.BytesIO(body))
        assert "李办公" in doc.sections[0].header.paragraphs[0].text
        assert f"当日共采集信息{figures['totals']['collected']}条" in "\n".join(p.text for p in doc.paragraphs)
    elif fmt == "xlsx":
        wb = load_workbook(io.BytesIO(body))
        assert "李办公" in str(wb["总体情况"]["A1"].value)
        totals = {row[0]: row[1] for row in wb["总体情况"].iter_rows(min_row=4, values_only=True)}
        assert totals["涉区信息"] == figures["totals"]["relevant"]
    elif fmt == "pdf":
        assert body.startswith(b"%PDF")
    else:
        assert "李办公" in body.decode("utf-8")
    with day_ws.db.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "report.download")).scalar_one()
    assert entry.actor_name == "李办公" and entry.detail["format"] == fmt and entry.detail["via"] == "cli"
    assert entry.detail["period"] == "2026-11-20"


def test_bad_calls_are_refused(day_ws: Workspace, tmp_path: Path) -> None:
    assert _run(day_ws).exit_code == 2  # type: ignore[attr-defined]
    assert _run(day_ws, "--format", "odt", "--out", str(tmp_path / "x.odt")).exit_code == 2  # type: ignore[attr-defined]
    assert _run(day_ws, "--date", "20-11-2026", "--json").exit_code == 2  # type: ignore[attr-defined]
    # A file needs a named account (the watermark and the audit say who).
    assert _run(day_ws, "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")).exit_code == 2  # type: ignore[attr-defined]
