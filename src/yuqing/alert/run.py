"""`alerts run`: evaluate every active rule against the current events and send what is due, exactly once.

1. Each (rule, event, recipient) whose event now matches at a grade higher than any already alerted to that
   recipient about that event (by any rule: grouped, one message per channel) is due (domain.alerts); quiet
   hours hold back grades below II.
2. A due message is claimed by inserting its sent-log row; the unique key (rule, event, grade, recipient)
   lets one insert win, so a second run, a re-analysis or a racing worker finds the row and sends nothing.
3. The winner sends, then records the attempt: sent, or retrying after a backoff (then failed). Retries due
   now, and claims left behind by a process that died mid-send (after LEASE), are taken by a conditional
   update that only one runner can win.
A channel failing FAILING_AFTER sends in a row warns the admins once (in-app) until it works again.
4. A rule routed to the person on duty has the recipient "duty": sending it pages whoever is on duty
   (yuqing.alert.duty); each run then escalates the pages nobody acknowledged in time.
5. Early warnings (预警: spikes, emergency keywords; yuqing.alert.warnings) are found first; a rule with
   early_warning routes each one matching its criteria (not its grade) like an alert, in the sent-log under
   grade "W" and the warning's id, so each warning reaches each recipient once. Quiet hours hold back spikes
   (they have no grade); emergency keywords only arise in a monitoring window, which has no quiet hours.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.alert.channels import ChannelSpec, SendError, make_channel
from yuqing.alert.channels.inapp import notify_inapp as inapp_notify
from yuqing.alert.duty import DUTY_RECIPIENT, deliver_to_duty, escalate_due, window_active
from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import alerts as policy
from yuqing.store.repositories.notifications import notify
from yuqing.store.tables import Assignment, Case, Event, Item, Source, Unit
from yuqing.store.tables_alert import (
    AlertAttempt,
    AlertChannel,
    AlertDelivery,
    AlertRule,
    AlertRuleChannel,
    AlertSilence,
    AlertWarning,
)
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

# A claim on a message being sent: a runner that died mid-send leaves it, and another retries after this.
LEASE = timedelta(minutes=2)
CHANNEL_FAILING_KIND = "alert.channel_failing"
SENDERS = 4


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


@dataclass(slots=True)
class Due:
    rule_id: int
    event_id: int
    grade: str
    recipient: str
    channel_id: int | None
    warning_id: int = 0


def _facts(ws: Workspace, rules: list[AlertRule], now: datetime) -> list[policy.EventFacts]:
    """The events that could fire a rule: graded, not merged away, seen within the lookback of the newest
    activity (now, on a live system; the data's own last day for an imported archive or the demo)."""
    loosest = max(policy.LEVELS[policy.normalise_grade(r.min_grade) or "I"] for r in rules)
    grades = [g for g, lv in policy.LEVELS.items() if lv <= loosest]
    with ws.db.read() as s:
        newest = s.execute(select(func.max(Event.last_seen_at))).scalar_one_or_none()
        latest = min(now, aware(newest)) if newest is not None else now
        events = list(s.execute(select(Event).where(
            Event.grade.is_not(None), Event.merged_into_id.is_(None),
            Event.last_seen_at >= latest - policy.LOOKBACK)).scalars())
        events = [e for e in events if policy.normalise_grade(e.grade) in grades]
        return _event_facts(s, rules, events)


def _event_facts(s: Session, rules: list[AlertRule], events: list[Event]) -> list[policy.EventFacts]:
    """What the rules look at in these events (their sources and units only when a rule asks)."""
    sources: dict[int, set[str]] = defaultdict(set)
    units = _units(s, events) if any(r.unit_id for r in rules) else {}
    if events and any(r.source for r in rules):
        ids = [e.id for e in events]
        for i in range(0, len(ids), 500):
            rows = s.execute(select(Item.event_id, Source.id, Source.name).join(Source, Item.source_id == Source.id)
                             .where(Item.event_id.in_(ids[i:i + 500])).distinct())
            for event_id, source_id, name in rows:
                if event_id is not None:
                    sources[event_id].update((name, f"#{source_id}", str(source_id)))
    from yuqing.analyse.topics import TOPIC_LABELS

    # Topics by code and by label: a rule keeps the label the editor shows (应急/灾害), events the code.
    return [policy.EventFacts(id=e.id, title=e.title, grade=policy.normalise_grade(e.grade),
                              topics=[str(t) for t in e.topics or []] + [TOPIC_LABELS[str(t)] for t in e.topics or []
                                                                        if str(t) in TOPIC_LABELS],
                              places=[_place(p) for p in e.places or []],
                              keywords=[str(k) for k in e.keywords or []], sources=frozenset(sources.get(e.id, ())),
                              units=frozenset(units.get(e.id, ())))
            for e in events]


def _warning_facts(ws: Workspace, rules: list[AlertRule], now: datetime) -> list[tuple[AlertWarning, policy.EventFacts]]:
    """The recent warnings with an event, each with the facts a rule's criteria look at: its event's, with the
    warning's own topic (code and label), place and keyword first."""
    from yuqing.alert.warnings import recent
    from yuqing.analyse.topics import TOPIC_LABELS

    with ws.db.read() as s:
        warnings = [w for w in recent(s, now, limit=500) if w.event_id is not None]
        if not warnings:
            return []
        events = list(s.execute(select(Event).where(Event.id.in_({w.event_id for w in warnings}))).scalars())
        facts = {f.id: f for f in _event_facts(s, rules, events)}
    out = []
    for w in warnings:
        f = facts.get(w.event_id or 0)
        if f is None:
            continue
        topics = [w.topic, TOPIC_LABELS.get(w.topic, w.topic)] if w.topic else []
        topics += list(f.topics)
        out.append((w, replace(f, grade=None, topics=topics, places=([w.place] if w.place else []) + list(f.places),
                               keywords=([w.keyword] if w.keyword else []) + list(f.keywords))))
    return out


def _units(s: Session, events: list[Event]) -> dict[int, set[int]]:
    """Event → the units it concerns: a unit whose place the event names, or one a case about it is assigned to."""
    out: dict[int, set[int]] = defaultdict(set)
    places = [(uid, place) for uid, place in s.execute(select(Unit.id, Unit.place).where(
        Unit.place.is_not(None), Unit.active.is_(True))) if place]
    for e in events:
        named = [_place(p) for p in e.places or []]
        out[e.id].update(uid for uid, place in places if any(place == n or place in n for n in named))
    ids = [e.id for e in events]
    for i in range(0, len(ids), 500):
        for event_id, unit_id in s.execute(select(Case.event_id, Assignment.unit_id).join(
                Assignment, Assignment.case_id == Case.id).where(Case.event_id.in_(ids[i:i + 500]))):
            if event_id is not None:
                out[event_id].add(unit_id)
    return out


def _place(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else str(value)


def evaluate(ws: Workspace, now: datetime | None = None, rule_ids: Collection[int] | None = None,
             silenced: list[Due] | None = None) -> tuple[list[Due], int]:
    """The messages due now (not yet in the sent-log at this grade or higher) and how many quiet hours and
    silences hold; of some rules only when `rule_ids` is given. `silenced` collects those a silence holds."""
    now = now or utcnow()
    with ws.db.read() as s:
        stmt = select(AlertRule).where(AlertRule.active.is_(True)).order_by(AlertRule.id)
        if rule_ids is not None:
            stmt = stmt.where(AlertRule.id.in_(list(rule_ids)))
        rules = list(s.execute(stmt).scalars())
        routes: dict[int, list[int]] = defaultdict(list)
        for rule_id, channel_id in s.execute(
                select(AlertRuleChannel.rule_id, AlertRuleChannel.channel_id).join(
                    AlertChannel, AlertChannel.id == AlertRuleChannel.channel_id).where(AlertChannel.active.is_(True))):
            routes[rule_id].append(channel_id)
    if not rules:
        return [], 0
    events = _facts(ws, rules, now)
    with ws.db.read() as s:  # emergency mode or a planned window: 24-hour duty, no quiet hours
        quiet = None if window_active(s, now) else _quiet(ws)
    local = now.astimezone(CHINA)
    candidates: list[Due] = []
    warned = [r for r in rules if r.early_warning]
    warnings = _warning_facts(ws, warned, now) if warned else []
    for rule in rules:
        spec = policy.RuleSpec(rule.min_grade, rule.topic, rule.place, rule.keyword, rule.source, rule.unit_id)
        recipients = [(f"channel:{c}", c) for c in sorted(routes.get(rule.id, []))] + \
                     [(f"role:{r}", None) for r in rule.roles or []] + \
                     ([(DUTY_RECIPIENT, None)] if rule.to_duty else [])
        for ev in events:
            if ev.grade and policy.matches(spec, ev):
                candidates += [Due(rule.id, ev.id, ev.grade, rcpt, ch) for rcpt, ch in recipients]
        if rule.early_warning:
            for w, facts in warnings:
                if policy.matches_criteria(spec, facts):
                    candidates += [Due(rule.id, facts.id, policy.WARNING_GRADE, rcpt, ch, w.id)
                                   for rcpt, ch in recipients]
    if not candidates:
        return [], 0
    spikes = {w.id for w, _ in warnings if w.kind != "keyword"}
    # Grouped by (event, recipient) across rules: two rules routing the same event to the same channel send one
    # message (the lower rule id's), and a grade already sent by any rule inhibits the same or a lower one.
    # A warning is grouped the same way by (warning, recipient): sent once to each recipient, by the first rule.
    sent: dict[tuple[int, str], list[str]] = defaultdict(list)
    warned_to: set[tuple[int, str]] = set()
    event_ids = sorted({c.event_id for c in candidates})
    with ws.db.read() as s:
        for i in range(0, len(event_ids), 500):
            for event_id, recipient, grade, warning_id in s.execute(
                    select(AlertDelivery.event_id, AlertDelivery.recipient, AlertDelivery.grade,
                           AlertDelivery.warning_id).where(AlertDelivery.event_id.in_(event_ids[i:i + 500]))):
                if warning_id:
                    warned_to.add((warning_id, recipient))
                else:
                    sent[(event_id, recipient)].append(grade)
    silences = _silences(ws, now)
    due, held = [], 0
    seen: set[tuple[int, str]] = set()
    for c in candidates:
        key = (-c.warning_id, c.recipient) if c.warning_id else (c.event_id, c.recipient)
        if key in seen:
            continue
        if c.warning_id:
            if (c.warning_id, c.recipient) in warned_to:
                continue
        elif not policy.is_new_level(c.grade, sent.get((c.event_id, c.recipient), [])):
            continue
        if any(_silenced(c, sl) for sl in silences):
            held += 1
            if silenced is not None:
                silenced.append(c)
            continue
        seen.add(key)
        # Quiet hours: a spike waits like a grade below II; a graded alert by its grade.
        if policy.held_back("III" if c.warning_id in spikes else c.grade, quiet, local):
            held += 1
            continue
        due.append(c)
    return due, held


def _silences(ws: Workspace, now: datetime) -> list[tuple[int | None, int | None, int | None]]:
    with ws.db.read() as s:
        return [(r, c, e) for r, c, e in s.execute(
            select(AlertSilence.rule_id, AlertSilence.channel_id, AlertSilence.event_id)
            .where(AlertSilence.starts_at <= now, AlertSilence.ends_at > now)).all()]


def _silenced(due: Due, silence: tuple[int | None, int | None, int | None]) -> bool:
    rule_id, channel_id, event_id = silence
    return ((rule_id is None or rule_id == due.rule_id) and (channel_id is None or channel_id == due.channel_id)
            and (event_id is None or event_id == due.event_id))


def _quiet(ws: Workspace) -> policy.QuietHours | None:
    try:
        return policy.parse_quiet_hours(ws.settings.alert_quiet_hours)
    except ValueError:
        log.warning("alert_quiet_hours %r is not HH:MM-HH:MM; no quiet hours", ws.settings.alert_quiet_hours)
        return None


def claim_new(ws: Workspace, due: list[Due], worker: str, now: datetime) -> list[int]:
    """Insert the sent-log rows of the due messages; returns the ids this runner won (the others exist)."""
    won: list[int] = []
    if not due:
        return won
    with ws.db.write() as s:
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        for d in due:
            row = s.execute(insert(AlertDelivery).values(
                rule_id=d.rule_id, event_id=d.event_id, grade=d.grade, recipient=d.recipient, channel_id=d.channel_id,
                warning_id=d.warning_id, status="sending", attempts=0, next_attempt_at=now + LEASE, claimed_by=worker, last_error="",
                created_at=now).on_conflict_do_nothing().returning(AlertDelivery.id)).first()
            if row is not None:
                won.append(int(row[0]))
    return won


def claim_retries(ws: Workspace, worker: str, now: datetime) -> list[int]:
    """Take the messages whose retry time has come, and claims abandoned mid-send; only one runner wins each."""
    with ws.db.read() as s:
        ids = list(s.execute(select(AlertDelivery.id).where(
            AlertDelivery.status.in_(("retrying", "sending")), AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.id).limit(500)).scalars())
    won = []
    for delivery_id in ids:
        with ws.db.write() as s:
            result = s.execute(update(AlertDelivery).where(
                AlertDelivery.id == delivery_id, AlertDelivery.status.in_(("retrying", "sending")),
                AlertDelivery.next_attempt_at <= now)
                .values(status="sending", claimed_by=worker, next_attempt_at=now + LEASE))
            if getattr(result, "rowcount", 0) == 1:
                won.append(delivery_id)
    return won


def _message(ws: Workspace, delivery: AlertDelivery, rule: AlertRule, event: Event,
             warning: AlertWarning | None = None) -> policy.AlertMessage:
    from yuqing.domain.early_warning import KIND_LABELS

    base = ws.settings.public_url.rstrip("/")
    first = aware(event.first_seen_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if event.first_seen_at else ""
    return policy.AlertMessage(
        delivery_id=delivery.id, rule_name=rule.name, event_id=event.id, event_title=event.title,
        grade=delivery.grade, item_count=event.item_count or 0, places=[_place(p) for p in event.places or []][:5],
        topics=[str(t) for t in event.topics or []][:5], first_seen=first,
        link=f"{base}/events/{event.id}" if base else "",
        warning_kind=KIND_LABELS.get(warning.kind, "预警") if warning is not None else "",
        warning_reason=warning.reason if warning is not None else "")


def send_one(ws: Workspace, delivery_id: int, worker: str) -> str:
    """Send one claimed message and record the attempt; returns its new status."""
    with ws.db.read() as s:
        delivery = s.get(AlertDelivery, delivery_id)
        if delivery is None or delivery.status != "sending" or delivery.claimed_by != worker:
            return "skipped"
        rule, event = s.get(AlertRule, delivery.rule_id), s.get(Event, delivery.event_id)
        channel = s.get(AlertChannel, delivery.channel_id) if delivery.channel_id is not None else None
        assert rule is not None and event is not None
        message = _message(ws, delivery, rule, event,
                           s.get(AlertWarning, delivery.warning_id) if delivery.warning_id else None)
    started = time.monotonic()
    error = ""
    # In-app messages are written in the same transaction that marks them sent: never twice, even on a crash.
    role = channel.target if channel is not None and channel.kind == "inapp" else \
        delivery.recipient.removeprefix("role:") if channel is None and delivery.recipient.startswith("role:") else None
    if role is not None:
        return _record(ws, delivery_id, worker, "", 0, inapp=(role, message))
    if channel is None and delivery.recipient == DUTY_RECIPIENT:
        return deliver_to_duty(ws, delivery_id, worker, message)
    try:
        if channel is not None:
            spec = ChannelSpec(channel.id, channel.name, channel.kind, channel.target, channel.secret,
                               dict(channel.config or {}))
            make_channel(spec, ws).send(message)
        else:
            error = "预警渠道已删除"
    except SendError as exc:
        error = str(exc)
    except Exception as exc:  # a bug in an adapter must not stop the other messages
        log.exception("alert channel %s failed", channel.kind if channel else delivery.recipient)
        error = f"发送时程序出错（{type(exc).__name__}）"
    return _record(ws, delivery_id, worker, error, int((time.monotonic() - started) * 1000))


def _record(ws: Workspace, delivery_id: int, worker: str, error: str, duration_ms: int,
            inapp: tuple[str, policy.AlertMessage] | None = None) -> str:
    now = utcnow()
    with ws.db.write() as s:
        delivery = s.get(AlertDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.claimed_by != worker or delivery.status != "sending":
            return "skipped"
        if inapp is not None:
            try:
                inapp_notify(s, *inapp)
            except SendError as exc:
                error = str(exc)
        delivery.attempts = (delivery.attempts or 0) + 1
        s.add(AlertAttempt(delivery_id=delivery.id, at=now, ok=not error, error=error, duration_ms=duration_ms))
        channel = s.get(AlertChannel, delivery.channel_id, with_for_update=True) \
            if delivery.channel_id is not None else None
        channel_outcome(s, channel, error, now)
        if not error:
            delivery.status, delivery.sent_at, delivery.last_error, delivery.next_attempt_at = "sent", now, "", None
            return "sent"
        retry_at = policy.next_attempt(delivery.attempts, now)
        delivery.status = "retrying" if retry_at else "failed"
        delivery.next_attempt_at, delivery.last_error = retry_at, error
        return delivery.status


def channel_outcome(s: Session, channel: AlertChannel | None, error: str, now: datetime) -> None:
    """A send's outcome on its channel's health (alerts and reports alike): a success clears the failures; the
    FAILING_AFTER-th failure in a row warns the admins once (in-app) until the channel works again."""
    if channel is None:
        return
    if not error:
        channel.last_sent_at, channel.consecutive_failures, channel.failing_warned = now, 0, False
        return
    channel.consecutive_failures = (channel.consecutive_failures or 0) + 1
    channel.last_failed_at, channel.last_error = now, error
    if channel.consecutive_failures >= policy.FAILING_AFTER and not channel.failing_warned:
        channel.failing_warned = True
        notify(s, "admin", CHANNEL_FAILING_KIND, f"预警渠道连续发送失败：{channel.name}",
               f"“{channel.name}”已连续 {channel.consecutive_failures} 次发送失败，最近一次：{error}。"
               "失败的消息会按间隔自动重试，请检查渠道地址和对方服务。", "/alerts")


def run_alerts(ws: Workspace, now: datetime | None = None, rule_ids: Collection[int] | None = None) -> dict[str, int]:
    """Evaluate the rules, send the new messages and the retries that are due; counts by outcome. With
    `rule_ids`, only those rules' new messages (the demo seed sends its duty rule's and nothing else)."""
    now = now or utcnow()
    worker = worker_name()
    if rule_ids is None:
        from yuqing.alert.warnings import detect

        detect(ws, now)  # early warnings first: the rules route them in this same run
    due, held = evaluate(ws, now, rule_ids)
    ids = claim_new(ws, due, worker, now) + (claim_retries(ws, worker, now) if rule_ids is None else [])
    counts: dict[str, int] = defaultdict(int)
    # A few at once: one slow or unreachable channel (5 s to connect, 10 s to answer) does not hold up the
    # others, nor the analysis job that runs this after its batch for long.
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        for status in pool.map(lambda delivery_id: send_one(ws, delivery_id, worker), ids):
            counts[status] += 1
    if held:
        counts["held"] = held
    escalated = escalate_due(ws, now)  # pages nobody acknowledged in time (R-ALERT-4)
    if escalated:
        counts["escalated"] = escalated
    if rule_ids is None:
        try:  # notifications people chose to have by e-mail too (通知设置); never a reason for alerts to fail
            from yuqing.alert.notify_email import email_due

            emailed = email_due(ws, now)
            if emailed:
                counts["emailed"] = emailed
        except Exception:
            log.exception("notification e-mails failed")
    return dict(counts)


def log_rows(ws: Workspace, limit: int | None = None) -> list[dict[str, Any]]:
    """The sent-log, oldest first: {rule_id, channel_id, event_id, grade, sent_at, status} and a little more."""
    with ws.db.read() as s:
        stmt = select(AlertDelivery).order_by(AlertDelivery.id)
        if limit:
            stmt = stmt.limit(limit)
        rows = list(s.execute(stmt).scalars())
    return [{"id": r.id, "rule_id": r.rule_id, "channel_id": r.channel_id, "event_id": r.event_id, "grade": r.grade,
             "sent_at": aware(r.sent_at).isoformat() if r.sent_at else None, "status": r.status,
             "recipient": r.recipient, "attempts": r.attempts, "warning_id": r.warning_id or None, "error": r.last_error or None,
             "acknowledged": r.acknowledged_at is not None} for r in rows]


def pending_retries(ws: Workspace) -> int:
    with ws.db.read() as s:
        return len(s.execute(select(AlertDelivery.id).where(or_(
            AlertDelivery.status == "retrying", AlertDelivery.status == "sending"))).all())
