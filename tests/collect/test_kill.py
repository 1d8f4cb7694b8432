"""kill -9 in the middle of a collect run, then a restart: nothing committed is lost, nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import collect_once
from yuqing.store.tables import FetchRun, Item
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .feeds import forum_list, forum_post

PAGES = 60
CHILD = """
import sys
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import collect_once
from yuqing.workspace import open_workspace
ws = open_workspace(sys.argv[1])
collect_once(ws, [int(sys.argv[2])], policy=HttpPolicy(per_host_delay=0, retries=0), batch_size=5)
"""


def stored(ws: Workspace) -> tuple[int, int]:
    with ws.db.read() as s:
        total = s.execute(select(func.count()).select_from(Item)).scalar_one()
        keys = s.execute(select(func.count(func.distinct(Item.item_key)))).scalar_one()
    return int(total), int(keys)


def run_and_kill(ws: Workspace, sid: int, at_least: int) -> int:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(ws.path), str(sid)], env=env)
    try:
        deadline = time.monotonic() + 30
        while stored(ws)[0] < at_least:
            assert child.poll() is None, "the collect run finished before it could be killed"
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    return stored(ws)[0]


def test_kill_9_mid_run_then_restart(ws: Workspace, server: FixtureServer) -> None:
    links = []
    for i in range(PAGES):
        path = f"/t/{i}"
        server.add(path, forum_post(f"帖子{i}", f"内容{i}", f"用户{i}", "2026-11-20 08:00"), delay=0.04)
        links.append((path, f"帖子标题{i}"))
    url = server.add("/list", forum_list(links))
    sid = sources.sources_add(
        ws,
        ADMIN,
        "web",
        url,
        config={"links": "a.t", "max_pages": 100, "selectors": {"title": "h1", "body": "div.post"}},
    )
    first = run_and_kill(ws, sid, 10)
    assert 10 <= first < PAGES
    second = run_and_kill(ws, sid, first + 10)
    assert first < second < PAGES
    assert stored(ws) == (second, second)  # no duplicates so far
    result = collect_once(ws, [sid], policy=HttpPolicy(per_host_delay=0), batch_size=5).results[0]
    assert result.status == "ok", result.error
    assert result.new == PAGES - second
    assert stored(ws) == (PAGES, PAGES)
    with ws.db.read() as s:
        runs = s.execute(select(FetchRun).order_by(FetchRun.id)).scalars().all()
        titles = set(s.execute(select(Item.title)).scalars())
    assert titles == {f"帖子{i}" for i in range(PAGES)}
    assert [r.status for r in runs] == ["error", "error", "ok"]
    assert all("中断" in (r.error or "") for r in runs[:2])
    # Progress committed with each batch: the killed runs show what they stored.
    assert runs[0].new_items == first and runs[0].new_items + runs[1].new_items == second
    # A finished run's state is saved: the next round fetches no detail page again.
    hits = sum(server.hits[p] for p, _ in links)
    assert collect_once(ws, [sid], policy=HttpPolicy(per_host_delay=0)).new == 0
    assert sum(server.hits[p] for p, _ in links) == hits


def test_two_collectors_at_once_duplicate_nothing(ws: Workspace, server: FixtureServer) -> None:
    from .feeds import rss

    items = [{"guid": f"g{i}", "title": f"标题{i}", "text": f"正文{i}"} for i in range(400)]
    sid = sources.sources_add(ws, ADMIN, "rss", server.add("/race.xml", rss(items)))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(ws.path), str(sid)], env=env,
                                 stderr=subprocess.PIPE) for _ in range(2)]
    for child in children:
        _, err = child.communicate(timeout=60)
        assert child.returncode == 0, err.decode()[-2000:]
    assert stored(ws) == (400, 400)
    with ws.db.read() as s:
        runs = s.execute(select(FetchRun)).scalars().all()
    assert len(runs) == 2 and sum(r.new_items for r in runs) == 400


def test_push_source_is_skipped_not_failed(ws: Workspace) -> None:
    sid = sources.sources_add(ws, ADMIN, "push", None)
    result = collect_once(ws, [sid]).results[0]
    assert result.status == "skipped"
    with ws.db.read() as s:
        assert s.execute(select(func.count()).select_from(FetchRun)).scalar_one() == 0


def test_a_run_in_a_live_process_is_not_marked_interrupted(ws: Workspace) -> None:
    from yuqing.clock import utcnow
    from yuqing.collect.runner import RUNNING_PREFIX, _close_orphans

    sid = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/x.xml")
    import socket

    host = socket.gethostname()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    with ws.db.write() as s:
        for owner in (f"{RUNNING_PREFIX}{os.getpid()}@{host}", f"{RUNNING_PREFIX}{dead.stdout.strip()}@{host}",
                      f"{RUNNING_PREFIX}1@other-host", None):
            s.add(FetchRun(source_id=sid, status="running", error=owner, started_at=utcnow()))
    with ws.db.write() as s:
        _close_orphans(s, sid, utcnow())
    with ws.db.read() as s:
        statuses = [r.status for r in s.execute(select(FetchRun).order_by(FetchRun.id)).scalars()]
    assert statuses == ["running", "error", "running", "error"]
