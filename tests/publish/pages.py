"""Pages of own channels for tests (imported, not a conftest): an article as a government CMS renders it, a list
page, and a fast but complete HTTP policy for 127.0.0.1."""

from __future__ import annotations

from yuqing.collect.http import HttpPolicy

FAST = HttpPolicy(connect_timeout=2, read_timeout=2, total_timeout=5, retries=0, backoff_base=0, per_host_delay=0,
                  per_host_concurrency=4)


def article(title: str, body: str) -> str:
    """A government article page: navigation, title, date line, body in #zoom, footer."""
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    return (f"<html><head><meta charset='utf-8'><title>{title} - 区政府门户网站</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/news/'>要闻动态</a></div><h1>{title}</h1>"
            f"<div class='info'>发布时间：2026-11-20 来源：区政府办公室</div><div id='zoom'>{paras}</div>"
            f"<div class='foot'>主办：某区人民政府 网站标识码 0000000000</div></body></html>")


def list_page(links: dict[str, str]) -> str:
    rows = "".join(f"<li><a href='{href}'>{title}</a></li>" for href, title in links.items())
    return f"<html><head><meta charset='utf-8'><title>要闻动态</title></head><body><ul>{rows}</ul></body></html>"
