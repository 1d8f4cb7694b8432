"""Planned monitoring windows (重要时间节点) from the CLI: `windows add` plans one ahead, it switches polling up
at its start and back at its end by itself (the clock frozen across both), `windows list --json` shows it."""

from __future__ import annotations

import json
from datetime import datetime

from typer.testing import CliRunner

from tests import factories
from yuqing.cli import app
from yuqing.clock import CHINA, frozen
from yuqing.collect import schedule, sources
from yuqing.store.tables import AuditEntry, Source
from yuqing.workspace import Workspace

runner = CliRunner()
BEFORE = datetime(2027, 5, 20, 9, 0, tzinfo=CHINA)


def _cli(ws: Workspace, *args: str) -> object:
    return runner.invoke(app, ["-w", str(ws.path), "windows", *args])


def _listed(ws: Workspace, *extra: str) -> list[dict]:
    r = _cli(ws, "list", "--json", *extra)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]  # type: ignore[attr-defined]


def _due_interval(ws: Workspace, source_id: int) -> int:
    with ws.db.read() as s:
        return schedule.effective_interval(s.get(Source, source_id), schedule.active_windows(s))  # type: ignore[arg-type]


def test_an_exam_window_switches_monitoring_up_and_back(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", "admin", display_name="管理员")
        factories.user(s, "unit1", "unit_handler", factories.unit(s, "教育局"))
        src = factories.source(s, "示例论坛", kind="rss", url="http://127.0.0.1:9/rss", interval_seconds=1800).id
    with frozen(BEFORE):
        r = _cli(ws, "add", "--name", "2027年高考", "--from", "2027-06-07 00:00", "--to", "2027-06-09 00:00",
                 "--sources", str(src), "--keywords", "高考,考场", "--interval", "120", "--as", "admin1")
        assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
        assert "已计划重点时段监测" in r.output  # type: ignore[attr-defined]
        [row] = _listed(ws)
        assert (row["name"], row["state"], row["sources"], row["keywords"], row["interval_seconds"]) == (
            "2027年高考", "upcoming", [src], ["高考", "考场"], 120)
        assert row["starts_at"] == "2027-06-06T16:00:00+00:00" and row["source_names"] == ["示例论坛"]
        assert _due_interval(ws, src) == 1800
    with frozen(datetime(2027, 6, 7, 0, 0, 1, tzinfo=CHINA)):  # on by itself at its start
        assert [r["state"] for r in _listed(ws)] == ["active"]
        assert _due_interval(ws, src) == 120
        with ws.db.read() as s:
            assert schedule.keywords_by_source(s, [src])[src] == ["高考", "考场"]
    with frozen(datetime(2027, 6, 9, 0, 0, 1, tzinfo=CHINA)):  # and off by itself at its end
        assert _listed(ws) == [] and [r["state"] for r in _listed(ws, "--all")] == ["ended"]
        assert _due_interval(ws, src) == 1800
        text = _cli(ws, "list", "--all")
    assert "2027年高考 [已结束] 2027-06-07 00:00 至 2027-06-09 00:00 · 示例论坛" in text.output  # type: ignore[attr-defined]
    with ws.db.read() as s:
        assert s.query(AuditEntry).filter(AuditEntry.action == "collect.planned_on").count() == 1


def test_windows_add_refuses_bad_input_and_people_without_the_right(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", "admin")
        factories.user(s, "unit1", "unit_handler", factories.unit(s, "教育局"))
    bad_time = _cli(ws, "add", "--name", "中考", "--from", "六月", "--to", "2027-06-20 00:00", "--as", "admin1")
    assert bad_time.exit_code == 2 and "--from" in bad_time.output  # type: ignore[attr-defined]
    backwards = _cli(ws, "add", "--name", "中考", "--from", "2027-06-20 00:00", "--to", "2027-06-19 00:00",
                     "--as", "admin1")
    assert backwards.exit_code == 2 and "结束时间必须晚于开始时间" in backwards.output  # type: ignore[attr-defined]
    nobody = _cli(ws, "add", "--name", "中考", "--from", "2027-06-19 00:00", "--to", "2027-06-20 00:00",
                  "--sources", "99", "--as", "admin1")
    assert nobody.exit_code == 2 and "没有这些信息源" in nobody.output  # type: ignore[attr-defined]
    refused = _cli(ws, "add", "--name", "中考", "--from", "2027-06-19 00:00", "--to", "2027-06-20 00:00",
                   "--as", "unit1")
    assert refused.exit_code == 1  # type: ignore[attr-defined]
    assert sources.windows_list(ws, include_ended=True) == []
