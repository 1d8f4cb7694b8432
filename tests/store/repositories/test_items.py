"""Dashboard counts: open means OPEN_STATES, new means published in the last day, a unit sees its own."""

from __future__ import annotations

from datetime import timedelta

from tests import factories
from yuqing.clock import utcnow
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import Actor
from yuqing.store.repositories.items import dashboard_counts
from yuqing.workspace import Workspace

OFFICE = Actor(1, "办公室", "office")
ADMIN = Actor(2, "管理员", "admin")


def test_closed_and_dismissed_cases_are_not_open_nor_overdue(ws: Workspace) -> None:
    past = utcnow() - timedelta(days=2)
    with ws.db.write() as s:
        for state in (lc.CLOSED, lc.CONFIRMED, lc.VERIFIED, lc.FOLLOW_UP, lc.EVALUATED, lc.DISMISSED):
            factories.case(s, f"已结 {state}", state=state, due_at=past)
        factories.case(s, "在办且超期", state=lc.ASSIGNED, due_at=past)
        factories.case(s, "在办未超期", state=lc.SIGNED, due_at=utcnow() + timedelta(days=1))
        factories.case(s, "新发现", state=lc.FOUND)
    with ws.db.read() as s:
        counts = dashboard_counts(s, OFFICE)
    assert counts["open_cases"] == 3
    assert counts["overdue"] == 1


def test_new_in_24h_counts_publication_time_not_capture_time(ws: Workspace) -> None:
    now = utcnow()
    with ws.db.write() as s:
        # A fresh import of old posts: captured now, published days ago: not new.
        for i in range(3):
            factories.item(s, f"旧帖{i}", published_at=now - timedelta(days=3))
        factories.item(s, "今天的帖子", published_at=now - timedelta(hours=2))
        undated = factories.item(s, "没有发布时间的帖子")
        undated.published_at = None
        future = factories.item(s, "发布时间在未来（来源时钟错误）", published_at=now + timedelta(days=30))
        future.captured_at = now - timedelta(hours=1)
        stale_undated = factories.item(s, "很早抓取、无发布时间")
        stale_undated.published_at = None
        stale_undated.captured_at = now - timedelta(days=5)
    with ws.db.read() as s:
        counts = dashboard_counts(s, OFFICE)
    assert counts["total"] == 7
    assert counts["items_24h"] == 3  # today's post, the undated fresh capture, the future-dated one


def test_unit_user_sees_only_its_own_cases_and_no_district_cards(ws: Workspace) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        other = factories.unit(s, "滨江街道", "street")
        factories.item(s, "全区的帖子")
        factories.case(s, "本镇案件", units=[town], state=lc.ASSIGNED, due_at=utcnow() - timedelta(hours=1))
        factories.case(s, "本镇已销号", units=[town], state=lc.CLOSED)
        factories.case(s, "别的街道", units=[other], state=lc.ASSIGNED, due_at=utcnow() - timedelta(hours=1))
        factories.case(s, "别的街道2", units=[other], state=lc.SIGNED)
        handler = factories.user(s, "qingshi", role="unit_handler", unit=town)
        actor = Actor(handler.id, handler.display_name, "unit_handler", town.id)
    with ws.db.read() as s:
        mine = dashboard_counts(s, actor)
        district = dashboard_counts(s, OFFICE)
        admin = dashboard_counts(s, ADMIN)
    assert mine == {"open_cases": 1, "overdue": 1, "to_sign": 1}
    assert district["open_cases"] == 3 and district["overdue"] == 2 and "sources" not in district
    assert "sources" in admin and "total" in admin
