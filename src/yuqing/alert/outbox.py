"""The delivery outbox (发送队列) that reports and publishing findings share on their way through the alert channels:
routes as data, a sent-log row per (thing, channel) queued by the action that raises it, each row sent once.

1. Routes: a row (kind, channel) says whether things of that kind go to that channel; without a row, the
   outbox's default (reports: the daily report to every e-mail channel; findings: nowhere).
2. Queueing: in the raising action's own transaction, one sent-log row per routed channel unless the row's
   unique key exists, so a rerun queues nothing and a crash after the commit loses nothing (the rows wait).
3. Sending: `send_due` claims the queued rows, the retries whose time has come and the claims abandoned
   mid-send by a conditional update (one runner wins each), builds the message and hands it to the channel's
   adapter; the outcome is recorded like an alert's: sent, or retrying on the alerts' backoff, then failed, the
   channel's health kept. In-app messages are written in the transaction that marks them sent: never twice.

An outbox is one `Outbox` value naming its two tables, its kinds and how a row becomes a message
(reports/deliver.py, publish/deliver.py); the tables stay apart, the code is this one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.actions import Tx
from yuqing.alert.channels import ChannelSpec, SendError, make_channel
from yuqing.alert.channels.inapp import notify_inapp
from yuqing.alert.run import LEASE, channel_outcome, worker_name
from yuqing.clock import aware, utcnow
from yuqing.domain import alerts as policy
from yuqing.domain.messages import Message
from yuqing.store.tables_alert import AlertChannel
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

STATUS_LABELS = {"queued": "待发送", **policy.STATUS_LABELS}
DUE = ("queued", "retrying", "sending")  # "sending" with its lease run out: a runner died mid-send
BATCH = 200


class Unsendable(LookupError):
    """What a sent-log row names is gone (the message says what): a failed send, retried like any other."""


def _never(kind: str, channel_kind: str) -> bool:
    return False


def _stored_links(s: Session, rows: Sequence[Any]) -> list[str]:
    return [row.link for row in rows]


@dataclass(frozen=True, slots=True)
class DeliveryView:
    """One sent-log row as people read it (发送记录)."""

    id: int
    kind: str
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


@dataclass(frozen=True)
class Outbox:
    """One outbox: its sent-log and routes tables (both keyed by `kind_column`), the kinds it routes with their
    Chinese labels, how a row becomes a message, and the audit codes of its route changes and queueing."""

    name: str  # in the log: "report delivery 12 ..."
    delivery: type[Any]  # the sent-log table: status, attempts, next_attempt_at, claimed_by, channel_id, ...
    route: type[Any]  # the routes table: (kind, channel_id) → enabled
    kind_column: str
    kinds: Mapping[str, str]
    other_label: str  # the label of a kind no longer known
    message_of: Callable[[Workspace, Session, Any, str], Message]  # (ws, s, row, channel name); Unsendable
    unreadable: str  # the recorded error when building the message failed: "生成报告消息时程序出错"
    routes_action: str  # the audit code of set_routes: "report.routes"
    deliver_action: str  # the audit code of queue: "report.deliver"
    default: Callable[[str, str], bool] = _never  # (kind, channel kind): on without a row
    pin_every_pair: bool = False  # set_routes writes a row for every pair shown, so a default unticked stays off
    links: Callable[[Session, Sequence[Any]], list[str]] = _stored_links

    # ------------------------------------------------------------ routes
    def route_table(self, s: Session) -> tuple[list[AlertChannel], dict[tuple[str, int], bool]]:
        """Every channel and, for each (kind, channel), whether that kind goes there (the row, else the default)."""
        channels = list(s.execute(select(AlertChannel).order_by(AlertChannel.id)).scalars())
        rows = {(getattr(r, self.kind_column), r.channel_id): r.enabled
                for r in s.execute(select(self.route)).scalars()}
        return channels, {(k, c.id): rows.get((k, c.id), self.default(k, c.kind)) for k in self.kinds for c in channels}

    def routed(self, s: Session, kind: str) -> list[AlertChannel]:
        """The active channels things of this kind go to."""
        channels, table = self.route_table(s)
        return [c for c in channels if c.active and table.get((kind, c.id), False)]

    def set_routes(self, tx: Tx, chosen: Collection[tuple[str, int]]) -> list[str]:
        """Exactly the (kind, channel) pairs in `chosen` are on. Returns the changes in words (audited)."""
        s = tx.session
        channels, table = self.route_table(s)
        names = {c.id: c.name for c in channels}
        rows = {(getattr(r, self.kind_column), r.channel_id): r for r in s.execute(select(self.route)).scalars()}
        changed = []
        for (kind, channel_id), was in table.items():
            now_on = (kind, channel_id) in chosen
            row = rows.get((kind, channel_id))
            if row is None:
                if now_on or self.pin_every_pair:
                    s.add(self.route(**{self.kind_column: kind}, channel_id=channel_id, enabled=now_on,
                                     updated_at=utcnow()))
            elif row.enabled != now_on:
                row.enabled, row.updated_at = now_on, utcnow()
            if was != now_on:
                changed.append(f"{self.kinds[kind]}{'发往' if now_on else '不再发往'}“{names[channel_id]}”")
        if changed:
            tx.audit(self.routes_action, self.route.__tablename__, None, changes=changed)
        return changed

    # ------------------------------------------------------------ queueing, in the raising action
    def queue(self, tx: Tx, channels: Sequence[AlertChannel], values: Mapping[str, Any], target: tuple[str, int],
              **detail: Any) -> list[str]:
        """One sent-log row per channel with `values` (its kind and key), unless it exists (a rerun queues
        nothing). Returns the channels newly queued, audited against `target` (type, id) with `detail`."""
        s = tx.session
        now = utcnow()
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        queued = []
        for channel in channels:
            row = s.execute(insert(self.delivery).values(
                **values, channel_id=channel.id, channel_name=channel.name, status="queued", attempts=0,
                next_attempt_at=now, last_error="", created_at=now).on_conflict_do_nothing()
                .returning(self.delivery.id)).first()
            if row is not None:
                queued.append(channel.name)
        if queued:
            tx.audit(self.deliver_action, *target, **detail, channels=queued)
        return queued

    # ------------------------------------------------------------ sending
    def claim(self, ws: Workspace, worker: str, now: datetime, *where: ColumnElement[bool]) -> list[int]:
        """The due rows (narrowed by `where`); one runner wins each, holding it for LEASE."""
        table = self.delivery
        with ws.db.read() as s:
            ids = list(s.execute(select(table.id).where(table.status.in_(DUE), table.next_attempt_at <= now, *where)
                                 .order_by(table.id).limit(BATCH)).scalars())
        won = []
        for delivery_id in ids:
            with ws.db.write() as s:
                result = s.execute(update(table).where(
                    table.id == delivery_id, table.status.in_(DUE), table.next_attempt_at <= now)
                    .values(status="sending", claimed_by=worker, next_attempt_at=now + LEASE))
                if getattr(result, "rowcount", 0) == 1:
                    won.append(delivery_id)
        return won

    def send_due(self, ws: Workspace, now: datetime | None = None, *where: ColumnElement[bool]) -> dict[str, int]:
        """Send what is due (narrowed by `where`); counts by outcome, empty when nothing was due."""
        now = now or utcnow()
        worker = worker_name()
        counts: dict[str, int] = defaultdict(int)
        for delivery_id in self.claim(ws, worker, now, *where):
            counts[self.send_one(ws, delivery_id, worker)] += 1
        return dict(counts)

    def send_one(self, ws: Workspace, delivery_id: int, worker: str) -> str:
        """Send one claimed row through its channel and record the outcome; returns its new status."""
        with ws.db.read() as s:
            delivery = s.get(self.delivery, delivery_id)
            if delivery is None or delivery.status != "sending" or delivery.claimed_by != worker:
                return "skipped"
            channel = s.get(AlertChannel, delivery.channel_id) if delivery.channel_id is not None else None
            spec = ChannelSpec(channel.id, channel.name, channel.kind, channel.target, channel.secret,
                               dict(channel.config or {})) if channel is not None else None
            message: Message | None = None
            try:
                message = self.message_of(ws, s, delivery, spec.name if spec else "")
            except Unsendable as exc:
                unreadable = str(exc)
            except Exception as exc:  # a row of an older layout: a failed send, retried, never a failed job
                log.exception("%s delivery %s: the message could not be built", self.name, delivery_id)
                unreadable = f"{self.unreadable}（{type(exc).__name__}）"
        if message is None:  # recorded once the read has closed (one writer at a time on SQLite)
            return self._record(ws, delivery_id, worker, unreadable)
        if spec is None:
            return self._record(ws, delivery_id, worker, "渠道已删除")
        if spec.kind == "inapp":  # written in the transaction that marks it sent: never twice
            return self._record(ws, delivery_id, worker, "", inapp=(spec.target, message))
        error = ""
        try:
            make_channel(spec, ws).send(message)
        except SendError as exc:
            error = str(exc)
        except Exception as exc:  # an adapter's (or a renderer's) bug must not stop the other rows
            log.exception("%s delivery %s through %s failed", self.name, delivery_id, spec.kind)
            error = f"发送时程序出错（{type(exc).__name__}）"
        return self._record(ws, delivery_id, worker, error)

    def _record(self, ws: Workspace, delivery_id: int, worker: str, error: str,
                inapp: tuple[str, Message] | None = None) -> str:
        """Sent, or retrying on the alerts' backoff, then failed; the channel's health with it."""
        now = utcnow()
        with ws.db.write() as s:
            row = s.get(self.delivery, delivery_id, with_for_update=True)
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
            return str(row.status)

    # ------------------------------------------------------------ the sent-log as people read it
    def sent_log(self, s: Session, *where: ColumnElement[bool], limit: int = 50) -> list[DeliveryView]:
        """发送记录: the newest rows first (narrowed by `where`)."""
        rows = list(s.execute(select(self.delivery).where(*where).order_by(self.delivery.id.desc())
                              .limit(limit)).scalars())
        return [DeliveryView(r.id, getattr(r, self.kind_column),
                             self.kinds.get(getattr(r, self.kind_column), self.other_label), r.title, link,
                             r.channel_name, r.status, STATUS_LABELS.get(r.status, r.status), r.attempts,
                             r.last_error, aware(r.created_at), aware(r.sent_at) if r.sent_at else None,
                             aware(r.next_attempt_at) if r.next_attempt_at else None)
                for r, link in zip(rows, self.links(s, rows), strict=True)]
