"""Freshness of a channel (R-PUBLISH-3): what its feed or list page says about its posts, whether it keeps
its cadence, and whether it has gone quiet long enough to be a zombie (僵尸). Pure: no database, no network.

关于进一步加强全区网络宣传工作的意见: "坚持重大新闻信息每日进行更新，一般新闻信息每周进行更新";
兴庆区 通过网络走群众路线的方案: "杜绝出现僵尸平台" — a channel silent for two weeks is flagged.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from yuqing.clock import CHINA, aware

# Cadence code → (label, days allowed between posts). 意见 §二: 重大新闻每日、一般新闻每周.
CADENCES: dict[str, tuple[str, int]] = {
    "daily": ("每日更新（重大新闻信息）", 1),
    "weekly": ("每周更新（一般新闻信息）", 7),
}
DEFAULT_CADENCE = "weekly"
ZOMBIE_DAYS = 14  # 僵尸平台: no update for two weeks (方案 §四)
# A post dated more than a day ahead is a typo or a pinned notice, not evidence of life.
FUTURE_SLACK = timedelta(days=1)

STATES: dict[str, str] = {
    "ok": "按时更新",
    "late": "更新不及时",
    "zombie": "僵尸账号（14天未更新）",
    "unknown": "尚未检查",
    "unreachable": "无法访问",
}


@dataclass(frozen=True, slots=True)
class Post:
    """One post a channel shows: its link, title and date (None when the page gives none)."""

    url: str
    title: str = ""
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Freshness:
    state: str  # a key of STATES
    quiet_days: int | None  # whole days since the last update (None: never seen one)
    allowed_days: int

    @property
    def label(self) -> str:
        return STATES[self.state]

    @property
    def zombie(self) -> bool:
        return self.state == "zombie"


def cadence_days(cadence: str | None) -> int:
    return CADENCES.get(cadence or DEFAULT_CADENCE, CADENCES[DEFAULT_CADENCE])[1]


def cadence_label(cadence: str | None) -> str:
    return CADENCES.get(cadence or DEFAULT_CADENCE, CADENCES[DEFAULT_CADENCE])[0]


def latest(posts: list[Post], now: datetime) -> datetime | None:
    """The newest believable post date (dates far in the future are ignored)."""
    dates = [aware(p.published_at) for p in posts if p.published_at is not None]
    dates = [d for d in dates if d <= aware(now) + FUTURE_SLACK]
    return max(dates) if dates else None


def judge(last_update: datetime | None, cadence: str | None, now: datetime, *,
          since: datetime | None = None, zombie_days: int = ZOMBIE_DAYS) -> Freshness:
    """How fresh a channel is. Without any update seen, the quiet time counts from `since` (when the channel
    was registered), so a channel that never posts still becomes a zombie after two weeks."""
    allowed = cadence_days(cadence)
    ref = last_update or since
    if ref is None:
        return Freshness("unknown", None, allowed)
    quiet = aware(now) - aware(ref)
    days = max(0, quiet.days)
    if quiet >= timedelta(days=zombie_days):
        return Freshness("zombie", days, allowed)
    # A daily channel may skip a day before it counts as late (a post at 09:00, the next check at 10:00
    # the following day), a weekly one a day too: the check runs on its own schedule.
    if quiet > timedelta(days=allowed + 1):
        return Freshness("late", days, allowed)
    return Freshness("ok" if last_update is not None else "unknown", days, allowed)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def posts_per_week(dates: list[datetime], now: datetime, weeks: int = 12) -> list[tuple[date, int]]:
    """Posts per ISO week (Monday, China time) for the last `weeks` weeks, oldest first, zeros included."""
    this_week = week_start(aware(now).astimezone(CHINA).date())
    starts = [this_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = dict.fromkeys(starts, 0)
    for d in dates:
        w = week_start(aware(d).astimezone(CHINA).date())
        if w in counts:
            counts[w] += 1
    return list(counts.items())


# -- reading a channel's feed or list page --------------------------------------------------------------
_DATE_IN_ROW = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}[:：]\d{2})?")
_ROW_TAGS = ("li", "tr", "dd", "dt", "p", "div", "article", "section")
MAX_POSTS = 200


@dataclass
class Reading:
    """What one fetch of a channel's feed or list page gave."""

    posts: list[Post] = field(default_factory=list)
    kind: str = "page"  # feed | page
    warnings: list[str] = field(default_factory=list)
    body_sha256: str = ""


def looks_like_feed(body: bytes, content_type: str | None) -> bool:
    ct = (content_type or "").lower()
    if any(k in ct for k in ("rss", "atom", "feed+json", "/xml")):
        return True
    head = body.lstrip()[:400].lower()
    return head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head or head.startswith(b"{")


def read_channel(body: bytes, content_type: str | None, url: str) -> Reading:
    """Posts of a channel from its feed (RSS/Atom/JSON Feed) or its list page (links with a date beside
    them in the same row). A malformed feed gives a warning and the posts that could be read, never an error."""
    from yuqing.collect.rss import FeedError, parse_feed

    sha = hashlib.sha256(body).hexdigest()
    if looks_like_feed(body, content_type) and not (content_type or "").lower().startswith("text/html"):
        try:
            items, warnings = parse_feed(body, content_type, url)
        except FeedError as exc:
            return Reading([], "feed", [f"订阅源无法解析：{exc}"], sha)
        except Exception as exc:  # feedparser on hostile input: never let one channel stop the round
            return Reading([], "feed", [f"订阅源无法解析：{type(exc).__name__}"], sha)
        posts = [Post(i.url or "", i.title[:300], i.published_at) for i in items[:MAX_POSTS]]
        return Reading(posts, "feed", warnings, sha)
    return Reading(list_page_posts(body, content_type, url), "page", [], sha)


def list_page_posts(body: bytes, content_type: str | None, url: str) -> list[Post]:
    """Same-site links of a list page with the date written in their row (li, tr …), in page order."""
    from yuqing.collect.base import clean_whitespace, parse_time
    from yuqing.collect.encoding import decode
    from yuqing.collect.web import parse_html

    try:
        root = parse_html(decode(body, content_type).text)
    except Exception:  # unparseable markup: no posts, the channel's freshness falls back to body changes
        return []
    host = urlsplit(url).netloc
    seen: set[str] = set()
    posts: list[Post] = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        target = urljoin(url, href)
        if urlsplit(target).netloc != host or target in seen or target.rstrip("/") == url.rstrip("/"):
            continue
        row: Any = a
        while row is not None and (not isinstance(row.tag, str) or row.tag.lower() not in _ROW_TAGS):
            row = row.getparent()
        text = clean_whitespace((row if row is not None else a).text_content() or "")
        m = _DATE_IN_ROW.search(text)
        title = clean_whitespace(a.text_content() or "") or clean_whitespace(a.get("title") or "")
        if m is None and len(title) < 5:
            continue  # navigation ("首页", "更多"), not a post
        seen.add(target)
        posts.append(Post(target, title[:300], parse_time(m.group(0)) if m else None))
        if len(posts) >= MAX_POSTS:
            break
    return posts
