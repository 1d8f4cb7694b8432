"""Schedules: per-source intervals and emergency mode (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.clock import frozen, utcnow
from yuqing.collect import schedule, sources
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import collect_once
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.store.tables import AuditEntry, Item, Source
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .feeds import rss


def due(ws: Workspace, at_minutes: float = 0) -> list[int]:
    with ws.db.read() as s:
        return schedule.due_sources(s, utcnow() + timedelta(minutes=at_minutes)).due


def mark_ran(ws: Workspace, *ids: int) -> None:
    with ws.db.write() as s:
        for sid in ids:
            row = s.get(Source, sid)
            assert row is not None
            row.last_run_at = utcnow()


def test_due_by_interval(ws: Workspace) -> None:
    a = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/a", interval=600)
    b = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/b", interval=3600)
    manual = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/c", interval=0)
    sources.sources_add(ws, ADMIN, "push", None)
    assert due(ws) == [a, b]  # never run: due now (interval 0 and push are never scheduled)
    mark_ran(ws, a, b, manual)
    assert due(ws, 5) == []
    assert due(ws, 11) == [a]
    assert due(ws, 61) == [a, b]


def test_emergency_mode_raises_polling_until_switched_off(ws: Workspace) -> None:
    a = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/a", interval=3600)
    b = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/b", interval=3600)
    mark_ran(ws, a, b)
    assert due(ws, 2) == []
    wid = sources.emergency_on(ws, ADMIN, [a], ["爆炸", "火灾"], 60)
    assert due(ws, 2) == [a]
    assert sources.emergency_status(ws)[0]["id"] == wid
    assert sources.emergency_off(ws, ADMIN) == 1
    assert due(ws, 2) == [] and sources.emergency_status(ws) == []
    with ws.db.read() as s:
        actions = [e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions[-2:] == ["collect.emergency_on", "collect.emergency_off"]


def test_emergency_for_all_sources_and_planned_window(ws: Workspace) -> None:
    a = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/a", interval=3600)
    mark_ran(ws, a)
    start = utcnow() + timedelta(hours=1)
    schedule.open_window(ws, Actor(1, "管理员", "admin"), interval=120, kind="planned", name="高考",
                         starts_at=start, ends_at=start + timedelta(hours=2))
    assert due(ws, 30) == []
    with frozen(utcnow() + timedelta(minutes=70)):
        assert due(ws) == [a]
    with frozen(utcnow() + timedelta(hours=4)), ws.db.read() as s:
        assert schedule.active_windows(s) == []


def test_emergency_checks(ws: Workspace) -> None:
    with pytest.raises(schedule.ScheduleError):
        sources.emergency_on(ws, ADMIN, [999], [], 60)
    with pytest.raises(schedule.ScheduleError):
        sources.emergency_on(ws, ADMIN, [], [], 1)
    with pytest.raises(PermissionDenied):
        sources.emergency_on(ws, Actor(5, "监测员", "analyst"), [], [], 60)


def test_emergency_keywords_tag_items(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add(
        "/e.xml",
        rss([{"guid": "1", "title": "化工厂爆炸", "text": "浓烟"}, {"guid": "2", "title": "天气晴好"}]),
    )
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    sources.emergency_on(ws, ADMIN, [sid], ["爆炸"], 60)
    collect_once(ws, [sid], policy=policy)
    with ws.db.read() as s:
        tags = {i.external_id: i.extra.get("emergency_keywords") for i in s.execute(select(Item)).scalars()}
    assert tags == {"1": ["爆炸"], "2": None}


def test_collect_tick_task(ws: Workspace, server: FixtureServer) -> None:
    from yuqing.collect import tasks
    from yuqing.jobs.tasks import run_task

    url = server.add("/t.xml", rss([{"guid": "1", "title": "a"}]))
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    assert tasks.collect_tick is not None
    out = run_task(ws, "collect.tick")
    assert out["due"] == [sid] and out["new"] == 1
    assert run_task(ws, "collect.tick")["due"] == []


def test_failing_source_is_retried_sooner_and_goes_red_within_its_interval(
        ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add("/d.xml", rss([{"guid": "1", "title": "a"}]))
    sid = sources.sources_add(ws, ADMIN, "rss", url, interval=1800)
    t0 = utcnow()
    collect_once(ws, [sid], policy=policy)
    server.add("/d.xml", b"gone", status=500)
    minutes = 30.0
    with frozen(t0 + timedelta(minutes=minutes)):
        collect_once(ws, [sid], policy=policy)  # first failure at 30 min
    # Retries every 1800 / (3 + 1) = 450 s until the third failure.
    for _ in range(2):
        with ws.db.read() as s:
            assert schedule.due_sources(s, t0 + timedelta(minutes=minutes + 5)).due == []
        minutes += 7.5
        with ws.db.read() as s:
            assert schedule.due_sources(s, t0 + timedelta(minutes=minutes)).due == [sid]
        with frozen(t0 + timedelta(minutes=minutes)):
            collect_once(ws, [sid], policy=policy)
    with ws.db.read() as s:
        src = s.get(Source, sid)
        assert src is not None and src.health == "down"
        # Once red it goes back to its normal interval.
        assert schedule.due_sources(s, t0 + timedelta(minutes=minutes + 10)).due == []
    assert minutes - 30 < 30  # red within one interval of dying


def test_blocked_source_is_polled_half_as_often(ws: Workspace) -> None:
    sid = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/a", interval=600)
    with ws.db.write() as s:
        row = s.get(Source, sid)
        assert row is not None
        row.health, row.consecutive_failures, row.last_run_at = "blocked", 1, utcnow()
    assert due(ws, 11) == []
    assert due(ws, 21) == [sid]
