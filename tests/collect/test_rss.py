"""RSS sources end to end: real server on 127.0.0.1, runner, database."""

from __future__ import annotations

import hashlib
import zlib

from sqlalchemy import func, select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.evidence import raw_evidence
from yuqing.collect.http import HttpPolicy
from yuqing.collect.rss import parse_feed
from yuqing.collect.runner import collect_once
from yuqing.collect.store import author_hash
from yuqing.store.tables import FetchRun, Item, ItemVersion, Source
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .feeds import rss

GB_ITEMS = [
    {
        "guid": "gb-1",
        "title": "城区道路积水严重",
        "text": "市民反映镕城路口积水",
        "author": "张三",
        "link": "http://x.test/1",
    },
    {
        "guid": "gb-2",
        "title": "学校周边交通拥堵",
        "text": "早高峰拥堵",
        "author": "李四",
        "link": "http://x.test/2",
    },
]


def count(ws: Workspace, model: type, **where: object) -> int:
    with ws.db.read() as s:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(s.execute(q).scalar_one())


def test_gb2312_feed_without_charset_header(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add(
        "/gb.xml",
        rss(GB_ITEMS, encoding="gb2312".replace("gb2312", "gbk")).replace(
            b'encoding="gbk"', b'encoding="gb2312"'
        ),
        headers={"Content-Type": "application/rss+xml"},
    )
    sid = sources.sources_add(ws, ADMIN, "rss", url, "GB 频道")
    summary = collect_once(ws, [sid], policy=policy)
    assert summary.results[0].status == "ok", summary.results[0].error
    with ws.db.read() as s:
        items = {i.external_id: i for i in s.execute(select(Item)).scalars()}
    assert items["gb-1"].title == "城区道路积水严重"
    assert "镕城路口" in items["gb-1"].text  # a GBK-only character in a feed labelled gb2312
    assert items["gb-1"].search_text and "积水" in items["gb-1"].search_text


def test_collecting_again_never_duplicates_and_edits_become_versions(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    items = [{"guid": f"g{i}", "title": f"标题{i}", "text": f"正文{i}"} for i in range(5)]
    url = server.add("/feed.xml", rss(items))
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    assert collect_once(ws, [sid], policy=policy).new == 5
    assert collect_once(ws, [sid], policy=policy).new == 0
    assert count(ws, Item) == 5
    # The feed changes between fetches: one post edited, one new, one dropped.
    items[2]["text"] = "正文2（已修改）"
    items.append({"guid": "g5", "title": "新帖", "text": "新内容"})
    del items[0]
    server.add("/feed.xml", rss(items))
    summary = collect_once(ws, [sid], policy=policy)
    assert (summary.new, summary.updated, summary.results[0].unchanged) == (1, 1, 3)
    assert count(ws, Item) == 6
    with ws.db.read() as s:
        edited = s.execute(select(Item).where(Item.external_id == "g2")).scalar_one()
        versions = s.execute(select(ItemVersion).where(ItemVersion.item_id == edited.id)).scalars().all()
    assert edited.version == 2 and edited.text == "正文2（已修改）"
    assert [(v.version, v.text) for v in versions] == [(1, "正文2")]
    assert count(ws, ItemVersion) == 1
    runs = count(ws, FetchRun, source_id=sid)
    assert runs == 3


def test_evidence_and_conditional_get(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    body = rss(GB_ITEMS)
    url = server.add("/etag.xml", body, etag='"abc"')
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    collect_once(ws, [sid], policy=policy)
    with ws.db.read() as s:
        item = s.execute(select(Item).where(Item.external_id == "gb-1")).scalar_one()
        ev = raw_evidence(s, item)
    assert ev.intact and ev.shared and ev.url == "http://x.test/1"
    # The evidence hash is of the feed as received; the stored copy has its posters replaced by hashes.
    assert item.raw_sha256 == hashlib.sha256(body).hexdigest() and ev.redacted and ev.raw is not None
    for name in ("张三", "李四"):
        assert name.encode("gbk") not in ev.raw and name.encode("utf-8") not in ev.raw
    assert ev.raw.replace(b"hash:", b"").count(b"<author>") == body.count(b"<author>")
    assert item.captured_at is not None and len(item.raw_sha256 or "") == 64
    second = collect_once(ws, [sid], policy=policy).results[0]
    assert second.status == "not_modified"
    assert server.requests[-1].headers.get("if-none-match") == '"abc"'
    with ws.db.read() as s:
        runs = s.execute(select(FetchRun).order_by(FetchRun.id)).scalars().all()
    assert [r.status for r in runs] == ["ok", "ok"] and runs[0].new_items == 2 and runs[0].bytes == len(body)
    assert runs[1].http_status == 304


def test_unchanged_body_without_validators_is_not_reparsed(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    url = server.add("/plain.xml", rss(GB_ITEMS))
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    collect_once(ws, [sid], policy=policy)
    assert collect_once(ws, [sid], policy=policy).results[0].status == "not_modified"


def test_authors_hashed_unless_official(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add("/a.xml", rss(GB_ITEMS))
    url2 = server.add("/b.xml", rss(GB_ITEMS))
    public = sources.sources_add(ws, ADMIN, "rss", url, "网民论坛")
    official = sources.sources_add(ws, ADMIN, "account", url2, "区政府发布")
    collect_once(ws, [public, official], policy=policy)
    salt = ws.settings.author_salt
    with ws.db.read() as s:
        rows = s.execute(select(Item, Source.official).join(Source)).all()
        assert s.get(Source, official).official is True  # type: ignore[union-attr]
    for item, is_official in rows:
        if is_official:
            assert item.author_public in ("张三", "李四") and item.author_hash is None
        else:
            assert item.author_public is None and item.author_hash in (
                author_hash(salt, "张三"),
                author_hash(salt, "李四"),
            )
            dump = " ".join(str(v) for v in (item.title, item.text, item.extra, item.original_text))
            assert "张三" not in dump and "李四" not in dump


def test_broken_xml_still_yields_what_it_can(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    broken = rss(GB_ITEMS).replace(b"</channel></rss>", b"<item><title>unterminated & bad")
    url = server.add("/broken.xml", broken)
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "ok" and result.new >= 2


def test_not_a_feed_is_a_clear_error(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add("/junk", b"\x00\x01\x02 this is not xml {{{", headers={"Content-Type": "text/html"})
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    result = collect_once(ws, [sid], policy=policy).results[0]
    with ws.db.read() as s:
        run = s.execute(select(FetchRun)).scalar_one()
    assert run.status in ("ok", "error") and count(ws, Item) == 0
    assert run.error  # either "parse: …" or a "提示：" about the malformed feed
    assert result.error or run.error.startswith("提示")


def test_traditional_feed_is_simplified_with_original_kept(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    url = server.add(
        "/big5.xml",
        rss(
            [{"guid": "t1", "title": "區內交通擁堵", "text": "臺灣居民反映問題"}],
            encoding="big5",
            title="頻道",
        ),
    )
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    collect_once(ws, [sid], policy=policy)
    with ws.db.read() as s:
        item = s.execute(select(Item)).scalar_one()
    assert item.title == "区内交通拥堵" and item.text == "台湾居民反映问题"
    assert item.original_text == "臺灣居民反映問題" and item.extra["original_title"] == "區內交通擁堵"


def test_sanitize_feed_text_keeps_no_markup() -> None:
    feed = b"""<rss><channel><item><title>t</title><description>&lt;p&gt;hello&lt;script&gt;alert(1)&lt;/script&gt;
    &lt;img src=x onerror=alert(2)&gt;&lt;iframe src="http://evil"&gt;&lt;/iframe&gt;world&lt;/p&gt;</description>
    </item></channel></rss>"""
    items, _ = parse_feed(feed)
    assert "alert" not in items[0].text and "<" not in items[0].text
    assert "hello" in items[0].text and "world" in items[0].text


def test_json_feed() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": "T", "content_html": "<b>x</b>", "date_published": "2026-11-24T01:00:00Z"}]}'
    items, _ = parse_feed(body)
    assert items[0].external_id == "1" and items[0].text == "x" and items[0].published_at is not None


def test_raw_snapshot_is_stored_once_per_body(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    from yuqing.store.tables_collect import RawBody

    url = server.add("/many.xml", rss([{"guid": str(i), "title": f"t{i}"} for i in range(30)]))
    sid = sources.sources_add(ws, ADMIN, "rss", url)
    collect_once(ws, [sid], policy=policy, batch_size=7)
    with ws.db.read() as s:
        bodies = s.execute(select(RawBody)).scalars().all()
        shas = set(s.execute(select(Item.raw_sha256)).scalars())
    assert len(bodies) == 1 and shas == {bodies[0].sha256}
    assert zlib.decompress(bodies[0].snapshot).startswith(b"<?xml")
