"""Source health: down after N failures, blocked on 403/418/429, stale when quiet, notifications."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.clock import frozen, utcnow
from yuqing.collect import health, sources
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import collect_once
from yuqing.store.tables import FetchRun, Notification, Source
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .feeds import rss


def src(ws: Workspace, sid: int) -> Source:
    with ws.db.read() as s:
        row = s.get(Source, sid)
        assert row is not None
        return row


def notes(ws: Workspace) -> list[tuple[str, str]]:
    with ws.db.read() as s:
        return [
            (n.kind, n.audience) for n in s.execute(select(Notification).order_by(Notification.id)).scalars()
        ]


def test_working_source_goes_down_after_three_failures(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    url = server.add("/f.xml", rss([{"guid": "1", "title": "a"}]))
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    collect_once(ws, [sid], policy=policy)
    assert src(ws, sid).health == "ok"
    server.add("/f.xml", b"err", status=500)
    for expected in ("ok", "ok", "down"):
        collect_once(ws, [sid], policy=policy)
        assert src(ws, sid).health == expected
    assert src(ws, sid).consecutive_failures == 3
    assert notes(ws) == [("source.down", "admin")]
    collect_once(ws, [sid], policy=policy)
    assert notes(ws) == [("source.down", "admin")]  # told once, not every run
    server.add("/f.xml", rss([{"guid": "1", "title": "a"}, {"guid": "2", "title": "b"}]))
    collect_once(ws, [sid], policy=policy)
    assert src(ws, sid).health == "ok" and notes(ws)[-1] == ("source.recovered", "admin")
    with ws.db.read() as s:
        runs = (
            s.execute(select(FetchRun).where(FetchRun.source_id == sid).order_by(FetchRun.id)).scalars().all()
        )
    assert [r.status for r in runs] == ["ok", "error", "error", "error", "error", "ok"]
    assert all(r.duration_ms is not None and r.finished_at for r in runs)
    assert "500" in (runs[1].error or "") and runs[1].http_status == 500


def test_new_dead_source_turns_red_on_first_run(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    sid = sources.sources_add(ws, ADMIN, "rss", server.url("/nothing-here"))
    collect_once(ws, [sid], policy=policy)
    assert src(ws, sid).health == "down" and health.COLOURS["down"] == "red"
    assert notes(ws) == [("source.down", "admin")]


def test_blocked_source(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add("/b.xml", b"forbidden", status=403)
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "blocked" and result.http_status == 403
    assert src(ws, sid).health == "blocked" and notes(ws) == [("source.blocked", "admin")]
    with ws.db.read() as s:
        run = s.execute(select(FetchRun)).scalar_one()
    assert run.status == "blocked" and run.http_status == 403


def test_stale_when_nothing_new_for_longer_than_cadence(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    url = server.add("/s.xml", rss([{"guid": "1", "title": "a"}]))
    sid = sources.sources_add(ws, ADMIN, "rss", url, config={"expected_cadence_seconds": 3600}, interval=600)
    collect_once(ws, [sid], policy=policy)
    assert src(ws, sid).health == "ok"
    with frozen(utcnow() + timedelta(minutes=50)):
        collect_once(ws, [sid], policy=policy)
    assert src(ws, sid).health == "ok"
    server.add("/s.xml", rss([{"guid": "1", "title": "a"}]) + b" ")  # a changed body, no new items
    with frozen(utcnow() + timedelta(minutes=70)):
        collect_once(ws, [sid], policy=policy)
    assert src(ws, sid).health == "stale" and notes(ws) == [("source.stale", "admin")]


def test_sweep_marks_quiet_push_sources_stale(ws: Workspace) -> None:
    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线推送", config={"expected_cadence_seconds": 3600})
    with ws.db.write() as s:
        row = s.get(Source, sid)
        assert row is not None
        row.health = "ok"
        row.last_new_item_at = utcnow() - timedelta(hours=2)
    with ws.db.write() as s:
        assert health.sweep(s) == [sid]
    assert src(ws, sid).health == "stale"
