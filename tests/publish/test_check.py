"""`channels check` against channels played by a real HTTP server on 127.0.0.1, the clock frozen: a channel
silent for 15 days, a page with a dead link and a wrong word, a closed channel still answering, slow and dead
sources, malformed feeds; then the correction orders the findings become."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from yuqing.accounts import actor_of
from yuqing.clock import CHINA, aware, frozen
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.publish import corrections
from yuqing.publish import order_states as st
from yuqing.publish.check import PAGE_POLICY, run_checks
from yuqing.publish.links import LINK_POLICY
from yuqing.store.tables import Notification
from yuqing.store.tables_publish import Channel, ChannelFinding, ChannelPost, CorrectionOrder
from yuqing.workspace import Workspace

from . import channel_server
from .channel_server import ChannelServer, dead_url

site = channel_server.site  # the fixtures, shared by the modules that use them
link_client = channel_server.link_client

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)  # a Monday
FAST = (replace(PAGE_POLICY, per_host_delay=0.0, connect_timeout=1.0, read_timeout=0.3, total_timeout=0.6, retries=0),
        replace(LINK_POLICY, per_host_delay=0.0, connect_timeout=1.0, read_timeout=0.3, total_timeout=0.6))


def rss(*days_ago: int, base: str = "http://127.0.0.1/") -> str:
    items = "".join(
        f"<item><title>区政府工作动态{n}</title><link>{base}art{n}.html</link>"
        f"<pubDate>{(NOW - timedelta(days=d)).strftime('%a, %d %b %Y %H:%M:%S +0800')}</pubDate></item>"
        for n, d in enumerate(days_ago))
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


@dataclass
class Desk:
    ws: Workspace
    office: Actor
    handler: Actor
    other_handler: Actor
    jobs: Actor
    unit_id: int


@pytest.fixture
def desk(ws: Workspace) -> Iterator[Desk]:
    from yuqing.actions.actors import jobs_actor

    with frozen(NOW - timedelta(days=30)), ws.db.write() as s:
        unit = factories.unit(s, "区融媒体中心")
        other = factories.unit(s, "区教育局")
        office_unit = factories.unit(s, "区委宣传部", kind="office")
        office = actor_of(factories.user(s, "office", "office", office_unit, display_name="网宣办王"))
        handler = actor_of(factories.user(s, "media_h", "unit_handler", unit, display_name="融媒体张"))
        other_h = actor_of(factories.user(s, "edu_h", "unit_handler", other, display_name="教育局李"))
        unit_id = unit.id
    yield Desk(ws, office, handler, other_h, jobs_actor(ws), unit_id)


def add_channel(d: Desk, name: str, url: str, feed: str | None = None, **kw: object) -> int:
    """A channel registered 30 days ago, admitted (准入) unless told otherwise."""
    kw.setdefault("admission", "approved")
    with frozen(NOW - timedelta(days=30)), d.ws.db.write() as s:
        owner = s.get(factories.Unit, d.unit_id)
        return factories.channel(s, name, owner=owner, url=url, feed_url=feed, **kw).id


def notes(d: Desk, kind: str) -> list[Notification]:
    with d.ws.db.read() as s:
        return list(s.execute(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).scalars())


def test_a_channel_silent_for_15_days_is_a_zombie_once(desk: Desk, site: ChannelServer) -> None:
    feed = site.add("/quiet/feed.xml", rss(15, 20), content_type="application/rss+xml")
    live = site.add("/live/feed.xml", rss(1, 3), content_type="application/rss+xml")
    quiet_id = add_channel(desk, "区政务微博", site.url("/quiet/"), feed, kind="weibo", cadence="daily")
    live_id = add_channel(desk, "区政府网", site.url("/live/"), live)
    with frozen(NOW):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
        again = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.checked == 2 and r.new_zombies == 1 and again.new_zombies == 0 and again.zombies == 1
    with desk.ws.db.read() as s:
        quiet, alive = s.get(Channel, quiet_id), s.get(Channel, live_id)
        assert quiet is not None and alive is not None
        assert quiet.zombie and not alive.zombie
        assert quiet.last_update is not None
        assert (NOW - aware(quiet.last_update)).days == 15  # the newest post of its feed
        assert s.execute(select(ChannelPost).where(ChannelPost.channel_id == quiet_id)).scalars().all()
        zombie = s.execute(select(ChannelFinding).where(ChannelFinding.kind == "zombie")).scalar_one()
        assert "15 天未更新" in zombie.detail
    told = notes(desk, "channel.zombie")
    assert sorted(n.audience for n in told) == ["office", f"unit:{desk.unit_id}"]  # once each, not twice
    # It posts again: no longer a zombie, the finding resolved.
    site.add("/quiet/feed.xml", rss(0, 15), content_type="application/rss+xml")
    with frozen(NOW + timedelta(hours=2)):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    with desk.ws.db.read() as s:
        q = s.get(Channel, quiet_id)
        assert q is not None and not q.zombie
        assert s.execute(select(ChannelFinding).where(ChannelFinding.kind == "zombie")).scalar_one().resolved_at


LIST = """<html><body><ul><li><a href="/news/1.html">区融媒体中心开展冬季安全生产检查</a> <span>2026-11-27</span></li>
</ul></body></html>"""
ARTICLE = """<html><head><script>var x = "工商局";</script></head><body><h1>冬季安全生产检查</h1>
<p>11月27日，区工商局会同区应急管理局开展检查。</p><p>详见<a href="/files/missing.pdf">检查方案</a>，
另见<a href="/news/ok.html">上一篇</a>。</p></body></html>"""


def test_dead_link_and_wrong_word_become_orders_fixed_by_refetch_and_explained(desk: Desk, site: ChannelServer) -> None:
    site.add("/news/ok.html", "<p>上一篇</p>")
    site.add("/news/1.html", ARTICLE)
    listing = site.add("/news/", LIST)
    ch_id = add_channel(desk, "区融媒体网站", site.url("/"), listing)
    with frozen(NOW):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.new_findings == 2 and r.orders_issued == 2
    with desk.ws.db.read() as s:
        found = {f.kind: f for f in s.execute(select(ChannelFinding).where(ChannelFinding.channel_id == ch_id)).scalars()}
        assert found["wrong_word"].data["word"] == "工商局"  # in the text, not in the script
        assert found["wrong_word"].data["context"].endswith("【工商局】会同区应急管理局开展检查。")
        assert found["wrong_word"].page_url == site.url("/news/1.html")
        assert found["broken_link"].data["status"] == 404 and found["broken_link"].data["text"] == "检查方案"
        orders = list(s.execute(select(CorrectionOrder).order_by(CorrectionOrder.id)).scalars())
        # 3 working days from Monday 10:00: Thursday 10:00, China time.
        assert all(o.due_at is not None and o.due_at.replace(tzinfo=o.due_at.tzinfo or CHINA).astimezone(CHINA)
                   == datetime(2026, 12, 3, 10, 0, tzinfo=CHINA) for o in orders)
        word_order = next(o for o in orders if o.finding_id == found["wrong_word"].id).id
        link_order = next(o for o in orders if o.finding_id == found["broken_link"].id).id
    assert len(notes(desk, "channel.correction")) == 2
    with frozen(NOW):
        assert run_checks(desk.ws, desk.jobs, policy=FAST).orders_issued == 0  # one order per finding
    # The unit asks for a recheck before fixing: refused by the page itself.
    with frozen(NOW + timedelta(hours=1)):
        order = corrections.request_recheck(desk.ws, desk.handler, word_order, policy=FAST)
    assert order.state == st.OPEN and notes(desk, "channel.correction_recheck_failed")
    # Explanation first, then the fix seen by a recheck: done.
    with frozen(NOW + timedelta(hours=2)):
        corrections.explain_order(desk.ws, desk.handler, word_order, "编辑沿用了机构改革前的名称，已更正并加强审核。")
    site.add("/news/1.html", ARTICLE.replace("区工商局", "区市场监督管理局"))
    with frozen(NOW + timedelta(hours=3)):
        assert corrections.request_recheck(desk.ws, desk.handler, word_order, policy=FAST).state == st.CONFIRMED
    # The link is fixed and the next round sees it: fixed, awaiting the explanation.
    site.add("/files/missing.pdf", b"%PDF", content_type="application/pdf")
    with frozen(NOW + timedelta(hours=4)):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.resolved == 1
    with desk.ws.db.read() as s:
        o = s.get(CorrectionOrder, link_order)
        assert o is not None and o.state == st.FIXED and o.confirmed_at is not None
    with frozen(NOW + timedelta(hours=5)):
        corrections.explain_order(desk.ws, desk.handler, link_order, "附件上传时路径错误，已重新上传。")
    with desk.ws.db.read() as s:
        assert {o.state for o in s.execute(select(CorrectionOrder)).scalars()} == {st.CONFIRMED}
        assert corrections.overdue_by_unit(s, NOW - timedelta(days=1), NOW + timedelta(days=30)) == {}


def test_orders_overdue_are_told_once_and_count_against_the_unit(desk: Desk, site: ChannelServer) -> None:
    site.add("/news/1.html", ARTICLE.replace("/files/missing.pdf", "/news/ok.html"))
    site.add("/news/ok.html", "ok")
    listing = site.add("/news/", LIST)
    add_channel(desk, "区融媒体网站", site.url("/"), listing)
    with frozen(NOW):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    with desk.ws.db.read() as s:
        order_id = s.execute(select(CorrectionOrder.id)).scalar_one()
    with pytest.raises(PermissionDenied):
        corrections.explain_order(desk.ws, desk.other_handler, order_id, "不是本单位的整改通知，不能说明。")
    with pytest.raises(corrections.OrderError):
        corrections.explain_order(desk.ws, desk.handler, order_id, "已改")
    later = NOW + timedelta(days=5)
    with frozen(later):
        run_checks(desk.ws, desk.jobs, policy=FAST)
        run_checks(desk.ws, desk.jobs, policy=FAST)
    assert sorted(n.audience for n in notes(desk, "channel.correction_overdue")) == ["office", f"unit:{desk.unit_id}"]
    with desk.ws.db.read() as s:
        o = s.get(CorrectionOrder, order_id)
        assert o is not None and corrections.is_overdue(o, later)
        assert corrections.overdue_by_unit(s, NOW, later) == {desk.unit_id: [order_id]}
    # The yearly assessment counts it against the unit like an overdue case, and opens the order.
    from yuqing.reports.periodic import parse_period
    from yuqing.reports.store import compute_period

    with frozen(later), desk.ws.db.read() as s:
        figures = compute_period(s, desk.ws.path, parse_period("yearly", "2026"))
    unit = next(u for u in figures["assessment"]["units"] if u["unit_id"] == desk.unit_id)
    points = next(p for p in unit["points"] if p["key"] == "correction_overdue")
    assert points["points"] == -2 and points["formula"] == "网站与新媒体整改逾期扣分 = -2 × 整改逾期 1 = -2 分"
    assert points["counts"][0]["link"] == f"/channels/orders?unit={desk.unit_id}&overdue=1"
    assert unit["score"] == 98  # every case rate full (no cases), −2


def test_closed_channel_still_answering_and_dead_or_slow_sources(desk: Desk, site: ChannelServer) -> None:
    site.add("/old/", "<html><body>旧网站仍在</body></html>")
    site.add("/slow/feed.xml", rss(1), content_type="application/rss+xml", delay=1.0)
    site.add("/bad/feed.xml", "<?xml version='1.0'?><rss><channel><item><title>半截", content_type="application/rss+xml")
    site.add("/good/feed.xml", rss(2), content_type="application/rss+xml")
    closed_id = add_channel(desk, "原区旅游局网站", site.url("/old/"), closed=True, admission="closed")
    dead_id = add_channel(desk, "已失联账号", dead_url(), kind="wechat")
    slow_id = add_channel(desk, "慢网站", site.url("/slow/"), site.url("/slow/feed.xml"))
    bad_id = add_channel(desk, "格式错误的订阅源", site.url("/bad/"), site.url("/bad/feed.xml"))
    good_id = add_channel(desk, "正常账号", site.url("/good/"), site.url("/good/feed.xml"))
    started = time.monotonic()
    with frozen(NOW):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert time.monotonic() - started < 5
    assert r.checked == 5 and r.closed_live == 1 and r.unreachable == 2 and not r.errors
    with desk.ws.db.read() as s:
        ch = {c.id: c for c in s.execute(select(Channel)).scalars()}
        assert ch[closed_id].answering is True and ch[closed_id].last_http_status == 200
        assert ch[dead_id].answering is False and ch[slow_id].answering is False
        assert ch[bad_id].answering is True and ch[good_id].last_update is not None
        assert not ch[dead_id].zombie  # unreachable is not the same as quiet: 30 days registered, never seen
    told = notes(desk, "channel.closed_live")
    assert len(told) == 2 and "仍可访问" in told[0].title
    with frozen(NOW + timedelta(hours=1)):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    assert len(notes(desk, "channel.closed_live")) == 2  # told once while it keeps answering


def test_due_only_checks_channels_not_checked_within_the_interval(desk: Desk, site: ChannelServer) -> None:
    add_channel(desk, "正常账号", site.url("/good/"), site.add("/good/feed.xml", rss(1), content_type="application/rss+xml"))
    with frozen(NOW):
        assert run_checks(desk.ws, desk.jobs, due_only=True, policy=FAST).checked == 1
        assert run_checks(desk.ws, desk.jobs, due_only=True, policy=FAST).checked == 0
    with frozen(NOW + timedelta(minutes=desk.ws.settings.channel_check_minutes + 1)):
        assert run_checks(desk.ws, desk.jobs, due_only=True, policy=FAST).checked == 1




def test_the_periodic_job_checks_the_channels_that_are_due(desk: Desk, site: ChannelServer) -> None:
    from yuqing.jobs.tasks import run_task

    desk.ws.settings.channel_link_delay = 0.0
    add_channel(desk, "正常账号", site.url("/good/"), site.add("/good/feed.xml", rss(1), content_type="application/rss+xml"))
    with frozen(NOW):
        first = run_task(desk.ws, "channels.check")
        second = run_task(desk.ws, "channels.check")
    assert first["checked"] == 1 and first["answering"] == 1 and second["checked"] == 0


def test_a_long_page_is_covered_in_turn_and_a_known_broken_link_is_asked_first(desk: Desk, site: ChannelServer) -> None:
    """65 links, 60 asked a round in a window that moves each hour: the dead link at the end is found in an hour
    whose window covers it; later, in an hour whose window misses it, it is asked first (known broken), so it
    is neither forgotten nor called fixed."""
    links = "".join(f'<a href="/long/p{n}.html">第{n}篇</a>' for n in range(64)) + '<a href="/long/gone.html">失效</a>'
    for n in range(64):
        site.add(f"/long/p{n}.html", "ok")
    add_channel(desk, "长页面网站", site.url("/long/"), site.add("/long/", f"<ul>{links}</ul>"))

    def window_has_gone(at: datetime) -> bool:
        start = (int(at.timestamp() // 3600) * 60) % 65
        return (64 - start) % 65 < 60

    hours = [NOW + timedelta(hours=h) for h in range(40)]
    seen_at = next(h for h in hours if window_has_gone(h))
    missed_at = next(h for h in hours if h > seen_at and not window_has_gone(h))
    with frozen(seen_at):
        assert run_checks(desk.ws, desk.jobs, policy=FAST).new_findings == 1
    with frozen(missed_at):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.resolved == 0 and site.hits[("HEAD", "/long/gone.html")] == 2  # asked first: it was broken
    with desk.ws.db.read() as s:
        f = s.execute(select(ChannelFinding).where(ChannelFinding.kind == "broken_link")).scalar_one()
        assert f.resolved_at is None


def test_one_order_per_problem_on_a_channel_whatever_the_pages(desk: Desk, site: ChannelServer) -> None:
    """The same wrong word on two pages is one order (共 2 个页面); correcting one page moves the order to the
    other, correcting both fixes it."""
    page = "<p>区卫计委开展义诊。</p>"
    site.add("/two/1.html", page)
    site.add("/two/2.html", page)
    rows = "".join(f'<li><a href="/two/{n}.html">区卫计委开展义诊活动第{n}场</a> 2026-11-2{n}</li>' for n in (1, 2))
    add_channel(desk, "两页网站", site.url("/two/"), site.add("/two/", f"<ul>{rows}</ul>"))
    with frozen(NOW):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.orders_issued == 1  # the list page shows the word too: 3 pages, one order
    with desk.ws.db.read() as s:
        order = s.execute(select(CorrectionOrder)).scalar_one()
        assert "（共 3 个页面）" in order.detail
    site.add("/two/1.html", "<p>区卫生健康局开展义诊。</p>")
    with frozen(NOW + timedelta(hours=1)):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    with desk.ws.db.read() as s:
        assert s.execute(select(CorrectionOrder)).scalar_one().state == "open"
    site.add("/two/2.html", "<p>区卫生健康局开展义诊。</p>")
    rows = rows.replace("区卫计委", "区卫生健康局")
    site.add("/two/", f"<ul>{rows}</ul>")
    with frozen(NOW + timedelta(hours=2)):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    with desk.ws.db.read() as s:
        assert s.execute(select(CorrectionOrder)).scalar_one().state == "fixed"


def test_undated_posts_count_from_when_first_seen_and_a_new_one_dates_the_update(desk: Desk,
                                                                                      site: ChannelServer) -> None:
    rows = "".join(f'<li><a href="/nd/{n}.html">没有日期的文章标题第{n}篇</a></li>' for n in range(3))
    listing = site.add("/nd/", f"<ul>{rows}</ul>")
    ch_id = add_channel(desk, "无日期列表", site.url("/nd/"), listing)  # registered 30 days ago
    with frozen(NOW):
        assert run_checks(desk.ws, desk.jobs, policy=FAST).new_zombies == 0
    site.add("/nd/", f'<ul><li><a href="/nd/9.html">新发布的没有日期的文章</a></li>{rows}</ul>')
    with frozen(NOW + timedelta(days=1)):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    with desk.ws.db.read() as s:
        ch = s.get(Channel, ch_id)
        assert ch is not None and not ch.zombie and aware(ch.last_update) == NOW + timedelta(days=1)  # type: ignore[arg-type]
    with frozen(NOW + timedelta(days=16)):  # nothing new for 15 days since: now it is quiet
        assert run_checks(desk.ws, desk.jobs, policy=FAST).new_zombies == 1


def test_a_round_writes_one_audit_entry_and_a_channel_its_own_only_when_something_changed(
        desk: Desk, site: ChannelServer) -> None:
    """100 channels checked hourly must not write 2,400 entries a day: one entry per round summarises it (checked,
    findings by kind), and only the channels where a finding was raised or cleared have their own."""
    from yuqing.domain import records
    from yuqing.store.tables import AuditEntry

    quiet = [add_channel(desk, f"区政府网{n}", site.url(f"/fine{n}/"),
                         site.add(f"/fine{n}/feed.xml", rss(1, 3), content_type="application/rss+xml"))
             for n in range(3)]
    site.add("/news/ok.html", "<p>上一篇</p>")
    site.add("/news/1.html", ARTICLE)
    bad = add_channel(desk, "区融媒体网站", site.url("/"), site.add("/news/", LIST))

    def entries(action: str) -> list[AuditEntry]:
        with desk.ws.db.read() as s:
            return list(s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
                        .scalars())

    with frozen(NOW):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    [first] = entries("channel.check_round")
    assert first.detail["checked"] == 4 and first.detail["answered"] == 4
    # (no post of these feeds was signed: 2 a quiet channel, 1 on the list page)
    assert first.detail["raised"] == {"broken_link": 1, "wrong_word": 1, "unsigned": 7}
    assert first.detail["orders_issued"] == 2
    assert first.detail["channels_audited"] == 1
    assert [e.object_id for e in entries("channel.check")] == [str(bad)]  # not the three quiet ones
    assert entries("channel.check")[0].detail["raised"] == {"broken_link": 1, "wrong_word": 1}
    fields = dict(records.describe(first.detail))
    assert fields["新发现问题"] == "失效链接 1、未经签发的发布 7、错词 1" and fields["检查渠道数"] == "4"
    assert len(entries("channel.record_posts")) == 4  # each channel's unsigned posts, found
    with frozen(NOW + timedelta(hours=1)):  # nothing changed anywhere: the round's entry only
        run_checks(desk.ws, desk.jobs, policy=FAST)
    assert len(entries("channel.check_round")) == 2 and len(entries("channel.check")) == 1
    assert len(entries("channel.record_posts")) == 4  # the posts read again, nothing new: no entry
    site.add("/news/1.html", ARTICLE.replace("区工商局", "区市场监督管理局"))  # fixed: cleared, its own entry again
    with frozen(NOW + timedelta(hours=2)):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    last = entries("channel.check_round")[-1]
    assert last.detail["cleared"] == {"wrong_word": 1} and last.detail["raised"] == {}
    assert [e.object_id for e in entries("channel.check")] == [str(bad), str(bad)]
    with frozen(NOW + timedelta(hours=2, minutes=10)):  # a due-only round with nothing due leaves no trace
        assert run_checks(desk.ws, desk.jobs, due_only=True, policy=FAST).checked == 0
    assert len(entries("channel.check_round")) == 3
    assert quiet  # (the three quiet channels were checked every round)


def test_a_channel_running_without_approval_or_closed_but_answering_is_a_finding_with_its_evidence(
        desk: Desk, site: ChannelServer) -> None:
    """先审批后开设: the check records a channel not admitted that answers (unapproved), and a closed one that
    still answers (closed_live), once while it lasts, with the URL and HTTP status it saw; admitted, or gone,
    the finding is resolved. (These count against the owner unit in the yearly assessment.)"""
    from yuqing.publish import admission

    site.add("/old2/", "<html><body>旧网站仍在</body></html>")
    site.add("/new/feed.xml", rss(1), content_type="application/rss+xml")
    applied = add_channel(desk, "申请中的公众号", site.url("/new/"), site.url("/new/feed.xml"), kind="wechat",
                          admission="applied")
    closed = add_channel(desk, "原区旅游局网站", site.url("/old2/"), closed=True, admission="closed")
    with desk.ws.db.write() as s:
        factories.channel_application(s, s.get(Channel, applied))

    def standing() -> dict[tuple[int, str], list[ChannelFinding]]:
        with desk.ws.db.read() as s:
            out: dict[tuple[int, str], list[ChannelFinding]] = {}
            for f in s.execute(select(ChannelFinding).where(ChannelFinding.kind.in_(("unapproved", "closed_live")))
                               .order_by(ChannelFinding.id)).scalars():
                out.setdefault((f.channel_id, f.kind), []).append(f)
            return out

    with frozen(NOW):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.raised.get("unapproved") == 1 and r.raised.get("closed_live") == 1
    found = standing()
    [live] = found[(applied, "unapproved")]
    assert live.resolved_at is None and "未经准入（待审核）仍在运行" in live.detail and "HTTP 200" in live.detail
    assert live.data["status"] == 200 and live.data["admission"] == "applied"
    assert found[(closed, "closed_live")][0].detail.startswith("已登记关停，但 ")
    assert len(notes(desk, "channel.unapproved")) == 2  # the owner unit and the office
    with frozen(NOW + timedelta(hours=1)):
        assert run_checks(desk.ws, desk.jobs, policy=FAST).raised == {}  # still so: not raised again
    office = actor_of_name(desk, "office")
    with frozen(NOW + timedelta(hours=2)):
        admission.review_admission(desk.ws, office, applied, approve=True, note="同意")
    site.add("/old2/", "", status=404)
    with frozen(NOW + timedelta(hours=3)):
        r = run_checks(desk.ws, desk.jobs, policy=FAST)
    assert r.cleared == {"unapproved": 1, "closed_live": 1}
    assert all(f.resolved_at is not None for fs in standing().values() for f in fs)
    assert len(notes(desk, "channel.unapproved")) == 2


def actor_of_name(desk: Desk, username: str) -> Actor:
    with desk.ws.db.read() as s:
        return actor_of(s.execute(select(factories.User).where(factories.User.username == username)).scalar_one())
