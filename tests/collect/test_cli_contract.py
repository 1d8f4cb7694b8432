"""The CLI contract checked from outside the test suite, through the `yuqing` command (run
in-process, tests/cli_runner.py): sources add prints the id, collect --once exits 0 even when a source fails, items list
--json prints one object per line with the agreed fields."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli_runner import Ran, run_cli

from .conftest import FixtureServer
from .feeds import rss


def yuqing(ws: Path, *args: str) -> Ran:
    return run_cli(*args, env={"YUQING_WORKSPACE": str(ws), "YUQING_DATABASE_URL": None})


@pytest.mark.skipif(os.environ.get("YUQING_TEST_DATABASE_URL") is not None, reason="SQLite workspace only")
def test_cli_contract(tmp_path: Path, server: FixtureServer) -> None:
    from yuqing.workspace import init_workspace

    ws = tmp_path / "ws"
    init_workspace(ws).db.dispose()
    feed = server.add("/c.xml", rss([{"guid": "c1", "title": "路面塌陷", "text": "西关路路面塌陷", "link": "/p/1"},
                                     {"guid": "c2", "title": "积水", "text": "东街积水"}]))
    added = yuqing(ws, "sources", "add", "--kind", "rss", "--url", feed, "--name", "测试订阅")
    assert added.returncode == 0, added.stderr
    sid = int(added.stdout.strip().splitlines()[-1])
    dead = yuqing(ws, "sources", "add", "--kind", "rss", "--url", server.url("/dead.xml"))
    assert dead.returncode == 0, dead.stderr
    listed = yuqing(ws, "sources", "list")
    assert listed.returncode == 0 and "测试订阅" in listed.stdout
    ran = yuqing(ws, "collect", "--once")
    assert ran.returncode == 0, ran.stderr  # the dead source is recorded, not fatal
    ran = yuqing(ws, "collect", "--once", "--source", str(sid))
    assert ran.returncode == 0, ran.stderr
    out = yuqing(ws, "items", "list", "--json", "--limit", "10")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(rows) == 2  # collected twice, stored once
    for row in rows:
        assert {"id", "source", "url", "title", "text", "published_at", "captured_at", "content_hash"} <= set(row)
    assert {r["title"] for r in rows} == {"路面塌陷", "积水"}
