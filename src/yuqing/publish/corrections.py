"""Correction orders (整改通知, R-PUBLISH-2/3): wrong content on an own channel — a mismatch with the signed
text, a wrong word, a broken link — goes to the owner unit with a deadline in working days (the case desk's
calendar); the fix is confirmed by re-fetching the page, and the unit files its explanation (情况说明).
Every change is an audited action following the table in `publish.order_states`. Overdue orders (not fixed by
their deadline) count against the unit in the yearly assessment, like overdue cases.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.publish import deliver
from yuqing.publish import order_states as st
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Notification
from yuqing.store.tables_publish import Channel, ChannelFinding, CorrectionOrder
from yuqing.workspace import Workspace

__all__ = ["NotFound", "OrderError", "cancel_order", "explain_order", "issue_order", "issue_pending",
           "record_recheck", "request_recheck"]

# Findings that are wrong content (a zombie or an unsigned post is handled by the office, not by a correction).
ORDER_KINDS = ("mismatch", "wrong_word", "broken_link")
KIND_LABELS = {"mismatch": "与签发稿不一致", "unsigned": "未经签发", "broken_link": "链接失效", "wrong_word": "错敏词",
               "zombie": "长期未更新", "unapproved": "未经准入即运行", "closed_live": "已关停但仍可访问"}
MIN_EXPLANATION = 10  # characters: a 情况说明 says what was wrong, why, and what was done


class OrderError(ValueError):
    """A correction order cannot be changed as asked; the message (Chinese) says why."""


def order_link(order_id: int) -> str:
    return f"/channels/orders/{order_id}"


def is_overdue(order: CorrectionOrder, now: datetime | None = None) -> bool:
    """Not fixed (no re-fetch has seen the finding gone) and past the deadline."""
    return (order.state in st.UNFIXED and order.due_at is not None
            and aware(order.due_at) < aware(now or utcnow()))


def _get(tx: Tx, order_id: int) -> CorrectionOrder:
    order = tx.session.get(CorrectionOrder, order_id, with_for_update=True)
    if order is None:
        raise NotFound(f"整改通知 {order_id} 不存在")
    return order


def _move(tx: Tx, order: CorrectionOrder, what: str) -> str:
    target = st.next_state(order.state, what)
    if target is None:
        raise TransitionRefused(f"整改通知当前为“{st.label(order.state)}”，不能{st.ACTIONS[what]}")
    before, order.state = order.state, target
    return before


def _may_act_for_unit(actor: Actor, order: CorrectionOrder) -> None:
    """A unit's people act on their own unit's orders only; the office on any."""
    if actor.can("channels.correct"):
        return
    if not actor.can("channels.explain") or actor.unit_id is None or actor.unit_id != order.unit_id:
        raise PermissionDenied(f"{actor.name} 只能办理本单位的整改通知")


def due_in_working_days(tx: Tx, start: datetime, working_days: int) -> datetime:
    from yuqing.domain.deadlines import CalendarGapWarning
    from yuqing.respond.deadlines import compute_due, warn_admin

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarGapWarning)
        due, _basis = compute_due(tx.ws, start, working_days=working_days)
    for w in caught:
        if issubclass(w.category, CalendarGapWarning):
            warn_admin(tx, str(w.message))
    return due


@action("correction.issue", permission="channels.correct")
def issue_order(tx: Tx, finding_id: int, *, working_days: int | None = None, detail: str = "") -> CorrectionOrder:
    """Send a finding to the channel's owner unit as a correction order with a working-day deadline."""
    finding = tx.session.get(ChannelFinding, finding_id)
    if finding is None:
        raise NotFound(f"问题记录 {finding_id} 不存在")
    return _issue(tx, finding, working_days=working_days, detail=detail)


def _issue(tx: Tx, finding: ChannelFinding, *, working_days: int | None = None, detail: str = "") -> CorrectionOrder:
    ch = tx.session.get(Channel, finding.channel_id)
    assert ch is not None
    if ch.owner_unit_id is None:
        raise OrderError(f"“{ch.name}”没有登记主办单位，无法下达整改通知：请先在渠道登记中补充主办单位")
    if finding.resolved_at is not None:
        raise OrderError("该问题已经消除，无需整改")
    for order_id, f in tx.session.execute(select(CorrectionOrder.id, ChannelFinding)
                                          .join(ChannelFinding, ChannelFinding.id == CorrectionOrder.finding_id)
                                          .where(CorrectionOrder.channel_id == finding.channel_id,
                                                 CorrectionOrder.state.in_(st.ACTIVE))).all():
        if subject(f) == subject(finding):
            raise OrderError(f"该问题已有整改通知（编号 {order_id}）")
    n = working_days if working_days is not None else tx.ws.settings.correction_working_days
    if not 1 <= n <= 60:
        raise OrderError("整改期限须为 1 到 60 个工作日")
    now = utcnow()
    others = len(_open_same(tx, finding))
    where = f"（共 {others + 1} 个页面）" if others else ""
    what = detail.strip() or f"{KIND_LABELS.get(finding.kind, finding.kind)}：{finding.detail}{where}"
    order = CorrectionOrder(channel_id=ch.id, finding_id=finding.id, unit_id=ch.owner_unit_id, state=st.OPEN,
                            detail=what, issued_by_id=tx.actor.user_id, issued_by_name=tx.actor.name,
                            issued_at=now, due_at=due_in_working_days(tx, now, n), fictional=ch.fictional)
    tx.session.add(order)
    tx.session.flush()
    tx.audit("correction.issue", "correction_order", order.id, channel_id=ch.id, finding_id=finding.id,
             unit_id=ch.owner_unit_id, working_days=n, due_at=order.due_at.isoformat() if order.due_at else None,
             detail=what)
    from yuqing.clock import CHINA

    due = aware(order.due_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if order.due_at else "—"
    tx.notify(f"unit:{ch.owner_unit_id}", "channel.correction", f"整改通知：{ch.name}",
              f"{what}\n页面：{finding.page_url or ch.url}\n请于 {due} 前（{n} 个工作日）完成整改并提交情况说明。",
              order_link(order.id))
    return order


def subject(finding: ChannelFinding) -> str:
    """What is wrong, whichever page shows it: the word, the dead link, the publication. One order covers a
    subject on a channel (a dead link in a site's footer is one fix, not one order per page)."""
    data = finding.data or {}
    if finding.kind == "wrong_word":
        return f"word:{data.get('word', finding.key)}"
    if finding.kind == "broken_link":
        return f"link:{data.get('link', finding.key)}"
    return f"{finding.kind}:{finding.key}"


def _open_same(tx: Tx, finding: ChannelFinding) -> list[ChannelFinding]:
    """The channel's other open findings of the same subject (on other pages)."""
    rows = tx.session.execute(select(ChannelFinding).where(
        ChannelFinding.channel_id == finding.channel_id, ChannelFinding.kind == finding.kind,
        ChannelFinding.resolved_at.is_(None), ChannelFinding.id != finding.id)).scalars()
    return [f for f in rows if subject(f) == subject(finding)]


@action("correction.issue_pending", permission="channels.correct")
def _issue_pending(tx: Tx, found_before: datetime | None = None) -> int:
    """Issue an order for every subject of wrong content on a channel (with an owner unit, not closed) that has
    no active order yet. Idempotent: one active order per channel and subject."""
    covered = {(ch_id, subject(f)) for ch_id, f in tx.session.execute(
        select(CorrectionOrder.channel_id, ChannelFinding)
        .join(ChannelFinding, ChannelFinding.id == CorrectionOrder.finding_id)
        .where(CorrectionOrder.state.in_(st.ACTIVE))).all()}
    cancelled = exists().where(CorrectionOrder.finding_id == ChannelFinding.id, CorrectionOrder.state == st.CANCELLED)
    rows = tx.session.execute(
        select(ChannelFinding).join(Channel, Channel.id == ChannelFinding.channel_id)
        .where(ChannelFinding.kind.in_(ORDER_KINDS), ChannelFinding.resolved_at.is_(None), ~cancelled,
               Channel.owner_unit_id.is_not(None), Channel.closed.is_(False))
        .order_by(ChannelFinding.id)).scalars().all()
    issued = 0
    for finding in rows:
        if found_before is not None and aware(finding.found_at) > aware(found_before):
            continue
        if (finding.channel_id, subject(finding)) in covered:
            continue
        covered.add((finding.channel_id, subject(finding)))
        _issue(tx, finding)
        issued += 1
    return issued


def issue_pending(ws: Workspace, actor: Actor, found_before: datetime | None = None) -> int:
    """Orders for the findings that need one (found by `found_before`, when given); then orders fixed elsewhere
    pass, and units and the office hear of orders newly overdue."""
    issued = _issue_pending(ws, actor, found_before)
    confirm_resolved(ws, actor)
    remind_overdue(ws, actor)
    return issued


@action("correction.confirm_resolved", permission="channels.correct")
def confirm_resolved(tx: Tx) -> int:
    """Orders whose finding a re-fetch has resolved elsewhere (the sign-off live check seeing the page match
    its signed text again) pass their recheck."""
    rows = tx.session.execute(select(CorrectionOrder, ChannelFinding.resolved_at)
                              .join(ChannelFinding, ChannelFinding.id == CorrectionOrder.finding_id)
                              .where(CorrectionOrder.state.in_(st.UNFIXED),
                                     ChannelFinding.resolved_at.is_not(None))).all()
    n = 0
    for order, resolved_at in rows:
        finding = tx.session.get(ChannelFinding, order.finding_id)
        if finding is not None and _follow(tx, order, finding):
            continue
        _passed(tx, order, resolved_at or utcnow(), how="重新抓取页面，问题已消除")
        n += 1
    return n


@action("correction.remind_overdue", permission="channels.correct")
def remind_overdue(tx: Tx) -> int:
    """Tell the unit and the office once when an order passes its deadline unfixed (never twice: the
    notification is the sent-log, keyed by the order's link)."""
    now = utcnow()
    told = 0
    for order in tx.session.execute(select(CorrectionOrder).where(
            CorrectionOrder.state.in_(st.UNFIXED), CorrectionOrder.due_at < now)).scalars():
        link = order_link(order.id)
        sent = tx.session.execute(select(Notification.id).where(
            Notification.kind == "channel.correction_overdue", Notification.link == link).limit(1)).first()
        if sent:
            continue
        ch = tx.session.get(Channel, order.channel_id)
        name = ch.name if ch else str(order.channel_id)
        title = f"整改逾期：{name}"
        for audience in ("office", *([f"unit:{order.unit_id}"] if order.unit_id else [])):
            tx.notify(audience, "channel.correction_overdue", title,
                      f"整改通知 {order.id}（{order.detail[:80]}）已超过期限仍未整改到位，计入年度考核。", link)
        if ch is not None:  # and to the alert channels chosen for it
            deliver.queue_overdue(tx, ch, order, link)
        tx.audit("correction.overdue", "correction_order", order.id, unit_id=order.unit_id,
                 due_at=aware(order.due_at).isoformat() if order.due_at else None)
        told += 1
    return told


def finding_gone(tx: Tx, finding: ChannelFinding, now: datetime) -> int:
    """Inside a check: the page was re-fetched and the finding is gone, so its active orders pass their recheck."""
    n = 0
    for order in tx.session.execute(select(CorrectionOrder).where(
            CorrectionOrder.finding_id == finding.id, CorrectionOrder.state.in_(st.UNFIXED))).scalars():
        if _follow(tx, order, finding):
            continue
        _passed(tx, order, now, how="定时检查重新抓取页面，问题已消除")
        n += 1
    return n


def _follow(tx: Tx, order: CorrectionOrder, finding: ChannelFinding) -> bool:
    """The same problem is still on another page of the channel: the order follows it there (not fixed yet)."""
    others = _open_same(tx, finding)
    if not others:
        return False
    order.finding_id = others[0].id
    tx.audit("correction.follow", "correction_order", order.id, finding_id=others[0].id, page=others[0].page_url)
    return True


def _passed(tx: Tx, order: CorrectionOrder, now: datetime, how: str) -> None:
    before = _move(tx, order, st.RECHECK_PASSED)
    order.confirmed_at = now
    tx.audit("correction.recheck", "correction_order", order.id, passed=True, before=before, after=order.state,
             how=how, late=bool(order.due_at and aware(order.due_at) < aware(now)))
    ch = tx.session.get(Channel, order.channel_id)
    name = ch.name if ch else ""
    if order.state == st.CONFIRMED:
        tx.notify("office", "channel.correction_done", f"整改完成：{name}",
                  f"整改通知 {order.id} 复查通过并已提交情况说明，已办结。", order_link(order.id))
    if order.unit_id:
        tail = "已办结。" if order.state == st.CONFIRMED else "请提交情况说明后办结。"
        tx.notify(f"unit:{order.unit_id}", "channel.correction_fixed", f"整改复查通过：{name}",
                  f"{how}。{tail}", order_link(order.id))


@dataclass(frozen=True, slots=True)
class Recheck:
    order_id: int
    gone: bool
    evidence: str  # what the re-fetch saw (status, or the word still there)


@action("correction.recheck", permission=("channels.correct", "channels.explain"))
def record_recheck(tx: Tx, recheck: Recheck) -> CorrectionOrder:
    """Record a recheck asked for by the unit or the office: passed when the re-fetch no longer shows the finding
    (the finding is resolved too), failed otherwise (the unit is told what is still there)."""
    order = _get(tx, recheck.order_id)
    _may_act_for_unit(tx.actor, order)
    now = utcnow()
    if recheck.gone:
        finding = tx.session.get(ChannelFinding, order.finding_id) if order.finding_id else None
        if finding is not None and finding.resolved_at is None:
            finding.resolved_at = now
        if finding is not None and _follow(tx, order, finding):
            tx.audit("correction.recheck", "correction_order", order.id, passed=False,
                     evidence="此页面已改正，同一问题仍见于其他页面")
            if order.unit_id:
                tx.notify(f"unit:{order.unit_id}", "channel.correction_recheck_failed", "整改复查未通过",
                          "此页面已改正，但同一问题仍见于本网站其他页面，请一并改正后再申请复查。", order_link(order.id))
            return order
        _passed(tx, order, now, how=f"{tx.actor.name}申请复查，重新抓取页面，问题已消除")
        return order
    _move(tx, order, st.RECHECK_FAILED)
    tx.audit("correction.recheck", "correction_order", order.id, passed=False, evidence=recheck.evidence[:500])
    if order.unit_id:
        tx.notify(f"unit:{order.unit_id}", "channel.correction_recheck_failed", "整改复查未通过",
                  f"重新抓取页面，问题仍在：{recheck.evidence[:300]}", order_link(order.id))
    return order


def request_recheck(ws: Workspace, actor: Actor, order_id: int, *, policy: Any = None) -> CorrectionOrder:
    """The unit (or the office) asks for a recheck: the page is fetched now and the result recorded."""
    from yuqing.publish.recheck import still_there

    with ws.db.read() as s:
        order = s.get(CorrectionOrder, order_id)
        if order is None:
            raise NotFound(f"整改通知 {order_id} 不存在")
        _may_act_for_unit(actor, order)
        if order.state not in st.UNFIXED:
            raise TransitionRefused(f"整改通知当前为“{st.label(order.state)}”，无需复查")
        finding = s.get(ChannelFinding, order.finding_id) if order.finding_id else None
        if finding is None:
            raise OrderError("该整改通知没有对应的问题记录，无法自动复查")
        s.expunge(finding)
    present, evidence = still_there(ws, actor, finding, policy=policy)
    return record_recheck(ws, actor, Recheck(order_id, not present, evidence))


@action("correction.explain", permission=("channels.correct", "channels.explain"))
def explain_order(tx: Tx, order_id: int, text: str) -> CorrectionOrder:
    """The unit files its explanation (情况说明): what was wrong, why, what was done. Closes a fixed order."""
    order = _get(tx, order_id)
    _may_act_for_unit(tx.actor, order)
    text = text.strip()
    if len(text) < MIN_EXPLANATION:
        raise OrderError(f"情况说明至少 {MIN_EXPLANATION} 个字：请写明问题原因和整改措施")
    before = _move(tx, order, st.EXPLAIN)
    order.explanation, order.explained_by_name, order.explained_at = text, tx.actor.name, utcnow()
    tx.audit("correction.explain", "correction_order", order.id, before=before, after=order.state, length=len(text))
    ch = tx.session.get(Channel, order.channel_id)
    done = "，已办结" if order.state == st.CONFIRMED else "，待复查确认整改到位"
    tx.notify("office", "channel.correction_explained", f"整改情况说明：{ch.name if ch else ''}",
              f"{tx.actor.name}提交了整改通知 {order.id} 的情况说明{done}。", order_link(order.id))
    return order


@action("correction.cancel", permission="channels.correct")
def cancel_order(tx: Tx, order_id: int, reason: str) -> CorrectionOrder:
    """Withdraw an order issued in error (the reason is kept)."""
    order = _get(tx, order_id)
    if not reason.strip():
        raise OrderError("请填写撤销原因")
    before = _move(tx, order, st.CANCEL)
    tx.audit("correction.cancel", "correction_order", order.id, before=before, reason=reason.strip())
    if order.unit_id:
        tx.notify(f"unit:{order.unit_id}", "channel.correction", "整改通知已撤销",
                  f"整改通知 {order.id} 已撤销：{reason.strip()}", order_link(order.id))
    return order


# -- figures -----------------------------------------------------------------------------------------------------
def overdue_by_unit(session: Any, start: datetime, end: datetime) -> dict[int, list[int]]:
    """Orders whose deadline fell in [start, end) and that no re-fetch had seen fixed by then, per unit (the
    yearly assessment counts them like overdue cases; a cancelled order counts for nobody)."""
    rows = session.execute(select(CorrectionOrder).where(
        CorrectionOrder.due_at >= start, CorrectionOrder.due_at < end,
        CorrectionOrder.state != st.CANCELLED, CorrectionOrder.unit_id.is_not(None))).scalars()
    out: dict[int, list[int]] = {}
    for o in rows:
        fixed_in_time = o.confirmed_at is not None and aware(o.confirmed_at) <= aware(o.due_at)
        if not fixed_in_time:
            out.setdefault(o.unit_id, []).append(o.id)
    return out


def counts_by_channel(session: Any, now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per channel: active orders, overdue orders, orders done."""
    now = now or utcnow()
    out: dict[int, dict[str, int]] = {}
    for o in session.execute(select(CorrectionOrder)).scalars():
        c = out.setdefault(o.channel_id, {"open": 0, "overdue": 0, "done": 0})
        if o.state in st.ACTIVE:
            c["open"] += 1
        if is_overdue(o, now):
            c["overdue"] += 1
        if o.state == st.CONFIRMED:
            c["done"] += 1
    return out


def open_count(session: Any, unit_id: int | None = None) -> int:
    stmt = select(func.count(CorrectionOrder.id)).where(CorrectionOrder.state.in_(st.ACTIVE))
    if unit_id is not None:
        stmt = stmt.where(CorrectionOrder.unit_id == unit_id)
    return int(session.execute(stmt).scalar_one())
