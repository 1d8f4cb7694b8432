"""Planned monitoring windows (重要时间节点) from the CLI: `windows add` plans one ahead, it switches polling up
at its start and back at its end by itself (the clock frozen across both), `windows list --json` shows it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

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


def test_a_window_with_its_duty_arrangement_switches_on_and_off_with_the_job(ws: Workspace) -> None:
    """`--duty` names who is paged during the window; the window job, run with the clock frozen just before,
    just after the start and just after the end, records 已开启 then 已结束 once each with the intervals, and tells
    the office and the people on duty; the arrangement heads the duty chain only while the window is on."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import login
    from yuqing.alert.duty import on_duty
    from yuqing.jobs.tasks import run_task
    from yuqing.store.tables import Notification
    from yuqing.web.app import create_app

    with ws.db.write() as s:
        factories.user(s, "admin1", "admin", display_name="管理员")
        factories.user(s, "office1", "office", display_name="办公室王")
        song = factories.user(s, "zhiban_song", "analyst", display_name="值班员 宋佳").id
        peng = factories.user(s, "zhiban_peng", "analyst", display_name="值班员 彭磊").id
        src = factories.source(s, "示例论坛", kind="rss", url="http://127.0.0.1:9/rss", interval_seconds=1800).id
    start, end = datetime(2027, 6, 7, 7, 0, tzinfo=CHINA), datetime(2027, 6, 7, 18, 30, tzinfo=CHINA)
    with frozen(BEFORE):
        nobody = _cli(ws, "add", "--name", "2027年高考", "--from", "2027-06-07 07:00", "--to", "2027-06-07 18:30",
                      "--duty", "zhiban_song,无此人", "--as", "admin1")
        assert nobody.exit_code == 2 and "值班安排：没有名为“无此人”的在用账号" in nobody.output  # type: ignore[attr-defined]
        r = _cli(ws, "add", "--name", "2027年高考", "--from", "2027-06-07 07:00", "--to", "2027-06-07 18:30",
                 "--sources", str(src), "--interval", "120", "--duty", "zhiban_song,彭磊", "--as", "admin1")
        assert r.exit_code == 0 and "值班安排：值班员 宋佳 → 值班员 彭磊" in r.output  # type: ignore[attr-defined]
        [row] = _listed(ws)
        assert set(row) == {"id", "kind", "name", "state", "state_label", "sources", "source_names", "keywords",
                            "interval_seconds", "starts_at", "ends_at", "created_by", "duty"}
        assert row["duty"] == [{"user_id": song, "username": "zhiban_song", "name": "值班员 宋佳"},
                               {"user_id": peng, "username": "zhiban_peng", "name": "值班员 彭磊"}]
    window = row["id"]
    with frozen(start - timedelta(seconds=30)):
        assert run_task(ws, "collect.windows") == {"started": [], "ended": []}
        with ws.db.read() as s:
            assert on_duty(s, start - timedelta(seconds=30)) == []  # nobody on the roster
    with frozen(start + timedelta(seconds=30)):
        assert run_task(ws, "collect.windows") == {"started": [window], "ended": []}
        assert run_task(ws, "collect.windows") == {"started": [], "ended": []}  # once
        assert _due_interval(ws, src) == 120
        with ws.db.read() as s:
            assert on_duty(s, start + timedelta(seconds=30)) == [song, peng]
    with frozen(end + timedelta(seconds=30)):
        assert run_task(ws, "collect.windows") == {"started": [], "ended": [window]}
        assert run_task(ws, "collect.windows") == {"started": [], "ended": []}
        assert _due_interval(ws, src) == 1800
        with ws.db.read() as s:
            assert on_duty(s, end + timedelta(seconds=30)) == []
        listed = _cli(ws, "list", "--all").output  # type: ignore[attr-defined]
        assert "值班：值班员 宋佳、值班员 彭磊" in listed
    with ws.db.read() as s:
        audit = {e.action: e.detail for e in s.query(AuditEntry).filter(AuditEntry.action.like("collect.window_%"))}
        notes = {a: [t for (t,) in s.query(Notification.title).filter(Notification.audience == a)
                      .order_by(Notification.id)] for a in ("office", f"user:{song}", f"user:{peng}")}
    assert audit["collect.window_started"]["intervals"] == [{"source": "示例论坛", "before": 1800, "after": 120}]
    assert audit["collect.window_ended"]["intervals"] == [{"source": "示例论坛", "before": 120, "after": 1800}]
    assert audit["collect.window_started"]["duty"] == ["值班员 宋佳", "值班员 彭磊"]
    assert notes["office"] == notes[f"user:{song}"] == notes[f"user:{peng}"] == [
        "重点时段监测已开启：2027年高考", "重点时段监测已结束：2027年高考"]
    with frozen(end + timedelta(hours=1)), TestClient(create_app(ws), base_url="http://127.0.0.1",
                                                      headers={"accept": "text/html"}) as client:
        login(client, "office1")
        page = client.get("/windows").text
    ended = page[page.index('id="ended"'):]
    assert f'id="window-{window}"' in ended and "值班员 宋佳 → 值班员 彭磊 → 领导小组办公室" in ended
    history = ended[ended.index('class="win-history'):]
    assert history.index("<b>已计划</b>") < history.index("<b>已开启</b>") < history.index("<b>已结束</b>")
    assert "示例论坛 1800 秒→120 秒" in history and "示例论坛 120 秒→1800 秒" in history
