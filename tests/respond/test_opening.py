"""立案 (R-CASE-1): drafts from an event or items, the routing proposal with reasons, the deadline asked for
at opening (R-CASE-3), carrying on to 报送 or 交办, and a second case for an event only when confirmed."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests import factories
from tests.respond.conftest import START
from yuqing.clock import CHINA, aware, frozen
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import cases, deadlines, opening, queries, routing
from yuqing.respond.errors import CaseError, DuplicateOpenCase
from yuqing.store.tables import Case, Item
from yuqing.store.tables_case import CaseDetail, CaseItem


def local(dt):
    return aware(dt).astimezone(CHINA)


def _event_with_posts(desk) -> int:
    with desk.ws.db.write() as s:
        ev = factories.event(s, title="桃源镇某工地拖欠农民工工资", places=["桃源镇"], topics=["劳动保障/欠薪"],
                             grade="III")
        for n, (text, likes) in enumerate([("桃源镇工地老板跑了，三十多个工人工资没着落", 90),
                                           ("转发：桃源镇工地老板跑了", 1), ("工人在镇政府门口讨薪", 40)]):
            item = factories.item(s, text)
            item.event_id, item.likes = ev.id, likes
            item.places = [{"name": "桃源镇"}]
            if n == 1:
                item.duplicate_of_id = item.id - 1
        return ev.id


def test_draft_from_event_has_key_posts_places_grade_and_reasons(desk):
    eid = _event_with_posts(desk)
    with desk.ws.db.read() as s:
        d = opening.draft_from_event(s, eid)
    assert d.title == "桃源镇某工地拖欠农民工工资" and d.grade == "III"
    assert "桃源镇" in d.places and d.topics == ["劳动保障/欠薪"]
    assert "关键帖子" in d.summary and "老板跑了" in d.summary and "讨薪" in d.summary
    assert d.summary.index("老板跑了") < d.summary.index("讨薪")  # by reach
    assert "转发：" not in d.summary  # reposts are spread, not key posts
    assert [(u["unit"], u["role"]) for u in d.proposal] == [("桃源镇人民政府", "lead"), ("劳动保障局", "assist")]
    assert d.proposal[0]["reason"].startswith("属地") and d.proposal[1]["reason"].startswith("属事")
    assert len(d.item_ids) == 3 and d.open_case is None


@pytest.mark.parametrize(("choice", "due"), [
    ({"days": 3}, datetime(2026, 10, 8, 10, 0, tzinfo=CHINA)),
    ({"working_days": 3}, datetime(2026, 10, 10, 10, 0, tzinfo=CHINA)),  # make-up Saturday
    ({}, datetime(2026, 10, 8, 10, 0, tzinfo=CHINA)),  # the default, 3 days
    ({"due_at": deadlines.due_from_date(date(2026, 10, 12))}, datetime(2026, 10, 12, 23, 59, tzinfo=CHINA)),
])
def test_preview_due_across_national_day(desk, choice, due):
    start = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)
    with frozen(start):
        got, warns = opening.preview_due(desk.ws, choice, start)
    assert local(got) == due and warns == []


def test_deadline_choice_refuses_bad_input(desk):
    with pytest.raises(CaseError, match="YYYY-MM-DD"):
        opening.deadline_choice("date", "10月8日")
    with pytest.raises(CaseError, match="整数"):
        opening.deadline_choice("days", "三")
    with frozen(START), pytest.raises(CaseError, match="1 到 365"):
        opening.preview_due(desk.ws, opening.deadline_choice("working_days", "0"))
    with frozen(START), pytest.raises(CaseError, match="晚于现在"):
        cases.open_case(desk.ws, desk.analyst, title="x", due_at=datetime(2026, 9, 1, tzinfo=CHINA))
    with pytest.raises(CaseError, match="只能选一种"):
        cases.open_case(desk.ws, desk.analyst, title="x", days=3, working_days=3)


def test_the_deadline_asked_for_at_opening_starts_at_assignment(desk):
    eid = _event_with_posts(desk)
    with frozen(START):
        case = cases.open_case(desk.ws, desk.analyst, title="欠薪", event_id=eid, working_days=3, then="report")
    assert case.state == lc.REPORTED and case.due_at is None  # nothing runs before the units have it
    with frozen(datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)):
        case = cases.assign(desk.ws, desk.office, case.id)
    assert local(case.due_at) == datetime(2026, 10, 10, 10, 0, tzinfo=CHINA)
    with desk.ws.db.read() as s:
        basis = s.get(CaseDetail, case.id).deadline_basis
        assert basis["working_days"] == 3 and basis["requested"] == {"working_days": 3}
        assert s.query(CaseItem).filter_by(case_id=case.id).count() == 3


def test_office_opens_and_assigns_at_once_the_analyst_cannot(desk):
    eid = _event_with_posts(desk)
    with pytest.raises(PermissionDenied):
        cases.open_case(desk.ws, desk.analyst, title="欠薪", event_id=eid, then="assign")
    with frozen(START):
        case = cases.open_case(desk.ws, desk.office, title="欠薪", event_id=eid, then="assign", days=5)
    assert case.state == lc.ASSIGNED
    with desk.ws.db.read() as s:
        row = s.get(Case, case.id)
        assert {a.unit.name: a.role for a in row.assignments} == {"桃源镇人民政府": "lead", "劳动保障局": "assist"}
        assert local(row.due_at) == datetime(2026, 10, 8, 10, 0, tzinfo=CHINA)  # 10-04 is a holiday
        assert [h.action for h in queries.history(s, desk.office, case.id)][:4] == [
            "open", "assess", "report", "assign"]


def test_the_opener_can_change_the_proposal(desk):
    eid = _event_with_posts(desk)
    case = cases.open_case(desk.ws, desk.analyst, title="欠薪", event_id=eid, lead="青石镇人民政府",
                             assists=["劳动保障局"], then="report")
    with desk.ws.db.read() as s:
        prop = routing.proposal_of(s, s.get(Case, case.id))
    assert prop == [{"unit": "青石镇人民政府", "role": "lead", "reason": "立案人指定", "rule_id": None},
                    {"unit": "劳动保障局", "role": "assist", "reason": prop[1]["reason"], "rule_id": prop[1]["rule_id"]}]
    assert prop[1]["reason"].startswith("属事")
    case = cases.assign(desk.ws, desk.office, case.id)
    with desk.ws.db.read() as s:
        assert [a.unit.name for a in s.get(Case, case.id).assignments if a.role == "lead"] == ["青石镇人民政府"]
    with pytest.raises(CaseError, match="不存在"):
        cases.open_case(desk.ws, desk.analyst, title="x", lead="火星办事处")


def test_a_second_case_for_an_event_needs_confirmation(desk):
    eid = _event_with_posts(desk)
    first = cases.open_case(desk.ws, desk.analyst, title="欠薪", event_id=eid)
    with pytest.raises(DuplicateOpenCase, match=f"#{first.id}"):
        cases.open_case(desk.ws, desk.analyst, title="欠薪（二）", event_id=eid)
    second = cases.open_case(desk.ws, desk.analyst, title="欠薪（二）", event_id=eid, second_case=True)
    with desk.ws.db.read() as s:
        assert queries.history(s, desk.office, second.id)[0].detail["second_case_for"] == first.id
        row = s.get(Case, second.id)
        assert row.event_id is None and row.extra["related_event_id"] == eid  # the event keeps one open case
        assert s.query(CaseItem).filter_by(case_id=second.id).count() == 3
        assert opening.draft_from_event(s, eid).open_case.id == first.id


def test_by_hand_citing_items(desk):
    with desk.ws.db.write() as s:
        a = factories.item(s, "青石镇菜市场门口污水横流，臭气熏天")
        a.places = [{"name": "青石镇"}]
        ids = [a.id]
    with desk.ws.db.read() as s:
        d = opening.draft_from_items(s, ids)
        assert d.title.startswith("青石镇菜市场") and d.proposal[0]["unit"] == "青石镇人民政府"
        assert opening.draft_from_items(s, []).title == ""
    case = cases.open_case(desk.ws, desk.analyst, title=d.title, summary=d.summary, item_ids=ids)
    with desk.ws.db.read() as s:
        assert [c.item_id for c in s.query(CaseItem).filter_by(case_id=case.id)] == ids
        assert s.get(Item, ids[0]) is not None
    with pytest.raises(CaseError, match="信息 999999 不存在"):
        cases.open_case(desk.ws, desk.analyst, title="x", item_ids=[999999])
