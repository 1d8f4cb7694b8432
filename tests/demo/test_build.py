"""The demo workspace: built idempotently, and its two live sources behave as the demo promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import PG_URL, copy_demo, reset_postgres
from tests.servers import free_port, serve
from yuqing.demo.build import DEAD_SOURCE, DEMO_FEED, RUMOUR_TITLE, build_demo
from yuqing.store.tables import Case, Event, Item, Source


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path):  # type: ignore[no-untyped-def]
    """One demo for the module (building it is the slow part; the tests read it, and rebuild it only to show
    that a rebuild changes nothing)."""
    with pytest.MonkeyPatch.context() as mp:
        if PG_URL:
            reset_postgres(PG_URL)
            mp.setenv("YUQING_DATABASE_URL", PG_URL)
        else:
            mp.delenv("YUQING_DATABASE_URL", raising=False)
        port = free_port()
        ws, passwords = copy_demo(demo_template, tmp_path_factory.mktemp("demo") / "demo",
                                  base_url=f"http://127.0.0.1:{port}")
        yield ws, passwords, port
        ws.db.dispose()


def test_demo_has_people_posts_events_and_the_case_story(demo) -> None:  # type: ignore[no-untyped-def]
    ws, passwords, port = demo
    assert {p[0] for p in passwords} >= {"admin", "analyst", "office", "leader", "spokesperson", "qingshi"}
    with ws.db.read() as s:
        assert s.execute(select(func.count(Item.id))).scalar_one() >= 300
        assert s.execute(select(func.count(Item.id)).where(Item.analysed_at.is_(None))).scalar_one() == 0
        titles = " ".join(s.execute(select(Event.title)).scalars())
        cases = s.execute(select(func.count(Case.id))).scalar_one()
        assert cases >= 8
    for word in ("河口", "工资", "夜市", "食堂"):
        assert word in titles, word
    with ws.db.read() as s:  # the analyst retitled the food-rumour event (pinned, audited)
        pinned = s.execute(select(Event).where(Event.title_pinned.is_(True))).scalar_one()
        assert pinned.title == RUMOUR_TITLE
    _direct_reports(ws)
    from yuqing.collect.sources import windows_list

    _windows(ws, windows_list(ws, include_ended=True))
    again, _ = build_demo(ws.path, base_url=f"http://127.0.0.1:{port}")
    with again.db.read() as s:
        assert s.execute(select(func.count(Item.id))).scalar_one() >= 300
        assert s.execute(select(func.count(Case.id))).scalar_one() == cases  # idempotent
        assert s.execute(select(func.count(Source.id)).where(Source.name == DEMO_FEED)).scalar_one() == 1


def test_demo_feed_is_collected_and_the_dead_source_turns_red(demo) -> None:  # type: ignore[no-untyped-def]
    from yuqing.collect.sources import collect_once
    from yuqing.web.app import create_app

    ws, _, port = demo
    with serve(create_app(ws), port):
        with ws.db.read() as s:
            ids = list(s.execute(select(Source.id).where(Source.name.in_([DEMO_FEED, DEAD_SOURCE]))).scalars())
        collect_once(ws, ids)
    with ws.db.read() as s:
        feed = s.execute(select(Source).where(Source.name == DEMO_FEED)).scalar_one()
        dead = s.execute(select(Source).where(Source.name == DEAD_SOURCE)).scalar_one()
        news = list(s.execute(select(Item).where(Item.source_id == feed.id)).scalars())
    assert len(news) == 8 and any("情况说明" in i.title for i in news)  # GB2312 decoded
    assert feed.health == "ok" and dead.health in ("down", "blocked")


def test_every_audit_entry_of_the_demo_reads_in_chinese(demo) -> None:  # type: ignore[no-untyped-def]
    """Scan the demo's audit log: every action code and every detail field has a Chinese label."""
    from yuqing.domain import records
    from yuqing.store.tables import AuditEntry

    ws, _, _ = demo
    with ws.db.read() as s:
        entries = list(s.execute(select(AuditEntry)).scalars())
    assert len(entries) > 20
    unlabelled = sorted({e.action for e in entries if not records.has_label(e.action)})
    assert not unlabelled, f"add Chinese labels in yuqing/domain/records.py for: {unlabelled}"
    fields = sorted({k for e in entries for k in e.detail if k not in records.DETAIL_LABELS})
    assert not fields, f"add Chinese labels for these detail fields in yuqing/domain/records.py: {fields}"
    objects = sorted({e.object_type for e in entries if e.object_type not in records.OBJECT_LABELS})
    assert not objects, f"add Chinese labels for these object types in yuqing/domain/records.py: {objects}"


def test_demo_cases_in_every_state_and_the_flooding_event_left_open(demo) -> None:  # type: ignore[no-untyped-def]
    """New, assigned and overdue, awaiting the unit leader, awaiting reply approval, closed: two or more each;
    the flooding event of 河口镇 has no open case (its handled case is evaluated), so a visitor can open one."""
    from yuqing.clock import aware, utcnow
    from yuqing.domain import lifecycle as lc
    from yuqing.respond.opening import draft_from_event
    from yuqing.store.tables_case import Feedback, Reply

    ws, passwords, _ = demo
    assert {"hekou", "hekou_lead"} <= {p[0] for p in passwords}
    with ws.db.read() as s:
        rows = list(s.execute(select(Case)).scalars())
        now = utcnow()
        new = [c for c in rows if c.state in (lc.FOUND, lc.ASSESSED, lc.REPORTED)]
        overdue = [c for c in rows if c.state in lc.WITH_UNIT_STATES and c.due_at and aware(c.due_at) < now]
        leader = [c for c in rows if c.state == lc.FEEDBACK_DRAFTED]
        reply = [c for c in rows if s.execute(select(Reply.id).where(Reply.case_id == c.id,
                                                                    Reply.status == "draft")).first()]
        closed = [c for c in rows if c.state in lc.CLOSED_STATES]
        assert len(new) >= 2 and len(overdue) >= 2 and len(closed) >= 2, [(c.id, c.state) for c in rows]
        assert len(leader) + len(reply) >= 2 and leader and reply
        assert s.execute(select(Feedback.id).where(Feedback.status == "contribution")).first()  # 协办意见
        flood = s.execute(select(Event).where(Event.title.contains("河口"))
                          .order_by(Event.item_count.desc())).scalars().first()
        assert flood is not None and flood.id not in {c.event_id for c in rows if c.state not in lc.FINISHED_STATES}
        draft = draft_from_event(s, flood.id)
        assert (draft.proposal[0]["unit"], draft.proposal[0]["role"]) == ("河口镇", "lead")
        assert any(u["unit"] == "应急管理局" for u in draft.proposal)
        for c in rows:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c.title), c.title


def test_demo_flooding_is_evaluated_and_in_the_case_library(demo) -> None:  # type: ignore[no-untyped-def]
    from yuqing.accounts import actor_of
    from yuqing.respond import library
    from yuqing.store.tables import User

    ws, _, _ = demo
    with ws.db.read() as s:
        office = actor_of(s.execute(select(User).where(User.username == "office")).scalar_one())
        got = [e for e in library.entries(s, office, library.LibraryFilter(q="内涝")) if "河口" in e.title]
    assert len(got) == 1, got
    e = got[0]
    assert [h for h, _ in e.sections] == ["事件经过", "处置措施", "经验做法", "教训与改进"]
    assert len(e.contacts) == 2 and e.replies and e.grade_reasons and "河口镇" in e.places
    with ws.db.read() as s:  # more than one example: the couriers' wage case too
        titles = [x.title for x in library.entries(s, office, library.LibraryFilter())]
    assert len(titles) == 2 and any("快递网点克扣骑手工资" in t for t in titles), titles


def test_demo_flooding_reaches_grade_ii_or_higher_from_its_factors(demo) -> None:  # type: ignore[no-untyped-def]
    from yuqing.domain.grading import grade_rank
    from yuqing.event_grading import history

    ws, _, _ = demo
    with ws.db.read() as s:
        live = list(s.execute(select(Event).where(Event.merged_into_id.is_(None))).scalars())
        flood = max((e for e in live if "河口" in e.title), key=lambda e: e.item_count)  # the incident (one of its late posts may stand apart), by volume
        rows = history(s, flood.id)
    assert grade_rank(flood.grade) <= 2 and not flood.grade_overridden, flood.grade_factors
    factors = {f["name"]: f for f in flood.grade_factors["factors"]}
    for name in ("public_safety", "consequences", "category", "heat"):
        assert factors[name]["contribution"] > 0 and factors[name]["evidence_item_ids"], name
    assert factors["category"]["detail"].startswith("突发事件")
    assert factors["casualties"]["contribution"] == 0  # nobody was reported hurt
    assert rows and rows[0].to_grade == flood.grade and rows[0].kind == "computed"
    assert all(e.grade in ("I", "II", "III", "IV") for e in live if e.item_count)
    park = next(e for e in live if "湿地公园" in e.title)
    assert park.grade == "IV"  # praise is not a problem, however many posts


def test_demo_shows_daily_reports_a_monthly_bulletin_and_an_approved_special_report_sent(demo) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from yuqing.reports.daily import latest_day
    from yuqing.reports.store import list_reports
    from yuqing.store.tables import Notification

    ws, _, port = demo
    with ws.db.read() as s:
        reports = list_reports(s)
        last = latest_day(s)
        notes = list(s.execute(select(Notification.audience).where(Notification.kind == "report.daily")).scalars())
    assert last is not None
    assert [r.period for r in reports] == [last.isoformat(), (last - timedelta(days=1)).isoformat()]
    assert all(r.generated_by == "系统任务" for r in reports)
    assert sum(r.figures["totals"]["collected"] for r in reports) >= 10
    assert sorted(notes) == ["analyst", "leader", "office", "spokesperson"]  # the spokesperson: a channel
    # This month's statistics: per-unit rates with their formulas; and the flooding event's special report,
    # drafted by the analyst, revised, approved by the district leader.
    from yuqing.reports.special_store import list_special

    with ws.db.read() as s:
        monthly = list_reports(s, "monthly")
        specials = list_special(s)
        assert list_reports(s, "quarterly")
    assert monthly
    figures = monthly[0].figures
    assert any(r["formula"].startswith("按期签收率 = 按期签收 ") for u in figures["units"] for r in u["rates"])
    assert sum(u["counts"]["received"] for u in figures["units"]) >= 5
    # 按期报送率 of the daily-reporting units (their cut-offs passed this month so far).
    submit = next(r for r in figures["total"]["rates"] if r["key"] == "submit_rate")
    assert submit["formula"].startswith("按期报送率 = 按期报送 ") and "应报送" in submit["formula"]
    assert sum(u["counts"]["closed_confirmed"] + u["counts"]["closed_reported"] for u in figures["units"]) >= 1
    assert len(specials) == 1
    special = specials[0]
    assert "河口" in special.get().figures["event_title"] and special.status == "sent"
    assert special.approved_version == 2 and special.approved_by_name != special.drafted_by_name
    assert [v.version for v in special.versions] == [1, 2]
    again, _ = build_demo(ws.path, base_url=f"http://127.0.0.1:{port}")
    with again.db.read() as s:
        assert len(list_reports(s)) == 2  # idempotent
        assert len(list_special(s)) == 1 and len(list_reports(s, "monthly")) == len(monthly)


def test_demo_yearly_assessment_scores_the_own_sites_and_accounts(demo) -> None:  # type: ignore[no-untyped-def]
    """This year's assessment so far: the own websites and accounts ranked, those with findings losing points
    with their formulas, each count drillable."""
    from yuqing.clock import now_local
    from yuqing.reports.store import get_report

    ws, _, _ = demo
    with ws.db.read() as s:
        yearly = get_report(s, str(now_local().year), "yearly")
    assert yearly is not None
    sites = yearly.figures["assessment"]["sites"]["channels"]
    assert len(sites) >= 2 and sites[0]["score"] >= sites[-1]["score"]
    docked = [c for c in sites if c["score"] < 100]
    assert len(docked) >= 2
    assert all(p["formula"].endswith("分") or "封顶" in p["formula"] for c in docked for p in c["points"] if p["points"])
    assert any(k["ids"] for c in docked for p in c["points"] for k in p["counts"])
    # Channels not admitted are not ranked at 100 but listed apart with why; those found live cost their unit.
    apart = {c["name"]: c for c in yearly.figures["assessment"]["sites"]["unassessed"]}
    assert apart["柳湾乡政务客户端"]["reason"] == "未经审批开设（未申请准入），仍在运行"
    assert apart["原示例区旅游局网站"]["reason"] == "已关停，但仍可访问"
    assert apart["河口镇微信公众号"]["reason"] == "申请被退回（不予准入）"
    ranked = {c["name"] for c in sites}
    assert not ranked & set(apart) and all(c["admission"] != "approved" for c in apart.values())
    units = {u["name"]: u for u in yearly.figures["assessment"]["units"]}
    assert next(p for p in units["柳湾乡"]["points"] if p["key"] == "unapproved")["points"] < 0


def test_demo_reports_went_out_through_the_chosen_channels(demo) -> None:  # type: ignore[no-untyped-def]
    """报告发送渠道 and 发送记录: the latest daily report and the special report reached the spokesperson's inbox;
    the mailbox and the WeCom robot (127.0.0.1 placeholders) show failed sends waiting for a retry, with reasons."""
    from yuqing.reports.deliver import sent_log
    from yuqing.store.tables import Notification

    ws, _, _ = demo
    with ws.db.read() as s:
        log = sent_log(s)
        notes = list(s.execute(select(Notification.kind, Notification.title)
                               .where(Notification.audience == "spokesperson")).all())
    rows = sorted((d.kind_label, d.channel, d.status_label) for d in log)
    assert rows == [("网络舆情日报告表", "值班室邮箱", "发送失败，等待重试"), ("网络舆情日报告表", "新闻发言人（站内通知）", "已发送"),
                    ("舆情专报与重要信息", "新闻发言人（站内通知）", "已发送"),
                    ("舆情专报与重要信息", "舆情值班群（企业微信机器人）", "发送失败，等待重试")]
    assert all(d.last_error.startswith("无法连接") for d in log if d.status == "retrying")
    assert {k for k, _ in notes} >= {"report.daily", "report.special"}
    assert any(t.startswith("舆情专报：") and "河口" in t for _, t in notes)


def test_demo_night_alert_reaches_the_person_on_duty_and_escalates_once(demo) -> None:  # type: ignore[no-untyped-def]
    from yuqing.clock import CHINA
    from yuqing.store.tables import AuditEntry, User
    from yuqing.store.tables_alert import AlertDelivery, DutyPage, DutyShift

    ws, passwords, _ = demo
    assert {"zhiban_song", "zhiban_peng"} <= {p[0] for p in passwords}
    with ws.db.read() as s:
        pages = list(s.execute(select(DutyPage).order_by(DutyPage.step)).scalars())
        night_person = s.execute(select(User.id).where(User.username == "zhiban_peng")).scalar_one()
        flood = s.get(Event, pages[0].event_id)
        delivery = s.get(AlertDelivery, pages[0].delivery_id)
        escalations = s.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == "duty.escalate")).scalar_one()
        shifts = s.execute(select(func.count(DutyShift.id))).scalar_one()
    assert flood is not None and "河口" in flood.title and delivery is not None and delivery.acknowledged_at is None
    assert [(p.step, p.user_id) for p in pages] == [(0, night_person), (1, None)]  # the night duty, then the office
    hour = pages[0].paged_at.astimezone(CHINA).hour
    assert hour >= 22 or hour < 6, pages[0].paged_at
    assert pages[0].escalated_at is not None and pages[1].escalated_at is None and escalations == 1
    assert shifts >= 3 * 8
    again, _ = build_demo(ws.path)
    with again.db.read() as s:
        assert s.execute(select(func.count(DutyPage.id))).scalar_one() == 2  # idempotent


def test_demo_flooding_spike_is_one_early_warning_shown_in_the_alert_centre(demo) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from tests.web.conftest import login
    from yuqing.clock import CHINA
    from yuqing.store.tables_alert import AlertDelivery, AlertWarning
    from yuqing.web.app import create_app

    ws, passwords, _ = demo
    with ws.db.read() as s:
        [warning] = list(s.execute(select(AlertWarning)).scalars())
        flood = s.get(Event, warning.event_id)
        sent = list(s.execute(select(AlertDelivery).where(AlertDelivery.warning_id == warning.id)).scalars())
    assert warning.kind == "event_spike" and flood is not None and "河口" in flood.title
    assert warning.window_end.astimezone(CHINA).hour in (1, 2, 3)  # the second night
    assert warning.reason.startswith("近1小时 ") and "基线中位数" in warning.reason
    assert sorted(d.recipient for d in sent) == ["role:analyst", "role:office"] and {d.status for d in sent} == {"sent"}
    password = dict((p[0], p[1]) for p in passwords)["office"]
    with TestClient(create_app(ws)) as client:
        login(client, "office", password)
        page = client.get("/alerts").text
    assert "事件声量突增" in page and warning.reason in page
    again, _ = build_demo(ws.path)
    with again.db.read() as s:
        assert len(list(s.execute(select(AlertWarning)).scalars())) == 1  # idempotent


def _windows(ws, rows) -> None:  # type: ignore[no-untyped-def]
    """Three planned windows, each with its duty arrangement; the exam day inside the demo's week was switched on
    and off by the window job (its history), raising the collected sources' polling and putting it back."""
    from yuqing.collect.direct_demo import EXAM
    from yuqing.collect.sources import window_history

    assert [w["name"] for w in rows] == [EXAM, "元旦假期", "2027年高考"]
    assert [w["state"] for w in rows] == ["ended", "upcoming", "upcoming"]
    assert all([p["username"] for p in w["duty"]] in (["zhiban_song", "zhiban_peng"], ["zhiban_peng", "zhiban_song"])
               for w in rows)
    history = window_history(ws, [rows[0]["id"]])[rows[0]["id"]]
    assert [h["label"] for h in history] == ["已计划", "已开启", "已结束"]
    assert f"{DEMO_FEED} 300 秒→60 秒" in history[1]["detail"] and f"{DEMO_FEED} 60 秒→300 秒" in history[2]["detail"]


def _direct_reports(ws) -> None:  # type: ignore[no-untyped-def]
    """舆情直报 in the demo: 应急管理局 pasted text (紧急) and a link (fetched), 区委网宣办 a screenshot, 网安大队 missed 17:00 and was
    reminded; the items were analysed; the day's daily report lists the three units."""
    from yuqing.collect.direct_duty import day_status
    from yuqing.collect.evidence import raw_evidence
    from yuqing.reports.store import get_report
    from yuqing.store.tables import Notification, Unit
    from yuqing.store.tables_direct import DirectReport

    with ws.db.read() as s:
        reports = {(s.get(Unit, r.unit_id).name, r.kind): r for r in s.execute(select(DirectReport)).scalars()}
        assert set(reports) == {("应急管理局", "text"), ("应急管理局", "link"), ("区委网宣办", "screenshot")}
        assert reports["应急管理局", "text"].urgency == "urgent"
        link = reports["应急管理局", "link"]  # fetched from the page served on 127.0.0.1 during the build
        page = s.get(Item, link.item_id)
        assert not link.duplicate and page.url == link.url and "/forum/thread-2046.html" in page.url
        assert "排涝泵站" in page.title and "积水又涨" in page.text and page.content_hash and page.fictional
        kept = raw_evidence(s, page)  # the fetched page itself, kept and intact
        assert kept.raw is not None and "积水又涨了二十公分".encode() in kept.raw and kept.intact and kept.raw_sha256
        shot = reports["区委网宣办", "screenshot"]
        assert shot.kind == "screenshot" and (ws.path / shot.files[0]["path"]).read_bytes().startswith(b"\x89PNG")
        for r in reports.values():
            assert s.get(Item, r.item_id).analysed_at is not None
        day = shot.report_date
        states = {u.unit: u.state for u in day_status(s, day)}
        assert states == {"应急管理局": "on_time", "区委网宣办": "on_time", "公安分局网安大队": "missing"}
        wangan = s.execute(select(Unit.id).where(Unit.name == "公安分局网安大队")).scalar_one()
        assert s.execute(select(Notification.kind).where(Notification.audience == f"unit:{wangan}")).scalars().all() \
            == ["direct.reminder"]
        daily = get_report(s, day.isoformat())
        assert daily is not None and daily.figures["unit_reports"]["missing"] == 1


def test_demo_flooding_was_reported_to_the_city_once(demo) -> None:  # type: ignore[no-untyped-def]
    from yuqing.store.tables import AuditEntry
    from yuqing.store.tables_alert import EventForward

    ws, _, _ = demo
    with ws.db.read() as s:
        [fwd] = list(s.execute(select(EventForward)).scalars())
        flood = s.get(Event, fwd.event_id)
        audited = s.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == "event.report_up")).scalar_one()
    assert flood is not None and "河口" in flood.title and audited == 1
    assert fwd.status == "failed" and fwd.error  # the city's platform is a placeholder on 127.0.0.1
    assert fwd.package["grade"]["reasons"] and fwd.package["key_posts"][0]["content_hash"]
    assert ws.settings.report_up_channel and "report_up_channel" in (ws.path / "yuqing.toml").read_text("utf-8")
    again, _ = build_demo(ws.path)
    with again.db.read() as s:
        assert s.execute(select(func.count(EventForward.id))).scalar_one() == 1


def test_demo_own_channels_lack_approval_mismatch_unsigned_and_filings(demo) -> None:  # type: ignore[no-untyped-def]
    """R-PUBLISH in the demo: channels in every admission state (the registry's clean-up list names those without
    approval or owner), one live article differing from its signed text with the alert and the diff, one article
    nobody signed, statements filed (by hand and with the case replies)."""
    from collections import Counter

    from yuqing.actions.actors import seed_actor
    from yuqing.publish.live import side_by_side
    from yuqing.publish.registry import channel_rows
    from yuqing.store.tables import Notification
    from yuqing.store.tables_publish import Publication, StatementFiling

    ws, _, _ = demo
    with ws.db.read() as s:
        rows = channel_rows(s, seed_actor(ws))
        pubs = list(s.execute(select(Publication)).scalars())
        alert = s.execute(select(Notification).where(Notification.kind == "publication.mismatch")).scalars().first()
        filed = Counter(f.kind for f in s.execute(select(StatementFiling)).scalars())
    states = Counter(r.admission for r in rows)
    assert all(states[a] >= 2 for a in ("approved", "applied", "rejected", "closed", "none")), states
    lacking = [r.name for r in rows if any(w.startswith("未经准入") for w in r.cleanup)]
    assert len(lacking) >= 6 and any("无主办单位" in r.cleanup for r in rows)
    assert {p.state for p in pubs} == {"draft", "approved", "rejected", "published"}
    decided = [p for p in pubs if p.signed_by_name]  # 签发 (or 退回) by someone other than the drafter
    assert decided and all(p.signed_by_name != p.drafted_by_name for p in decided)
    edited = [p for p in pubs if p.live_check == "mismatch"]
    assert len(edited) == 2 and sum(p.live_check == "match" for p in pubs) >= 2
    assert alert is not None and alert.link == f"/publications/{edited[0].id}/diff" and "赵强" in alert.body
    assert all(any(r.op != "equal" for r in side_by_side(p.text, p.live_text or "")) for p in edited)
    assert sum(r.counts.get("unsigned", 0) for r in rows) == 2
    assert filed["spokesperson"] >= 1 and filed["statement"] >= 1 and filed["reply"] >= 2


def test_demo_channel_checks_zombies_findings_in_place_and_orders(demo) -> None:  # type: ignore[no-untyped-def]
    """R-PUBLISH-3 in the demo: two accounts flagged zombie (one after 15 quiet days), a closed site still
    answering, the portal's page with a broken link and a wrong word shown in place, orders overdue (counted in
    the yearly assessment), one closed with its explanation, one fixed awaiting it, one still in time."""
    from collections import Counter

    from fastapi.testclient import TestClient

    from tests.web.conftest import login
    from yuqing.clock import now_local
    from yuqing.publish import order_states as st
    from yuqing.publish.corrections import is_overdue
    from yuqing.reports.periodic import parse_period
    from yuqing.reports.store import compute_period
    from yuqing.store.tables_publish import Channel, ChannelFinding, CorrectionOrder
    from yuqing.web.app import create_app

    ws, people, _ = demo
    passwords = {row[0]: row[1] for row in people}
    with ws.db.read() as s:
        channels = {c.name: c for c in s.execute(select(Channel)).scalars()}
        findings = list(s.execute(select(ChannelFinding).where(ChannelFinding.resolved_at.is_(None))).scalars())
        orders = list(s.execute(select(CorrectionOrder)).scalars())
        figures = compute_period(s, ws.path, parse_period("yearly", str(now_local().year)))
    zombies = [c for c in channels.values() if c.zombie]
    assert len(zombies) >= 2 and any("15 天未更新" in f.detail for f in findings if f.kind == "zombie")
    assert channels["原示例区旅游局网站"].closed and channels["原示例区旅游局网站"].answering
    portal = channels["示例区人民政府门户网站"]
    on_portal = Counter(f.kind for f in findings if f.channel_id == portal.id)
    assert on_portal["wrong_word"] >= 1 and on_portal["mismatch"] == 1 and on_portal["broken_link"] == 0
    states = Counter(o.state for o in orders)
    assert sum(is_overdue(o) for o in orders) >= 2 and states[st.CONFIRMED] >= 1 and states[st.FIXED] >= 1
    assert any(o.state == st.OPEN and not is_overdue(o) for o in orders)
    done = next(o for o in orders if o.state == st.CONFIRMED)
    assert "生态环境局" in done.explanation and done.confirmed_at is not None
    scored = [p for u in figures["assessment"]["units"] for p in u["points"]
              if p["key"] == "correction_overdue" and p["points"] < 0]
    assert scored, "overdue orders count against their units"
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        login(client, "office", passwords["office"])
        page = client.get(f"/channels/{portal.id}").text
        assert "<mark>工商局</mark>" in page and "已整改待说明" in page  # the file was put back: fixed
        overdue = client.get("/channels/orders?overdue=1").text
        assert overdue.count("已逾期") >= 2
        client.cookies.clear()
        login(client, "binjiang", passwords["binjiang"])
        mine = client.get("/channels/orders?all=1").text
        assert "滨江街道政务微博" in mine and "示例区人民政府门户网站" not in mine and "已办结" in mine


def test_demo_mismatch_and_zombies_reached_the_chosen_channels(demo) -> None:  # type: ignore[no-untyped-def]
    """发布监管提醒渠道 and 发送记录: the portal's mismatch, the unsigned article, the zombie accounts and the overdue
    orders reached the leaders' inbox (sent); the mismatch and the zombies wait for a retry on the WeCom robot (a
    127.0.0.1 placeholder), with the reason; the office sees it all on 通知设置, in Chinese."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import login
    from yuqing.publish.deliver import sent_log
    from yuqing.store.tables import Notification
    from yuqing.web.app import create_app

    ws, people, _ = demo
    with ws.db.read() as s:
        log = sent_log(s, limit=200)
        leaders = {k for (k,) in s.execute(select(Notification.kind).where(Notification.audience == "leader")).all()}
    sent = {(d.kind_label, d.channel, d.status_label) for d in log}
    assert {("发布内容与签发稿不一致", "区领导（站内通知）", "已发送"), ("僵尸账号", "区领导（站内通知）", "已发送"),
            ("未经签发的发布", "区领导（站内通知）", "已发送"), ("整改逾期", "区领导（站内通知）", "已发送"),
            ("发布内容与签发稿不一致", "舆情值班群（企业微信机器人）", "发送失败，等待重试"),
            ("僵尸账号", "舆情值班群（企业微信机器人）", "发送失败，等待重试")} <= sent
    assert sum(d.kind == "zombie" for d in log) >= 4  # two accounts, two channels each
    assert all(d.last_error.startswith("无法连接") for d in log if d.status == "retrying")
    assert {"publication.mismatch", "channel.zombie", "channel.correction_overdue"} <= leaders
    passwords = {row[0]: row[1] for row in people}
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        login(client, "office", passwords["office"])
        page = client.get("/settings/notifications").text
    assert "发布监管提醒渠道（全区）" in page and "发布内容与签发稿不一致：示例区人民政府门户网站" in page
    assert "发送失败，等待重试" in page and "已发送" in page
