"""`channels check` (R-PUBLISH-3): poll every channel's feed or list page, record its last update and whether a
closed channel still answers, flag zombies (僵尸: 14 days without an update), and check the pages it links for
broken links and wrong words. Findings are kept per (channel, kind, key); a page re-fetched without the finding
resolves it, and a correction order on it passes its recheck.

Network and database are apart: `fetch_channel` does HTTP only (bounded: timeouts, a size cap, at most
`max_pages` pages and `max_links` links a page, one answer per URL per round, the per-host delay of
`channel_link_delay`); `record_check` is one action per channel that writes what was seen.

Audit: a round writes one entry (`channel.check_round`: channels checked, answering, findings raised and
cleared by kind, orders issued); a channel gets an entry of its own only when something was found or changed
on it (a finding raised or cleared, an order passed, a closed channel found answering). A quiet check is
accounted for by the round's entry: 100 channels checked hourly write 24 entries a day, not 2,400.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.collect.http import FetchError, HttpClient, HttpPolicy
from yuqing.domain.roles import Actor
from yuqing.publish import deliver, freshness
from yuqing.publish.freshness import Post, Reading
from yuqing.publish.links import LINK_POLICY, LinkChecker, LinkResult
from yuqing.publish.states import ADMISSION_LABELS
from yuqing.publish.wording import WordHit
from yuqing.publish.wording import WrongWord as Word
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

ACCEPT = "application/rss+xml, application/atom+xml, text/html;q=0.9, */*;q=0.5"
MAX_PAGES = 5  # newest posts checked per channel per round (besides the polled page itself)
WORKERS = 4  # channels fetched at once (each host still gets its own delay and at most one request at a time)
MAX_RECHECK_PAGES = 10  # pages with open findings re-fetched per channel per round
PAGE_POLICY = HttpPolicy(connect_timeout=5.0, read_timeout=10.0, total_timeout=20.0, max_bytes=5 * 1024 * 1024,
                         retries=1, backoff_base=0.5, backoff_max=2.0, per_host_delay=1.0, per_host_concurrency=1)
# Who hears of a zombie channel or a closed one still answering besides the owner unit and the propaganda
# department's unit (网宣办, setting `propaganda_unit`): the office of the leading group.
PROPAGANDA = "office"
PAGE_KINDS = ("broken_link", "wrong_word")
ROUND = "channel.check_round"  # the one audit entry of a round


@dataclass(frozen=True, slots=True)
class Target:
    """What a check needs to know of a channel, detached from the database."""

    id: int
    name: str
    url: str
    feed_url: str | None = None
    closed: bool = False
    recheck_pages: tuple[str, ...] = ()  # pages with open findings: re-fetched to see whether they are gone
    broken: tuple[tuple[str, str], ...] = ()  # (page, link) of open broken-link findings: asked again first

    def broken_on(self, page: str) -> frozenset[str]:
        return frozenset(link for p, link in self.broken if p == page)

    @property
    def poll_url(self) -> str:
        return self.feed_url or self.url


@dataclass
class PageResult:
    url: str
    status: int | None = None
    error: str = ""
    words: list[WordHit] = field(default_factory=list)
    links: list[LinkResult] = field(default_factory=list)  # the links asked this round
    all_links: list[str] = field(default_factory=list)  # every link on the page

    @property
    def fetched(self) -> bool:
        return self.status is not None and not self.error

    @property
    def broken(self) -> list[LinkResult]:
        return [r for r in self.links if r.broken]


@dataclass
class ChannelResult:
    channel_id: int
    checked_at: datetime
    answering: bool
    status: int | None = None
    error: str = ""
    reading: Reading | None = None
    pages: list[PageResult] = field(default_factory=list)
    seconds: float = 0.0


def page_text_and_root(body: bytes, content_type: str | None) -> tuple[str, Any]:
    """The visible text of a page (navigation included: an outdated office name in a menu is as wrong as one
    in an article) and its parsed tree for the links."""
    from yuqing.collect.base import element_text
    from yuqing.collect.encoding import decode
    from yuqing.collect.web import parse_html

    root = parse_html(decode(body, content_type).text)
    body_el = root.find("body")
    text = element_text(_copy(body_el if body_el is not None else root))
    return text, root


def _copy(el: Any) -> Any:
    import copy

    return copy.deepcopy(el)  # element_text drops scripts in place; the links are read from the original


def check_page(url: str, body: bytes, content_type: str | None, words: list[Word], checker: LinkChecker, *,
               must: frozenset[str] = frozenset(), offset: int | None = None) -> PageResult:
    """Wrong words in the page's text and its links' answers (links broken before asked first; the others in a
    window that moves each hour, so a page with more links than the bound is covered over a few rounds)."""
    from yuqing.publish.wording import find

    result = PageResult(url, status=200)
    try:
        text, root = page_text_and_root(body, content_type)
    except Exception as exc:  # hostile markup: the page is recorded as unreadable, the round goes on
        result.error = f"无法解析：{type(exc).__name__}"
        return result
    result.words = find(text, words)
    if offset is None:
        offset = int(utcnow().timestamp() // 3600) * checker.max_links
    result.links, result.all_links = checker.check_page(root, url, must=must, offset=offset)
    return result


def fetch_page(url: str, client: HttpClient, words: list[Word], checker: LinkChecker, *,
               must: frozenset[str] = frozenset()) -> PageResult:
    try:
        resp = client.get(url, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
    except FetchError as exc:
        return PageResult(url, status=exc.status, error=exc.kind_label)
    ct = (resp.content_type or "").lower()
    if ct and "html" not in ct and "xml" not in ct:
        return PageResult(url, status=resp.status)  # a PDF or an image: linked, answering, not read
    page = check_page(resp.url, resp.content, resp.content_type, words, checker, must=must)
    page.url = url
    page.status = resp.status
    return page


def fetch_channel(target: Target, client: HttpClient, checker: LinkChecker, words: list[Word], *,
                  max_pages: int = MAX_PAGES) -> ChannelResult:
    """Poll one channel and check the pages it links (HTTP only). A channel that does not answer costs one
    bounded fetch; a closed channel is only asked whether it still answers."""
    started = time.monotonic()
    now = utcnow()
    try:
        resp = client.get(target.poll_url, accept=ACCEPT)
    except FetchError as exc:
        return ChannelResult(target.id, now, answering=False, status=exc.status, error=exc.kind_label,
                             seconds=time.monotonic() - started)
    result = ChannelResult(target.id, now, answering=True, status=resp.status)
    if target.closed:
        result.seconds = time.monotonic() - started
        return result
    reading = freshness.read_channel(resp.content, resp.content_type, resp.url)
    result.reading = reading
    done: set[str] = set()
    if reading.kind == "page":
        result.pages.append(check_page(target.poll_url, resp.content, resp.content_type, words, checker,
                                       must=target.broken_on(target.poll_url)))
        done.add(target.poll_url)
    newest = sorted(reading.posts, key=lambda p: aware(p.published_at).timestamp() if p.published_at else 0.0,
                    reverse=True)
    todo = [p.url for p in newest if p.url.startswith(("http://", "https://"))][:max_pages]
    todo += list(target.recheck_pages[:MAX_RECHECK_PAGES])
    for url in todo:
        if url in done:
            continue
        done.add(url)
        result.pages.append(fetch_page(url, client, words, checker, must=target.broken_on(url)))
    result.seconds = time.monotonic() - started
    return result


# -- recording -------------------------------------------------------------------------------------------------
def finding_key(*parts: str) -> str:
    """A finding's key: readable when short, a hash when the URLs are long (the column holds 300)."""
    key = " @ ".join(parts)
    return key if len(key) <= 300 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _found(page: PageResult) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """(kind, key) → (one readable line, details) of everything wrong on one fetched page."""
    out: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for hit in page.words:
        key = finding_key(hit.word, page.url)
        if ("wrong_word", key) not in out:
            out[("wrong_word", key)] = (
                f"错敏词“{hit.word}”，应为“{hit.suggestion}”（{hit.category_label}）",
                {"word": hit.word, "suggestion": hit.suggestion, "category": hit.category,
                 "context": hit.snippet, "before": hit.before, "after": hit.after})
    for link in page.broken:
        key = finding_key(link.url, page.url)
        out[("broken_link", key)] = (
            f"{'站内' if link.internal else '外部'}链接失效：{link.text or link.url}（{link.label}）",
            {"link": link.url, "text": link.text, "status": link.status, "error": link.error,
             "internal": link.internal, "method": link.method})
    return out


@dataclass
class Recorded:
    channel_id: int
    answering: bool
    state: str
    new_findings: int = 0
    resolved: int = 0
    became_zombie: bool = False
    posts: int = 0
    orders_passed: int = 0
    raised: dict[str, int] = field(default_factory=dict)  # findings raised (or back again), by kind
    cleared: dict[str, int] = field(default_factory=dict)  # findings resolved, by kind
    went_live: bool = False  # a closed channel found answering (again)

    @property
    def notable(self) -> bool:
        """Something was found or changed: the channel gets an audit entry of its own."""
        return bool(self.raised or self.cleared or self.orders_passed or self.went_live)


def _bump(counts: dict[str, int], kind: str, n: int = 1) -> None:
    counts[kind] = counts.get(kind, 0) + n


@action("channel.check", permission="channels.check")
def record_check(tx: Tx, result: ChannelResult, *, in_round: bool = False) -> Recorded:
    """Write what one check of a channel saw: its answer and last update, its posts, zombie state, and the
    findings of each fetched page (new ones added, gone ones resolved, their correction orders rechecked).
    `in_round`: part of a round whose summary entry (ROUND) is written at its end, so a check that found and
    changed nothing writes no entry of its own."""
    from yuqing.publish import corrections
    from yuqing.store.tables_publish import Channel, ChannelFinding, ChannelPost

    s = tx.session
    ch = s.get(Channel, result.channel_id)
    if ch is None:
        raise corrections.NotFound(f"渠道 {result.channel_id} 不存在")
    now = result.checked_at
    was_answering = ch.answering
    ch.last_checked_at, ch.last_http_status, ch.answering = now, result.status, result.answering
    out = Recorded(ch.id, result.answering, "unreachable" if not result.answering else "ok")
    if ch.closed:
        if result.answering and was_answering is not True:
            out.went_live = True
            body = f"“{ch.name}”已登记关停，但 {ch.feed_url or ch.url} 仍可访问（HTTP {result.status}）。请核实并彻底关停。"
            for audience in _audiences(tx, ch):
                tx.notify(audience, "channel.closed_live", f"已关停渠道仍可访问：{ch.name}", body, f"/channels/{ch.id}")
            deliver.queue_closed_live(tx, ch, result.status, now)
        out.state = "closed_live" if result.answering else "closed"
        _standing(tx, ch, "unapproved", False, now, out)  # closed now: what is left is whether it still answers
        _standing(tx, ch, "closed_live", result.answering, now, out,
                  f"已登记关停，但 {ch.feed_url or ch.url} 仍可访问（HTTP {result.status}）",
                  {"url": ch.feed_url or ch.url, "status": result.status, "admission": ch.admission})
        if out.notable or not in_round:
            tx.audit("channel.check", "channel", ch.id, closed=True, answering=result.answering,
                     status=result.status, error=result.error)
        else:
            tx.summarised(by=ROUND)
        return out
    # 先审批后开设: a channel not admitted that answers is running without approval (its owner unit answers for it).
    admitted = ch.admission == "approved"
    if _standing(tx, ch, "unapproved", result.answering and not admitted, now, out,
                 f"未经准入（{ADMISSION_LABELS.get(ch.admission, ch.admission)}）仍在运行：{ch.feed_url or ch.url} "
                 f"可以访问（HTTP {result.status}）",
                 {"url": ch.feed_url or ch.url, "status": result.status, "admission": ch.admission}):
        body = (f"“{ch.name}”未经准入（{ADMISSION_LABELS.get(ch.admission, ch.admission)}），但仍在运行。"
                "按“先审批后开设”的要求，请主办单位暂停使用并提交准入申请，或申请关停。")
        for audience in _audiences(tx, ch):
            tx.notify(audience, "channel.unapproved", f"未经准入的网站或账号仍在运行：{ch.name}", body,
                      f"/channels/{ch.id}")
        deliver.queue_unapproved(tx, ch, result.status, now)
    reading = result.reading
    if reading is not None:
        out.posts = _store_posts(tx, ch, reading.posts, now)
        newest = freshness.latest(reading.posts, now)
        if newest is not None and (ch.last_update is None or aware(newest) > aware(ch.last_update)):
            ch.last_update = newest
    since = ch.created_at
    if ch.last_update is None:
        # Posts without dates: when they came is not known, so quiet time counts from when they were first seen
        # (a new one seen later dates the update); never from registration, which says nothing about them.
        first_seen = s.execute(select(func.min(ChannelPost.first_seen_at))
                               .where(ChannelPost.channel_id == ch.id)).scalar()
        since = first_seen or since
    fresh = freshness.judge(ch.last_update, ch.cadence, now, since=since)
    out.state = fresh.state if result.answering else "unreachable"
    # Only an answer shows whether a channel is quiet: one that does not answer is "unreachable", not judged.
    if result.answering and fresh.zombie and not ch.zombie:
        ch.zombie, ch.zombie_since = True, now
        out.became_zombie = True
        _bump(out.raised, "zombie")
        _zombie_finding(tx, ch, fresh.quiet_days, now)
    elif result.answering and not fresh.zombie and ch.zombie and fresh.state != "unknown":
        ch.zombie, ch.zombie_since = False, None
        for f in s.execute(select(ChannelFinding).where(ChannelFinding.channel_id == ch.id,
                                                        ChannelFinding.kind == "zombie",
                                                        ChannelFinding.resolved_at.is_(None))).scalars():
            f.resolved_at = now
            out.resolved += 1
            _bump(out.cleared, "zombie")
    for page in result.pages:
        if not page.fetched:
            continue  # a page that did not answer proves nothing either way
        seen = _found(page)
        existing = {(f.kind, f.key): f for f in s.execute(select(ChannelFinding).where(
            ChannelFinding.channel_id == ch.id, ChannelFinding.page_url == page.url,
            ChannelFinding.kind.in_(PAGE_KINDS))).scalars()}
        for (kind, key), (detail, data) in seen.items():
            row = existing.get((kind, key)) or s.execute(select(ChannelFinding).where(
                ChannelFinding.channel_id == ch.id, ChannelFinding.kind == kind,
                ChannelFinding.key == key)).scalar_one_or_none()
            if row is None:
                s.add(ChannelFinding(channel_id=ch.id, kind=kind, key=key, page_url=page.url, detail=detail,
                                     data=data, found_at=now, last_seen_at=now))
                out.new_findings += 1
                _bump(out.raised, kind)
            else:
                row.last_seen_at, row.detail, row.data = now, detail, data
                if row.resolved_at is not None:
                    row.resolved_at = None  # back again: a new order follows (the old one was done)
                    out.new_findings += 1
                    _bump(out.raised, kind)
        asked = {r.url for r in page.links}
        for (kind, key), row in existing.items():
            if kind == "broken_link" and (row.data or {}).get("link") in set(page.all_links) - asked:
                continue  # still on the page, not asked this round: nothing known either way
            if (kind, key) not in seen and row.resolved_at is None:
                row.resolved_at = now
                out.resolved += 1
                _bump(out.cleared, kind)
                out.orders_passed += corrections.finding_gone(tx, row, now)
    if out.notable or not in_round:
        tx.audit("channel.check", "channel", ch.id, answering=result.answering, status=result.status,
                 error=result.error, last_update=ch.last_update.isoformat() if ch.last_update else None,
                 state=out.state, pages=len(result.pages), new_findings=out.new_findings, resolved=out.resolved,
                 raised=out.raised, cleared=out.cleared)
    else:
        tx.summarised(by=ROUND)
    return out


def _standing(tx: Tx, ch: Any, kind: str, present: bool, now: datetime, out: Recorded, detail: str = "",
              data: dict[str, Any] | None = None) -> bool:
    """A finding about the channel's standing (STANDING_KINDS), with what the check saw as its evidence: raised
    when present and none is open (a new row each time it comes back, so each year counts what it saw),
    resolved when gone. Returns whether it was raised now."""
    from yuqing.clock import CHINA
    from yuqing.store.tables_publish import ChannelFinding

    s = tx.session
    open_row = s.execute(select(ChannelFinding).where(ChannelFinding.channel_id == ch.id, ChannelFinding.kind == kind,
                                                      ChannelFinding.resolved_at.is_(None))).scalars().first()
    if not present:
        if open_row is not None:
            open_row.resolved_at = now
            out.resolved += 1
            _bump(out.cleared, kind)
        return False
    if open_row is not None:
        open_row.last_seen_at, open_row.detail, open_row.data = now, detail, data or {}
        return False
    key = finding_key(kind, now.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
    row = s.execute(select(ChannelFinding).where(ChannelFinding.channel_id == ch.id, ChannelFinding.kind == kind,
                                                 ChannelFinding.key == key)).scalar_one_or_none()
    if row is None:
        s.add(ChannelFinding(channel_id=ch.id, kind=kind, key=key, page_url=ch.feed_url or ch.url, detail=detail,
                             data=data or {}, found_at=now, last_seen_at=now))
    else:  # gone and back within the minute: the same finding again
        row.resolved_at, row.last_seen_at, row.detail, row.data = None, now, detail, data or {}
    out.new_findings += 1
    _bump(out.raised, kind)
    return True


def _audiences(tx: Tx, ch: Any) -> list[str]:
    """The owner unit, the propaganda department (setting `propaganda_unit`) and the office."""
    from yuqing.publish.registry import propaganda_unit_id

    out = [PROPAGANDA]
    for unit_id in (ch.owner_unit_id, propaganda_unit_id(tx.session, tx.ws)):
        if unit_id is not None and f"unit:{unit_id}" not in out:
            out.append(f"unit:{unit_id}")
    return out


def _zombie_finding(tx: Tx, ch: Any, quiet_days: int | None, now: datetime) -> None:
    from yuqing.clock import CHINA
    from yuqing.store.tables_publish import ChannelFinding

    since = aware(ch.last_update).astimezone(CHINA).strftime("%Y-%m-%d") if ch.last_update else "登记以来"
    detail = f"{quiet_days} 天未更新（最近更新：{since}），已列为僵尸账号"
    key = finding_key("zombie", now.astimezone(CHINA).strftime("%Y-%m-%d"))
    finding = ChannelFinding(channel_id=ch.id, kind="zombie", key=key, page_url=ch.feed_url or ch.url,
                             detail=detail, data={"quiet_days": quiet_days, "last_update": since},
                             found_at=now, last_seen_at=now)
    tx.session.add(finding)
    body = (f"“{ch.name}”{detail}。按《关于开展通过网络走群众路线的方案》“杜绝出现僵尸平台”的要求，"
            f"请主办单位尽快恢复更新或申请关停。")
    for audience in _audiences(tx, ch):
        tx.notify(audience, "channel.zombie", f"僵尸账号：{ch.name}（{quiet_days} 天未更新）", body, f"/channels/{ch.id}")
    deliver.queue_zombie(tx, ch, finding, quiet_days)


def _store_posts(tx: Tx, ch: Any, posts: list[Post], now: datetime) -> int:
    """Add the posts not seen before (one row per channel and URL); a post without a date is dated when first
    seen, and on a channel checked before, a new undated post is itself an update."""
    from yuqing.store.tables_publish import ChannelPost

    urls = [p.url for p in posts if p.url]
    if not urls:
        return 0
    known = set(tx.session.execute(select(ChannelPost.url).where(ChannelPost.channel_id == ch.id,
                                                                  ChannelPost.url.in_(urls))).scalars())
    first_check = not tx.session.execute(select(ChannelPost.id).where(ChannelPost.channel_id == ch.id).limit(1)).first()
    added = 0
    for p in posts:
        if not p.url or p.url in known:
            continue
        known.add(p.url)
        tx.session.add(ChannelPost(channel_id=ch.id, url=p.url, title=p.title, published_at=p.published_at,
                                   first_seen_at=now))
        added += 1
        if p.published_at is None and not first_check and (ch.last_update is None or aware(ch.last_update) < now):
            ch.last_update = now
    return added


# -- one round ---------------------------------------------------------------------------------------------------
@dataclass
class Round:
    checked: int = 0
    answering: int = 0
    unreachable: int = 0
    zombies: int = 0
    new_zombies: int = 0
    closed_live: int = 0
    new_findings: int = 0
    resolved: int = 0
    orders_issued: int = 0
    unsigned: int = 0
    delivered: dict[str, int] = field(default_factory=dict)  # publishing findings sent, by outcome
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    raised: dict[str, int] = field(default_factory=dict)  # findings raised this round, by kind
    cleared: dict[str, int] = field(default_factory=dict)  # findings resolved this round, by kind
    audited: int = 0  # channels with an audit entry of their own (something found or changed)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def add(self, rec: Recorded) -> None:
        """Count one channel's recorded check into the round."""
        self.checked += 1
        self.answering += rec.answering
        self.unreachable += not rec.answering
        self.new_zombies += rec.became_zombie
        self.closed_live += rec.state == "closed_live"
        self.new_findings += rec.new_findings
        self.resolved += rec.resolved
        self.audited += rec.notable
        for kind, n in rec.raised.items():
            _bump(self.raised, kind, n)
        for kind, n in rec.cleared.items():
            _bump(self.cleared, kind, n)


@action(ROUND, permission="channels.check")
def record_round(tx: Tx, summary: Round) -> None:
    """The round's one audit entry: how many channels were checked and answered, the findings raised and
    cleared by kind, the orders issued, and how many channels have an entry of their own (their details)."""
    tx.audit(ROUND, "channels", None, checked=summary.checked, answered=summary.answering,
             unreachable=summary.unreachable, closed_live=summary.closed_live, raised=summary.raised,
             cleared=summary.cleared, orders_issued=summary.orders_issued, channels_audited=summary.audited,
             failed=len(summary.errors))


def words_of(ws: Workspace) -> list[Word]:
    """The workspace's wrong-words list (active entries), or the defaults while it is empty."""
    from yuqing.publish.wording import DEFAULT_WORDS
    from yuqing.store.tables_publish import WrongWord as WordRow

    with ws.db.read() as s:
        rows = list(s.execute(select(WordRow).where(WordRow.active.is_(True))).scalars())
        any_row = s.execute(select(WordRow.id).limit(1)).first()
    if any_row is None:
        return list(DEFAULT_WORDS)
    return [Word(r.word, r.suggestion, r.kind, r.note) for r in rows]


def targets(ws: Workspace, *, due_only: bool = False) -> list[Target]:
    from yuqing.store.tables_publish import Channel, ChannelFinding

    every = timedelta(minutes=ws.settings.channel_check_minutes)
    now = utcnow()
    out = []
    with ws.db.read() as s:
        for ch in s.execute(select(Channel).order_by(Channel.id)).scalars():
            if due_only and ch.last_checked_at is not None and aware(ch.last_checked_at) + every > now:
                continue
            open_rows = [] if ch.closed else list(s.execute(
                select(ChannelFinding.kind, ChannelFinding.page_url, ChannelFinding.data)
                .where(ChannelFinding.channel_id == ch.id, ChannelFinding.kind.in_(PAGE_KINDS),
                       ChannelFinding.resolved_at.is_(None))))
            pages = tuple(dict.fromkeys(p for _k, p, _d in open_rows if p))
            broken = tuple((p, str((d or {}).get("link"))) for k, p, d in open_rows
                           if k == "broken_link" and p and (d or {}).get("link"))
            out.append(Target(ch.id, ch.name, ch.url, ch.feed_url, ch.closed, pages, broken))
    return out


def policies(ws: Workspace) -> tuple[HttpPolicy, HttpPolicy]:
    delay = ws.settings.channel_link_delay
    return replace(PAGE_POLICY, per_host_delay=delay), replace(LINK_POLICY, per_host_delay=delay)


def run_checks(ws: Workspace, actor: Actor, *, due_only: bool = False, policy: tuple[HttpPolicy, HttpPolicy] | None = None,
               progress: Callable[[int, int, str], None] | None = None) -> Round:
    """One round over every channel (or those due): fetch, record, then issue the correction orders that new
    findings call for. One channel's failure is counted and the round goes on."""
    from yuqing.publish import corrections

    started = time.monotonic()
    summary = Round()
    chosen = targets(ws, due_only=due_only)
    words = words_of(ws)
    page_policy, link_policy = policy or policies(ws)
    with HttpClient(page_policy) as client, HttpClient(link_policy) as link_client, \
            ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="yuqing-channels") as pool:
        checker = LinkChecker(link_client)
        # Channels are fetched side by side (the client keeps each host's delay and concurrency); what they
        # showed is recorded here, one channel at a time, as each fetch ends.
        futures = {pool.submit(fetch_channel, target, client, checker, words): target for target in chosen}
        for n, future in enumerate(as_completed(futures), start=1):
            target = futures[future]
            if progress:
                progress(n - 1, len(chosen), target.name)
            try:
                result = future.result()
                rec = record_check(ws, actor, result, in_round=True)
            except Exception as exc:
                log.exception("channel check %s failed", target.id)
                summary.errors.append(f"{target.name}：{type(exc).__name__}: {exc}")
                continue
            try:
                if rec.answering and not target.closed:
                    _signoff_checks(ws, actor, target, result, client, summary)
            except Exception as exc:
                log.exception("sign-off checks of channel %s failed", target.id)
                summary.errors.append(f"{target.name}（签发核对）：{type(exc).__name__}: {exc}")
            summary.add(rec)
    if progress:
        progress(len(chosen), len(chosen), "")
    # Orders follow from findings by rule (实施意见: wrong content is corrected within a deadline), so the
    # system issues them, as the jobs account, whoever ran the round.
    from yuqing.actions.actors import jobs_actor

    summary.orders_issued = corrections.issue_pending(ws, jobs_actor(ws))
    summary.zombies = zombie_count(ws)
    # The one place the findings leave for the alert channels: what this round (or a page's check) queued,
    # and the retries that are due.
    summary.delivered = deliver.send_due(ws)
    summary.seconds = round(time.monotonic() - started, 2)
    if summary.checked or summary.errors:  # a due-only round with nothing due leaves no trace
        record_round(ws, actor, summary)
    return summary


MAX_LIVE_RECHECKS = 5  # published articles re-compared per channel per round


def _signoff_checks(ws: Workspace, actor: Actor, target: Target, result: ChannelResult, client: HttpClient,
                    summary: Round) -> None:
    """The sign-off side of a round (publish.signoff): the posts just read are matched to signed publications by
    their live URL (an article matching none is 未经签发), and published articles with an open mismatch, or never
    compared, are fetched and compared with the signed text again (a fix resolves the mismatch). Counts the
    articles newly found unsigned and the new mismatches into the round."""
    from yuqing.collect.base import canonical_url
    from yuqing.publish import signoff
    from yuqing.store.tables_publish import ChannelFinding, Publication

    with ws.db.read() as s:
        pubs = list(s.execute(select(Publication).where(Publication.channel_id == target.id,
                                                        Publication.state.in_(("approved", "published")))).scalars())
        by_url = {canonical_url(p.live_url): p.id for p in pubs if p.live_url}
        open_mismatch = set(s.execute(select(ChannelFinding.publication_id).where(
            ChannelFinding.channel_id == target.id, ChannelFinding.kind == "mismatch",
            ChannelFinding.resolved_at.is_(None))).scalars())
        now = utcnow()
        again = [p.id for p in pubs if signoff.needs_live_check(p, p.id in open_mismatch, now)][:MAX_LIVE_RECHECKS]
    unsigned: list[str] = []
    if result.reading is not None and result.reading.posts:
        seen = [signoff.SeenArticle(url=p.url, title=p.title, published_at=p.published_at,
                                    publication_id=by_url.get(canonical_url(p.url)))
                for p in result.reading.posts if p.url]
        unsigned = signoff.record_posts(ws, actor, target.id, seen, in_round=True)
    summary.unsigned += len(unsigned)
    if unsigned:
        _bump(summary.raised, "unsigned", len(unsigned))
    for pub_id in again:
        if signoff.check_live(ws, actor, pub_id, http=client).new_finding:
            _bump(summary.raised, "mismatch")


def zombie_count(ws: Workspace) -> int:
    from sqlalchemy import func

    from yuqing.store.tables_publish import Channel

    with ws.db.read() as s:
        return int(s.execute(select(func.count(Channel.id)).where(Channel.zombie.is_(True),
                                                                   Channel.closed.is_(False))).scalar_one())
