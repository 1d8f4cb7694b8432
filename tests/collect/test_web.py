"""Web sources: GBK forum list + detail pages with selectors, trafilatura fallback, list mode."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.clock import CHINA
from yuqing.collect import sources
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import collect_once
from yuqing.store.tables import FetchRun, Item, Source
from yuqing.workspace import Workspace

from .conftest import FixtureServer
from .feeds import forum_list, forum_post
from .test_rss import count

SELECTORS = {
    "title": "h1.subject",
    "body": "div.post",
    "time": "span.time",
    "author": "span.author",
    "comments": "em.replies",
    "likes": "em.views",
}
POSTS = {
    1001: (
        "镕江小区停车难问题",
        "小区内停车位严重不足，晚上车辆停满消防通道。",
        "网友甲",
        "2026-11-20 08:30",
        12,
        "1.2万",
    ),
    1002: (
        "东街菜市场环境脏乱",
        "菜市场污水横流，希望有关部门管一管。",
        "网友乙",
        "2026年11月21日 09:05",
        3,
        "88",
    ),
    1003: (
        "夜间施工噪音扰民",
        "工地凌晨两点还在施工，附近居民无法入睡。",
        "网友丙",
        "2026-11-22 23:10:05",
        0,
        "5",
    ),
}


def serve_forum(server: FixtureServer, posts: dict[int, tuple[str, str, str, str, int, str]] = POSTS) -> str:
    for tid, (title, body, author, when, replies, views) in posts.items():
        server.add(
            f"/forum/thread?tid={tid}", forum_post(title, body, author, when, replies=replies, views=views)
        )
    return server.add(
        "/forum/list",
        forum_list([(f"/forum/thread?tid={t}", p[0]) for t, p in posts.items()]),
        headers={"Content-Type": "text/html"},
    )


def test_gbk_forum_with_css_selectors(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = serve_forum(server)
    sid = sources.sources_add(
        ws,
        ADMIN,
        "web",
        url,
        "区论坛",
        config={"links": "table#threads a.t", "selectors": SELECTORS, "id_regex": r"tid=(\d+)"},
    )
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "ok" and result.new == 3, result.error
    with ws.db.read() as s:
        items = {i.external_id: i for i in s.execute(select(Item)).scalars()}
    first = items["1001"]
    assert first.title == "镕江小区停车难问题"
    assert first.text == "小区内停车位严重不足，晚上车辆停满消防通道。"  # script and page chrome gone
    assert first.published_at is not None
    assert (first.comments, first.likes) == (12, 12000)
    assert first.author_hash and first.author_public is None
    assert first.raw_snapshot is not None and first.url == server.url("/forum/thread?tid=1001")
    # The stored copy of the GBK detail page names no poster; the evidence hash is of the page as received.
    import hashlib
    import zlib

    stored = zlib.decompress(first.raw_snapshot)
    assert "网友甲".encode("gb18030") not in stored and b"hash:" in stored
    assert "小区内停车位严重不足".encode("gb18030") in stored  # the rest of the page is as it was
    assert first.snapshot_sha256 == hashlib.sha256(stored).hexdigest() != first.raw_sha256
    # Known detail pages are not fetched again; an unchanged list page is not even parsed.
    hits = server.hits["/forum/thread?tid=1001"]
    again = collect_once(ws, [sid], policy=policy).results[0]
    assert again.new == 0 and server.hits["/forum/thread?tid=1001"] == hits
    assert count(ws, Item) == 3


def test_published_time_formats(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = serve_forum(server)
    sid = sources.sources_add(
        ws,
        ADMIN,
        "web",
        url,
        config={"links": "table#threads a.t", "selectors": SELECTORS, "id_regex": r"tid=(\d+)"},
    )
    collect_once(ws, [sid], policy=policy)
    with ws.db.read() as s:
        times = {i.external_id: i.published_at for i in s.execute(select(Item)).scalars()}

    def local(dt: datetime | None) -> tuple[int, ...]:
        assert dt is not None
        from yuqing.clock import aware

        t = aware(dt).astimezone(CHINA)
        return (t.month, t.day, t.hour, t.minute)

    assert local(times["1001"]) == (11, 20, 8, 30)
    assert local(times["1002"]) == (11, 21, 9, 5)
    assert local(times["1003"]) == (11, 22, 23, 10)


def test_xpath_selectors_and_new_thread_appears(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    url = serve_forum(server)
    xp = {
        "title": "//h1[@class='subject']",
        "body": "//div[@class='post']/p",
        "time": "//span[@class='time']/text()",
    }
    sid = sources.sources_add(ws, ADMIN, "web", url,
                              config={"links": "//table[@id='threads']//a/@href", "selectors": xp})
    assert collect_once(ws, [sid], policy=policy).new == 3
    posts = dict(POSTS)
    posts[1004] = ("新帖：路灯不亮", "北路路灯坏了一周。", "网友丁", "2026-11-23 19:00", 1, "2")
    serve_forum(server, posts)
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.new == 1 and count(ws, Item) == 4
    with ws.db.read() as s:
        new = s.execute(select(Item).where(Item.title == "新帖：路灯不亮")).scalar_one()
    assert new.text == "北路路灯坏了一周。" and new.external_id is None  # keyed by canonical URL


def test_no_selectors_uses_default_links_and_trafilatura(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    long_body = "区环保局今天通报了河道污染的调查结果。" * 8
    posts = {2001: ("河道污染调查结果公布", long_body, "记者", "2026-11-20 10:00", 0, "0")}
    url = serve_forum(server, posts)
    sid = sources.sources_add(ws, ADMIN, "web", url, "新闻网")
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.new == 1, result.error
    with ws.db.read() as s:
        item = s.execute(select(Item)).scalar_one()
    assert "河道污染的调查结果" in item.text and "alert" not in item.text
    assert "河道污染调查结果公布" in item.title


def test_detail_errors_are_recorded_and_others_kept(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    url = serve_forum(server)
    server.add("/forum/thread?tid=1002", b"oops", status=500)
    sid = sources.sources_add(ws, ADMIN, "web", url, config={"links": "table#threads a.t", "selectors": SELECTORS})
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "ok" and result.new == 2
    with ws.db.read() as s:
        run = s.execute(select(FetchRun)).scalar_one()
        assert run.status == "ok" and run.error and "1 个条目出错" in run.error and "500" in run.error
        assert s.get(Source, sid).health == "ok"  # type: ignore[union-attr]
    # The failed page is tried again next time (list-page state was not saved).
    server.add("/forum/thread?tid=1002", forum_post(*POSTS[1002][:4]))
    assert collect_once(ws, [sid], policy=policy).new == 1


def test_blocked_detail_stops_the_run(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = serve_forum(server)
    server.add("/forum/thread?tid=1002", b"slow down", status=429)
    sid = sources.sources_add(ws, ADMIN, "web", url, config={"links": "table#threads a.t", "selectors": SELECTORS})
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "blocked" and result.new == 1
    assert server.hits["/forum/thread?tid=1003"] == 0  # did not keep hammering a site that refuses us
    assert count(ws, Item) == 1


def test_list_mode_rows(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    rows = "".join(
        f'<li class="msg"><a href="/m/{i}">留言{i}</a><p class="c">内容{i}</p>'
        f'<span class="t">2026-11-2{i} 10:00</span></li>'
        for i in range(1, 4)
    )
    page = f'<html><head><meta charset="gb2312"></head><body><ul>{rows}</ul></body></html>'.encode("gbk")
    url = server.add("/board", page)
    sid = sources.sources_add(
        ws,
        ADMIN,
        "web",
        url,
        config={
            "item": "li.msg",
            "selectors": {"title": "a", "body": "p.c", "time": "span.t"},
            "id_regex": r"/m/(\d+)",
        },
    )
    assert collect_once(ws, [sid], policy=policy).new == 3
    with ws.db.read() as s:
        item = s.execute(select(Item).where(Item.external_id == "2")).scalar_one()
    assert (item.title, item.text, item.url) == ("留言2", "内容2", server.url("/m/2"))


def test_bad_selector_is_a_config_error(ws: Workspace, server: FixtureServer, policy: HttpPolicy) -> None:
    url = serve_forum(server)
    sid = sources.sources_add(ws, ADMIN, "web", url, config={"links": "a.t", "selectors": SELECTORS})
    with ws.db.write() as s:  # a config edited behind the form's back still fails clearly at fetch time
        row = s.get(Source, sid)
        assert row is not None
        row.config = {"links": "a[[[", "selectors": SELECTORS}
    result = collect_once(ws, [sid], policy=policy).results[0]
    assert result.status == "error" and "选择器无效" in (result.error or "")
