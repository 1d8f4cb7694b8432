"""Actions on alert channels and rules, and acknowledging an alert (audited, one transaction each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from yuqing.actions import Tx, action
from yuqing.alert.channels import CHANNELS
from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.clock import aware, utcnow
from yuqing.domain.alerts import CHANNEL_KINDS, normalise_grade
from yuqing.domain.roles import ROLE_NAMES
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Event, Unit
from yuqing.store.tables_alert import AlertChannel, AlertDelivery, AlertRule, AlertRuleChannel, AlertSilence


class AlertConfigError(ValueError):
    """A rule or channel that cannot work; the message names the field, in Chinese."""


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@action("alert.channel_add", permission="alerts.manage")
def add_channel(tx: Tx, kind: str, name: str, target: str, secret: str | None = None,
                config: dict[str, Any] | None = None) -> int:
    """Add a channel after checking its target (the secret is kept, never shown or audited)."""
    kind = kind.strip().lower()
    if kind not in CHANNELS:
        raise AlertConfigError("渠道类型须为：" + "、".join(f"{k}（{v}）" for k, v in CHANNEL_KINDS.items()))
    name, target = name.strip(), target.strip()
    if not name:
        raise AlertConfigError("请填写渠道名称")
    CHANNELS[kind].check(target, _clean(secret), config or {})
    if tx.session.execute(select(AlertChannel.id).where(AlertChannel.name == name)).first():
        raise AlertConfigError(f"已有名为“{name}”的渠道")
    row = AlertChannel(kind=kind, name=name, target=target, secret=_clean(secret), config=config or {})
    tx.session.add(row)
    tx.session.flush()
    tx.audit("alert.channel_add", "alert_channel", row.id, name=name, kind=kind, signed=bool(row.secret))
    return row.id


@action("alert.channel_update", permission="alerts.manage")
def update_channel(tx: Tx, channel_id: int, *, target: str | None = None, secret: str | None = None,
                   active: bool | None = None) -> None:
    """Point a channel elsewhere, give it a new secret, or switch it off and on."""
    row = tx.session.get(AlertChannel, channel_id)
    if row is None:
        raise NotFound(f"预警渠道 {channel_id} 不存在")
    changes: dict[str, Any] = {}
    if target is not None and target.strip() != row.target:
        CHANNELS[row.kind].check(target.strip(), secret or row.secret, row.config or {})
        row.target = changes["target"] = target.strip()
    if secret is not None:
        row.secret = _clean(secret)
        changes["secret_changed"] = True
    if active is not None and active != row.active:
        row.active = changes["active"] = active
        if active:
            row.consecutive_failures, row.failing_warned = 0, False
    if changes and row.active:  # fixed: what waits for a retry on this channel is tried at the next run
        _retry_due(tx, channel_id=row.id)
    if changes:
        words = {"target": "目标地址", "secret_changed": "密钥", "active": "启用状态"}
        tx.audit("alert.channel_update", "alert_channel", row.id, name=row.name,
                 **{k: v for k, v in changes.items() if k != "target"}, changed=[words[k] for k in changes])


def _retry_due(tx: Tx, channel_id: int | None = None) -> int:
    """Make waiting and given-up messages (of one channel, or all) due now; the next run sends them."""
    stmt = update(AlertDelivery).where(AlertDelivery.status.in_(("retrying", "failed")))
    if channel_id is not None:
        stmt = stmt.where(AlertDelivery.channel_id == channel_id)
    result = tx.session.execute(stmt.values(status="retrying", next_attempt_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


@action("alert.retry", permission="alerts.manage")
def retry_now(tx: Tx, channel_id: int | None = None) -> int:
    """Retry now, without waiting for the backoff, the messages that failed (after the far end was fixed)."""
    n = _retry_due(tx, channel_id)
    if n:
        tx.audit("alert.retry", "alert_channel" if channel_id else "alert", channel_id, records=n)
    return n


def _topic(value: str | None) -> str | None:
    value = _clean(value)
    return TOPIC_LABELS.get(value, value) if value else None


def _rule_values(tx: Tx, name: str, min_grade: str, channel_ids: list[int], topic: str | None,
                 place: str | None, keyword: str | None, source: str | None, roles: list[str] | None,
                 unit: str | None, to_duty: bool) -> tuple[dict[str, Any], list[int], dict[int, str]]:
    """A rule's columns checked (errors in Chinese, naming the field), its channel ids and their names."""
    grade = normalise_grade(min_grade)
    if grade is None:
        raise AlertConfigError("最低等级须为 I、II、III 或 IV")
    if not name.strip():
        raise AlertConfigError("请填写规则名称")
    roles = [r.strip() for r in roles or [] if r.strip()]
    bad = [r for r in roles if r not in ROLE_NAMES]
    if bad:
        raise AlertConfigError(f"未知的角色：{'、'.join(bad)}")
    ids = sorted(set(channel_ids))
    if not ids and not roles and not to_duty:
        raise AlertConfigError("规则至少要发往一个渠道（--channel）、一个角色或值班人员（--duty）")
    found = dict(tx.session.execute(select(AlertChannel.id, AlertChannel.name).where(AlertChannel.id.in_(ids))).all())
    missing = [i for i in ids if i not in found]
    if missing:
        raise AlertConfigError(f"预警渠道不存在：{'、'.join(str(i) for i in missing)}")
    unit_id = None
    if _clean(unit):
        wanted = (unit or "").strip()
        unit_id = tx.session.execute(select(Unit.id).where(
            Unit.name == wanted if not wanted.isdigit() else Unit.id == int(wanted))).scalar_one_or_none()
        if unit_id is None:
            raise AlertConfigError(f"单位“{wanted}”不存在")
    return (dict(name=name.strip(), min_grade=grade, topic=_topic(topic), place=_clean(place), keyword=_clean(keyword),
                 source=_clean(source), roles=roles, unit_id=unit_id, to_duty=to_duty), ids, found)


def _rule_audit(row: AlertRule, ids: list[int], found: dict[int, str]) -> dict[str, Any]:
    return dict(name=row.name, grade=row.min_grade, topic=row.topic, place=row.place, keywords=row.keyword,
                sources=row.source, channels=[found[i] for i in ids], roles=[ROLE_NAMES[r] for r in row.roles or []],
                unit_id=row.unit_id, to_duty=row.to_duty, early_warning=row.early_warning)


@action("alert.rule_add", permission="alerts.manage")
def add_rule(tx: Tx, name: str, min_grade: str, channel_ids: list[int], *, topic: str | None = None,
             place: str | None = None, keyword: str | None = None, source: str | None = None,
             roles: list[str] | None = None, unit: str | None = None, to_duty: bool = False,
             early_warning: bool = False) -> int:
    """Add a rule: events at or above `min_grade` that match the optional criteria alert these channels,
    (in-app) these roles and, with `to_duty`, the person on duty (escalated when not acknowledged); with
    `early_warning`, so do early warnings (spikes, emergency keywords) matching the criteria, at any grade."""
    values, ids, found = _rule_values(tx, name, min_grade, channel_ids, topic, place, keyword, source, roles, unit,
                                      to_duty)
    row = AlertRule(**values, early_warning=early_warning)
    tx.session.add(row)
    tx.session.flush()
    tx.session.add_all([AlertRuleChannel(rule_id=row.id, channel_id=i) for i in ids])
    tx.audit("alert.rule_add", "alert_rule", row.id, **_rule_audit(row, ids, found))
    return row.id


@action("alert.rule_edit", permission="alerts.manage")
def update_rule(tx: Tx, rule_id: int, name: str, min_grade: str, channel_ids: list[int], *,
                topic: str | None = None, place: str | None = None, keyword: str | None = None,
                source: str | None = None, roles: list[str] | None = None, unit: str | None = None,
                to_duty: bool = False, early_warning: bool = False, active: bool = True) -> None:
    """Change every field of a rule (the editor's form); what it already sent stays in the sent-log, so an
    edit does not send the same alert again."""
    row = tx.session.get(AlertRule, rule_id)
    if row is None:
        raise NotFound(f"预警规则 {rule_id} 不存在")
    values, ids, found = _rule_values(tx, name, min_grade, channel_ids, topic, place, keyword, source, roles, unit,
                                      to_duty)
    for key, value in {**values, "early_warning": early_warning, "active": active}.items():
        setattr(row, key, value)
    tx.session.execute(delete(AlertRuleChannel).where(AlertRuleChannel.rule_id == row.id))
    tx.session.add_all([AlertRuleChannel(rule_id=row.id, channel_id=i) for i in ids])
    tx.audit("alert.rule_edit", "alert_rule", row.id, **_rule_audit(row, ids, found), active=active)


@action("alert.rule_update", permission="alerts.manage")
def set_rule_active(tx: Tx, rule_id: int, active: bool) -> None:
    """Switch a rule off (it fires no more) or on again."""
    row = tx.session.get(AlertRule, rule_id)
    if row is None:
        raise NotFound(f"预警规则 {rule_id} 不存在")
    if row.active != active:
        row.active = active
        tx.audit("alert.rule_update", "alert_rule", row.id, name=row.name, active=active)


@action("alert.acknowledge", permission=("alerts.manage", "events.read"))
def acknowledge(tx: Tx, delivery_id: int) -> int:
    """Acknowledge an alert: every message of the same rule, event and grade counts as seen. Returns how
    many messages were marked."""
    row = tx.session.get(AlertDelivery, delivery_id)
    if row is None:
        raise NotFound(f"预警 {delivery_id} 不存在")
    result = tx.session.execute(
        update(AlertDelivery).where(AlertDelivery.rule_id == row.rule_id, AlertDelivery.event_id == row.event_id,
                                    AlertDelivery.grade == row.grade, AlertDelivery.warning_id == row.warning_id,
                                    AlertDelivery.acknowledged_at.is_(None))
        .values(acknowledged_at=utcnow(), acknowledged_by_id=tx.actor.user_id))
    marked = int(getattr(result, "rowcount", 0) or 0)
    if marked:
        tx.audit("alert.acknowledge", "alert", row.id, event_id=row.event_id, grade=row.grade, records=marked)
    return marked


@action("alert.silence", permission="alerts.manage")
def add_silence(tx: Tx, until: datetime, reason: str, *, rule_id: int | None = None, channel_id: int | None = None,
                event_id: int | None = None) -> int:
    """Hold back, until `until`, the alerts of a rule, to a channel and/or about an event (at least one; a
    reason is required). What is still due when it ends is sent then."""
    if not reason.strip():
        raise AlertConfigError("请填写静默的理由")
    if rule_id is None and channel_id is None and event_id is None:
        raise AlertConfigError("静默须指定规则、渠道或事件中的至少一项")
    if aware(until) <= utcnow():
        raise AlertConfigError("静默的结束时间须晚于现在")
    for table, key, label in ((AlertRule, rule_id, "预警规则"), (AlertChannel, channel_id, "预警渠道"), (Event, event_id, "事件")):
        if key is not None and tx.session.get(table, key) is None:
            raise AlertConfigError(f"{label} {key} 不存在")
    row = AlertSilence(rule_id=rule_id, channel_id=channel_id, event_id=event_id, starts_at=utcnow(), ends_at=until,
                       reason=reason.strip(), created_by_id=tx.actor.user_id)
    tx.session.add(row)
    tx.session.flush()
    tx.audit("alert.silence", "alert_silence", row.id, reason=row.reason, ends_at=aware(until).isoformat(),
             rule_id=rule_id, channel_id=channel_id, event_id=event_id)
    return row.id


@action("alert.unsilence", permission="alerts.manage")
def end_silence(tx: Tx, silence_id: int) -> None:
    """End a silence now; what it held back goes out at the next run."""
    row = tx.session.get(AlertSilence, silence_id)
    if row is None:
        raise NotFound(f"静默 {silence_id} 不存在")
    if aware(row.ends_at) > utcnow():
        row.ends_at = utcnow()
        tx.audit("alert.unsilence", "alert_silence", row.id, reason=row.reason)


TEST_TITLE = "这是一条来自舆情平台的测试消息，无需处理"


def send_test(ws: Any, actor: Any, channel_id: int) -> str:
    """Send a test message through the channel's real adapter (not the sent-log: it is no alert) and record
    the outcome (audited); returns "" when it went out, else the reason in Chinese."""
    from yuqing.alert.channels import ChannelSpec, SendError, make_channel
    from yuqing.domain.alerts import AlertMessage
    from yuqing.domain.roles import PermissionDenied

    if not actor.can("alerts.manage"):
        raise PermissionDenied("没有管理预警的权限")
    with ws.db.read() as s:
        row = s.get(AlertChannel, channel_id)
        if row is None:
            raise NotFound(f"预警渠道 {channel_id} 不存在")
        spec = ChannelSpec(row.id, row.name, row.kind, row.target, row.secret, dict(row.config or {}))
    message = AlertMessage(delivery_id=0, rule_name="测试消息（非预警）", event_id=0, event_title=TEST_TITLE, grade="IV",
                           warning_kind="测试消息", warning_reason=f"{actor.name} 在预警设置页发送的测试消息，用于检查渠道是否畅通")
    try:
        make_channel(spec, ws).send(message)
        error = ""
    except SendError as exc:
        error = str(exc)
    except Exception as exc:  # a bug in an adapter is a failed test, shown as such
        error = f"发送时程序出错（{type(exc).__name__}）"
    record_test(ws, actor, channel_id, error)
    return error


@action("alert.channel_test", permission="alerts.manage")
def record_test(tx: Tx, channel_id: int, error: str) -> None:
    """The outcome of a test message (a working test clears the channel's failure count)."""
    row = tx.session.get(AlertChannel, channel_id)
    if row is None:
        raise NotFound(f"预警渠道 {channel_id} 不存在")
    if not error and row.consecutive_failures:
        row.consecutive_failures, row.failing_warned = 0, False
    tx.audit("alert.channel_test", "alert_channel", row.id, name=row.name, delivered=not error, error=error[:300] or None)
