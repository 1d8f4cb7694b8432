"""Reading an own channel's live pages: an article's main text (for the consistency check) and the article
list of a feed or list page (for the unsigned scan and the freshness figures). Fetching goes through the
collection client (`collect/http.py`: its timeouts, size cap, redirects and per-host politeness).

Government sites keep the article body in a few well-known containers (#zoom, .TRS_Editor, article…);
those are read first, then the collection's extractor (`collect/web.extract_detail`, trafilatura), so that
navigation, 发布时间/来源 lines and the footer do not count as changes of the text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from yuqing.collect.base import FetchedItem, element_text
from yuqing.collect.encoding import decode
from yuqing.collect.http import FetchError, HttpClient, HttpPolicy
from yuqing.collect.rss import FeedError, parse_feed
from yuqing.collect.web import extract_detail, extract_links, parse_html, select, select_text
from yuqing.publish.normalise import normalise, pieces

# Containers of an article body on government sites and common CMSs, tried in this order.
# (#js_content: a WeChat official-account article; .TRS_Editor / #UCAP-CONTENT / #zoom: the government CMSs.)
BODY_SELECTORS = ("#js_content", "#zoom", ".TRS_Editor", "#UCAP-CONTENT", ".article-content", ".article_content",
                  ".news_content", ".content", "#content", "article", ".article", ".detail", "main")
MIN_BODY_CHARS = 10
# Checking one's own channels needs no long waits: a page that does not answer in this is "unreachable".
LIVE_POLICY = HttpPolicy(connect_timeout=5.0, read_timeout=15.0, total_timeout=30.0, max_bytes=5 * 1024 * 1024,
                         retries=1)


def client(policy: HttpPolicy | None = None) -> HttpClient:
    return HttpClient(policy or LIVE_POLICY)


@dataclass
class LivePage:
    """What a fetch of an article saw: its main text, or why it could not be read."""

    url: str
    text: str = ""
    title: str = ""
    status: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def main_text(body: bytes, content_type: str | None, url: str) -> tuple[str, str]:
    """(title, main text) of an article page."""
    markup = decode(body, content_type).text
    root = parse_html(markup)
    title = select_text(root, "h1") or select_text(root, "title")
    for selector in BODY_SELECTORS:
        found = select(root, selector)
        if found:
            text = element_text(found[0])
            if len(normalise(text)) >= MIN_BODY_CHARS:
                return title, _without_title(text, title)
    item = extract_detail(body, content_type, url, {})
    return item.title or title, _without_title(item.text, item.title or title)


# A CMS puts these lines above or below the body inside the same container; they are not the signed text.
_META_LINE = re.compile(r"^\s*(【?\s*(发布时间|发布日期|时间|日期|来源|信息来源|作者|编辑|责任编辑|审核|校对|点击|浏览|阅读|"
                        r"字号|打印|关闭|分享|【打印】|【关闭】)\b|(【?字体[:：]|\[?打印本页|\[?关闭窗口))")


def _without_title(text: str, title: str) -> str:
    """The text without the title repeated on its first line and without the metadata lines (发布时间、来源、
    责任编辑、打印、关闭…) that open or close it."""
    lines = [line for line in text.strip().split("\n")]
    if title and lines and normalise(lines[0]) == normalise(title):
        lines = lines[1:]
    while lines and (not lines[0].strip() or _META_LINE.match(lines[0])):
        lines = lines[1:]
    while lines and (not lines[-1].strip() or _META_LINE.match(lines[-1])):
        lines = lines[:-1]
    return "\n".join(lines).strip()


def fetch_article(http: HttpClient, url: str) -> LivePage:
    """Fetch an article and read its main text; a failure is recorded, never raised."""
    try:
        resp = http.get(url, accept="text/html,application/xhtml+xml")
    except FetchError as exc:
        return LivePage(url, status=exc.status, error=str(exc))
    title, text = main_text(resp.content, resp.content_type, resp.url)
    return LivePage(url, text=text, title=title, status=resp.status)


def feed_entries(body: bytes, content_type: str | None, base_url: str) -> list[FetchedItem]:
    """The articles of a feed (RSS/Atom/JSON) or, failing that, of an HTML list page (links in page order)."""
    looks_html = b"<html" in body[:2000].lower() or "html" in (content_type or "")
    if not looks_html:
        try:
            items, _warnings = parse_feed(body, content_type, base_url)
            return [i for i in items if i.url]
        except FeedError:
            pass
    root = parse_html(decode(body, content_type).text)
    titles: dict[str, str] = {}
    for a in root.iter("a"):
        href = a.get("href")
        if href:
            titles.setdefault(href.strip(), (a.text_content() or "").strip())
    out = []
    back = {urljoin(base_url, h): t for h, t in titles.items()}
    for url in extract_links(root, base_url, {}):
        out.append(FetchedItem(title=back.get(url, ""), url=url))
    return out


def fetch_feed(http: HttpClient, url: str) -> tuple[list[FetchedItem], str]:
    """(articles, error) of a channel's feed or list page."""
    try:
        resp = http.get(url)
    except FetchError as exc:
        return [], str(exc)
    return feed_entries(resp.content, resp.content_type, resp.url), ""


# -- the side-by-side diff --------------------------------------------------------------------------

@dataclass
class DiffRow:
    """One row of the side-by-side diff: equal, changed (replace), only signed (delete), only live (insert).
    `left`/`right` are [(text, changed)] segments so the page can mark the changed characters."""

    op: str
    left: list[tuple[str, bool]] = field(default_factory=list)
    right: list[tuple[str, bool]] = field(default_factory=list)


def _chars(a: str, b: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    left: list[tuple[str, bool]] = []
    right: list[tuple[str, bool]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if a[i1:i2]:
            left.append((a[i1:i2], op != "equal"))
        if b[j1:j2]:
            right.append((b[j1:j2], op != "equal"))
    return left, right


def side_by_side(signed: str, live: str) -> list[DiffRow]:
    """Signed vs live, sentence by sentence; pieces equal after normalisation count as equal."""
    a, b = pieces(signed), pieces(live)
    na, nb = [normalise(p) for p in a], [normalise(p) for p in b]
    rows: list[DiffRow] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, na, nb, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [DiffRow("equal", [(a[i], False)], [(b[j], False)]) for i, j in zip(range(i1, i2), range(j1, j2),
                                                                                           strict=True)]
        elif op == "replace":
            n = max(i2 - i1, j2 - j1)
            for k in range(n):
                left = a[i1 + k] if i1 + k < i2 else ""
                right = b[j1 + k] if j1 + k < j2 else ""
                segs = _chars(left, right)
                rows.append(DiffRow("replace" if left and right else ("delete" if left else "insert"), *segs))
        elif op == "delete":
            rows += [DiffRow("delete", [(a[i], True)], []) for i in range(i1, i2)]
        else:
            rows += [DiffRow("insert", [], [(b[j], True)]) for j in range(j1, j2)]
    return rows


def diff_summary(signed: str, live: str, limit: int = 3) -> str:
    """A few changed pieces in one readable line, for the notification body."""
    parts = []
    for row in side_by_side(signed, live):
        if row.op == "equal":
            continue
        left = "".join(t for t, _ in row.left) or "（无）"
        right = "".join(t for t, _ in row.right) or "（无）"
        parts.append(f"签发稿“{left[:40]}” → 页面“{right[:40]}”")
        if len(parts) >= limit:
            break
    return "；".join(parts)

