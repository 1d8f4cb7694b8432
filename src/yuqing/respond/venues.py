"""与信息发布平台沟通 (R-CASE-11): log on a case who explained what to which media outlet or forum, when, and
the outcome. One action per contact; the contacts appear on the case and in the case library.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import CHINA, aware, utcnow
from yuqing.respond.errors import CaseError
from yuqing.respond.steps import load, log, require_lead_if_unit
from yuqing.store.tables_case import VenueContact


def parse_time(value: datetime | str) -> datetime:
    """A contact time: a datetime (naive = China time) or the text of a datetime-local field (China time)."""
    if isinstance(value, datetime):
        return value.astimezone(CHINA) if value.tzinfo else value.replace(tzinfo=CHINA)
    text = (value or "").strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=CHINA)
        except ValueError:
            continue
    raise CaseError("请填写沟通时间（年-月-日 时:分）")


@action("case.venue_contact", permission=("cases.handle", "cases.close", "statements.publish"))
def log_contact(tx: Tx, case_id: int, *, venue: str, explained_by: str, content: str, contacted_at: datetime | str,
                outcome: str) -> VenueContact:
    """Record one contact with an outlet or forum. A unit records only as the case's lead unit (checked in the
    body: it depends on the case)."""
    fields = {"venue": venue.strip(), "explained_by": explained_by.strip(), "content": content.strip(),
              "outcome": outcome.strip()}
    names = {"venue": "沟通平台（媒体或论坛）", "explained_by": "沟通人（单位及姓名）", "content": "沟通内容",
             "outcome": "沟通结果"}
    missing = [names[k] for k, v in fields.items() if not v]
    if missing:
        raise CaseError("请填写：" + "、".join(missing))
    at = parse_time(contacted_at)
    if at > utcnow() + timedelta(minutes=5):
        raise CaseError("沟通时间不能晚于现在")
    case = load(tx, case_id)
    require_lead_if_unit(case, tx.actor, "记录与信息发布平台的沟通")
    row = VenueContact(case_id=case.id, contacted_at=at, recorded_by_id=tx.actor.user_id, recorded_at=utcnow(),
                       **fields)
    tx.session.add(row)
    tx.session.flush()
    log(tx, case, "venue_contact", fields["outcome"], contact_id=row.id, venue=fields["venue"])
    return row


def contacts(s: Session, case_id: int) -> list[VenueContact]:
    """The contacts of a case, in the order they happened (the caller has checked the case is visible)."""
    rows = s.execute(select(VenueContact).where(VenueContact.case_id == case_id)
                     .order_by(VenueContact.contacted_at, VenueContact.id)).scalars()
    return sorted(rows, key=lambda r: (aware(r.contacted_at), r.id))
