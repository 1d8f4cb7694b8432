"""A small day to count by hand: 2026-11-20 (China time), looked at on the 21st at 10:00."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests import factories
from yuqing.clock import CHINA
from yuqing.workspace import Workspace

DAY = "2026-11-20"
D = datetime(2026, 11, 20, tzinfo=CHINA)
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=CHINA)


def at(hours: float, day: int = 0) -> datetime:
    return D + timedelta(days=day, hours=hours)


@pytest.fixture
def day_ws(ws: Workspace) -> Workspace:
    return build_day(ws)


def build_day(ws: Workspace) -> Workspace:
    """Items, events, cases and sources of one day, with a few just outside it (see test_daily for the count)."""
    with ws.db.write() as s:
        a = factories.source(s, "甲新闻网", kind="rss", created_at=at(0, -30))
        b = factories.source(s, "乙论坛", kind="board", created_at=at(0, -30))
        c = factories.source(s, "丙公众号", kind="rss", created_at=at(0, -30), last_run_at=at(8))
        factories.source(s, "丁导入", kind="file", created_at=at(0, -30))  # one-off import: never stale
        e1 = factories.event(s, "西关路塌陷", first_seen_at=at(9), last_seen_at=at(15), grade="II")
        e2 = factories.event(s, "桃源学校食堂", first_seen_at=at(10, -1), last_seen_at=at(16))
        factories.event_grade(s, e1, "III", at(10))
        factories.event_grade(s, e1, "II", at(8, 1))  # raised the next morning: not in the day's report

        def item(src: object, hours: float, day: int = 0, **kw: object) -> object:
            when = at(hours, day)
            unknown = "published_at" in kw and kw.pop("published_at") is None
            row = factories.item(s, src=src, published_at=when, captured_at=when + timedelta(minutes=5),  # type: ignore[arg-type]
                                 **kw)
            if unknown:
                row.published_at = None
                s.flush()
            return row

        item(a, 9, relevant=True, sentiment="negative", topics=["交通"], places=[{"name": "西关路"}],
             reposts=10, event_id=e1.id, url="https://example.invalid/1", title="西关路塌陷")
        item(a, 11, relevant=True, sentiment="neutral", topics=["交通", "城管"],
             places=[{"name": "西关路"}, {"name": "城西街道"}], likes=3, event_id=e1.id)
        third = item(b, 12, relevant=True, sentiment="negative", topics=["教育"], comments=50, event_id=e2.id)
        item(b, 13, relevant=False, sentiment="neutral", comments=999)
        item(b, 14, published_at=None)  # not analysed yet; no publication time: counted by capture
        item(b, 15, relevant=True, sentiment="positive", event_id=e2.id, duplicate_of_id=third.id)  # type: ignore[attr-defined]
        item(a, 12, day=-1, relevant=True, sentiment="neutral", event_id=e2.id)  # the day before
        item(a, 9, day=1, relevant=True, sentiment="negative", event_id=e1.id)  # the day after
        item(c, 10, day=-5, relevant=False)  # 丙's last new item: five days before

        for h in (8, 12, 16):
            factories.fetch_run(s, a, "error", started_at=at(h), error="timeout")
        factories.fetch_run(s, b, "ok", started_at=at(8), new_items=2)
        factories.fetch_run(s, b, "blocked", started_at=at(12), http_status=403)
        factories.fetch_run(s, c, "ok", started_at=at(8))

        unit = factories.unit(s, "城西街道办")
        helper = factories.unit(s, "住建局")
        c1 = factories.case(s, "西关路塌陷处置", units=[unit, helper], state="in_progress", created_at=at(10, -1),
                            due_at=at(12))
        factories.case_history(s, c1, "assessed", at(11, -1))
        factories.case_history(s, c1, "assigned", at(12, -1))
        factories.case_history(s, c1, "in_progress", at(9, 1))  # after the day: still 已交办 in the report
        c2 = factories.case(s, "食堂传言核实", state="closed", created_at=at(9))
        factories.case_history(s, c2, "assessed", at(9, 0))
        factories.case_history(s, c2, "closed", at(9, 1))
        factories.case_history(s, c2, None, at(10, 0), action="remind")  # not a state change
        factories.case(s, "次日新案", created_at=at(9, 1))
    return ws
