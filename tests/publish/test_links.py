"""Broken links against a real server on 127.0.0.1: HEAD first, GET when HEAD is refused, bounded."""

from __future__ import annotations

import time

from yuqing.collect.http import HttpClient
from yuqing.collect.web import parse_html
from yuqing.publish.links import LinkChecker, page_links

from . import channel_server
from .channel_server import ChannelServer, dead_url

site = channel_server.site  # the fixtures, shared by the modules that use them
link_client = channel_server.link_client


def test_links_are_checked_head_then_get_and_broken_ones_named(site: ChannelServer, link_client: HttpClient) -> None:
    site.add("/ok.html", "ok")
    site.add("/nohead.html", "fine", head_status=405)
    site.add("/moved", "", status=301, location="/ok.html")
    site.add("/err", "boom", status=500)
    site.add("/private", "no", status=403)
    dead = dead_url()
    page = site.add("/page.html", f"""<a href="/ok.html">好</a><a href="/nohead.html">不收HEAD</a>
        <a href="/missing.html">死链</a><a href="/moved">跳转</a><a href="/err">出错</a><a href="/private">受限</a>
        <a href="{dead}">外链</a><a href="#top">顶部</a><a href="mailto:a@b">邮件</a><a href="/ok.html#x">重复</a>""")
    root = parse_html(site.pages["/page.html"].body.decode())
    checker = LinkChecker(link_client)
    results, every = checker.check_page(root, page)
    by = {r.url.rsplit("/", 1)[-1]: r for r in results}
    assert len(every) == 7
    assert not by["ok.html"].broken and by["ok.html"].method == "HEAD"
    assert by["nohead.html"].status == 200 and by["nohead.html"].method == "GET"
    assert by["missing.html"].broken and by["missing.html"].label == "HTTP 404"
    assert by["moved"].status == 200 and not by["moved"].broken
    assert by["err"].broken and not by["private"].broken
    assert by["gone"].broken and not by["gone"].internal and by["gone"].status is None
    assert by["gone"].label.startswith("无法访问")
    assert site.hits[("GET", "/ok.html")] == 0  # HEAD was enough: no body downloaded
    assert site.hits[("GET", "/err")] == 0  # a 5xx is not retried by the link checker


def test_links_per_page_are_bounded_covered_in_turn_and_each_url_asked_once(site: ChannelServer,
                                                                            link_client: HttpClient) -> None:
    for n in range(10):
        site.add(f"/a{n}", "x")
    body = "".join(f'<a href="/a{n}">链接{n}</a>' for n in range(10))
    root = parse_html(body)
    links, total = page_links(root, site.url("/p"), limit=4)
    assert len(links) == 4 and total == 10
    checker = LinkChecker(link_client, max_links=4)
    first, every = checker.check_page(root, site.url("/p"), offset=0)
    checker.check_page(root, site.url("/p2"), offset=0)
    assert checker.requests == 4 and sum(site.hits.values()) == 4 and len(every) == 10
    # The next round's window moves on; a link found broken before is always asked.
    later = LinkChecker(link_client, max_links=4)
    second, _ = later.check_page(root, site.url("/p"), offset=4, must=frozenset({site.url("/a9")}))
    assert [r.url.rsplit("/", 1)[1] for r in first] == ["a0", "a1", "a2", "a3"]
    assert [r.url.rsplit("/", 1)[1] for r in second] == ["a9", "a4", "a5", "a6"]


def test_a_slow_link_costs_one_short_timeout(site: ChannelServer, link_client: HttpClient) -> None:
    site.add("/slow", "x", delay=1.0)
    root = parse_html('<a href="/slow">慢</a>')
    t0 = time.monotonic()
    results, _ = LinkChecker(link_client).check_page(root, site.url("/p"))
    assert time.monotonic() - t0 < 0.9
    assert results[0].broken and results[0].error == "超时"
