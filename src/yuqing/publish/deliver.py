"""Publishing findings through the alert channels (发布监管提醒): which kinds of finding go to which channels, and
sending each finding to each channel exactly once, beside the inbox notice it already raised.

1. Routes are data (publish_routes): a row says whether one kind of finding (mismatch, unsigned, zombie,
   closed_live, overdue) goes to one channel. Nothing goes anywhere until the office chooses (发布监管提醒渠道, on
   the notification settings page): the inbox of the owner unit, the propaganda department and the office
   hears of every finding whatever the routes, and a robot group or an SMS gateway outside the platform is
   the office's choice, never a default.
2. The action that raises a finding (signoff.record_live_check, signoff.record_posts, check.record_check for a
   zombie or a closed channel answering, corrections.remind_overdue) queues one sent-log row per routed
   channel in its own transaction, beside the inbox notice: the unique key (kind, subject, channel) makes a
   rerun queue nothing, and a crash after the commit loses nothing (the rows wait, queued). What the message
   says is kept with the row as it was found (the diff's changed sentences too).
3. `send_due`, the one place of sending, is called at the end of every round of the channel check (the
   `channels.check` job and `yuqing channels check`): it claims the queued rows and the retries whose time has
   come by a conditional update (one runner wins each), builds a PublishMessage and hands it to the channel's
   adapter; the outcome is recorded like a report's: sent, or retrying on the alerts' backoff, then failed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.domain import alerts as policy
from yuqing.domain.messages import FINDING_KINDS, PublishMessage
from yuqing.store.tables import Unit
from yuqing.store.tables_alert import AlertChannel
from yuqing.store.tables_publish import (
    Channel,
    ChannelFinding,
    CorrectionOrder,
    Publication,
    PublishDelivery,
    PublishRoute,
)
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

STATUS_LABELS = {"queued": "待发送", **policy.STATUS_LABELS}
MAX_DIFF_ROWS = 10  # changed sentences a message carries; the diff page shows them all
SIGNER = "签发人（对签发内容负责）"
UPLOADER = "上传人（对发布内容与签发稿一致负责）"


# ---------------------------------------------------------------- routes
def route_table(s: Session) -> tuple[list[AlertChannel], dict[tuple[str, int], bool]]:
    """Every channel and, for each (finding kind, channel), whether that kind goes there (no row: no)."""
    channels = list(s.execute(select(AlertChannel).order_by(AlertChannel.id)).scalars())
    rows = {(r.finding_kind, r.channel_id): r.enabled for r in s.execute(select(PublishRoute)).scalars()}
    return channels, {(k, c.id): rows.get((k, c.id), False) for k in FINDING_KINDS for c in channels}


def routed(s: Session, finding_kind: str) -> list[AlertChannel]:
    """The active channels a finding of this kind goes to."""
    channels, table = route_table(s)
    return [c for c in channels if c.active and table.get((finding_kind, c.id), False)]


@action("publish.routes", permission="alerts.manage")
def set_routes(tx: Tx, chosen: Collection[tuple[str, int]]) -> list[str]:
    """发布监管提醒渠道: exactly the (finding kind, channel) pairs in `chosen` are on. Returns the changes in words
    (audited)."""
    s = tx.session
    channels, table = route_table(s)
    names = {c.id: c.name for c in channels}
    rows = {(r.finding_kind, r.channel_id): r for r in s.execute(select(PublishRoute)).scalars()}
    changed = []
    for (kind, channel_id), was in table.items():
        now_on = (kind, channel_id) in chosen
        row = rows.get((kind, channel_id))
        if row is None:
            if now_on:
                s.add(PublishRoute(finding_kind=kind, channel_id=channel_id, enabled=True, updated_at=utcnow()))
        elif row.enabled != now_on:
            row.enabled, row.updated_at = now_on, utcnow()
        if was != now_on:
            changed.append(f"{FINDING_KINDS[kind]}{'发往' if now_on else '不再发往'}“{names[channel_id]}”")
    if changed:
        tx.audit("publish.routes", "publish_routes", None, changes=changed)
    return changed


# ---------------------------------------------------------------- queueing, beside the inbox notice
def queue(tx: Tx, finding_kind: str, subject: str, ch: Channel, title: str, link: str,
          data: dict[str, Any]) -> list[str]:
    """One sent-log row per routed channel, unless it exists (a rerun queues nothing). Returns the channels newly
    queued (audited as publish.deliver)."""
    s = tx.session
    channels = routed(s, finding_kind)
    if not channels:
        return []
    now = utcnow()
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    unit = s.get(Unit, ch.owner_unit_id) if ch.owner_unit_id is not None else None
    data = {"channel": ch.name, "unit": unit.name if unit else "", **data}
    queued = []
    for channel in channels:
        row = s.execute(insert(PublishDelivery).values(
            finding_kind=finding_kind, subject=subject[:120], own_channel_id=ch.id, title=title[:200], link=link[:300],
            data=data, channel_id=channel.id, channel_name=channel.name, status="queued", attempts=0,
            next_attempt_at=now, last_error="", created_at=now).on_conflict_do_nothing()
            .returning(PublishDelivery.id)).first()
        if row is not None:
            queued.append(channel.name)
    if queued:
        tx.audit("publish.deliver", "channel", ch.id, finding_kind=finding_kind, title=title[:200], channels=queued)
    return queued


def _keepers(ch: Channel) -> list[list[str]]:
    """Who answers for a channel's state: its responsible person and administrator (as registered)."""
    return [["负责人", ch.responsible_person or ""], ["管理员", ch.administrator or ""]]


def queue_mismatch(tx: Tx, ch: Channel, pub: Publication, finding: ChannelFinding, raised_at: datetime) -> list[str]:
    """A live article that differs from its signed text: the leader answers for what was signed, the uploader
    for the match; the changed sentences travel with it (signed beside live). A mismatch fixed and then seen
    again is raised again (its own subject: the finding and when it was raised)."""
    from yuqing.publish import live

    tx.session.flush()
    rows = [r for r in live.side_by_side(pub.text, pub.live_text or "") if r.op != "equal"]
    diff = [[r.op, [list(x) for x in r.left], [list(x) for x in r.right]] for r in rows[:MAX_DIFF_ROWS]]
    found = f"《{pub.title}》发布页面与签发稿有 {len(rows)} 处不同" + (f"：{pub.live_url}" if pub.live_url else "")
    return queue(tx, "mismatch", f"finding:{finding.id}:{aware(raised_at).strftime('%Y%m%dT%H%M%S')}",
                 ch, f"发布内容与签发稿不一致：{ch.name}《{pub.title}》", f"/publications/{pub.id}/diff",
                 {"found": found, "answerable": [[SIGNER, pub.signed_by_name or ""], [UPLOADER, pub.uploader_name]],
                  "diff": diff, "changed": len(rows)})


def queue_unsigned(tx: Tx, ch: Channel, finding: ChannelFinding, title: str) -> list[str]:
    tx.session.flush()
    return queue(tx, "unsigned", f"finding:{finding.id}", ch, f"未经签发的发布：{ch.name}《{title or finding.page_url}》",
                 f"/publications?channel={ch.id}#unsigned",
                 {"found": f"《{title or '（无标题）'}》在渠道上发布，系统中没有对应的签发稿：{finding.page_url}",
                  "answerable": _keepers(ch)})


def queue_zombie(tx: Tx, ch: Channel, finding: ChannelFinding, quiet_days: int | None) -> list[str]:
    tx.session.flush()
    return queue(tx, "zombie", f"finding:{finding.id}", ch, f"僵尸账号：{ch.name}（{quiet_days} 天未更新）",
                 f"/channels/{ch.id}", {"found": finding.detail, "answerable": _keepers(ch)})


def queue_closed_live(tx: Tx, ch: Channel, status: int | None, checked_at: datetime) -> list[str]:
    """A closed channel seen answering again (each time it starts answering is a finding of its own)."""
    found = f"已登记关停，但 {ch.feed_url or ch.url} 仍可访问（HTTP {status}）"
    return queue(tx, "closed_live", f"closed:{ch.id}:{aware(checked_at).strftime('%Y%m%dT%H%M%S')}", ch,
                 f"已关停渠道仍可访问：{ch.name}", f"/channels/{ch.id}", {"found": found, "answerable": _keepers(ch)})


def queue_overdue(tx: Tx, ch: Channel, order: CorrectionOrder, link: str) -> list[str]:
    from yuqing.clock import CHINA

    unit = tx.session.get(Unit, order.unit_id) if order.unit_id is not None else None
    due = aware(order.due_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if order.due_at else "—"
    return queue(tx, "overdue", f"order:{order.id}", ch, f"整改逾期：{ch.name}", link,
                 {"found": f"整改通知 {order.id}（{order.detail[:80]}）已超过期限（{due}）仍未整改到位，计入年度考核",
                  "answerable": [["整改责任单位", unit.name if unit else ""], *_keepers(ch)[:1]]})


# ---------------------------------------------------------------- sending
def _claim(ws: Workspace, worker: str, now: datetime) -> list[int]:
    """The queued rows, the retries whose time has come and the claims abandoned mid-send; one runner wins each."""
    from yuqing.alert.run import LEASE

    due = ("queued", "retrying", "sending")
    with ws.db.read() as s:
        ids = list(s.execute(select(PublishDelivery.id).where(
            PublishDelivery.status.in_(due), PublishDelivery.next_attempt_at <= now)
            .order_by(PublishDelivery.id).limit(200)).scalars())
    won = []
    for delivery_id in ids:
        with ws.db.write() as s:
            result = s.execute(update(PublishDelivery).where(
                PublishDelivery.id == delivery_id, PublishDelivery.status.in_(due),
                PublishDelivery.next_attempt_at <= now)
                .values(status="sending", claimed_by=worker, next_attempt_at=now + LEASE))
            if getattr(result, "rowcount", 0) == 1:
                won.append(delivery_id)
    return won


def send_due(ws: Workspace, now: datetime | None = None) -> dict[str, int]:
    """Send what is due; counts by outcome (empty when nothing was due)."""
    from yuqing.alert.run import worker_name

    now = now or utcnow()
    worker = worker_name()
    counts: dict[str, int] = defaultdict(int)
    for delivery_id in _claim(ws, worker, now):
        counts[send_one(ws, delivery_id, worker)] += 1
    return dict(counts)


def message_of(ws: Workspace, row: PublishDelivery) -> PublishMessage:
    """The message of one sent-log row, from what was kept when the finding was raised."""
    from yuqing.reports.render import issuer_of

    d = dict(row.data or {})
    return PublishMessage(
        delivery_id=row.id, finding_kind=row.finding_kind, subject=row.title, channel=str(d.get("channel", "")),
        unit=str(d.get("unit", "")), found=str(d.get("found", "")),
        answerable=[(str(w), str(n)) for w, n in d.get("answerable", [])], path=row.link,
        base_url=ws.settings.public_url, diff=[(op, left, right) for op, left, right in d.get("diff", [])],
        changed=int(d.get("changed", 0)), issuer=issuer_of(ws.settings.district_name))


def send_one(ws: Workspace, delivery_id: int, worker: str) -> str:
    """Send one claimed row through its channel and record the outcome; returns its new status."""
    from yuqing.alert.channels import ChannelSpec, SendError, make_channel

    with ws.db.read() as s:
        delivery = s.get(PublishDelivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.claimed_by != worker:
            return "skipped"
        channel = s.get(AlertChannel, delivery.channel_id) if delivery.channel_id is not None else None
        spec = ChannelSpec(channel.id, channel.name, channel.kind, channel.target, channel.secret,
                           dict(channel.config or {})) if channel is not None else None
        message: PublishMessage | None = None
        try:
            message = message_of(ws, delivery)
        except Exception as exc:  # a row of an older layout: a failed send, retried, never a failed job
            log.exception("publish delivery %s: the message could not be built", delivery_id)
            unreadable = f"生成提醒消息时程序出错（{type(exc).__name__}）"
    if message is None:  # recorded once the read has closed (one writer at a time on SQLite)
        return _record(ws, delivery_id, worker, unreadable)
    if spec is None:
        return _record(ws, delivery_id, worker, "渠道已删除")
    if spec.kind == "inapp":  # written in the transaction that marks it sent: never twice
        return _record(ws, delivery_id, worker, "", inapp=(spec.target, message))
    error = ""
    try:
        make_channel(spec, ws).send(message)
    except SendError as exc:
        error = str(exc)
    except Exception as exc:  # an adapter's bug must not stop the other findings
        log.exception("publish delivery %s through %s failed", delivery_id, spec.kind)
        error = f"发送时程序出错（{type(exc).__name__}）"
    return _record(ws, delivery_id, worker, error)


def _record(ws: Workspace, delivery_id: int, worker: str, error: str,
            inapp: tuple[str, PublishMessage] | None = None) -> str:
    from yuqing.alert.channels import SendError
    from yuqing.alert.channels.inapp import notify_inapp
    from yuqing.alert.run import channel_outcome

    now = utcnow()
    with ws.db.write() as s:
        row = s.get(PublishDelivery, delivery_id, with_for_update=True)
        if row is None or row.claimed_by != worker or row.status != "sending":
            return "skipped"
        if inapp is not None:
            try:
                notify_inapp(s, *inapp)
            except SendError as exc:
                error = str(exc)
        row.attempts = (row.attempts or 0) + 1
        channel = s.get(AlertChannel, row.channel_id, with_for_update=True) if row.channel_id is not None else None
        channel_outcome(s, channel, error, now)
        if not error:
            row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", now, "", None
            return "sent"
        retry_at = policy.next_attempt(row.attempts, now)
        row.status, row.next_attempt_at, row.last_error = ("retrying" if retry_at else "failed"), retry_at, error
        return row.status


# ---------------------------------------------------------------- the sent-log as people read it
@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    finding_kind: str
    kind_label: str
    title: str
    link: str
    channel: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


def sent_log(s: Session, own_channel_id: int | None = None, limit: int = 50) -> list[DeliveryView]:
    """发送记录: the newest publishing-finding deliveries first (of one own channel when given)."""
    stmt = select(PublishDelivery).order_by(PublishDelivery.id.desc()).limit(limit)
    if own_channel_id is not None:
        stmt = stmt.where(PublishDelivery.own_channel_id == own_channel_id)
    return [DeliveryView(r.id, r.finding_kind, FINDING_KINDS.get(r.finding_kind, "发布监管"), r.title, r.link,
                         r.channel_name, r.status, STATUS_LABELS.get(r.status, r.status), r.attempts, r.last_error,
                         aware(r.created_at), aware(r.sent_at) if r.sent_at else None,
                         aware(r.next_attempt_at) if r.next_attempt_at else None)
            for r in s.execute(stmt).scalars()]
