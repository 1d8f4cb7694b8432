"""Replies and statements (respond.replies): drafted, approved by someone else, released as approved."""

from __future__ import annotations

import pytest

from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import cases, casework, queries, replies
from yuqing.respond.errors import CaseError


def test_grade_one_needs_leading_group_meeting_and_an_approved_statement(desk):
    cid = desk.case_to("reviewed", grade="I")
    with desk.ws.db.read() as s:
        assert [t.code for t in queries.tasks(s, desk.office, cid) if t.done_at is None] == [
            "leading_group", "joint_meeting", "statement"]
    casework.complete_task(desk.ws, desk.office, cid, "leading_group")
    casework.complete_task(desk.ws, desk.office, cid, "joint_meeting", "10月1日联席会议")
    with pytest.raises(CaseError, match="自动完成"):
        casework.complete_task(desk.ws, desk.office, cid, "statement")
    st = replies.draft_reply(desk.ws, desk.office, cid, kind="statement")
    with pytest.raises(PermissionDenied, match="新闻发言人"):
        replies.approve_reply(desk.ws, desk.town_leader, st.id, approve=True)
    replies.approve_reply(desk.ws, desk.spokesperson, st.id, approve=True)
    replies.release_reply(desk.ws, desk.spokesperson, st.id, url="https://example.gov.cn/fb/1")
    assert cases.close(desk.ws, desk.office, cid).state == lc.CLOSED


def test_the_drafter_of_a_reply_cannot_approve_it(desk):
    cid = desk.case_to("reviewed")
    rep = replies.draft_reply(desk.ws, desk.town_leader, cid)
    with pytest.raises(PermissionDenied, match="起草人"):
        replies.approve_reply(desk.ws, desk.town_leader, rep.id, approve=True)
    st = replies.draft_reply(desk.ws, desk.spokesperson, cid, kind="clarification")
    with pytest.raises(PermissionDenied, match="起草人"):
        replies.approve_reply(desk.ws, desk.spokesperson, st.id, approve=True)
    assert replies.approve_reply(desk.ws, desk.spokesperson, rep.id, approve=True).status == "approved"
    assert replies.approve_reply(desk.ws, desk.town_leader, st.id, approve=True).status == "approved"


def test_a_released_reply_is_filed_with_its_approval_and_linked_to_its_case_and_event(desk):
    from sqlalchemy import select

    from yuqing.store.tables import Case
    from yuqing.store.tables_publish import StatementFiling, StatementLink

    cid = desk.case_to("reviewed")
    rep = replies.draft_reply(desk.ws, desk.town_leader, cid)
    replies.approve_reply(desk.ws, desk.spokesperson, rep.id, approve=True)
    replies.release_reply(desk.ws, desk.town_leader, rep.id, url="https://example.gov.cn/hf/7")
    with desk.ws.db.read() as s:
        filing = s.execute(select(StatementFiling).where(StatementFiling.reply_id == rep.id)).scalar_one()
        links = s.execute(select(StatementLink).where(StatementLink.filing_id == filing.id)).scalars().all()
        event_id = s.get(Case, cid).event_id
    assert (filing.kind, filing.state, filing.approved_by_name) == ("reply", "approved", "发言人")
    assert filing.url == "https://example.gov.cn/hf/7" and filing.text == rep.text
    assert {(link.case_id, link.event_id) for link in links} == {(cid, None), (None, event_id)}
