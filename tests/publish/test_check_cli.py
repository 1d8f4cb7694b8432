"""`yuqing -w W channels check --once` in-process (CliRunner) against channels on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from tests import factories
from yuqing.cli import app
from yuqing.clock import frozen
from yuqing.domain.roles import Actor
from yuqing.publish.deliver import set_routes
from yuqing.workspace import Workspace

from . import channel_server
from .channel_server import ChannelServer
from .test_check import NOW, rss

site = channel_server.site
runner = CliRunner()


def test_channels_check_once_reports_the_round(ws: Workspace, site: ChannelServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUQING_CHANNEL_LINK_DELAY", "0")
    quiet = site.add("/q/feed.xml", rss(15), content_type="application/rss+xml")
    with frozen(NOW - timedelta(days=30)), ws.db.write() as s:
        unit = factories.unit(s, "区融媒体中心")
        factories.channel(s, "区政务微博", kind="weibo", owner=unit, url=site.url("/q/"), feed_url=quiet)
        factories.channel(s, "原网站", owner=unit, url=site.add("/old/", "<p>旧站</p>"), closed=True)
        leaders = factories.alert_channel(s, "inapp", "leader", name="区领导（站内通知）").id
    set_routes(ws, Actor(None, "办公室", "office"), {("zombie", leaders), ("closed_live", leaders)})
    with frozen(NOW):
        r = runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert (got["checked"], got["zombies"], got["new_zombies"], got["closed_live"]) == (2, 1, 1, 1)
    assert got["delivered"] == {"sent": 2}  # the zombie and the closed site to the leaders' inbox, once
    with frozen(NOW):
        r = runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once"])
    assert r.exit_code == 0 and "僵尸账号 1 个（新增 0）" in r.stdout and "已关停仍可访问 1 个" in r.stdout
    assert "发布监管提醒" not in r.stdout  # nothing new to send
    site.add("/q/feed.xml", rss(0), content_type="application/rss+xml")  # posts again, then falls silent
    with frozen(NOW + timedelta(hours=1)):
        runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once"])
    with frozen(NOW + timedelta(days=15)):
        r = runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once"])
    assert r.exit_code == 0 and "发布监管提醒：已发送 1 条" in r.stdout, r.stdout
