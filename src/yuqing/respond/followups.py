"""Posts that arrive after a case: link a post to a case by hand (optionally reopening it), and the job that
attaches newly analysed posts concerning a closed case (same event, else same place and matter).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain import lifecycle as lc
from yuqing.respond.cases import reopen_in
from yuqing.respond.errors import CaseError
from yuqing.respond.steps import OFFICE_AUDIENCE, load, log, notify
from yuqing.store.tables import Case, Event, Item
from yuqing.store.tables_case import CaseItem


@action("case.attach_item", permission=("cases.open", "cases.close"))
def attach_item(tx: Tx, case_id: int, item_id: int, *, reason: str = "", reopen_case: bool = False) -> CaseItem:
    """Link a post to a case; a post arriving after closing is a follow-up and may reopen the case.
    Linking needs cases.open, reopening cases.close (checked in the body: it depends on `reopen_case`)."""
    tx.require("cases.close" if reopen_case else "cases.open")
    case = load(tx, case_id)
    link = attach_in(tx, case, item_id, reason)
    if reopen_case:
        reopen_in(tx, case, "reopen", reason or "后续帖子显示问题未解决", item_id=item_id)
    return link


def attach_in(tx: Tx, case: Case, item_id: int, reason: str) -> CaseItem:
    """Link the post inside a running action (once); after closing, the office is asked about reopening."""
    if tx.session.get(Item, item_id) is None:
        raise CaseError(f"信息 {item_id} 不存在")
    link = tx.session.execute(select(CaseItem).where(CaseItem.case_id == case.id, CaseItem.item_id == item_id)) \
        .scalar_one_or_none()
    if link is not None:
        return link
    after = case.state in lc.CLOSED_STATES
    link = CaseItem(case_id=case.id, item_id=item_id, attached_at=utcnow(), after_close=after, reason=reason)
    tx.session.add(link)
    tx.session.flush()
    log(tx, case, "item_attached", reason, item_id=item_id, after_close=after)
    if after:
        notify(tx, OFFICE_AUDIENCE, "case.follow_up_post", f"已销号案件出现后续帖子：{case.title}", case,
               "请研判是否重新打开")
    return link


def match_closed_case(s: Session, item: Item) -> Case | None:
    """The closed case a new post belongs to: same event, else same place and same matter (topic)."""
    closed = select(Case).where(Case.state.in_(lc.CLOSED_STATES)).order_by(Case.closed_at.desc(), Case.id.desc())
    if item.event_id is not None:
        hit = s.execute(closed.where(Case.event_id == item.event_id).limit(1)).scalar_one_or_none()
        if hit is not None:
            return hit
    places = {str(p if isinstance(p, str) else p.get("name", "")) for p in item.places} - {""}
    topics = {str(t if isinstance(t, str) else t.get("name", "")) for t in item.topics} - {""}
    if not places or not topics:
        return None
    for case in s.execute(closed.where(Case.event_id.is_not(None)).limit(500)).scalars():
        event = s.get(Event, case.event_id)
        if event and places & {str(p) for p in event.places} and topics & {str(t) for t in event.topics}:
            return case
    return None


@action("case.attach_follow_ups", permission=("cases.supervise", "cases.open"))
def attach_follow_ups(tx: Tx, item_ids: Iterable[int]) -> list[tuple[int, int]]:
    """Job (as the jobs account): attach newly analysed posts that concern a closed case (the office decides
    on reopening). Returns (item id, case id) pairs attached."""
    out: list[tuple[int, int]] = []
    for iid in item_ids:
        item = tx.session.get(Item, iid)
        if item is None:
            continue
        case = match_closed_case(tx.session, item)
        if case is None:
            continue
        reason = "同一事件的后续帖子" if item.event_id == case.event_id else "同地点同事项的后续帖子"
        attach_in(tx, case, iid, reason)
        out.append((iid, case.id))
    return out
