"""申报备案 (R-PUBLISH-4): official statements (新闻通稿/权威发布) and spokesperson releases are filed with their
approval and linked to the events and cases they answer. A case reply released by the case desk
(respond/replies.release_reply) is filed automatically in the same transaction, approved by whoever
approved the reply.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.publish.normalise import content_sha256, normalise
from yuqing.publish.registry import PublishError, check_url
from yuqing.publish.states import FILING, FILING_KINDS, FILING_LABELS, step
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Case, Event
from yuqing.store.tables_case import Reply
from yuqing.store.tables_publish import StatementFiling, StatementLink


def _ids(values: list[int] | None) -> list[int]:
    return sorted({int(v) for v in values or []})


def _link(tx: Tx, filing: StatementFiling, event_ids: list[int], case_ids: list[int]) -> None:
    for eid in event_ids:
        if tx.session.get(Event, eid) is None:
            raise PublishError(f"事件 {eid} 不存在")
        tx.session.add(StatementLink(filing_id=filing.id, event_id=eid))
    for cid in case_ids:
        if tx.session.get(Case, cid) is None:
            raise PublishError(f"案件 {cid} 不存在")
        tx.session.add(StatementLink(filing_id=filing.id, case_id=cid))


@action("statement.file", permission="statements.file")
def file_statement(tx: Tx, *, kind: str, title: str, text: str, url: str | None = None,
                   event_ids: list[int] | None = None, case_ids: list[int] | None = None,
                   channel_id: int | None = None, fictional: bool = False) -> StatementFiling:
    """File a statement or spokesperson release (待审批) with the events and cases it answers."""
    if kind not in ("statement", "spokesperson"):
        raise PublishError("类型须为新闻通稿/权威发布（statement）或新闻发言人发布（spokesperson）")
    title = title.strip()
    if not title or len(title) > 300:
        raise PublishError("请填写标题（300 字以内）")
    if not normalise(text):
        raise PublishError("请填写发布内容")
    events, cases = _ids(event_ids), _ids(case_ids)
    if not events and not cases:
        raise PublishError("请至少关联一个事件或案件（备案须说明回应的是什么）")
    filing = StatementFiling(kind=kind, title=title, text=text.strip(), content_sha256=content_sha256(text),
                             unit_id=tx.actor.unit_id, channel_id=channel_id, url=check_url(url, "发布网址", False),
                             released_at=utcnow() if url else None, state="filed", filed_by_id=tx.actor.user_id,
                             filed_by_name=tx.actor.name, filed_at=utcnow(), fictional=fictional)
    tx.session.add(filing)
    tx.session.flush()
    _link(tx, filing, events, cases)
    tx.audit("statement.file", "statement_filing", filing.id, kind=kind, content_sha256=filing.content_sha256,
             event_ids=events, case_ids=cases)
    tx.notify("spokesperson", "statement.filed", f"声明备案待审批：{title}", link=f"/filings/{filing.id}")
    return filing


@action("statement.approve", permission="statements.approve")
def approve_filing(tx: Tx, filing_id: int, *, approve: bool, note: str = "") -> StatementFiling:
    """Approve (or refuse, with a reason) a filed statement; not by the person who filed it."""
    filing = tx.session.get(StatementFiling, filing_id)
    if filing is None:
        raise NotFound(f"备案 {filing_id} 不存在")
    if filing.filed_by_id is not None and filing.filed_by_id == tx.actor.user_id:
        raise PermissionDenied("备案人不能审批自己备案的发布")
    if not approve and not note.strip():
        raise PublishError("不予通过时请填写理由")
    filing.state = step(FILING, filing.state, "approve" if approve else "reject", FILING_LABELS)
    filing.approved_by_name, filing.approved_at, filing.approval_note = tx.actor.name, utcnow(), note.strip()
    tx.audit("statement.approve" if approve else "statement.reject", "statement_filing", filing.id,
             note=filing.approval_note)
    return filing


def file_released_reply(tx: Tx, reply: Reply, case: Case) -> StatementFiling:
    """Inside release_reply's transaction: file the released reply, already approved, linked to its case
    and the case's event. Idempotent per reply."""
    found = tx.session.execute(select(StatementFiling).where(StatementFiling.reply_id == reply.id)
                               ).scalar_one_or_none()
    if found is not None:
        return found
    text = reply.released_text or reply.text
    kind = "reply" if reply.kind == "reply" else "statement"
    filing = StatementFiling(kind=kind, title=f"{FILING_KINDS[kind]}：{case.title}"[:300], text=text,
                             content_sha256=content_sha256(text), url=reply.released_url, unit_id=tx.actor.unit_id,
                             released_at=reply.released_at, reply_id=reply.id, state="approved",
                             filed_by_id=tx.actor.user_id, filed_by_name=tx.actor.name, filed_at=utcnow(),
                             approved_by_name=reply.approved_by_name, approved_at=reply.approved_at,
                             approval_note="案件回复发布时自动备案", fictional=bool((case.extra or {}).get("fictional")))
    tx.session.add(filing)
    tx.session.flush()
    tx.session.add(StatementLink(filing_id=filing.id, case_id=case.id))
    if case.event_id is not None:
        tx.session.add(StatementLink(filing_id=filing.id, event_id=case.event_id))
    tx.audit("statement.file", "statement_filing", filing.id, kind=kind, reply_id=reply.id, case_id=case.id,
             automatic=True, content_sha256=filing.content_sha256)
    return filing


# -- reading ---------------------------------------------------------------------------------------------

@dataclass
class FilingRow:
    filing: StatementFiling
    events: list[tuple[int, str]]
    cases: list[tuple[int, str]]

    @property
    def kind_label(self) -> str:
        return FILING_KINDS.get(self.filing.kind, self.filing.kind)

    @property
    def state_label(self) -> str:
        return FILING_LABELS.get(self.filing.state, self.filing.state)


def filing_rows(s: Session, actor: Actor, *, event_id: int | None = None, case_id: int | None = None,
                filing_id: int | None = None, limit: int = 200, scoped: bool = True) -> list[FilingRow]:
    """Filings newest first (those linked to an event or a case when given). Unit-bound people see their own
    unit's filings (`scoped=False`: the caller has checked they may see the event or case asked for)."""
    q = select(StatementFiling).order_by(StatementFiling.id.desc()).limit(limit)
    if filing_id is not None:
        q = q.where(StatementFiling.id == filing_id)
    if event_id is not None or case_id is not None:
        sub = select(StatementLink.filing_id).where(
            StatementLink.event_id == event_id if event_id is not None else StatementLink.case_id == case_id)
        q = q.where(StatementFiling.id.in_(sub))
    if actor.unit_bound and scoped:
        q = q.where(StatementFiling.unit_id == actor.unit_id)
    filings = list(s.execute(q).scalars())
    links: dict[int, tuple[list[tuple[int, str]], list[tuple[int, str]]]] = {f.id: ([], []) for f in filings}
    if filings:
        rows = s.execute(select(StatementLink.filing_id, Event.id, Event.title, Case.id, Case.title)
                         .outerjoin(Event, Event.id == StatementLink.event_id)
                         .outerjoin(Case, Case.id == StatementLink.case_id)
                         .where(StatementLink.filing_id.in_(list(links))).order_by(StatementLink.id))
        for fid, eid, etitle, cid, ctitle in rows:
            if eid is not None:
                links[fid][0].append((eid, etitle))
            if cid is not None:
                links[fid][1].append((cid, ctitle))
    return [FilingRow(f, *links[f.id]) for f in filings]
