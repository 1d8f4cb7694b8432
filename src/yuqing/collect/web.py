"""Web pages: a list page whose links lead to detail pages (news sites, forums), or a list page whose
rows are the items themselves. Selectors per source; trafilatura finds the main text when none is given.

Scraped HTML is untrusted: we keep the raw bytes as evidence and store only extracted plain text.

Source config (all optional):
    links        selector for detail links on the list page (default: same-host links with title-like text)
    link_pattern regex an absolute detail URL must match
    item         selector for item rows on the list page: list mode, no detail pages are fetched
    link         (list mode) selector, relative to a row, for the row's link
    selectors    {"title", "body", "time", "author", "reposts", "comments", "likes"}: relative to the
                 detail page (or to the row in list mode)
    id_regex     regex over the detail URL whose first group is the external id (e.g. "tid=(\\d+)")
    max_pages    detail pages fetched per run (default 30)
    refetch      also re-fetch detail pages already stored (to catch edits); default false
A selector is CSS, or XPath when it starts with "/", "./", "(" or "xpath:". A trailing " @attr"
takes an attribute instead of the text, e.g. "time.pub @datetime".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from yuqing.collect.base import (
    FetchedItem,
    FetchOutcome,
    SourceConfigError,
    SourceSpec,
    canonical_url,
    clean_whitespace,
    conditional_fetch,
    element_text,
    parse_count,
    parse_time,
)
from yuqing.collect.encoding import decode
from yuqing.collect.http import FetchError, HttpClient

ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
_XML_PROLOG = re.compile(r"^\s*<\?xml[^>]*\?>")
_ATTR = re.compile(r"^(.*?)\s+@([\w:-]+)$")
_META_TIME = (
    "article:published_time",
    "publishdate",
    "pubdate",
    "publish_time",
    "PubDate",
    "og:release_date",
)


def parse_html(markup: str) -> Any:
    """An lxml document for untrusted HTML (no network, no entities from outside)."""
    from lxml import html as lhtml

    markup = _XML_PROLOG.sub("", markup, count=1)
    if not markup.strip():
        markup = "<html></html>"
    return lhtml.document_fromstring(markup)


def select(root: Any, selector: str) -> list[Any]:
    """Elements or strings matched by a CSS or XPath selector (see the module docstring)."""
    attr = None
    m = _ATTR.match(selector.strip())
    if m:
        selector, attr = m.group(1), m.group(2)
    selector = selector.strip()
    try:
        if selector.startswith("xpath:"):
            found = root.xpath(selector.removeprefix("xpath:").strip())
        elif selector.startswith(("/", "./", "(")):
            found = root.xpath(selector)
        else:
            found = root.cssselect(selector)
    except Exception as exc:  # lxml/cssselect raise several unrelated types for a bad expression
        raise SourceConfigError(f"选择器无效：{selector!r}（{exc}）") from exc
    if not isinstance(found, list):
        found = [found]
    if attr:
        return [el.get(attr) for el in found if hasattr(el, "get") and el.get(attr) is not None]
    return found


def select_text(root: Any, selector: str | None) -> str:
    if not selector:
        return ""
    parts = []
    for el in select(root, selector):
        parts.append(clean_whitespace(str(el)) if isinstance(el, str) else element_text(el))
    return "\n".join(p for p in parts if p).strip()


def extract_links(root: Any, base_url: str, config: dict[str, Any]) -> list[str]:
    """Absolute detail-page URLs from a list page, in page order, without duplicates."""
    selector = config.get("links")
    hrefs: list[str] = []
    if selector:
        for el in select(root, selector):
            href = el if isinstance(el, str) else (el.get("href") if hasattr(el, "get") else None)
            if href is None and hasattr(el, "iter"):
                a = next(iter(el.iter("a")), None)
                href = a.get("href") if a is not None else None
            if href:
                hrefs.append(href)
    else:
        host = urlsplit(base_url).netloc
        for a in root.iter("a"):
            href = a.get("href")
            text = clean_whitespace(a.text_content() or "")
            if href and len(text) >= 5 and urlsplit(urljoin(base_url, href)).netloc == host:
                hrefs.append(href)
    pattern = re.compile(config["link_pattern"]) if config.get("link_pattern") else None
    seen: set[str] = set()
    out: list[str] = []
    base_canon = canonical_url(base_url)
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = urljoin(base_url, href)
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        canon = canonical_url(url)
        if canon in seen or canon == base_canon or (pattern and not pattern.search(url)):
            continue
        seen.add(canon)
        out.append(url)
    return out


def _meta_time(root: Any) -> str | None:
    for meta in root.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if key in _META_TIME and meta.get("content"):
            return str(meta.get("content"))
    return None


def _trafilatura(markup: str, url: str) -> dict[str, Any]:
    import trafilatura

    try:
        out = trafilatura.extract(
            markup,
            url=url,
            output_format="json",
            with_metadata=True,
            include_comments=False,
            favor_recall=True,
        )
    except Exception:  # trafilatura can trip on hostile markup; fall back to plain text
        return {}
    if not out:
        return {}
    try:
        data = json.loads(out)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def extract_fields(root: Any, selectors: dict[str, str]) -> dict[str, Any]:
    return {key: select_text(root, sel) for key, sel in selectors.items() if sel}


def extract_detail(
    body: bytes, content_type: str | None, url: str, config: dict[str, Any], *, link_text: str = ""
) -> FetchedItem:
    """One item from a detail page: selectors first, trafilatura for what they do not give."""
    markup = decode(body, content_type).text
    root = parse_html(markup)
    selectors: dict[str, str] = dict(config.get("selectors") or {})
    got = extract_fields(root, selectors)
    title, text = got.get("title", ""), got.get("body", "")
    time_text, author = got.get("time", ""), got.get("author", "")
    if not selectors.get("body") or not (title or text):
        found = _trafilatura(markup, url)
        text = text or clean_whitespace(str(found.get("text") or ""))
        title = title or clean_whitespace(str(found.get("title") or ""))
        time_text = time_text or str(found.get("date") or "")
        author = author or clean_whitespace(str(found.get("author") or ""))
    if not title:
        title = select_text(root, "title") or select_text(root, "h1") or link_text
    if not text:
        body_el = root.find("body")
        text = element_text(body_el) if body_el is not None else ""
    time_text = time_text or _meta_time(root) or ""
    return FetchedItem(
        title=title[:1000],
        text=text,
        url=url,
        external_id=_external_id(url, config),
        author=author or None,
        published_at=parse_time(time_text),
        reposts=parse_count(got.get("reposts")),
        comments=parse_count(got.get("comments")),
        likes=parse_count(got.get("likes")),
        raw=body,
        content_type=content_type,
    )


def _external_id(url: str, config: dict[str, Any]) -> str | None:
    if not config.get("id_regex"):
        return None
    m = re.search(config["id_regex"], url)
    return (m.group(1) if m and m.groups() else m.group(0) if m else None) or None


class WebFetcher:
    kind = "web"

    def fetch(self, source: SourceSpec, client: HttpClient) -> FetchOutcome:
        cfg = source.config
        resp, out = conditional_fetch(source, client, ACCEPT)
        if out.not_modified:
            return out
        body_sha = hashlib.sha256(resp.content).hexdigest()
        if source.last_body_sha256 == body_sha and not cfg.get("refetch"):
            out.not_modified = True
            return out
        out.body, out.body_url, out.body_content_type = resp.content, resp.url, resp.content_type
        root = parse_html(decode(resp.content, resp.content_type).text)
        if cfg.get("item"):
            out.items = iter(self._rows(root, resp.url, cfg))
            return out
        links = extract_links(root, resp.url, cfg)
        if not links:
            out.warnings.append("列表页上没有找到详情链接（检查 links 选择器）")
        if not cfg.get("refetch"):
            links = [u for u in links if canonical_url(u) not in source.known_urls]
        limit = int(cfg.get("max_pages") or 30)
        if len(links) > limit:
            out.warnings.append(f"本轮只抓取前 {limit} 个详情页（共 {len(links)} 个新链接）")
            out.complete = False
            links = links[:limit]
        out.items = self._details(links, client, cfg, out)
        return out

    def _details(
        self, links: list[str], client: HttpClient, cfg: dict[str, Any], out: FetchOutcome
    ) -> Iterator[FetchedItem]:
        for url in links:
            try:
                resp = client.get(url, accept=ACCEPT)
            except FetchError as exc:
                if exc.blocked:
                    raise  # the site is refusing us: stop hammering it
                out.errors.append(f"{url}: {exc}")
                continue
            out.nbytes += len(resp.content)
            try:
                item = extract_detail(resp.content, resp.content_type, url, cfg)
            except SourceConfigError:
                raise
            except Exception as exc:  # one unparseable page must not stop the others
                out.errors.append(f"{url}: 无法解析：{type(exc).__name__}: {exc}")
                continue
            if resp.url != url:
                item.extra["final_url"] = resp.url
            yield item

    def _rows(self, root: Any, base_url: str, cfg: dict[str, Any]) -> list[FetchedItem]:
        from lxml import etree

        selectors: dict[str, str] = dict(cfg.get("selectors") or {})
        items = []
        for row in select(root, cfg["item"]):
            if isinstance(row, str):
                raise SourceConfigError("item 选择器必须选中元素，而不是文本或属性")
            got = extract_fields(row, selectors)
            link = None
            links = select(row, cfg["link"]) if cfg.get("link") else list(row.iter("a"))
            if links:
                first = links[0]
                href = first if isinstance(first, str) else first.get("href")
                link = urljoin(base_url, href) if href else None
            title = got.get("title") or ""
            text = got.get("body") or ("" if selectors.get("body") else element_text(row))
            if not (title or text):
                continue
            items.append(
                FetchedItem(
                    title=title[:1000],
                    text=text,
                    url=link,
                    external_id=_external_id(link or "", cfg),
                    author=got.get("author") or None,
                    published_at=parse_time(got.get("time")),
                    reposts=parse_count(got.get("reposts")),
                    comments=parse_count(got.get("comments")),
                    likes=parse_count(got.get("likes")),
                    raw=etree.tostring(row, encoding="utf-8"),
                    content_type="text/html; charset=utf-8",
                )
            )
        return items


def validate_config(config: dict[str, Any]) -> None:
    """Refuse a web-source config whose selectors or patterns cannot work (checked when it is saved)."""
    from lxml import etree

    probe = etree.fromstring("<html><body/></html>")
    sels: dict[str, Any] = {k: config[k] for k in ("links", "item", "link") if config.get(k)}
    selectors = config.get("selectors") or {}
    if not isinstance(selectors, dict):
        raise SourceConfigError("selectors 必须是对象，例如 {\"title\": \"h1\"}")
    unknown = set(selectors) - {"title", "body", "time", "author", "reposts", "comments", "likes"}
    if unknown:
        raise SourceConfigError(f"未知的选择器字段：{', '.join(sorted(unknown))}")
    sels.update({f"selectors.{k}": v for k, v in selectors.items() if v})
    for name, sel in sels.items():
        if not isinstance(sel, str):
            raise SourceConfigError(f"{name} 必须是字符串")
        select(probe, sel)  # raises SourceConfigError with the reason
    for name in ("id_regex", "link_pattern"):
        if config.get(name):
            try:
                re.compile(str(config[name]))
            except re.error as exc:
                raise SourceConfigError(f"{name} 不是合法的正则表达式：{exc}") from exc
    if config.get("max_pages") is not None:
        try:
            if int(config["max_pages"]) < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise SourceConfigError("max_pages 必须是正整数") from None
