"""Collected items on the web: evidence of a real fetch, and the push API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.collect.conftest import FAST, FixtureServer
from tests.factories import ADMIN
from tests.web.conftest import login
from yuqing.collect.push import issue_push_token
from yuqing.collect.sources import collect_once, sources_add
from yuqing.store.tables import Item
from yuqing.workspace import Workspace

JSON = {"accept": "application/json"}
GBK_FEED = """<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0"><channel><title>示例论坛</title>
<item><guid>t-1</guid><title>滨江夜市噪音扰民</title><link>http://127.0.0.1/t/1</link>
<description>滨江夜市每天闹到凌晨两点，居民睡不着。</description></item>
</channel></rss>""".encode("gb2312")


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    yield srv
    srv.close()


def test_item_page_shows_the_evidence_of_a_real_fetch(ws: Workspace, app_client: TestClient,
                                                        server: FixtureServer) -> None:
    url = server.add("/feed.xml", GBK_FEED, headers={"Content-Type": "application/xml"})
    sources_add(ws, ADMIN, "rss", url, "示例论坛")
    summary = collect_once(ws, policy=FAST)
    assert summary.new == 1
    with ws.db.write() as s:
        factories.user(s, "liming")
        item = s.execute(select(Item)).scalar_one()
    login(app_client, "liming")
    page = app_client.get(f"/items/{item.id}").text
    assert "滨江夜市噪音扰民" in page and item.raw_sha256 in page and "哈希校验一致" in page
    snapshot = app_client.get(f"/items/{item.id}/snapshot").text
    assert "滨江夜市每天闹到凌晨两点" in snapshot  # decoded as GB2312, shown as text


def test_push_api_is_token_checked_and_idempotent(ws: Workspace, app_client: TestClient) -> None:
    source_id = sources_add(ws, ADMIN, "push", None, "12345热线对接")
    token = issue_push_token(ws, ADMIN, source_id)
    batch = {"source_id": source_id, "items": [{"id": "a1", "text": "河口镇暴雨内涝"}, {"id": "a2", "text": "西关路坑洼"}]}
    r = app_client.post("/api/items", json=batch, headers={**JSON, "authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = app_client.post("/api/items", json=batch, headers={**JSON, "authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    again = app_client.post("/api/items", json=batch, headers={**JSON, "authorization": f"Bearer {token}"})
    assert again.status_code == 200
    with ws.db.read() as s:
        assert len(s.execute(select(Item)).scalars().all()) == 2
    too_many = {"source_id": source_id, "items": [{"id": str(i), "text": "x"} for i in range(1001)]}
    r = app_client.post("/api/items", json=too_many, headers={**JSON, "authorization": f"Bearer {token}"})
    assert r.status_code == 413
