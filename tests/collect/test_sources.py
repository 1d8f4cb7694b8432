"""The plain functions behind `yuqing sources|collect|items|emergency`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.http import HttpPolicy
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.store.tables import AuditEntry
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .feeds import rss


def test_sources_add_list_and_audit(ws: Workspace) -> None:
    a = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/feed.xml")
    b = sources.sources_add(ws, ADMIN, "web", "https://bbs.example.cn/forum-12-1.html", "区论坛", interval=900)
    rows = sources.sources_list(ws)
    assert [r["id"] for r in rows] == [a, b]
    assert rows[0]["name"] == "127.0.0.1/feed.xml" and rows[0]["health"] == "new"
    assert rows[1]["interval_seconds"] == 900 and rows[1]["kind"] == "web"
    with ws.db.read() as s:
        assert [e.action for e in s.execute(select(AuditEntry)).scalars()] == ["source.create"] * 2


@pytest.mark.parametrize(
    ("kind", "url"),
    [("ftp", "http://x.test/"), ("rss", "ftp://x.test/f"), ("web", None), ("rss", "not a url")],
)
def test_sources_add_refuses_bad_input(ws: Workspace, kind: str, url: str | None) -> None:
    with pytest.raises(sources.SourceError):
        sources.sources_add(ws, ADMIN, kind, url)


def test_sources_add_needs_permission(ws: Workspace) -> None:
    with pytest.raises(PermissionDenied):
        sources.sources_add(ws, Actor(2, "监测员", "analyst"), "rss", "http://x.test/f")


def test_collect_once_and_items_list_json(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    feed = server.add("/f.xml", rss([{"guid": "1", "title": "标题", "text": "正文", "link": "/p/1"}]))
    good = sources.sources_add(ws, ADMIN, "rss", feed)
    bad = sources.sources_add(ws, ADMIN, "rss", server.url("/missing.xml"))
    summary = sources.collect_once(ws, policy=policy)
    assert {r.source_id: r.status for r in summary.results} == {good: "ok", bad: "error"}
    lines = list(sources.format_summary(summary))
    assert "新增 1" in lines[-1] and "失败 1" in lines[-1]
    rows = [json.loads(line) for line in sources.items_list_json(ws, limit=10)]
    assert len(rows) == 1
    row = rows[0]
    for key in ("id", "source", "url", "title", "text", "published_at", "captured_at", "content_hash"):
        assert key in row
    assert row["title"] == "标题" and row["url"] == server.url("/p/1") and len(row["content_hash"]) == 64
    assert row["published_at"].startswith("2026-11-23T17:00:00")
    assert list(sources.items_list_json(ws, limit=0)) == []
    only = sources.collect_once(ws, [bad], policy=policy)
    assert [r.source_id for r in only.results] == [bad]
    runs = sources.recent_runs(ws, bad)
    assert len(runs) == 2 and runs[0]["status"] == "error"


@pytest.mark.parametrize("config", [{"links": "a[[["}, {"selectors": {"body": "//div[@"}},
                                    {"selectors": {"bogus": "h1"}}, {"id_regex": "tid=(\\d+"},
                                    {"max_pages": 0}, {"selectors": "h1"}])
def test_web_config_is_checked_when_saved(ws: Workspace, config: dict[str, object]) -> None:
    with pytest.raises(sources.SourceError):
        sources.sources_add(ws, ADMIN, "web", "http://x.test/list", config=config)


def test_plan_window_for_a_sensitive_date(ws: Workspace) -> None:
    from datetime import datetime

    from yuqing.clock import frozen

    wid = sources.plan_window(ws, ADMIN, "高考", datetime(2027, 6, 7, 0, 0), datetime(2027, 6, 10, 0, 0),
                              keywords=["高考"])
    assert sources.emergency_status(ws) == []
    with frozen(datetime(2027, 6, 8, 12, 0)):
        status = sources.emergency_status(ws)
    assert [w["id"] for w in status] == [wid] and status[0]["kind"] == "planned"
    assert sources.emergency_off(ws, ADMIN) == 0  # switching emergency mode off leaves planned windows alone
