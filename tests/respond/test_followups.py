"""Posts after closing (respond.followups): attached to the closed case, which may be reopened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests import factories
from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, aware, frozen
from yuqing.domain import lifecycle as lc
from yuqing.respond import cases, followups
from yuqing.store.tables import Case
from yuqing.store.tables_case import CaseDetail, CaseItem


def local(dt):
    return aware(dt).astimezone(CHINA)


def test_follow_up_post_attaches_to_the_closed_case_and_can_reopen_it(desk):
    ev = desk.event(grade="IV")
    cid = desk.case_to("reviewed", grade="IV", event_id=ev)
    cases.close(desk.ws, desk.office, cid)
    with desk.ws.db.write() as s:
        same_event = factories.item(s, "工资还是没发", event_id=ev).id
        same_place = factories.item(s, "桃源镇又有工地欠薪", places=["桃源镇"], topics=["劳动保障/欠薪"]).id
        unrelated = factories.item(s, "青石镇路灯坏了", places=["青石镇"], topics=["城管"]).id
    attached = followups.attach_follow_ups(desk.ws, jobs_actor(desk.ws), [same_event, same_place, unrelated])
    assert attached == [(same_event, cid), (same_place, cid)]
    with desk.ws.db.read() as s:
        assert s.execute(select(CaseItem.after_close).where(CaseItem.item_id == same_event)).scalar() is True
    with frozen(datetime(2026, 10, 12, 9, 0, tzinfo=CHINA)):
        followups.attach_item(desk.ws, desk.office, cid, same_event, reason="工资仍未发放", reopen_case=True)
    with desk.ws.db.read() as s:
        case = s.get(Case, cid)
        assert case.state == lc.ASSIGNED and case.closed_at is None
        assert local(case.due_at) == datetime(2026, 10, 15, 9, 0, tzinfo=CHINA)
        assert s.get(CaseDetail, cid).reopen_count == 1
