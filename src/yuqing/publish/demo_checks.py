"""The demo's channel checks (fictional, R-PUBLISH-3): posts per week on the portal, the media centre and 滨江街道;
two accounts flagged zombie (15 and 16 quiet days); a closed site still answering and a township app running
without ever applying for admission (both counted against their units); pages with wrong words and
broken links whose correction orders end differently — one closed with its explanation (滨江街道), one fixed
awaiting the explanation, two overdue (the portal's wrong word, the media centre's dead link), one still in time.

The demo has no internet: each round is recorded as a check against local pages would be — the same page
reader, wrong-word finder and recording action (`check.check_page` → `check.record_check`), with the links'
answers given here instead of asked over the network; each round ends with its one summary entry in the audit
log (`check.record_round`), the channels where something was found or cleared with their own. Idempotent:
nothing happens once a channel was checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of
from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, aware, frozen, utcnow
from yuqing.collect.http import HttpClient
from yuqing.publish import corrections
from yuqing.publish.check import (
    ChannelResult,
    PageResult,
    Round,
    check_page,
    record_check,
    record_round,
    words_of,
)
from yuqing.publish.freshness import Post, Reading
from yuqing.publish.links import Link, LinkChecker, LinkResult
from yuqing.reports.daily import latest_day
from yuqing.store.tables import User
from yuqing.store.tables_publish import Channel, CorrectionOrder
from yuqing.workspace import Workspace

SITE = "https://example.invalid/示例区"


@dataclass
class RecordedLinks(LinkChecker):
    """A link checker that answers from a record (URL → HTTP status, None: no answer) instead of the network."""

    statuses: dict[str, int | None] = field(default_factory=dict)

    def _ask(self, link: Link) -> LinkResult:
        status = self.statuses.get(link.url, 200)
        return LinkResult(link.url, link.text, link.internal, status, "" if status else "连接失败", "HEAD")


def _at(day: date, days_before: int, hour: int, minute: int = 0) -> datetime:
    d = day - timedelta(days=days_before)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=CHINA)


def article(title: str, paras: list[str], links: dict[str, str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paras)
    more = "".join(f"<li><a href='{href}'>{text}</a></li>" for href, text in links.items())
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='nav'><a href='{SITE}/'>首页</a> <a href='{SITE}/ywdt/'>要闻动态</a></div><h1>{title}</h1>"
            f"<div id='zoom'>{body}</div><ul class='related'>{more}</ul>"
            f"<div class='foot'>主办：示例区（演示）</div></body></html>").encode()


def _posts(key: str, day: date, ages: list[int], title: str) -> list[Post]:
    return [Post(f"{SITE}/{key}/a{n}.html", f"{title}（第{n}期，演示）", _at(day, age, 9)) for n, age in enumerate(ages)]


def _quiet(key: str, now: datetime, ages: list[int], title: str) -> list[Post]:
    """Posts made `ages` days (and an hour) before `now`: the newest is that many whole days quiet."""
    return [Post(f"{SITE}/{key}/a{n}.html", f"{title}（第{n}期，演示）", now - timedelta(days=age, hours=1))
            for n, age in enumerate(ages)]


def _round(ws: Workspace, channel_id: int, when: datetime, posts: list[Post], pages: list[PageResult],
           summary: Round, answering: bool = True) -> None:
    """One check of a channel at `when` within a round: its list page shows the posts made by then."""
    posts = [p for p in posts if p.published_at is None or p.published_at <= when]
    with frozen(when):
        summary.add(record_check(ws, jobs_actor(ws), ChannelResult(
            channel_id, when, answering=answering, status=200 if answering else None,
            error="" if answering else "连接失败", reading=Reading(posts, "page") if answering else None,
            pages=pages), in_round=True))


def _end_round(ws: Workspace, when: datetime, summary: Round) -> None:
    with frozen(when):
        record_round(ws, jobs_actor(ws), summary)


def _page(ws: Workspace, url: str, body: bytes, dead: dict[str, int | None]) -> PageResult:
    checker = RecordedLinks(client=HttpClient(), statuses=dead)
    try:
        return check_page(url, body, "text/html; charset=utf-8", words_of(ws), checker, offset=0)
    finally:
        checker.client.close()


def demo_step(ws: Workspace, progress: Any = None) -> None:
    with ws.db.read() as s:
        # in id order: the same two quiet accounts become the zombies on every database
        rows = list(s.execute(select(Channel).order_by(Channel.id)).scalars())
        channels = {c.name: c.id for c in rows}
        # Accounts quiet enough to be zombies: nothing of theirs seen in the sign-off demo's last two weeks.
        quiet = [c.id for c in rows if not c.closed and c.owner_unit_id is not None and c.kind != "website"
                 and (c.last_update is None or (utcnow() - aware(c.last_update)).days >= 16)]
        if not channels or s.execute(select(Channel.id).where(Channel.last_checked_at.is_not(None))).first():
            return
        day = latest_day(s)
        binjiang = s.execute(select(User).where(User.username == "binjiang")).scalar_one_or_none()
        explainer = actor_of(binjiang) if binjiang is not None else None
    needed = ("示例区人民政府门户网站", "示例区融媒体中心微信公众号", "滨江街道政务微博", "原示例区旅游局网站",
              "原城西街道团工委微博")
    if day is None or explainer is None or any(n not in channels for n in needed):
        return
    portal, media, binj, tourism, chengxi = (channels[n] for n in needed)
    liuwan = channels.get("柳湾乡政务客户端")  # never applied for admission, yet running: 未经审批开设
    quiet = [c for c in quiet if c not in (media, binj, liuwan)][:2]
    jobs = jobs_actor(ws)
    # Posts per week: the portal daily, the media centre a few a week, 滨江街道 weekly.
    portal_posts = _posts("portal", day, [a for a in range(0, 84) if a % 7 not in (5, 6) and a % 3 != 2], "要闻动态")
    media_posts = _posts("media", day, [a for a in range(1, 84, 2) if a % 7 != 3], "融媒看示例")
    binj_posts = _posts("binjiang", day, list(range(2, 84, 7)), "滨江街道一周")
    # Nine days ago: the portal's article says 区工商局 and links a file that is gone; the media centre links a
    # partner site that no longer answers; 滨江街道 writes 环保局.
    p_url, m_url, b_url = f"{SITE}/portal/a1.html", f"{SITE}/media/a0.html", f"{SITE}/binjiang/a1.html"
    p_file, m_partner, b_gone = f"{SITE}/portal/files/冬季安全检查方案.doc", "https://partner.example.invalid/活动", \
        f"{SITE}/binjiang/files/停水范围.pdf"
    p_body = article("区政府部署冬季安全生产大检查（演示）",
                     ["11月下旬，区政府召开冬季安全生产工作会议，区应急管理局、区工商局等部门参加。",
                      "会议要求各乡镇（街道）12月底前完成辖区重点企业排查。"], {p_file: "检查方案（附件）"})
    m_body = article("“滨江夜跑”报名开始（演示）", ["活动由区融媒体中心与合作单位联合主办。"], {m_partner: "合作单位活动页"})
    b_body = article("滨江街道开展河道清理（演示）", ["街道联合区环保局对滨江河段开展清理，共清运垃圾3吨。"], {})
    when = _at(day, 9, 10)
    first = Round()
    _round(ws, portal, when, portal_posts, [_page(ws, p_url, p_body, {p_file: 404})], first)
    _round(ws, media, when, media_posts, [_page(ws, m_url, m_body, {m_partner: None})], first)
    _round(ws, binj, when, binj_posts, [_page(ws, b_url, b_body, {})], first)
    with frozen(when + timedelta(minutes=5)):
        # the sign-off demo's mismatch is found later
        first.orders_issued = corrections.issue_pending(ws, jobs, found_before=when)
    _end_round(ws, when + timedelta(minutes=5), first)
    # 滨江街道 explains and corrects its page; the next round sees the word gone: done.
    with ws.db.read() as s:
        orders = {(o.channel_id, o.detail[:8]): o.id for o in s.execute(select(CorrectionOrder)).scalars()}
    b_order = next(oid for (cid, _d), oid in orders.items() if cid == binj)
    with frozen(_at(day, 8, 15)):
        corrections.explain_order(ws, explainer, b_order,
                                  "信息员沿用了机构改革前的“区环保局”称谓，已更正为“区生态环境局”，并在三审三校中增加机构名称核对。")
    fixed = Round()
    _round(ws, binj, _at(day, 7, 10), binj_posts,
           [_page(ws, b_url, b_body.replace("区环保局".encode(), "区生态环境局".encode()), {})], fixed)
    _end_round(ws, _at(day, 7, 10, 1), fixed)
    # The portal re-uploads the file (fixed, the explanation awaited); its wrong word stays (overdue), as does
    # the media centre's dead link.
    refetched = Round()
    _round(ws, portal, _at(day, 6, 10), portal_posts, [_page(ws, p_url, p_body, {})], refetched)
    _end_round(ws, _at(day, 6, 10, 1), refetched)
    # Today: 滨江街道's new notice links a file that is gone (an order still in time); two accounts have been
    # quiet for 15 and 16 days (zombies); the closed tourism site still answers.
    new_notice = article("滨江路临时停水通知（演示）", ["本周三9时至17时，滨江路临时停水。"], {b_gone: "停水范围（附件）"})
    now = utcnow().astimezone(CHINA).replace(microsecond=0)  # the latest round is the one the pages show as current
    today = Round()
    _round(ws, portal, now, portal_posts, [], today)
    _round(ws, media, now, media_posts, [], today)
    _round(ws, binj, now, binj_posts, [_page(ws, f"{SITE}/binjiang/a0.html", new_notice, {b_gone: 404})], today)
    for n, channel_id in enumerate(quiet):  # 15 and 16 quiet days
        _round(ws, channel_id, now, _quiet(f"quiet{n}", now, [15 + n, 19 + n, 30], "工作动态"), [], today)
    if liuwan is not None:
        _round(ws, liuwan, now, _posts("liuwan", day, [1, 4, 9], "柳湾乡便民服务"), [], today)
    _round(ws, tourism, now, [], [], today)
    _round(ws, chengxi, now, [], [], today, answering=False)
    with frozen(now + timedelta(minutes=5)):
        today.orders_issued = corrections.issue_pending(ws, jobs)
    _end_round(ws, now + timedelta(minutes=5), today)
    # As at the end of every round of `channels check`: the findings queued for the alert channels go out.
    from yuqing.publish.deliver import send_due

    with frozen(now + timedelta(minutes=6)):
        send_due(ws)
