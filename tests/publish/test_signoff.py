"""Sign-off and the live check (签发与一致性, R-PUBLISH-2), against channels played by a real HTTP server:
a page edited after sign-off raises an alert with the diff; an article live but never signed does too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.publish.conftest import admit
from tests.publish.pages import article, list_page
from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import PermissionDenied
from yuqing.publish import live, registry, signoff
from yuqing.publish.registry import PublishError
from yuqing.store.tables import AuditEntry, Notification
from yuqing.store.tables_publish import ChannelFinding, ChannelPost, Publication

SIGNED = "11月20日，区政府召开常务会议，研究部署冬季供暖工作。\n会议要求，各相关单位要确保12月1日前全部供热到位。"
EDITED = "11月20日，区政府召开常务会议，研究部署冬季供暖工作。\n会议要求，各相关单位要确保12月15日前供热到位。"


def _portal(d, server, path="/portal/"):
    """The portal, registered and admitted (准入): only an admitted channel takes drafts."""
    cid = registry.add_channel(d.ws, d.gov_handler, kind="website", name="区政府门户网站", unit=None,
                               url=server.url(path), feed_url=server.url(path + "list.html"), cadence="daily").id
    admit(d, cid)
    return cid


def test_only_an_admitted_channel_takes_drafts_and_the_refusal_names_its_state(district):
    from yuqing.publish import admission

    d = district
    cid = registry.add_channel(d.ws, d.gov_handler, kind="weibo", name="政府办政务微博", unit=None,
                               url="https://weibo.example/gov").id
    with pytest.raises(PublishError, match="“政府办政务微博”尚未申请准入（准入状态：未申请），未经准入的网站或账号不能起草"):
        signoff.draft_publication(d.ws, d.gov_handler, cid, title="通知", text=SIGNED)
    admission.apply_admission(d.ws, d.gov_handler, cid, construction_plan="方案", security_rules="制度")
    with pytest.raises(PublishError, match="准入申请尚待审核（准入状态：待审核）"):
        signoff.draft_publication(d.ws, d.gov_handler, cid, title="通知", text=SIGNED)
    admission.review_admission(d.ws, d.reviewer, cid, approve=False, note="安全管理制度不全")
    with pytest.raises(PublishError, match="准入申请未通过（准入状态：未通过）"):
        signoff.draft_publication(d.ws, d.gov_handler, cid, title="通知", text=SIGNED)
    admission.apply_admission(d.ws, d.gov_handler, cid, construction_plan="方案", security_rules="制度（补充）")
    admission.review_admission(d.ws, d.reviewer, cid, approve=True, note="同意")
    pub = signoff.draft_publication(d.ws, d.gov_handler, cid, title="通知", text=SIGNED)
    admission.close_channel(d.ws, d.reviewer, cid, reason="清理整顿")
    with pytest.raises(PublishError, match="“政府办政务微博”已关停，不能再签发稿件"):  # drafted before it closed
        signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)
    with pytest.raises(PublishError, match="已关停，不能再起草发布稿件"):
        signoff.draft_publication(d.ws, d.gov_handler, cid, title="通知", text=SIGNED)
    with d.ws.db.read() as s:
        assert [p.id for p in s.execute(select(Publication)).scalars()] == [pub.id]


def _signed(d, cid, title, text=SIGNED):
    """Drafted by the unit's handler (who uploads it), signed by its leader."""
    pub = signoff.draft_publication(d.ws, d.gov_handler, cid, title=title, text=text)
    return signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)


def test_nobody_signs_a_text_they_drafted_or_last_revised(district, server):
    d = district
    cid = _portal(d, server, "/p0/")
    own = signoff.draft_publication(d.ws, d.office, cid, title="办公室自拟通知", text=SIGNED)
    for decision in (True, False):  # neither 签发 nor 退回: a second person reviews
        with pytest.raises(PermissionDenied, match="起草人不能签发自己起草的稿件"):
            signoff.sign_publication(d.ws, d.office, own.id, approve=decision, note="自己看过了")
    with pytest.raises(PermissionDenied, match="起草人不能签发自己起草的稿件"):  # nor through the CLI's path
        signoff.sign_text(d.ws, d.office, cid, title="办公室自拟通知", text=SIGNED)
    assert signoff.sign_publication(d.ws, d.gov_leader, own.id, approve=True).signed_by_name == "政府办主任陈"
    # A returned draft revised by the leader is the leader's text now: someone else signs it.
    pub = signoff.draft_publication(d.ws, d.gov_handler, cid, title="通知", text=SIGNED)
    signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=False, note="请核实日期")
    signoff.redraft_publication(d.ws, d.gov_leader, pub.id, title="通知", text=EDITED)
    with pytest.raises(PermissionDenied, match="起草人不能签发"):
        signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)
    assert signoff.sign_publication(d.ws, d.office, pub.id, approve=True).state == "approved"
    with d.ws.db.read() as s:
        assert s.get(Publication, own.id).drafted_by_name == "办公室王"


def test_sign_off_is_explicit_and_only_the_named_uploader_publishes(district, server, http):
    d = district
    cid = _portal(d, server, "/p1/")
    pub = signoff.draft_publication(d.ws, d.gov_handler, cid, title="区政府召开常务会议", text=SIGNED)
    assert (pub.state, pub.uploader_name) == ("draft", "政府办信息员刘")
    with pytest.raises(PublishError, match="不是本系统的有效账号"):
        signoff.draft_publication(d.ws, d.gov_handler, cid, title="t", text="正文", uploader="nobody")
    with pytest.raises(PublishError, match="“街道信息员孙”不是区政府办公室的人员"):  # could never publish it
        signoff.draft_publication(d.ws, d.gov_handler, cid, title="t", text="正文", uploader="street_h")
    with pytest.raises(PublishError, match="未经签发"):
        signoff.record_published(d.ws, d.gov_handler, pub.id, url=server.url("/p1/a.html"))
    with pytest.raises(TypeError):
        signoff.sign_publication(d.ws, d.gov_leader, pub.id)  # type: ignore[call-arg]  # no default yes
    with pytest.raises(PermissionDenied):
        signoff.sign_publication(d.ws, d.gov_handler, pub.id, approve=True)  # a handler cannot sign
    with pytest.raises(PublishError, match="修改意见"):
        signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=False)
    signed = signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)
    assert (signed.state, signed.signed_by_name) == ("approved", "政府办主任陈")
    with pytest.raises(TransitionRefused):
        signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)
    with pytest.raises(PermissionDenied, match="政府办信息员刘"):
        signoff.record_published(d.ws, d.gov_leader, pub.id, url=server.url("/p1/a.html"))
    done = signoff.record_published(d.ws, d.gov_handler, pub.id, url=server.url("/p1/a.html"))
    assert (done.state, done.live_check) == ("published", "pending")
    with d.ws.db.read() as s:
        audit = {a.action: a.detail for a in s.execute(select(AuditEntry)).scalars()}
    assert audit["publication.sign"]["answers_for"] == "签发内容"
    assert audit["publication.publish"]["answers_for"] == "发布内容与签发稿一致"


def test_a_page_edited_after_sign_off_alerts_once_with_a_side_by_side_diff(district, server, http):
    d = district
    cid = _portal(d, server, "/p2/")
    url = server.add("/p2/a.html", article("区政府召开常务会议", SIGNED.replace("，", ", ")))  # only punctuation
    pub = signoff.draft_publication(d.ws, d.gov_handler, cid, title="区政府召开常务会议", text=SIGNED)
    signoff.sign_publication(d.ws, d.gov_leader, pub.id, approve=True)
    signoff.record_published(d.ws, d.gov_handler, pub.id, url=url)
    assert signoff.check_live(d.ws, d.gov_handler, pub.id, http).outcome == "match"
    server.add("/p2/a.html", article("区政府召开常务会议", EDITED))  # edited after sign-off
    first = signoff.check_live(d.ws, d.gov_handler, pub.id, http)
    again = signoff.check_live(d.ws, d.gov_handler, pub.id, http)
    assert (first.outcome, first.new_finding, again.new_finding) == ("mismatch", True, False)
    with d.ws.db.read() as s:
        row = s.get(Publication, pub.id)
        finding = s.execute(select(ChannelFinding)).scalar_one()
        notes = s.execute(select(Notification).where(Notification.kind == "publication.mismatch")).scalars().all()
        figures = registry.channel_rows(s, d.office)[0].as_json()
    assert row.live_check == "mismatch" and "12月15日" in (row.live_text or "") and "发布时间" not in row.live_text
    assert (finding.kind, finding.publication_id, finding.resolved_at) == ("mismatch", pub.id, None)
    assert "12月1日" in finding.detail and "12月15日" in finding.detail
    assert {n.audience for n in notes} == {"office", f"unit:{d.gov}", f"unit:{d.propaganda}"}
    assert all("政府办主任陈" in n.body and "政府办信息员刘" in n.body for n in notes)
    assert notes[0].link == f"/publications/{pub.id}/diff"
    assert figures["mismatches"] == 1
    rows = live.side_by_side(SIGNED, row.live_text or "")
    changed = [r for r in rows if r.op != "equal"]
    assert len(changed) == 1 and ("全部", True) in changed[0].left and ("5", True) in changed[0].right
    # Put right, the mismatch is resolved.
    server.add("/p2/a.html", article("区政府召开常务会议", SIGNED))
    assert signoff.check_live(d.ws, d.gov_handler, pub.id, http).outcome == "match"
    with d.ws.db.read() as s:
        assert s.execute(select(ChannelFinding)).scalar_one().resolved_at is not None


def test_an_unreachable_page_is_recorded_not_called_a_mismatch(district, server, http):
    d = district
    cid = _portal(d, server, "/p3/")
    pub = _signed(d, cid, "通知")
    signoff.record_published(d.ws, d.gov_handler, pub.id, url=server.url("/p3/missing.html"))
    assert signoff.check_live(d.ws, d.gov_handler, pub.id, http).outcome == "unreachable"
    with d.ws.db.read() as s:
        assert "404" in s.get(Publication, pub.id).live_error
        assert s.execute(select(ChannelFinding)).first() is None


def test_an_article_live_on_the_list_page_that_was_never_signed_alerts_once(district, server, http):
    d = district
    cid = _portal(d, server, "/p4/")
    signed_url = server.add("/p4/signed.html", article("冬季供暖工作部署", SIGNED))
    moved_url = server.add("/p4/moved.html", article("常务会议", SIGNED + "\n会议还研究了其他事项。"))
    server.add("/p4/unsigned.html", article("某局长调研", "某局长到凤凰街道调研，强调要做好宣传。"))
    server.add("/p4/list.html", list_page({"signed.html": "冬季供暖工作部署", "unsigned.html": "某局长到凤凰街道调研",
                                           "moved.html": "区政府召开常务会议（转载）"}))
    pub = _signed(d, cid, "冬季供暖工作部署")
    signoff.record_published(d.ws, d.gov_handler, pub.id, url=signed_url)
    # Signed text found at a URL nobody recorded is matched by its text; the two others are unsigned.
    first = signoff.scan_channel(d.ws, d.gov_handler, cid, http)
    assert first.articles == 3 and sorted(first.unsigned or []) == [moved_url, server.url("/p4/unsigned.html")]
    again = signoff.scan_channel(d.ws, d.gov_handler, cid, http)
    assert again.unsigned == []
    with d.ws.db.read() as s:
        posts = {p.url: p.signed for p in s.execute(select(ChannelPost)).scalars()}
        notes = s.execute(select(Notification).where(Notification.kind == "publication.unsigned")).scalars().all()
        figures = registry.channel_rows(s, d.office)[0].as_json()
    assert posts == {signed_url: True, moved_url: False, server.url("/p4/unsigned.html"): False}
    assert len(notes) == 3 and figures["unsigned"] == 2 and figures["last_update"] is not None


def test_main_text_ignores_navigation_date_lines_and_footer():
    page = article("区政府召开常务会议", SIGNED).encode()
    title, text = live.main_text(page, "text/html; charset=utf-8", "http://127.0.0.1/a.html")
    assert title == "区政府召开常务会议" and live.normalise(text) == live.normalise(SIGNED)
    bare = b"<html><body><h1>T</h1><p>" + "正文内容很长很长的一段话，没有容器。".encode() + b"</p></body></html>"
    assert "没有容器" in live.main_text(bare, "text/html; charset=utf-8", "http://127.0.0.1/b.html")[1]


def test_a_channels_archive_from_before_it_was_registered_is_not_called_unsigned(district):
    from datetime import timedelta

    from yuqing.clock import utcnow

    d = district
    cid = registry.add_channel(d.ws, d.gov_handler, kind="website", name="区政府门户网站", unit=None,
                               url="https://example.invalid/", cadence="daily").id
    old = signoff.SeenArticle(url="https://example.invalid/2019/1.html", title="往年文章",
                              published_at=utcnow() - timedelta(days=400))
    new = signoff.SeenArticle(url="https://example.invalid/today.html", title="今天的文章", published_at=utcnow())
    week = signoff.SeenArticle(url="https://example.invalid/last-week.html", title="上周的文章",
                               published_at=utcnow() - timedelta(days=7))  # before registration, not archive
    assert signoff.record_posts(d.ws, d.gov_handler, cid, [old, new, week]) == [new.url, week.url]
    with d.ws.db.read() as s:
        assert {p.url: p.signed for p in s.execute(select(ChannelPost)).scalars()} == {
            old.url: None, new.url: False, week.url: False}


def test_the_channel_check_compares_a_matching_page_again_daily_and_finds_a_later_edit(district, server):
    from datetime import timedelta

    from tests.publish.pages import FAST
    from yuqing.clock import frozen, utcnow
    from yuqing.publish.check import run_checks

    d = district
    start = utcnow()
    with frozen(start):
        cid = _portal(d, server, "/p6/")
        url = server.add("/p6/a.html", article("区政府召开常务会议", SIGNED))
        server.add("/p6/list.html", list_page({"a.html": "区政府召开常务会议"}))
        pub = _signed(d, cid, "区政府召开常务会议")
        signoff.record_published(d.ws, d.gov_handler, pub.id, url=url)
        assert signoff.check_live(d.ws, d.gov_handler, pub.id).outcome == "match"
    server.add("/p6/a.html", article("区政府召开常务会议", EDITED))  # edited after it matched
    with frozen(start + timedelta(hours=2)):
        run_checks(d.ws, d.office, policy=(FAST, FAST))  # compared within the day: not fetched again
    with d.ws.db.read() as s:
        assert s.get(Publication, pub.id).live_check == "match"
    with frozen(start + timedelta(days=1, hours=1)):
        run_checks(d.ws, d.office, policy=(FAST, FAST))
    with d.ws.db.read() as s:
        assert s.get(Publication, pub.id).live_check == "mismatch"
        assert s.execute(select(ChannelFinding).where(ChannelFinding.kind == "mismatch")).scalar_one()
    with d.ws.db.read() as s:
        row = s.get(Publication, pub.id)
    row.live_check = "match"  # (detached copy) a page that matched, long after publishing: no more daily fetches
    assert signoff.needs_live_check(row, False, start + timedelta(days=3))
    assert not signoff.needs_live_check(row, False, start + timedelta(days=40))
    assert signoff.needs_live_check(row, True, start + timedelta(days=40))  # an open mismatch: every round


def test_main_text_of_a_wechat_article_and_a_trs_page():
    wechat = ("<html><body><h1 class='rich_media_title'>“滨江夜跑”本周六开跑</h1><div class='rich_media_meta'>示例区融媒体中心"
              "</div><div class='rich_media_content' id='js_content'><p>活动免费。</p><p>报名请回复“夜跑”。</p></div>"
              "<div id='js_pc_qr_code'>微信扫一扫关注该公众号</div></body></html>").encode()
    text = live.main_text(wechat, "text/html; charset=utf-8", "https://mp.example/s/1")[1]
    assert [line for line in text.splitlines() if line] == ["活动免费。", "报名请回复“夜跑”。"]
    trs = ("<html><body><div class='TRS_Editor'><p>区政府召开常务会议。</p></div><div>相关链接</div></body></html>").encode()
    assert live.main_text(trs, "text/html; charset=utf-8", "https://www.example.gov.cn/1.html")[1] == "区政府召开常务会议。"


def test_metadata_lines_inside_the_body_container_do_not_count():
    page = ("<html><body><h1>区政府召开常务会议</h1><div id='zoom'><p>区政府召开常务会议</p><p>发布时间：2026-11-20 09:00 来源：区政府办公室</p>"
            "<p>区政府召开常务会议，研究部署冬季供暖工作。</p><p>发布日期不变的说明。</p><p>责任编辑：王芳</p><p>【打印】 【关闭】</p>"
            "</div></body></html>").encode()
    _title, text = live.main_text(page, "text/html; charset=utf-8", "https://www.example.gov.cn/1.html")
    assert [line for line in text.splitlines() if line] == ["区政府召开常务会议，研究部署冬季供暖工作。", "发布日期不变的说明。"]
