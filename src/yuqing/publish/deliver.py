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
The routes, the sent-log and the sending are the shared outbox's (alert/outbox.py, FINDING_OUTBOX below); this
module keeps what is the findings' own: what each kind of finding says and who answers for it.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.alert.outbox import STATUS_LABELS, DeliveryView, Outbox
from yuqing.clock import aware
from yuqing.domain.messages import FINDING_KINDS, PublishMessage
from yuqing.publish.states import ADMISSION_LABELS
from yuqing.store.tables import Unit
from yuqing.store.tables_publish import (
    Channel,
    ChannelFinding,
    CorrectionOrder,
    Publication,
    PublishDelivery,
    PublishRoute,
)
from yuqing.workspace import Workspace

__all__ = ["FINDING_OUTBOX", "STATUS_LABELS", "DeliveryView", "queue", "route_table", "routed", "send_due",
           "send_one", "sent_log", "set_routes"]

MAX_DIFF_ROWS = 10  # changed sentences a message carries; the diff page shows them all
SIGNER = "签发人（对签发内容负责）"
UPLOADER = "上传人（对发布内容与签发稿一致负责）"


# ---------------------------------------------------------------- the message, from what was kept with the row
def message_of(ws: Workspace, s: Session, row: PublishDelivery, channel_name: str) -> PublishMessage:
    """The message of one sent-log row, from what was kept when the finding was raised."""
    from yuqing.reports.render import issuer_of

    d = dict(row.data or {})
    return PublishMessage(
        delivery_id=row.id, finding_kind=row.finding_kind, subject=row.title, channel=str(d.get("channel", "")),
        unit=str(d.get("unit", "")), found=str(d.get("found", "")),
        answerable=[(str(w), str(n)) for w, n in d.get("answerable", [])], path=row.link,
        base_url=ws.settings.public_url, diff=[(op, left, right) for op, left, right in d.get("diff", [])],
        changed=int(d.get("changed", 0)), issuer=issuer_of(ws.settings.district_name))



# ---------------------------------------------------------------- the outbox (alert/outbox.py) over publish tables
FINDING_OUTBOX = Outbox(
    name="publish", delivery=PublishDelivery, route=PublishRoute, kind_column="finding_kind", kinds=FINDING_KINDS,
    other_label="发布监管", message_of=message_of, unreadable="生成提醒消息时程序出错",
    routes_action="publish.routes", deliver_action="publish.deliver")

route_table = FINDING_OUTBOX.route_table
routed = FINDING_OUTBOX.routed
send_one = FINDING_OUTBOX.send_one


@action("publish.routes", permission="alerts.manage")
def set_routes(tx: Tx, chosen: Collection[tuple[str, int]]) -> list[str]:
    """发布监管提醒渠道: exactly the (finding kind, channel) pairs in `chosen` are on (no row: off). Returns the
    changes in words (audited)."""
    return FINDING_OUTBOX.set_routes(tx, chosen)


def send_due(ws: Workspace, now: datetime | None = None) -> dict[str, int]:
    """Send what is due; counts by outcome (empty when nothing was due)."""
    return FINDING_OUTBOX.send_due(ws, now)


def sent_log(s: Session, own_channel_id: int | None = None, limit: int = 50) -> list[DeliveryView]:
    """发送记录: the newest publishing-finding deliveries first (of one own channel when given)."""
    where: list[ColumnElement[bool]] = []
    if own_channel_id is not None:
        where.append(PublishDelivery.own_channel_id == own_channel_id)
    return FINDING_OUTBOX.sent_log(s, *where, limit=limit)


# ---------------------------------------------------------------- queueing, beside the inbox notice
def queue(tx: Tx, finding_kind: str, subject: str, ch: Channel, title: str, link: str,
          data: dict[str, Any]) -> list[str]:
    """One sent-log row per routed channel, unless it exists (a rerun queues nothing). Returns the channels newly
    queued (audited as publish.deliver)."""
    s = tx.session
    channels = routed(s, finding_kind)
    if not channels:
        return []
    unit = s.get(Unit, ch.owner_unit_id) if ch.owner_unit_id is not None else None
    data = {"channel": ch.name, "unit": unit.name if unit else "", **data}
    return FINDING_OUTBOX.queue(tx, channels, {
        "finding_kind": finding_kind, "subject": subject[:120], "own_channel_id": ch.id, "title": title[:200],
        "link": link[:300], "data": data}, ("channel", ch.id), finding_kind=finding_kind, title=title[:200])


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


def queue_unapproved(tx: Tx, ch: Channel, status: int | None, checked_at: datetime) -> list[str]:
    """A channel without an approved admission found running (raised once until it is admitted, closed or
    stops answering: each raising is a finding of its own)."""
    found = (f"未经准入（{ADMISSION_LABELS.get(ch.admission, ch.admission)}）仍在运行：{ch.feed_url or ch.url} "
             f"可以访问（HTTP {status}）")
    return queue(tx, "unapproved", f"unapproved:{ch.id}:{aware(checked_at).strftime('%Y%m%dT%H%M%S')}", ch,
                 f"未经准入的网站或账号仍在运行：{ch.name}", f"/channels/{ch.id}",
                 {"found": found, "answerable": _keepers(ch)})


def queue_overdue(tx: Tx, ch: Channel, order: CorrectionOrder, link: str) -> list[str]:
    from yuqing.clock import CHINA

    unit = tx.session.get(Unit, order.unit_id) if order.unit_id is not None else None
    due = aware(order.due_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if order.due_at else "—"
    return queue(tx, "overdue", f"order:{order.id}", ch, f"整改逾期：{ch.name}", link,
                 {"found": f"整改通知 {order.id}（{order.detail[:80]}）已超过期限（{due}）仍未整改到位，计入年度考核",
                  "answerable": [["整改责任单位", unit.name if unit else ""], *_keepers(ch)[:1]]})
