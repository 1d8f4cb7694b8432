"""Fixture builders: RSS feeds and forum pages, in whatever encoding a test needs."""

from __future__ import annotations

from html import escape


def rss(
    items: list[dict[str, str]], *, encoding: str = "utf-8", declare: bool = True, title: str = "测试频道"
) -> bytes:
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    entries = "".join(
        "<item>"
        + (f"<guid>{escape(i['guid'])}</guid>" if "guid" in i else "")
        + f"<title>{escape(i.get('title', ''))}</title>"
        + (f"<link>{escape(i['link'])}</link>" if "link" in i else "")
        + f"<description>{escape(i.get('text', ''))}</description>"
        + (f"<author>{escape(i['author'])}</author>" if "author" in i else "")
        + f"<pubDate>{i.get('date', 'Tue, 24 Nov 2026 01:00:00 +0800')}</pubDate>"
        + "</item>\n"
        for i in items
    )
    xml = f'{decl}<rss version="2.0"><channel><title>{title}</title><link>http://example.org/</link>\n{entries}</channel></rss>'
    return xml.encode(encoding)


def forum_list(links: list[tuple[str, str]], *, charset: str = "gbk") -> bytes:
    rows = "".join(
        f'<tr class="thread"><td><a class="t" href="{h}">{escape(t)}</a></td></tr>' for h, t in links
    )
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f'<title>区论坛 - 民生话题</title></head><body><div id="nav"><a href="/">首页</a></div>'
        f'<table id="threads">{rows}</table></body></html>'
    )
    return page.encode(charset)


def forum_post(
    title: str, body: str, author: str, when: str, *, replies: int = 0, views: str = "0", charset: str = "gbk"
) -> bytes:
    page = (
        f'<html><head><meta charset="{charset}"><title>{escape(title)} - 区论坛</title></head><body>'
        f'<div class="nav">首页 &gt; 民生话题</div><h1 class="subject">{escape(title)}</h1>'
        f'<div class="info"><span class="author">{escape(author)}</span> 发表于 <span class="time">{when}</span>'
        f' 回复：<em class="replies">{replies}</em> 查看：<em class="views">{views}</em></div>'
        f'<div class="post"><script>alert("x")</script><p>{escape(body)}</p></div>'
        f'<div class="footer">版权所有</div></body></html>'
    )
    return page.encode(charset)
