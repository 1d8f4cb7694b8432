"""The inbox (通知) and the bell: every kind of notification the product writes is produced by the real
actions and jobs, then opened by every person it is addressed to; read state is per person."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from tests import factories
from tests.respond.conftest import Desk, desk  # noqa: F401  (the case-desk fixture)
from tests.servers import serve
from tests.store.test_audit import drop_triggers
from tests.web.conftest import login
from tests.web.test_browser import ARGS, CHROMIUM
from yuqing.actions.actors import jobs_actor
from yuqing.clock import aware, frozen
from yuqing.collect import health
from yuqing.domain.notifications import KINDS
from yuqing.jobs.periodic import run_if_due
from yuqing.jobs.tasks import Periodic, run_task, task
from yuqing.respond import cases, casework, followups, jobs, replies, supervision
from yuqing.store.tables import AuditEntry, Case, Notification, Source, User
from yuqing.web.app import create_app

ADMIN_PAGES = {"/admin/audit": "审计", "/admin/jobs": "每日审计链校验", "/alerts": "预警中心"}


@task("test.broken")
def broken(ws: object) -> None:
    raise RuntimeError("连接被拒绝")


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:  # noqa: F811
    with TestClient(create_app(desk.ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        yield c


def _due(desk: Desk, cid: int):  # type: ignore[no-untyped-def]  # noqa: F811
    with desk.ws.db.read() as s:
        return aware(s.get(Case, cid).due_at)


def produce_every_kind(desk: Desk) -> dict[str, int]:  # noqa: F811
    """Walk the case desk, the jobs and source health so that each kind of notification is written once at
    least, through the code that writes it in production. Returns a few ids the assertions need."""
    d, ws = desk, desk.ws
    # Grade I: the leader is told, the office gets the report, units the assignment, the office the
    # feedback, the spokesperson the statement draft.
    grade_one = d.case_to("reviewed", grade="I")
    replies.draft_reply(ws, d.office, grade_one, kind="statement")
    # Feedback sent back, an extension asked and decided, 督办 by hand, a leader's 批示 and its completion.
    busy = d.case_to("feedback_submitted")
    casework.reject_feedback(ws, d.office, busy, "回访当事人，工资未发放")
    req = casework.request_extension(ws, d.handler, busy, reason="需审计工程款", days=2)
    casework.decide_extension(ws, d.office, req.id, approve=True, note="同意")
    supervision.supervise(ws, d.office, busy, "群众反映强烈，请加快办理")
    ins = supervision.instruct(ws, d.leader, busy, "请劳动保障局会同桃源镇三日内解决")
    supervision.complete_instruction(ws, d.handler, ins.id, "已兑付")
    # The unit leader sends a feedback back; the assisting unit contributes its part.
    redo = d.case_to("feedback_drafted")
    casework.return_feedback(ws, d.town_leader, redo, "证据不足，请补充工资发放签字表")
    casework.contribute(ws, d.labour_handler, redo, "劳动保障局已约谈总包单位负责人")
    # Returned by the unit; reassigned away from 桃源镇 (its old notifications must not lead to a 404).
    returned = d.case_to("assigned")
    cases.return_case(ws, d.handler, returned, "属青石镇辖区")
    moved = d.case_to("assigned")
    cases.reassign(ws, d.office, moved, lead="青石镇人民政府", reason="核实后属青石镇")
    escalated = d.case_to("in_progress")
    cases.escalate(ws, d.office, escalated, "涉及市属企业，属市级事权")
    # A reply drafted, the case closed, a follow-up post that reopens it.
    ev = d.event(grade="IV")
    closed = d.case_to("reviewed", grade="IV", event_id=ev)
    replies.draft_reply(ws, d.handler, closed)
    cases.close(ws, d.office, closed)
    with ws.db.write() as s:
        post = factories.item(s, "工资还是没发", event_id=ev).id
    followups.attach_item(ws, d.office, closed, post, reason="工资仍未发放", reopen_case=True)
    # The jobs: 催办 before and after the deadline, automatic 督办, the weekly spot check.
    late = d.case_to("signed")
    due = _due(d, late)
    with frozen(due - timedelta(hours=20)):
        jobs.remind_due(ws, jobs_actor(ws))
    with frozen(due + timedelta(hours=25)):
        jobs.remind_due(ws, jobs_actor(ws))
    checked = d.case_to("reviewed", grade="IV")
    cases.close(ws, d.office, checked)
    jobs.spot_check(ws, jobs_actor(ws), share=1.0, seed="walk")
    # A deadline in a year without holiday data tells the admin.
    from datetime import datetime

    from yuqing.clock import CHINA

    gap = d.case_to("reported")
    with frozen(datetime(2027, 3, 5, 10, 0, tzinfo=CHINA)):
        cases.assign(ws, d.office, gap)
    # Source health: down, blocked, stale, recovered.
    with ws.db.write() as s:
        src = factories.source(s, "本地论坛", kind="rss", url="https://bbs.example/rss")
        for state in ("down", "ok", "blocked", "ok", "stale", "ok"):
            health.set_health(s, src, state, detail="连接超时")
        source_id = src.id
    # The daily audit verification finds an edited entry; a periodic job starts failing.
    with ws.db.write() as s:
        drop_triggers(s)  # the table is append-only: an intruder drops the triggers first
        s.execute(update(AuditEntry).where(AuditEntry.id == 1).values(actor_name="篡改者"))
    assert run_task(ws, "audit.verify")["ok"] is False
    with pytest.raises(RuntimeError):
        run_if_due(ws, Periodic("test.broken", 60))
    # Alerts: grade II events alert the office in-app; a robot that keeps failing warns the admin.
    from tests.servers import free_port
    from yuqing.alert.run import run_alerts

    with ws.db.write() as s:
        inapp = factories.alert_channel(s, "inapp", "office")
        dead = factories.alert_channel(s, "wecom", f"http://127.0.0.1:{free_port()}/send?key=x")
        factories.alert_rule(s, "II", [inapp, dead])
        for n in range(3):
            factories.event(s, f"预警事件{n}", grade="II")
    run_alerts(ws)
    # The person on duty is paged about a grade I event and, not acknowledging, the office gets it.
    from yuqing.alert.duty import add_shift
    from yuqing.clock import utcnow

    start = utcnow()
    add_shift(ws, factories.ADMIN, "analyst", start - timedelta(hours=1), start + timedelta(hours=1))
    with ws.db.write() as s:
        factories.alert_rule(s, "I", [], to_duty=True)
        factories.event(s, "值班预警事件", grade="I")
    run_alerts(ws)
    with frozen(start + timedelta(minutes=ws.settings.duty_ack_minutes + 1)):
        run_alerts(ws)
    # The daily report: leaders, the office and the analysts are told it is ready.
    from yuqing.actions import actors
    from yuqing.clock import now_local
    from yuqing.reports.store import generate_daily

    generate_daily(ws, actors.jobs_actor(ws), now_local().date(), notify=True)
    # A special report: drafted (leaders told), approved (analysts told), sent (leaders and office).
    from yuqing.reports.special_store import approve_special, draft_special, send_special

    special = draft_special(ws, d.analyst, d.event(title="暴雨内涝"))
    approve_special(ws, d.leader, special.id, version=1)
    send_special(ws, d.office, special.id)
    # Last month's statistics and last quarter's bulletin, once the period is over (the hourly job).
    run_task(ws, "report.periodic")
    # 舆情直报: an urgent report tells the office and the analysts; a daily-reporting unit that has not
    # submitted by its cut-off (midnight here, so it has passed whenever this runs) is reminded, the office told.
    from yuqing.collect import direct, direct_duty

    direct.report_item(ws, d.handler, direct.Draft(text="桃源镇某工地塔吊倾斜，网友拍视频转发", urgency="urgent"))
    direct_duty.set_duty(ws, d.office, d.labour, "00:00")
    run_task(ws, "direct.cutoff")
    # 重点时段: a planned window with its duty arrangement switches on and off; the office and the person on duty
    # are told each time by the window job.
    from yuqing.collect.sources import plan_window

    opens = utcnow() + timedelta(days=1)
    plan_window(ws, factories.ADMIN, "2027年中考", opens, opens + timedelta(hours=9), duty=["analyst"])
    for moment in (opens, opens + timedelta(hours=9)):
        with frozen(moment + timedelta(seconds=40)):
            run_task(ws, "collect.windows")
    # Own channels (R-PUBLISH): an application reviewed, a draft to sign and signed for its uploader, a live page
    # that differs from the signed text, an article never signed, a statement filed for approval.
    from tests.collect.conftest import FixtureServer
    from tests.publish.pages import FAST, article, list_page
    from yuqing.collect.http import HttpClient
    from yuqing.publish import admission, filings, registry, signoff

    srv = FixtureServer()
    try:
        ch = registry.add_channel(ws, d.handler, kind="wechat", name="桃源镇微信公众号", unit=None,
                                  url=srv.url("/tx/"), feed_url=srv.url("/tx/list.html"))
        admission.apply_admission(ws, d.handler, ch.id, construction_plan="街道动态", security_rules="三审三校")
        admission.review_admission(ws, d.office, ch.id, approve=True)
        pub = signoff.draft_publication(ws, d.handler, ch.id, title="桃源镇欠薪处置情况", text="工资已全部发放。")
        signoff.sign_publication(ws, d.town_leader, pub.id, approve=True)
        signoff.record_published(ws, d.handler, pub.id, url=srv.add("/tx/1.html", article("欠薪", "工资已部分发放。")))
        srv.add("/tx/2.html", article("未签发稿", "桃源镇召开会议。"))
        srv.add("/tx/list.html", list_page({"1.html": "桃源镇欠薪处置情况", "2.html": "桃源镇召开会议"}))
        with HttpClient(FAST) as http:
            signoff.check_live(ws, d.handler, pub.id, http)
            signoff.scan_channel(ws, d.handler, ch.id, http)
    finally:
        srv.httpd.shutdown()
    filings.file_statement(ws, d.office, kind="statement", title="关于欠薪问题的情况通报", text="已兑付。",
                           event_ids=[ev])
    produce_channel_checks(d)
    return {"moved": moved, "source": source_id}


def produce_channel_checks(d: Desk) -> None:
    """`channels check` (R-PUBLISH-3): a zombie account, a closed site still answering, a page with a wrong word
    and a dead link whose orders are explained, rechecked (failing, then passing) and left overdue."""
    from tests.publish.channel_server import ChannelServer
    from tests.publish.test_check import ARTICLE, FAST, LIST
    from yuqing.clock import utcnow
    from yuqing.publish import corrections, registry
    from yuqing.publish.check import run_checks
    from yuqing.store.tables_publish import ChannelFinding, CorrectionOrder

    ws = d.ws
    srv = ChannelServer()
    try:
        quiet_since = (utcnow() - timedelta(days=15)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        quiet = srv.add("/q/feed.xml", f"<rss version='2.0'><channel><item><title>桃源镇动态</title><link>"
                        f"{srv.url('/q/1.html')}</link><pubDate>{quiet_since}</pubDate></item></channel></rss>",
                        content_type="application/rss+xml")
        registry.add_channel(ws, d.office, kind="weibo", name="桃源镇政务微博", unit="桃源镇人民政府",
                             url=srv.url("/q/"), feed_url=quiet)
        with ws.db.write() as s:
            factories.channel(s, "原桃源镇旅游网", owner=s.get(factories.Unit, d.town), url=srv.add("/old/", "旧站"),
                                     closed=True, admission="closed")
            news = factories.channel(s, "桃源镇人民政府网", owner=s.get(factories.Unit, d.town), url=srv.url("/"),
                                     feed_url=srv.add("/news/", LIST))
            news_id = news.id
        srv.add("/news/1.html", ARTICLE)
        srv.add("/news/ok.html", "ok")
        run_checks(ws, jobs_actor(ws), policy=FAST)
        with ws.db.read() as s:
            orders = dict(s.execute(select(ChannelFinding.kind, CorrectionOrder.id).join(
                CorrectionOrder, CorrectionOrder.finding_id == ChannelFinding.id).where(
                ChannelFinding.channel_id == news_id)).all())
        word_order, link_order = orders["wrong_word"], orders["broken_link"]
        corrections.explain_order(ws, d.handler, word_order, "沿用了机构改革前的名称，已安排更正。")
        corrections.request_recheck(ws, d.handler, word_order, policy=FAST)  # still there: refused
        srv.add("/news/1.html", ARTICLE.replace("区工商局", "区市场监督管理局"))
        corrections.request_recheck(ws, d.handler, word_order, policy=FAST)  # gone: fixed, and explained: done
        srv.add("/files/missing.pdf", b"%PDF", content_type="application/pdf")
        corrections.request_recheck(ws, d.office, link_order, policy=FAST)  # fixed, the explanation awaited
        srv.add("/news/1.html", ARTICLE.replace("区工商局", "区卫计委"))  # a new wrong word: its order goes overdue
        run_checks(ws, jobs_actor(ws), policy=FAST)
        with frozen(utcnow() + timedelta(days=14)):
            corrections.remind_overdue(ws, jobs_actor(ws))
    finally:
        srv.close()


def _people(desk: Desk) -> dict[str, list[str]]:  # noqa: F811
    """Audience → the usernames in it."""
    out: dict[str, list[str]] = {}
    with desk.ws.db.read() as s:
        for u in s.execute(select(User)).scalars():
            out.setdefault(u.role_code, []).append(u.username)
            if u.unit_id is not None:
                out.setdefault(f"unit:{u.unit_id}", []).append(u.username)
            out.setdefault(f"user:{u.id}", []).append(u.username)
    return out


def test_every_kind_opens_a_meaningful_page_for_everyone_it_is_addressed_to(desk, client):  # noqa: F811
    with desk.ws.db.write() as s:
        factories.user(s, "admin", "admin", display_name="管理员")
    ids = produce_every_kind(desk)
    with desk.ws.db.read() as s:
        notes = list(s.execute(select(Notification).order_by(Notification.id)).scalars())
        titles = {c.id: c.title for c in s.execute(select(Case)).scalars()}
        source_name = s.get(Source, ids["source"]).name
    assert {n.kind for n in notes} == set(KINDS), "every kind is produced by the walk"
    people = _people(desk)
    by_user: dict[str, list[Notification]] = {}
    for n in notes:
        assert people.get(n.audience), f"{n.kind} to {n.audience}: nobody is in that audience"
        for username in people[n.audience]:
            by_user.setdefault(username, []).append(n)
    opened: set[str] = set()
    for username, mine in by_user.items():
        client.cookies.clear()
        login(client, username)
        inbox = client.get("/notifications")
        assert inbox.status_code == 200 and "通知" in inbox.text
        for n in mine:
            r = client.get(f"/notifications/{n.id}")
            assert r.status_code == 200, (username, n.kind, n.link, r.status_code)
            path = urlsplit(str(r.url)).path
            case_link = re.match(r"^/cases/(\d+)$", n.link or "")
            if case_link and path == n.link:
                assert titles[int(case_link.group(1))] in r.text
            elif n.link == "/cases#spot-checks":
                assert path == "/cases" and "待抽查复核" in r.text
            elif (n.link or "").startswith("/sources/"):
                assert path == n.link and source_name in r.text
            elif n.link in ADMIN_PAGES:
                assert path == n.link and ADMIN_PAGES[n.link] in r.text
            elif (n.link or "").startswith("/reports/daily/"):  # the report is ready: its page opens
                assert path == n.link and "网络舆情日报告表" in r.text
            elif re.match(r"^/reports/(monthly|quarterly)/", n.link or ""):  # the statistics open their page
                assert path == n.link and n.title.removesuffix("已生成") in r.text
            elif (n.link or "").startswith("/reports/special/"):  # a special report opens its page
                assert path == urlsplit(n.link or "").path and "舆情专报" in r.text and "暴雨内涝" in r.text
            elif (n.link or "").startswith("/duty/pages/"):  # a paged alert opens its page with the button
                assert path == n.link and "值班预警" in r.text and n.title.rsplit("】", 1)[1] in r.text
            elif (n.link or "").startswith("/events/"):  # an alert opens its event
                assert path == n.link and n.title.split("】", 1)[1] in r.text
            elif (n.link or "").startswith("/items/"):  # an urgent direct report opens the reported item
                assert path == n.link and "塔吊倾斜" in r.text
            elif re.match(r"^/channels/\d+/admission$", n.link or ""):  # an application or its review
                assert path == n.link and "桃源镇微信公众号" in r.text and "准入申请" in r.text
            elif re.match(r"^/publications/\d+/diff$", n.link or ""):  # a mismatch opens the side-by-side diff
                assert path == n.link and "签发稿与发布页面对比" in r.text and "<del>" in r.text
            elif re.match(r"^/publications/\d+$", n.link or ""):  # a draft to sign, a signed text to upload
                assert path == n.link and "桃源镇欠薪处置情况" in r.text
            elif (n.link or "").startswith("/publications?"):  # unsigned articles on the channel's list
                assert path == "/publications" and "未经签发的发布（1）" in r.text
            elif re.match(r"^/channels/\d+$", n.link or ""):  # a zombie, a closed site still answering: its page
                assert path == n.link and "更新情况" in r.text and n.title.split("：", 1)[1].split("（")[0] in r.text
            elif re.match(r"^/channels/orders/\d+$", n.link or ""):  # a correction order: its page
                assert path == n.link and "整改通知" in r.text and "问题所在" in r.text
            elif re.match(r"^/filings/\d+$", n.link or ""):  # a statement filed for approval
                assert path == n.link and "关于欠薪问题的情况通报" in r.text and "审批" in r.text
            elif (n.link or "").startswith("/windows#"):  # a window switched on or off: the calendar with it
                assert path == "/windows" and "2027年中考" in r.text and "已开启" in r.text
            elif (n.link or "").startswith("/direct-reports"):  # the daily submissions: the 舆情直报 page
                assert path == "/direct-reports" and "舆情直报" in r.text and "今日" in r.text
            else:  # no page of its own for this reader: the notification itself, in Chinese
                assert path == f"/notifications/{n.id}" and n.title in r.text
                assert KINDS[n.kind] in r.text and "\\u" not in r.text
            assert "Traceback" not in r.text
            opened.add(n.kind)
        assert client.get("/notifications?unread=1").text.count('class="unread"') == 0
    assert opened == set(KINDS)
    # The unit the case was taken from sees the assignment notice itself, not a 404.
    client.cookies.clear()
    login(client, "town_h")
    with desk.ws.db.read() as s:
        old = s.execute(select(Notification.id).where(
            Notification.kind == "case.unassigned", Notification.audience == f"unit:{desk.town}")).scalar_one()
    page = client.get(f"/notifications/{old}")
    assert page.status_code == 200 and "已不在您的权限范围内" in page.text


def test_read_state_is_per_person_even_when_the_audience_is_a_role_or_unit(desk, client):  # noqa: F811
    with desk.ws.db.write() as s:
        office_unit = s.get(User, desk.office.user_id).unit
        factories.user(s, "office2", "office", office_unit, display_name="办公室刘")
    cid = desk.case_to("assigned")  # case.reported → office; case.assigned → 桃源镇 and 劳动保障局
    csrf = login(client, "office")
    page = client.get("/notifications")
    assert '<span class="bell-count">1</span>' in page.text and "新报送待交办" in page.text
    with desk.ws.db.read() as s:
        reported = s.execute(select(Notification.id).where(Notification.kind == "case.reported")).scalar_one()
    r = client.post(f"/notifications/{reported}/read", data={"csrf_token": csrf, "back": "/notifications"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "bell-count" not in client.get("/").text
    client.cookies.clear()
    login(client, "office2")
    assert '<span class="bell-count">1</span>' in client.get("/").text  # still unread for the colleague
    # A unit notification: the handler reading it leaves it unread for the unit's leader.
    client.cookies.clear()
    login(client, "town_h")
    assert client.get("/notifications/" + str(_note(desk, "case.assigned", f"unit:{desk.town}"))).url.path \
        == f"/cases/{cid}"
    assert "bell-count" not in client.get("/").text
    client.cookies.clear()
    login(client, "town_l")
    assert '<span class="bell-count">1</span>' in client.get("/").text
    # Not addressed to this person: 404, and marking it read does nothing.
    other = _note(desk, "case.reported", "office")
    assert client.get(f"/notifications/{other}").status_code == 404


def _note(desk: Desk, kind: str, audience: str) -> int:  # noqa: F811
    with desk.ws.db.read() as s:
        return int(s.execute(select(Notification.id).where(Notification.kind == kind,
                                                           Notification.audience == audience)).scalar_one())


def test_filter_by_kind_and_mark_all_read_with_a_confirmation(desk, client):  # noqa: F811
    busy = desk.case_to("in_progress")
    supervision.supervise(desk.ws, desk.office, busy, "请加快办理")
    supervision.instruct(desk.ws, desk.leader, busy, "请三日内解决")
    csrf = login(client, "town_h")
    page = client.get("/notifications")
    assert "督办（1/1）" in page.text and "领导批示（1/1）" in page.text and "交办（1/1）" in page.text
    only = client.get("/notifications?kind=case.supervision")
    assert "正在查看：督办" in only.text and "领导批示：" not in only.text
    r = client.post("/notifications/read-all", data={"csrf_token": csrf, "kind": "case.supervision"})
    assert r.status_code == 200 and "已将 1 条通知标为已读" in r.text
    assert '<span class="bell-count">2</span>' in r.text
    r = client.post("/notifications/read-all", data={"csrf_token": csrf, "kind": ""})
    assert "已将 2 条通知标为已读" in r.text and "bell-count" not in r.text
    r = client.post("/notifications/read-all", data={"csrf_token": csrf, "kind": ""})
    assert "没有需要标为已读的通知" in r.text
    assert client.post("/notifications/read-all", data={"kind": ""}).status_code == 403  # no CSRF token


def test_the_bell_costs_one_count_per_page_view(desk, client):  # noqa: F811
    desk.case_to("assigned")
    login(client, "office")
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "notifications" in statement:
            seen.append(statement)

    event.listen(desk.ws.db.engine, "before_cursor_execute", count)
    try:
        page = client.get("/cases")
    finally:
        event.remove(desk.ws.db.engine, "before_cursor_execute", count)
    assert page.status_code == 200 and 'href="/notifications"' in page.text
    assert len(seen) == 1 and "count(" in seen[0].lower()


def test_queues_by_role(desk, client):  # noqa: F811
    busy = desk.case_to("in_progress")
    supervision.instruct(desk.ws, desk.leader, busy, "请三日内解决")
    reviewed = desk.case_to("reviewed", grade="III")
    replies.draft_reply(desk.ws, desk.handler, reviewed, text="网友您好，工资已于今日发放。")
    grade_one = desk.case_to("reviewed", grade="I")
    replies.draft_reply(desk.ws, desk.office, grade_one, kind="statement", text="关于欠薪问题的情况通报")
    waiting = desk.case_to("in_progress")
    casework.submit_feedback(desk.ws, desk.handler, waiting, "已核实并督促总包单位支付")
    login(client, "leader")
    page = client.get("/notifications")
    assert "我作出的批示" in page.text and "请三日内解决" in page.text and "待落实" in page.text
    client.cookies.clear()
    login(client, "town_l")
    page = client.get("/notifications")
    assert "待我审核" in page.text and "工资已于今日发放" in page.text
    assert "单位反馈" in page.text and "已核实并督促总包单位支付" in page.text  # 单位领导审核 of feedback
    assert "关于欠薪问题的情况通报" not in page.text  # a grade I statement is the spokesperson's
    client.cookies.clear()
    login(client, "spokes")
    page = client.get("/notifications")
    assert "关于欠薪问题的情况通报" in page.text and "工资已于今日发放" not in page.text
    # The unit workbench shows 督办 and 批示 on the unit's cases, not only 待签收.
    supervision.supervise(desk.ws, desk.office, busy, "请加快办理")
    client.cookies.clear()
    login(client, "town_h")
    work = client.get("/cases/workbench")
    assert "督办中" in work.text and "领导批示待落实" in work.text


@pytest.mark.browser
@pytest.mark.skipif(not (shutil.which(CHROMIUM) or Path(CHROMIUM).exists()), reason=f"Chromium not at {CHROMIUM}")
def test_on_a_390px_phone_the_handler_reads_and_clears_the_inbox(desk, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    cid = desk.case_to("in_progress")
    supervision.supervise(desk.ws, desk.office, cid, "群众反映强烈，请加快办理")
    supervision.instruct(desk.ws, desk.leader, cid, "请三日内解决")
    with serve(create_app(desk.ws)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
        page.goto(url + "/login")
        page.fill("input[name=username]", "town_h")
        page.fill("input[name=password]", factories.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("a.bell .bell-count")
        assert page.text_content("a.bell .bell-count") == "3"
        page.click("a.bell")
        page.wait_for_url("**/notifications")
        assert page.is_visible("text=督办（1/1）") and page.is_visible("text=领导批示（1/1）")
        fits = "document.querySelector('main').scrollWidth <= document.querySelector('main').clientWidth + 1"
        assert page.evaluate(fits), "the inbox scrolls sideways at 390 px"
        box = page.locator(".inbox-list li").first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.screenshot(path=str(tmp_path / "inbox-390.png"), full_page=True)
        page.click(".inbox-list li:has-text('督办') a.inbox-title")
        page.wait_for_url(f"**/cases/{cid}")
        assert page.text_content("a.bell .bell-count") == "2"
        page.goto(url + "/notifications")
        page.click("button:has-text('全部标为已读')")
        page.wait_for_selector("text=已将 2 条通知标为已读")
        assert page.locator("a.bell .bell-count").count() == 0
        browser.close()
