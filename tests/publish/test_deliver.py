"""Publishing findings through the alert channels (发布监管提醒): routes as data (none until the office chooses),
once per finding and channel, retries, never instead of the inbox. A real SMTP server (aiosmtpd) and HTTP
recorders on 127.0.0.1 stand at the far end; the own channels are played by local HTTP servers too."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.alert.servers import http_recorder, smtp_server
from tests.publish.pages import article
from tests.servers import free_port
from yuqing.alert.channels import webhook as wh
from yuqing.clock import frozen, utcnow
from yuqing.publish import registry, signoff
from yuqing.publish.check import run_checks
from yuqing.publish.deliver import route_table, send_due, sent_log, set_routes
from yuqing.store.tables import AuditEntry, Notification
from yuqing.store.tables_publish import PublishDelivery

from . import channel_server
from .conftest import admit
from .test_check import ARTICLE, FAST, LIST, NOW, add_channel, desk, rss  # noqa: F401  (desk: the fixture)

site = channel_server.site
link_client = channel_server.link_client

SIGNED = "11月20日，区政府召开常务会议，研究部署冬季供暖工作。\n会议要求，各相关单位要确保12月1日前全部供热到位。"
EDITED = "11月20日，区政府召开常务会议，研究部署冬季供暖工作。\n会议要求，各相关单位要确保12月15日前供热到位。"


def _mismatch(d, server, http, path: str) -> int:
    """A portal article signed by the leader, uploaded by the handler, then edited live: a mismatch."""
    cid = registry.add_channel(d.ws, d.gov_handler, kind="website", name="区政府门户网站", unit=None,
                               url=server.url(path), feed_url=server.url(path + "list.html"), cadence="daily").id
    admit(d, cid)
    url = server.add(path + "a.html", article("区政府召开常务会议", EDITED))
    pub = signoff.draft_publication(d.ws, d.gov_handler, cid, title="区政府召开常务会议", text=SIGNED)
    signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)
    signoff.record_published(d.ws, d.gov_handler, pub.id, url=url)
    assert signoff.check_live(d.ws, d.gov_handler, pub.id, http).new_finding
    return pub.id


def test_a_mismatch_reaches_every_chosen_channel_once_with_who_answers_and_the_diff(district, server, http):
    d = district
    d.ws.settings.public_url = "https://yq.example"
    with smtp_server() as box, http_recorder() as rec:
        d.ws.settings.smtp_host, d.ws.settings.smtp_port = box.host, box.port
        with d.ws.db.write() as s:
            ids = [factories.alert_channel(s, *spec, **kw).id for spec, kw in [
                (("email", "wxb@district.example"), {"name": "网宣办邮箱"}),
                (("wecom", f"{rec.url}/wecom"), {"name": "网宣工作群"}),
                (("dingtalk", f"{rec.url}/ding"), {"name": "钉钉值班群"}),
                (("webhook", f"{rec.url}/hook"), {"name": "市平台", "secret": "k1"}),
                (("sms", f"{rec.url}/sms?text={{text}}"), {"name": "短信网关"}),
                (("inapp", "leader"), {"name": "区领导（站内）"})]]
        with d.ws.db.read() as s:  # the default: nothing goes to any channel until the office chooses
            assert not any(route_table(s)[1].values())
        changed = set_routes(d.ws, d.office, {("mismatch", c) for c in ids} | {("unsigned", ids[1])})
        assert changed[0] == "发布内容与签发稿不一致发往“网宣办邮箱”" and len(changed) == 7
        pub_id = _mismatch(d, server, http, "/d1/")
        first = send_due(d.ws)
        # Run twice: the page checked again (still different) and the sender run again send nothing more.
        assert not signoff.check_live(d.ws, d.gov_handler, pub_id, http).new_finding
        second = send_due(d.ws)
    assert first == {"sent": 6} and second == {}
    assert len(box.messages) == 1 and len(rec.requests) == 4
    _, rcpts, msg = box.messages[0]
    assert rcpts == ["wxb@district.example"] and msg["Subject"] == "发布内容与签发稿不一致：区政府门户网站《区政府召开常务会议》"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "签发人（对签发内容负责）：政府办主任陈" in text and "上传人（对发布内容与签发稿一致负责）：政府办信息员刘" in text
    assert "主办单位：区政府办公室" in text and f"https://yq.example/publications/{pub_id}/diff" in text
    assert "签发稿：会议要求，各相关单位要确保12月1日前【全部】供热到位。" in text and "发布页面：会议要求，各相关单位要确保12月1【5】日前" in text
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<th>签发稿</th><th>发布页面</th>" in html and "<del" in html and "<ins" in html and "政府办主任陈" in html
    by_path = {r.path: r for r in rec.requests}
    wecom = by_path["/wecom"].json()["markdown"]["content"]
    assert wecom.startswith("### 发布内容与签发稿不一致：区政府门户网站") and "[查看对比](https://yq.example/publications/" in wecom
    assert "> 签发人（对签发内容负责）：政府办主任陈" in wecom
    assert by_path["/ding"].json()["markdown"]["title"].startswith("发布内容与签发稿不一致")
    hook = by_path["/hook"]
    assert wh.verify("k1", hook.body, hook.headers) and hook.headers["X-Yuqing-Delivery"].startswith("publish-")
    data = hook.json()
    assert (data["kind"], data["finding_kind"], data["unit"]) == ("publish", "mismatch", "区政府办公室")
    assert {a["name"] for a in data["answerable"]} == {"政府办主任陈", "政府办信息员刘"}
    assert any("12月15日" in row["live"] for row in data["diff"])
    sms = by_path["/sms"].query["text"][0]
    assert sms.startswith("发布内容与签发稿不一致") and "签发人政府办主任陈" in sms and "http" not in sms
    with d.ws.db.read() as s:
        leaders = s.execute(select(Notification).where(Notification.audience == "leader")).scalars().all()
        inbox = s.execute(select(Notification.audience).where(Notification.kind == "publication.mismatch")).scalars()
        log = sent_log(s)
        audited = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "publish.deliver")).scalars().all()
    assert [(n.kind, n.link) for n in leaders] == [("publication.mismatch", f"/publications/{pub_id}/diff")]
    assert sorted(inbox) == sorted(["office", "leader", f"unit:{d.gov}", f"unit:{d.propaganda}"])  # the inbox too
    assert sorted((x.kind_label, x.status_label, x.attempts) for x in log) == [("发布内容与签发稿不一致", "已发送", 1)] * 6
    assert len(audited) == 1 and len(audited[0]["channels"]) == 6


def test_unsigned_articles_go_one_message_each_and_a_failed_send_is_retried_the_inbox_told_anyway(district, server):
    d = district
    d.ws.settings.smtp_host, d.ws.settings.smtp_port = "127.0.0.1", free_port()  # the mail server is down
    cid = registry.add_channel(d.ws, d.gov_handler, kind="website", name="区政府门户网站", unit=None,
                               url=server.url("/u1/"), cadence="daily").id
    with d.ws.db.write() as s:
        mail = factories.alert_channel(s, "email", "wxb@district.example", name="网宣办邮箱").id
    set_routes(d.ws, d.office, {("unsigned", mail)})
    seen = [signoff.SeenArticle(url=server.url(f"/u1/{n}.html"), title=f"未签发的通知{n}") for n in (1, 2)]
    start = utcnow()
    with frozen(start):
        assert len(signoff.record_posts(d.ws, d.gov_handler, cid, seen)) == 2
        assert signoff.record_posts(d.ws, d.gov_handler, cid, seen) == []  # seen again: nothing new
        assert send_due(d.ws) == {"retrying": 2}
    with d.ws.db.read() as s:
        told = s.execute(select(Notification.audience).where(Notification.kind == "publication.unsigned")).scalars()
        log = sent_log(s)
    assert sorted(told) == sorted(["office", f"unit:{d.gov}", f"unit:{d.propaganda}"])
    assert {(x.status_label, x.attempts) for x in log} == {("发送失败，等待重试", 1)}
    assert "无法连接邮件服务器" in log[0].last_error
    with frozen(start + timedelta(seconds=30)):  # before the backoff: nothing
        assert send_due(d.ws) == {}
    with smtp_server() as box:
        d.ws.settings.smtp_host, d.ws.settings.smtp_port = box.host, box.port
        with frozen(start + timedelta(minutes=2)):
            assert send_due(d.ws) == {"sent": 2}
            assert send_due(d.ws) == {}
    assert sorted(str(m["Subject"]) for _, _, m in box.messages) == [
        "未经签发的发布：区政府门户网站《未签发的通知1》", "未经签发的发布：区政府门户网站《未签发的通知2》"]
    body = box.messages[0][2].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "系统中没有对应的签发稿" in body and "/u1/1.html" in body
    with d.ws.db.read() as s:
        assert {(r.status, r.attempts) for r in s.execute(select(PublishDelivery)).scalars()} == {("sent", 2)}


def test_zombie_closed_but_live_and_overdue_order_go_out_once_from_the_channel_check(desk, site):  # noqa: F811
    d = desk
    quiet = site.add("/pq/feed.xml", rss(15, 20), content_type="application/rss+xml")
    add_channel(d, "区政务微博", site.url("/pq/"), quiet, kind="weibo", cadence="daily")
    site.add("/pold/", "<html><body>旧网站仍在</body></html>")
    add_channel(d, "原区旅游局网站", site.url("/pold/"), closed=True, admission="closed")
    site.add("/news/1.html", ARTICLE.replace("/files/missing.pdf", "/news/ok.html"))
    site.add("/news/ok.html", "ok")
    add_channel(d, "区融媒体网站", site.url("/"), site.add("/news/", LIST))
    with http_recorder() as rec:
        with d.ws.db.write() as s:
            hook = factories.alert_channel(s, "webhook", f"{rec.url}/hook", name="网宣办接收端", secret="k2").id
            robot = factories.alert_channel(s, "wecom", f"{rec.url}/wecom", name="网宣工作群").id
        set_routes(d.ws, d.office, {(k, hook) for k in ("zombie", "closed_live", "overdue", "mismatch")}
                   | {("zombie", robot)})
        with frozen(NOW):
            first = run_checks(d.ws, d.jobs, policy=FAST)
            again = run_checks(d.ws, d.jobs, policy=FAST)
        with frozen(NOW + timedelta(days=5)):  # the wrong word's order is overdue
            late = run_checks(d.ws, d.jobs, policy=FAST)
            late_again = run_checks(d.ws, d.jobs, policy=FAST)
    assert first.delivered == {"sent": 3} and again.delivered == {}
    assert late.delivered == {"sent": 1} and late_again.delivered == {}
    kinds = sorted((r.path, r.json().get("finding_kind") or r.json()["markdown"]["content"][:8]) for r in rec.requests)
    assert kinds == [("/hook", "closed_live"), ("/hook", "overdue"), ("/hook", "zombie"), ("/wecom", "### 僵尸账号")]
    payloads = {r.json()["finding_kind"]: r.json() for r in rec.requests if r.path == "/hook"}
    assert "15 天未更新" in payloads["zombie"]["found"] and payloads["zombie"]["channel"] == "区政务微博"
    assert payloads["overdue"]["unit"] == "区融媒体中心" and payloads["overdue"]["link"] == ""
    assert "仍可访问" in payloads["closed_live"]["found"]
    with d.ws.db.read() as s:
        for kind in ("channel.zombie", "channel.closed_live", "channel.correction_overdue"):
            assert s.execute(select(Notification.id).where(Notification.kind == kind)).first()
        assert {x.status for x in sent_log(s)} == {"sent"} and len(sent_log(s)) == 4


def test_a_row_that_cannot_be_read_is_a_failed_send_and_a_deleted_channel_says_so(ws):
    with ws.db.write() as s:
        portal = factories.channel(s, "区政府门户网站")
        inbox = factories.alert_channel(s, "inapp", "office", name="办公室")
        gone = factories.alert_channel(s, "inapp", "leader", name="已删除的渠道")
        factories.publish_delivery(s, portal, inbox, data={"answerable": [["只有一项"]]})  # of an older layout
        factories.publish_delivery(s, portal, gone)
        s.delete(gone)
    assert send_due(ws) == {"retrying": 2}
    with ws.db.read() as s:
        errors = sorted(x.last_error for x in sent_log(s))
    assert errors == ["渠道已删除", "生成提醒消息时程序出错（ValueError）"]


def test_a_channel_running_without_approval_goes_out_once_to_the_chosen_channel(desk, site):  # noqa: F811
    """未经准入即运行 is a finding kind of its own on 发布监管提醒渠道: routed, it goes out once when found, not
    again while it stays so; an admitted channel answering raises nothing."""
    d = desk
    add_channel(d, "柳湾乡政务客户端", site.url("/lw/"), site.add("/lw/feed.xml", rss(1, 3),
                                                               content_type="application/rss+xml"),
                kind="app", admission="none")
    add_channel(d, "区政府网", site.url("/ok/"), site.add("/ok/feed.xml", rss(1, 3), content_type="application/rss+xml"))
    with http_recorder() as rec:
        with d.ws.db.write() as s:
            hook = factories.alert_channel(s, "webhook", f"{rec.url}/hook", name="网宣办接收端", secret="k3").id
        set_routes(d.ws, d.office, {("unapproved", hook)})
        with frozen(NOW):
            first = run_checks(d.ws, d.jobs, policy=FAST)
            again = run_checks(d.ws, d.jobs, policy=FAST)
    assert first.delivered == {"sent": 1} and again.delivered == {}
    [req] = rec.requests
    body = req.json()
    assert body["finding_kind"] == "unapproved" and body["channel"] == "柳湾乡政务客户端"
    assert body["found"].startswith("未经准入（") and "仍在运行" in body["found"]
    with d.ws.db.read() as s:
        _channels, table = route_table(s)
    assert table[("unapproved", hook)] is True
