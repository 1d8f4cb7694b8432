"""The newcomer's path in the UI: add an RSS feed and a forum list page, collect, see items and their
evidence; a dead source shows red; the emergency switch is audited."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.web.conftest import login
from yuqing.collect import sources
from yuqing.store.tables import AuditEntry, Item, Source
from yuqing.web.app import create_app
from yuqing.web.pages import sources as sources_pages
from yuqing.workspace import Workspace

from .conftest import FAST, FixtureServer
from .feeds import rss
from .test_web import serve_forum


@pytest.fixture
def admin(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, str]]:
    # The production policy waits a polite second between requests to a host; tests need not.
    monkeypatch.setattr(sources, "collect_once", functools.partial(sources.collect_once, policy=FAST))
    app = create_app(ws)
    if not any(getattr(r, "path", "") == "/sources" for r in app.routes):
        app.include_router(sources_pages.router)
    with ws.db.write() as s:
        factories.user(s, "admin1", role="admin")
    with TestClient(app, base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        yield client, login(client, "admin1")


def add(client: TestClient, csrf: str, **form: str) -> int:
    r = client.post("/sources", data={"csrf_token": csrf, **form}, follow_redirects=False)
    assert r.status_code == 303, r.text
    m = re.match(r"/sources/(\d+)$", r.headers["location"])
    assert m
    return int(m.group(1))


def test_newcomer_adds_rss_and_forum_and_sees_items(ws: Workspace, server: FixtureServer,
                                                    admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    feed = server.add("/news.xml", rss([{"guid": "n1", "title": "区政府召开防汛会议", "text": "部署防汛工作",
                                         "link": "/n/1"}]))
    rss_id = add(client, csrf, kind="rss", url=feed, name="区新闻")
    forum_id = add(client, csrf, kind="web", url=serve_forum(server), name="区论坛", links="table#threads a.t",
                   sel_title="h1.subject", sel_body="div.post", sel_time="span.time", sel_author="span.author",
                   id_regex=r"tid=(\d+)")
    for sid in (rss_id, forum_id):
        r = client.post(f"/sources/{sid}/collect", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
    page = client.get(f"/sources/{rss_id}").text
    assert "区政府召开防汛会议" in page and "正常" in page
    page = client.get(f"/sources/{forum_id}").text
    assert "镕江小区停车难问题" in page
    overview = client.get("/sources").text
    assert "区新闻" in overview and "区论坛" in overview and 'class="health green"' in overview
    with ws.db.read() as s:
        item_id = s.execute(select(Item.id).where(Item.source_id == forum_id)).scalars().first()
        config = s.get(Source, forum_id).config  # type: ignore[union-attr]
    assert config["selectors"]["body"] == "div.post" and config["id_regex"] == r"tid=(\d+)"
    detail = client.get(f"/items/{item_id}")
    if detail.status_code == 200:  # the item page is the lead's; check the evidence it shows
        assert "SHA-256" in detail.text and "采集时间" in detail.text


def test_dead_source_turns_red(ws: Workspace, server: FixtureServer, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    sid = add(client, csrf, kind="rss", url=server.url("/gone.xml"), name="死链")
    client.post(f"/sources/{sid}/collect", data={"csrf_token": csrf})
    overview = client.get("/sources").text
    assert 'class="health red"' in overview and "故障" in overview
    assert "404" in client.get(f"/sources/{sid}").text


def test_bad_input_and_csrf(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    r = client.post("/sources", data={"csrf_token": csrf, "kind": "rss", "url": "ftp://x"})
    assert r.status_code == 400 and "http:// 或 https://" in r.text
    r = client.post("/sources", data={"csrf_token": csrf, "kind": "web", "url": "http://x.test/",
                                      "config_json": "{bad"})
    assert r.status_code == 400 and "JSON" in r.text
    r = client.post("/sources", data={"csrf_token": "nope", "kind": "rss", "url": "http://x.test/f"})
    assert r.status_code == 403


def test_emergency_switch(ws: Workspace, admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    sid = add(client, csrf, kind="rss", url="http://127.0.0.1:9/f.xml")
    r = client.post("/sources/emergency", data={"csrf_token": csrf, "action": "on", "source_ids": str(sid),
                                                "keywords": "爆炸，火灾", "interval": "60"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/sources").text
    assert "关闭突发事件监测" in page and "爆炸" in page and "火灾" in page
    client.post("/sources/emergency", data={"csrf_token": csrf, "action": "off"})
    assert "开启突发事件监测" in client.get("/sources").text
    with ws.db.read() as s:
        actions = [e.action for e in s.execute(select(AuditEntry)).scalars()]
    assert "collect.emergency_on" in actions and "collect.emergency_off" in actions


def test_non_admin_cannot_manage_sources(ws: Workspace, admin: tuple[TestClient, str]) -> None:
    client, _ = admin
    with ws.db.write() as s:
        factories.user(s, "analyst1", role="analyst")
    client.cookies.clear()
    login(client, "analyst1")
    assert client.get("/sources").status_code == 403


def test_duplicate_and_over_long_sources_are_refused_keeping_input(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    first = client.post("/sources", data={"csrf_token": csrf, "kind": "rss", "url": "http://127.0.0.1:9/a.xml",
                                          "name": "本地新闻"})
    assert first.status_code == 200 and "已新增信息源" in first.text  # the confirmation after the 303
    same_url = client.post("/sources", data={"csrf_token": csrf, "kind": "rss", "url": "http://127.0.0.1:9/a.xml",
                                             "name": "另一个名字"})
    assert same_url.status_code == 400 and "不能重复添加" in same_url.text and 'value="另一个名字"' in same_url.text
    same_name = client.post("/sources", data={"csrf_token": csrf, "kind": "rss", "url": "http://127.0.0.1:9/b.xml",
                                              "name": "本地新闻"})
    assert same_name.status_code == 400 and "同名" in same_name.text
    long_name = client.post("/sources", data={"csrf_token": csrf, "kind": "rss", "url": "http://127.0.0.1:9/c.xml",
                                              "name": "长" * 101})
    assert long_name.status_code == 400 and "名称太长" in long_name.text
    bad_json = client.post("/sources", data={"csrf_token": csrf, "kind": "web", "url": "http://127.0.0.1:9/d",
                                             "config_json": "{bad"})
    assert bad_json.status_code == 400 and "第 1 行" in bad_json.text and "Expecting" not in bad_json.text
    for _ in range(2):  # unnamed push sources get numbered names, not a clash
        r = client.post("/sources", data={"csrf_token": csrf, "kind": "push"})
        assert r.status_code == 200, r.text
    page = client.get("/sources").text
    assert "推送接口</a>" in page and "推送接口 2</a>" in page


def test_a_source_is_edited_disabled_and_deleted_only_before_it_collected(ws: Workspace,
                                                                           admin: tuple[TestClient, str]) -> None:
    from yuqing.store.tables import Source

    client, csrf = admin
    with ws.db.write() as s:
        used = factories.source(s, "本地论坛", kind="rss", url="http://127.0.0.1:9/used.xml")
        factories.item(s, "帖子", src=used)
        unused = factories.source(s, "备用订阅", kind="rss", url="http://127.0.0.1:9/spare.xml")
        ids = used.id, unused.id
    used_id, unused_id = ids
    page = client.get(f"/sources/{used_id}").text
    assert "只能停用" in page and "删除信息源" not in page
    bad = client.post(f"/sources/{used_id}/change", data={"csrf_token": csrf, "op": "save", "name": "备用订阅",
                                                          "url": "http://127.0.0.1:9/used.xml", "interval_minutes": "15"})
    assert bad.status_code == 400 and "同名" in bad.text and 'value="15"' in bad.text
    ok = client.post(f"/sources/{used_id}/change", data={"csrf_token": csrf, "op": "save", "name": "本地论坛（新）",
                                                         "url": "http://127.0.0.1:9/used.xml", "interval_minutes": "15"})
    assert "已保存信息源设置" in ok.text
    off = client.post(f"/sources/{used_id}/change", data={"csrf_token": csrf, "op": "disable"})
    assert "已停用" in off.text
    gone = client.post(f"/sources/{unused_id}/change", data={"csrf_token": csrf, "op": "delete", "confirm": "yes"})
    assert "已删除信息源“备用订阅”" in gone.text
    with ws.db.read() as s:
        used_row = s.get(Source, used_id)
        assert used_row.name == "本地论坛（新）" and used_row.interval_seconds == 900 and not used_row.enabled
        assert s.get(Source, unused_id) is None


def test_run_log_reads_in_chinese_without_exception_text(ws: Workspace, admin: tuple[TestClient, str]) -> None:
    client, _ = admin
    with ws.db.write() as s:
        src = factories.source(s, "坏掉的订阅", kind="rss", url="http://127.0.0.1:9/bad.xml")
        factories.fetch_run(s, src, status="error", error="KeyError: 'entries'")
        factories.fetch_run(s, src, status="blocked", error="被拒绝访问 HTTP 403")
        factories.fetch_run(s, src, status="ok")
        sid = src.id
    page = client.get(f"/sources/{sid}").text
    assert "失败" in page and "被拒绝访问 HTTP 403" in page and "成功" in page
    assert "KeyError" not in page and "程序出错" in page
    assert "KeyError" not in client.get("/sources").text
