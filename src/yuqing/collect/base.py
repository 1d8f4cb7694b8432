"""The fetcher interface and the plain values that cross it.

A fetcher turns one source (a snapshot of its row) into fetched items. It does network and parsing,
never database work: the runner stores what it yields, batch by batch, so a crash keeps every batch
already committed.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from yuqing.clock import CHINA
from yuqing.collect.http import HttpClient, Response


@dataclass(slots=True)
class FetchedItem:
    """One post as fetched: text already extracted, raw bytes kept as evidence."""

    title: str = ""
    text: str = ""
    external_id: str | None = None
    url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    raw: bytes | None = None  # this item's own raw bytes (a detail page, a pushed record)
    content_type: str | None = None
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class SourceSpec:
    """What a fetcher needs to know about a source, detached from any database session."""

    id: int
    kind: str
    url: str
    name: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    official: bool = False
    etag: str | None = None
    last_modified: str | None = None
    last_body_sha256: str | None = None
    known_urls: frozenset[str] = frozenset()  # canonical URLs already stored (web: skip known details)


@dataclass
class FetchOutcome:
    """The result of one fetch. `items` is consumed lazily; the counters fill in as it is consumed."""

    items: Iterator[FetchedItem] = field(default_factory=lambda: iter(()))
    http_status: int | None = None
    not_modified: bool = False
    nbytes: int = 0
    body: bytes | None = None  # the shared raw body (feed, list page) kept as evidence for its items
    body_url: str | None = None
    body_content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    errors: list[str] = field(default_factory=list)  # per-item problems; the run still succeeds
    complete: bool = True  # False when the fetcher left work for the next run (e.g. a page limit)
    warnings: list[str] = field(default_factory=list)


def conditional_fetch(source: SourceSpec, client: HttpClient, accept: str) -> tuple[Response, FetchOutcome]:
    """GET the source's URL with its ETag/Last-Modified; the response and an outcome with the HTTP facts."""
    resp = client.get(source.url, etag=source.etag, last_modified=source.last_modified, accept=accept)
    out = FetchOutcome(http_status=resp.status, nbytes=len(resp.content), etag=resp.etag,
                       last_modified=resp.last_modified, not_modified=resp.not_modified)
    return resp, out


class Fetcher(Protocol):
    kind: str

    def fetch(self, source: SourceSpec, client: HttpClient) -> FetchOutcome: ...


class SourceConfigError(ValueError):
    """The source is configured in a way no fetch can succeed; the message says what to fix."""


# -- small parsing helpers shared by fetchers ----------------------------------------------------------
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "pre",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "header",
    "footer",
}
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "template", "svg", "head")
_SPACES = re.compile(r"[ \t\u00a0\u3000\r\f\v]+")
_NEWLINES = re.compile(r"\n\s*\n+")


def clean_whitespace(text: str) -> str:
    text = _SPACES.sub(" ", text.replace("\u200b", ""))
    lines = [line.strip() for line in text.split("\n")]
    return _NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment (scripts, styles and frames dropped), blocks on their own lines."""
    if not markup:
        return ""
    if "<" not in markup:
        return clean_whitespace(html.unescape(markup))
    from lxml import etree
    from lxml import html as lhtml

    try:
        root = lhtml.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_whitespace(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    return element_text(root)


def element_text(root: Any) -> str:
    """Text of an lxml element: drops script/style/…, puts block elements on their own lines."""
    from lxml import etree

    for bad in list(root.iter(*_DROP)):
        if bad.getparent() is not None:
            bad.drop_tree()
    parts: list[str] = []

    def walk(el: Any) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag.lower() in _BLOCK:
            parts.append("\n")
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        for child in el:
            if isinstance(child, etree._Comment | etree._ProcessingInstruction):
                if child.tail:
                    parts.append(child.tail)
                continue
            walk(child)
        if tag.lower() in _BLOCK:
            parts.append("\n")
        if el is not root and el.tail:
            parts.append(el.tail)

    walk(root)
    return clean_whitespace("".join(parts))


_CN_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_RELATIVE = re.compile(r"(\d+)\s*(秒|分钟|小时|天)前")


# Posts older than the web or far in the future are bad data, and year-1/year-9999 times with extreme
# offsets overflow once converted to UTC: outside these bounds a time is refused.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def parse_time(value: Any, *, now: datetime | None = None) -> datetime | None:
    """A datetime from ISO text, Chinese dates (2024年3月5日 10:20), 'N分钟前', or epoch seconds.

    Times without a zone are China time (the district's clock). Returns an aware datetime between 1970 and
    2100, or None (unreadable or out of range).
    """
    try:
        when = _parse_time(value, now)
        return when if when is not None and EARLIEST <= when.astimezone(UTC) < LATEST else None
    except (OverflowError, ValueError, OSError):
        return None


def _parse_time(value: Any, now: datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CHINA)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or abs(value) > 1e15:
            return None
        ts = float(value) / (1000 if value > 1e11 else 1)
        try:
            return datetime.fromtimestamp(ts, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()[:100]
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt if dt.tzinfo else dt.replace(tzinfo=CHINA)
    except ValueError:
        pass
    m = _CN_DATE.search(text)
    if m:
        try:
            return datetime(
                int(m["y"]),
                int(m["m"]),
                int(m["d"]),
                int(m["H"] or 0),
                int(m["M"] or 0),
                int(m["S"] or 0),
                tzinfo=CHINA,
            )
        except ValueError:
            return None
    rel = _RELATIVE.search(text)
    if rel:
        from yuqing.clock import utcnow

        n, unit = int(rel.group(1)), rel.group(2)
        delta = {
            "秒": timedelta(seconds=n),
            "分钟": timedelta(minutes=n),
            "小时": timedelta(hours=n),
            "天": timedelta(days=n),
        }[unit]
        return (now or utcnow()) - delta
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


_COUNT = re.compile(r"(\d{1,30}(?:\.\d{1,10})?)\s*(亿|万|w|W|k|K|千)?")
MAX_COUNT = 2**31 - 1  # the counts are 32-bit columns: larger claims are clamped, never an overflow


def parse_count(value: Any) -> int:
    """A count from text such as '阅读(1,234)', '1.2万', '回复：45'; 0 when there is none.

    Clamped to 0..MAX_COUNT; NaN counts as 0 and infinity as MAX_COUNT."""
    if value is None or isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        n = float(value) if isinstance(value, float) else value
    else:
        m = _COUNT.search(str(value)[:200].replace(",", "").replace("，", ""))
        if not m:
            return 0
        mult = {"亿": 10**8, "万": 10000, "w": 10000, "W": 10000, "k": 1000, "K": 1000, "千": 1000}.get(
            m.group(2) or "", 1)
        n = float(m.group(1)) * mult
    if isinstance(n, float) and math.isnan(n):
        return 0
    return int(max(0, min(MAX_COUNT, n)))


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 20


def clean_text(value: str) -> str:
    """Text safe to store on both backends: NUL removed (PostgreSQL refuses it), lone surrogates
    (which cannot be encoded) replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    return _SURROGATE.sub("\ufffd", value)


def clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON-ready copy of a value for `extra`: strings cleaned, non-finite numbers dropped, integers
    beyond 64 bits and structures nested deeper than MAX_DEPTH kept as (short) text."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)[:40]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= MAX_DEPTH:
        return clean_text(str(value)[:1000])
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v, depth + 1) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return clean_text(str(value))


_TRACKING = re.compile(r"^(utm_\w+|spm|from|share_?\w*|timestamp|_t)$", re.I)


def canonical_url(url: str) -> str:
    """A stable form of a URL: lowercase scheme and host, no default port, fragment or tracking params,
    query parameters sorted."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return url.strip()
    port = port if port and (scheme, port) not in (("http", 80), ("https", 443)) else None
    netloc = f"{host}:{port}" if port else host
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k))
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))
