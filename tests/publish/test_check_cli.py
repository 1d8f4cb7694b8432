"""`yuqing -w W channels check --once` in-process (CliRunner) against channels on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from tests import factories
from yuqing.cli import app
from yuqing.clock import frozen
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
    with frozen(NOW):
        r = runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert (got["checked"], got["zombies"], got["new_zombies"], got["closed_live"]) == (2, 1, 1, 1)
    with frozen(NOW):
        r = runner.invoke(app, ["-w", str(ws.path), "channels", "check", "--once"])
    assert r.exit_code == 0 and "僵尸账号 1 个（新增 0）" in r.stdout and "已关停仍可访问 1 个" in r.stdout
