"""后期跟踪 and 总结评估 (R-CASE-10): follow-up volume and sentiment per day during the watch after closing;
the four-section evaluation, all required, shown on the case page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.respond.conftest import START
from yuqing.actions.actors import jobs_actor
from yuqing.clock import frozen
from yuqing.respond import cases, followups, trend
from yuqing.respond.errors import CaseError
from yuqing.store.tables import Case
from yuqing.web.app import create_app

SECTIONS = {"overview": "桃源镇工地欠薪，网民连续发帖", "handling": "劳保局与桃源镇联合约谈，当日发放",
            "practices": "牵头单位当天到场", "lessons": "节前排查欠薪隐患"}


def _closed_with_follow_ups(desk):
    ev = desk.event(grade="IV")
    cid = desk.case_to("reviewed", grade="IV", event_id=ev)
    cases.close(desk.ws, desk.office, cid)
    with desk.ws.db.write() as s:
        ids = [factories.item(s, "工资还是没发", event_id=ev, sentiment="negative",
                              published_at=START + timedelta(hours=2)).id,
               factories.item(s, "已经发了，谢谢", event_id=ev, sentiment="positive",
                              published_at=START + timedelta(days=2)).id,
               factories.item(s, "一个月后还有人提", event_id=ev, sentiment="negative",
                              published_at=START + timedelta(days=30)).id]
    followups.attach_follow_ups(desk.ws, jobs_actor(desk.ws), ids)
    return cid


def test_watch_counts_follow_ups_per_day_with_sentiment_inside_the_window(desk):
    cid = _closed_with_follow_ups(desk)
    with desk.ws.db.read() as s:
        w = trend.trend_watch(s, s.get(Case, cid), 14, now=START + timedelta(days=3))
        assert w is not None and w.watching and w.total == 2
        assert [d.total for d in w.days] == [1, 0, 1, 0]
        assert w.sentiment == {"负面": 1, "正面": 1}
        later = trend.trend_watch(s, s.get(Case, cid), 14, now=START + timedelta(days=40))
        assert later is not None and not later.watching and later.total == 2 and len(later.days) == 15
        assert trend.trend_watch(s, s.get(Case, cid), 60, now=START + timedelta(days=40)).total == 3


def test_evaluation_needs_all_four_sections(desk):
    cid = desk.case_to("reviewed", grade="IV")
    cases.close(desk.ws, desk.office, cid)
    with pytest.raises(CaseError, match="经验做法"):
        cases.evaluate(desk.ws, desk.office, cid, {k: v for k, v in SECTIONS.items() if k != "practices"})
    ev = cases.evaluate(desk.ws, desk.office, cid, SECTIONS)
    assert list(ev.sections) == ["overview", "handling", "practices", "lessons"]


def test_case_page_shows_the_watch_and_the_evaluation_form_keeps_typed_text(desk):
    cid = _closed_with_follow_ups(desk)
    with frozen(START + timedelta(days=3)), \
            TestClient(create_app(desk.ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"username": "office", "password": factories.PASSWORD, "csrf_token": token})
        token = c.get("/api/me").json()["csrf_token"]
        text = c.get(f"/cases/{cid}").text
        assert "后期跟踪（销号后 14 天）" in text and "跟踪中" in text and "负面 1" in text
        for label in ("事件经过", "处置措施", "经验做法", "教训与改进"):
            assert label in text
        bad = c.post(f"/cases/{cid}/more", data={"what": "evaluate", "csrf_token": token,
                                                 **{k: v for k, v in SECTIONS.items() if k != "lessons"}})
        assert bad.status_code == 400 and "请填写：教训与改进" in bad.text and "牵头单位当天到场" in bad.text
        ok = c.post(f"/cases/{cid}/more", data={"what": "evaluate", "csrf_token": token, **SECTIONS})
        assert ok.status_code == 200 and "案件已进入案例库" in ok.text and "节前排查欠薪隐患" in ok.text
