"""The CLI as a newcomer would use it: the first test and `up` start the real command in a subprocess; the
others run the same command in-process (tests/cli_runner.py), which spares a 1.5 s interpreter start each."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import Ran, run_cli

PG = os.environ.get("YUQING_TEST_DATABASE_URL")


def command(*args: str) -> subprocess.CompletedProcess:
    """The real `yuqing` command in a new interpreter (SQLite workspace)."""
    full_env = {**os.environ}
    full_env.pop("YUQING_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=120)


def yuqing(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
    return run_cli(*args, env={"YUQING_DATABASE_URL": None, **(env or {})}, input=input)


def test_init_with_district_then_profile_show(tmp_path: Path) -> None:
    ws = tmp_path / "w"
    r = command("init", str(ws), "--district", "章贡区")
    assert r.returncode == 0, r.stderr
    shown = command("--workspace", str(ws), "profile", "show")
    assert shown.returncode == 0, shown.stderr
    profile = json.loads(shown.stdout)
    assert profile["city"] == "赣州市" and profile["district"] == "章贡区"
    names = {(p["name"], p["level"]) for p in profile["places"]}
    assert ("解放街道", "town") in names and ("水西镇", "town") in names


def test_workspace_from_environment(tmp_path: Path) -> None:
    ws = tmp_path / "w"
    assert yuqing("init", str(ws), "--district", "兴庆区").returncode == 0
    r = yuqing("profile", "show", env={"YUQING_WORKSPACE": str(ws)})
    assert json.loads(r.stdout)["city"] == "银川市"


def test_ambiguous_district_without_a_terminal_is_a_clear_error(tmp_path: Path) -> None:
    r = yuqing("init", str(tmp_path / "w"), "--district", "朝阳区", input="")
    assert r.returncode == 1 and "--city" in r.stderr
    r = yuqing("init", str(tmp_path / "w"), "--district", "朝阳区", "--city", "长春市")
    assert r.returncode == 0, r.stderr


def test_not_a_workspace(tmp_path: Path) -> None:
    r = yuqing("--workspace", str(tmp_path), "audit", "verify")
    assert r.returncode == 1 and "yuqing init" in r.stderr


def test_users_units_and_audit_verify_detects_an_edit(tmp_path: Path) -> None:
    ws = str(tmp_path / "w")
    assert yuqing("init", ws).returncode == 0
    assert yuqing("-w", ws, "units", "add", "青石镇", "--kind", "town").returncode == 0
    r = yuqing("-w", ws, "users", "add", "qs", "--role", "unit_handler", "--unit", "青石镇", "--password", "abcdefgh1")
    assert r.returncode == 0, r.stderr
    assert "青石镇" in yuqing("-w", ws, "units", "list").stdout
    assert "qs" in yuqing("-w", ws, "users", "list").stdout
    ok = yuqing("-w", ws, "audit", "verify")
    assert ok.returncode == 0 and "2 条" in ok.stdout
    with sqlite3.connect(Path(ws) / "yuqing.db") as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_entries SET detail = '{}' WHERE id = 1")
        conn.execute("DROP TRIGGER audit_entries_no_update")  # an intruder with the database file
        conn.execute("DROP TRIGGER audit_entries_no_delete")
        conn.execute("UPDATE audit_entries SET detail = '{\"name\": \"别的镇\"}' WHERE id = 1")
    bad = yuqing("-w", ws, "audit", "verify")
    assert bad.returncode != 0 and "1" in bad.stderr and "改动" in bad.stderr
    with sqlite3.connect(Path(ws) / "yuqing.db") as conn:
        conn.execute("DELETE FROM audit_entries")
    gone = yuqing("-w", ws, "audit", "verify")
    assert gone.returncode == 2 and "清空" in gone.stderr


def test_import_jsonl_is_idempotent_and_reports_bad_lines(tmp_path: Path) -> None:
    ws = str(tmp_path / "w")
    yuqing("init", ws)
    f = tmp_path / "posts.jsonl"
    f.write_text('{"id": "1", "text": "河口镇暴雨内涝", "author": "某网友"}\n{broken\n{"id": "2", "text": "夜市噪音"}\n',
                 encoding="utf-8")
    r = yuqing("-w", ws, "import", str(f))
    assert r.returncode == 1 and "第 2 行" in r.stderr and "新增 2" in r.stdout
    again = yuqing("-w", ws, "import", str(f))
    assert "新增 0" in again.stdout and "未变 2" in again.stdout
    with sqlite3.connect(Path(ws) / "yuqing.db") as conn:
        rows = conn.execute("SELECT author_hash FROM items ORDER BY id").fetchall()
    assert len(rows) == 2
    assert rows[0][0] and "某网友" not in rows[0][0]


@pytest.mark.skipif(bool(PG), reason="demo CLI test runs on SQLite only")
def test_demo_no_serve_builds_the_fictional_district(tmp_path: Path) -> None:
    r = yuqing("demo", "--dir", str(tmp_path / "d"), "--no-serve")
    assert r.returncode == 0, r.stderr
    assert "admin@demo2026" in r.stdout
    with sqlite3.connect(tmp_path / "d" / "yuqing.db") as conn:
        n = conn.execute("SELECT count(*) FROM items WHERE fictional").fetchone()[0]
    assert n >= 300
    again = yuqing("demo", "--dir", str(tmp_path / "d"), "--no-serve")
    assert again.returncode == 0
    with sqlite3.connect(tmp_path / "d" / "yuqing.db") as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == n


@pytest.mark.parametrize("workers", [1, 2])
def test_up_serves_the_web_app_and_stops_cleanly(tmp_path: Path, workers: int) -> None:
    """`yuqing up`, and `--workers 2` as the README advises on two cores (the jobs stay in the first process)."""
    import socket
    import time
    import urllib.request

    ws = str(tmp_path / "w")
    assert yuqing("init", ws).returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "YUQING_DATABASE_URL"}
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "-w", ws, "up", "--port", str(port),
                             "--workers", str(workers)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 120  # a wait for start-up on a busy machine, not a speed check
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    body = r.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.3)
        assert "舆情监测与处置平台" in body
    finally:
        proc.terminate()
        output = proc.communicate(timeout=60)[0]
    assert f"{workers} 个网页进程" in output.replace("\n", "") and "Traceback" not in output, output


def test_push_source_token_and_bad_emergency_source(tmp_path: Path) -> None:
    ws = str(tmp_path / "w")
    yuqing("init", ws)
    added = yuqing("-w", ws, "sources", "add", "--kind", "push", "--name", "12345热线对接")
    assert added.returncode == 0, added.stderr
    source_id = added.stdout.strip()
    token = yuqing("-w", ws, "sources", "token", source_id)
    assert token.returncode == 0 and len(token.stdout.strip()) >= 32
    assert yuqing("-w", ws, "sources", "token", "999").returncode == 2
    bad = yuqing("-w", ws, "emergency", "on", "--sources", "999", "--interval", "60")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_commands_act_as_a_named_account_once_an_administrator_exists(tmp_path: Path) -> None:
    ws = str(tmp_path / "w")
    assert yuqing("init", ws).returncode == 0
    first = yuqing("-w", ws, "users", "add", "root", "--role", "admin", "--password", "abcdefgh1")
    assert first.returncode == 0, first.stderr  # a new workspace: the installer makes the first administrator
    refused = yuqing("-w", ws, "units", "add", "青石镇", "--kind", "town")
    assert refused.returncode == 2 and "--as" in refused.stderr and "Traceback" not in refused.stderr
    assert yuqing("-w", ws, "units", "add", "青石镇", "--kind", "town", "--as", "root").returncode == 0
    r = yuqing("-w", ws, "users", "add", "lm", "--role", "analyst", "--password", "abcdefgh1", "--as", "root")
    assert r.returncode == 0, r.stderr
    denied = yuqing("-w", ws, "users", "add", "x2", "--role", "analyst", "--password", "abcdefgh1", "--as", "lm")
    assert denied.returncode == 1 and "无权" in denied.stderr
    f = tmp_path / "posts.jsonl"
    f.write_text('{"id": "1", "text": "河口镇暴雨内涝"}\n', encoding="utf-8")
    assert "新增 1" in yuqing("-w", ws, "import", str(f), "--as", "lm").stdout
    with sqlite3.connect(Path(ws) / "yuqing.db") as conn:
        rows = conn.execute("SELECT a.action, u.username FROM audit_entries a LEFT JOIN users u ON u.id = a.actor_id"
                            " ORDER BY a.id").fetchall()
    assert rows[-1] == ("items.import", "lm") and ("unit.create", "root") in rows


def test_events_grade_prints_the_json_contract(tmp_path: Path) -> None:
    ws = str(tmp_path / "w")
    assert yuqing("init", ws, "--district", "章贡区").returncode == 0
    f = tmp_path / "posts.jsonl"
    posts = ["水西镇暴雨后好几户进水了，积水半米深，有老人被困在家里，请求救援！",
             "水西镇内涝严重，昨晚九点有车辆熄火，镇干部连夜转移群众",
             "章贡区水西镇强降雨一夜没停，路被淹了，大家注意绕行"]
    f.write_text("".join(json.dumps({"id": str(n), "text": t, "published_at": f"2026-11-20T0{n}:00:00+08:00"},
                                    ensure_ascii=False) + "\n" for n, t in enumerate(posts)), encoding="utf-8")
    assert yuqing("-w", ws, "import", str(f)).returncode == 0
    assert yuqing("-w", ws, "analyze-pending").returncode == 0
    r = yuqing("-w", ws, "events", "grade", "1", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"grade", "score", "factors", "overridden"}
    assert data["grade"] in ("I", "II", "III", "IV") and data["overridden"] is False
    assert 0 < data["score"] <= 100
    assert all(set(x) == {"name", "value", "contribution", "evidence_item_ids"} for x in data["factors"])
    safety = next(x for x in data["factors"] if x["name"] == "public_safety")
    assert safety["contribution"] > 0 and safety["evidence_item_ids"]
    assert round(sum(x["contribution"] for x in data["factors"]), 1) == data["score"]
    table = yuqing("-w", ws, "events", "grade", "1")
    assert table.returncode == 0 and "公共安全" in table.stdout
    missing = yuqing("-w", ws, "events", "grade", "99", "--json")
    assert missing.returncode == 1 and "不存在" in missing.stderr
