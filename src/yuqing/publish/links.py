"""Broken links on a channel's pages (R-PUBLISH-3): every link a fetched page carries, internal and outbound,
asked once with HEAD (GET when the server answers 405/501 to HEAD), never followed further than the link
itself. Bounded: at most `max_links` per page a round (a longer page is covered over successive rounds, links
found broken before always asked again), short timeouts, the HTTP client's per-host delay between requests to
one host, and one answer per URL per round (navigation links repeat on every page).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from yuqing.collect.http import BLOCKED_STATUSES, FetchError, HttpClient, HttpPolicy

MAX_LINKS = 60  # per page
# A link checker needs an answer, not a body: short timeouts, no retries (a dead host costs one timeout).
LINK_POLICY = HttpPolicy(connect_timeout=5.0, read_timeout=8.0, total_timeout=15.0, retries=0,
                         max_redirects=5, per_host_delay=0.5, per_host_concurrency=1)
HEAD_REFUSED = frozenset({405, 501})
_SKIP = ("#", "javascript:", "mailto:", "tel:", "data:", "about:")


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    text: str
    internal: bool  # same host as the page


@dataclass(frozen=True, slots=True)
class LinkResult:
    url: str
    text: str
    internal: bool
    status: int | None  # the final HTTP status (None: no answer)
    error: str = ""  # why there was no answer (timeout, network …)
    method: str = "HEAD"

    @property
    def broken(self) -> bool:
        """Not found, gone, a server error or no answer at all. 401/403/429 mean the link is there but the
        site refuses a robot: not counted broken (a person would see the page)."""
        if self.status is None:
            return True
        return self.status >= 400 and self.status not in BLOCKED_STATUSES and self.status != 401

    @property
    def label(self) -> str:
        if self.status is None:
            return f"无法访问（{self.error}）" if self.error else "无法访问"
        return f"HTTP {self.status}"


def page_links(root: Any, base_url: str, limit: int = MAX_LINKS) -> tuple[list[Link], int]:
    """The distinct http(s) links of a parsed page (a[href], in page order), at most `limit`; and how many
    distinct links the page had in all."""
    from yuqing.collect.base import clean_whitespace

    host = urlsplit(base_url).netloc.lower()
    seen: dict[str, Link] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.lower().startswith(_SKIP):
            continue
        try:
            url = urljoin(base_url, href).split("#", 1)[0]
            parts = urlsplit(url)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.netloc or url in seen:
            continue
        text = clean_whitespace(a.text_content() or "") or (a.get("title") or "")
        seen[url] = Link(url, text[:200], parts.netloc.lower() == host)
    links = list(seen.values())
    return links[:limit], len(links)


@dataclass
class LinkChecker:
    """Checks links with one polite client; remembers each URL's answer for the round."""

    client: HttpClient
    max_links: int = MAX_LINKS
    answers: dict[str, LinkResult] = field(default_factory=dict)
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, link: Link) -> LinkResult:
        with self._lock:
            known = self.answers.get(link.url)
        if known is not None:
            return LinkResult(link.url, link.text, link.internal, known.status, known.error, known.method)
        result = self._ask(link)
        with self._lock:
            self.answers[link.url] = result
        return result

    def _ask(self, link: Link) -> LinkResult:
        method = "HEAD"
        try:
            self.requests += 1
            resp = self.client.probe(link.url, "HEAD")
            if resp.status in HEAD_REFUSED:
                method = "GET"
                self.requests += 1
                resp = self.client.probe(link.url, "GET")
        except FetchError as exc:
            return LinkResult(link.url, link.text, link.internal, None, exc.kind_label, method)
        return LinkResult(link.url, link.text, link.internal, resp.status, "", method)

    def check_page(self, root: Any, base_url: str, *, must: frozenset[str] = frozenset(),
                   offset: int = 0) -> tuple[list[LinkResult], list[str]]:
        """The page's links checked this round, and every link URL on the page. At most `max_links` are asked:
        first those in `must` (links found broken before, so a fix is seen), then the others from position
        `offset` on, wrapping round — successive rounds with a moving offset cover a long page in turn."""
        links, _total = page_links(root, base_url, limit=10**6)
        first = [link for link in links if link.url in must]
        rest = [link for link in links if link.url not in must]
        if rest:
            start = offset % len(rest)
            rest = rest[start:] + rest[:start]
        chosen = (first + rest)[:max(self.max_links, len(first))]
        return [self.check(link) for link in chosen], [link.url for link in links]
