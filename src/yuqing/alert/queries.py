"""What the alert centre and `alerts channel list` read: channels with their health, rules, sent alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yuqing.clock import utcnow
from yuqing.domain.alerts import CHANNEL_KINDS, FAILING_AFTER, STATUS_LABELS, grade_label
from yuqing.domain.roles import ROLE_NAMES
from yuqing.store.tables import Event, Unit, User
from yuqing.store.tables_alert import (
    AlertChannel,
    AlertDelivery,
    AlertRule,
    AlertRuleChannel,
    AlertSilence,
    AlertWarning,
)
from yuqing.workspace import Workspace


def channel_health(ch: AlertChannel) -> str:
    """In words: 停用, 正常, 连续失败 N 次, 尚未发送."""
    if not ch.active:
        return "已停用"
    if ch.consecutive_failures >= FAILING_AFTER:
        return f"故障：连续 {ch.consecutive_failures} 次发送失败"
    if ch.consecutive_failures:
        return f"最近发送失败 {ch.consecutive_failures} 次"
    return "正常" if ch.last_sent_at else "尚未发送"


def target_label(kind: str, target: str, people: dict[str, str] | None = None) -> str:
    """A channel's target as the alert centre shows it: an in-app target by the role's or person's name,
    a robot or gateway address without its query (where WeCom and DingTalk keep their keys)."""
    if kind == "inapp":
        if target.startswith("user:"):
            name = target[5:].strip()
            return f"{(people or {}).get(name, name)} 本人的站内通知"
        return f"{ROLE_NAMES.get(target, target)}（全体）的站内通知"
    if "://" in target:
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…（密钥已隐去）" if parts.query else "")
    return target


def channel_rows(ws: Workspace) -> list[dict[str, Any]]:
    with ws.db.read() as s:
        rows = list(s.execute(select(AlertChannel).order_by(AlertChannel.id)).scalars())
        wanted = [c.target[5:].strip() for c in rows if c.kind == "inapp" and c.target.startswith("user:")]
        people = dict(s.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all()
                      ) if wanted else {}
    return [{"id": c.id, "name": c.name, "kind": c.kind, "target": c.target,
             "target_label": target_label(c.kind, c.target, people), "signed": bool(c.secret),
             "active": c.active, "consecutive_failures": c.consecutive_failures, "health": channel_health(c),
             "last_sent_at": c.last_sent_at, "last_failed_at": c.last_failed_at} for c in rows]


def rule_rows(ws: Workspace) -> list[dict[str, Any]]:
    with ws.db.read() as s:
        rules = list(s.execute(select(AlertRule).order_by(AlertRule.id)).scalars())
        links = s.execute(select(AlertRuleChannel.rule_id, AlertRuleChannel.channel_id)).all()
    channels: dict[int, list[int]] = {}
    for rule_id, channel_id in links:
        channels.setdefault(rule_id, []).append(channel_id)
    return [{"id": r.id, "name": r.name, "min_grade": r.min_grade, "topic": r.topic, "place": r.place,
             "keyword": r.keyword, "source": r.source, "unit_id": r.unit_id, "channels": sorted(channels.get(r.id, [])),
             "roles": list(r.roles or []), "to_duty": r.to_duty, "early_warning": r.early_warning,
             "active": r.active} for r in rules]


def _active_silences(s: Session) -> list[AlertSilence]:
    now = utcnow()
    return list(s.execute(select(AlertSilence).where(AlertSilence.starts_at <= now, AlertSilence.ends_at > now)
                          .order_by(AlertSilence.ends_at)).scalars())


def silence_rows(ws: Workspace) -> list[dict[str, Any]]:
    with ws.db.read() as s:
        return [{"id": x.id, "rule_id": x.rule_id, "channel_id": x.channel_id, "event_id": x.event_id,
                 "starts_at": x.starts_at, "ends_at": x.ends_at, "reason": x.reason} for x in _active_silences(s)]


@dataclass
class ChannelView:
    id: int
    name: str
    kind_label: str
    target: str
    health: str
    failing: bool
    last_sent_at: datetime | None
    last_error: str


@dataclass
class RuleView:
    id: int
    name: str
    grade_label: str
    criteria: str
    routes: str
    active: bool


@dataclass
class AlertView:
    id: int
    event_id: int
    event_title: str
    grade_label: str
    rule_name: str
    recipient: str
    status: str
    status_label: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str
    acknowledged: bool
    reason: str = ""  # an early warning's, in Chinese


@dataclass
class WarningView:
    id: int
    kind_label: str
    reason: str
    event_id: int | None
    event_title: str
    window_end: datetime
    deliveries: int


def _target(ch: AlertChannel) -> str:
    """The target as a page may show it: robot keys and tokens cut off."""
    if ch.kind == "inapp":
        return f"用户 {ch.target[5:]}" if ch.target.startswith("user:") else ROLE_NAMES.get(ch.target, "角色")
    if ch.kind in ("wecom", "dingtalk", "webhook", "sms"):
        return ch.target.split("?", 1)[0]
    return ch.target


# The alert centre's filters (已触发 is everything sent or being sent).
FILTERS: dict[str, str] = {"fired": "已触发", "acknowledged": "已确认", "escalated": "已升级", "silenced": "已静默"}


def centre(s: Session, limit: int = 100, show: str = "fired") -> dict[str, Any]:
    channels = list(s.execute(select(AlertChannel).order_by(AlertChannel.id)).scalars())
    names = {c.id: c.name for c in channels}
    channel_views = [ChannelView(c.id, c.name, CHANNEL_KINDS.get(c.kind, "其他"), _target(c), channel_health(c),
                                 c.active and c.consecutive_failures >= FAILING_AFTER, c.last_sent_at,
                                 c.last_error) for c in channels]
    routes: dict[int, list[str]] = {}
    for rule_id, channel_id in s.execute(select(AlertRuleChannel.rule_id, AlertRuleChannel.channel_id)):
        routes.setdefault(rule_id, []).append(names.get(channel_id, "已删除的渠道"))
    rules = list(s.execute(select(AlertRule).order_by(AlertRule.id)).scalars())
    rule_names = {r.id: r.name for r in rules}
    unit_names = dict(s.execute(select(Unit.id, Unit.name)).all()) if any(r.unit_id for r in rules) else {}
    rule_views = []
    for r in rules:
        criteria = [f"{k}：{v}" for k, v in (("领域", r.topic), ("地点", r.place), ("关键词", r.keyword),
                                            ("信息源", r.source),
                                            ("单位", unit_names.get(r.unit_id) if r.unit_id else None)) if v]
        to = routes.get(r.id, []) + [f"站内·{ROLE_NAMES.get(x, x)}" for x in r.roles or []] + \
            (["值班人员（未确认则升级）"] if r.to_duty else [])
        grades = f"{grade_label(r.min_grade)}及以上" + ("，以及预警信号" if r.early_warning else "")
        rule_views.append(RuleView(r.id, r.name, grades, "；".join(criteria) or "不限", "、".join(to) or "无", r.active))
    from yuqing.store.tables_alert import DutyPage

    stmt = (select(AlertDelivery, Event.title, AlertWarning.reason).join(Event, Event.id == AlertDelivery.event_id)
            .outerjoin(AlertWarning, AlertWarning.id == AlertDelivery.warning_id))
    page_acked = select(DutyPage.id).where(DutyPage.delivery_id == AlertDelivery.id,
                                           DutyPage.acknowledged_at.is_not(None)).exists()
    if show == "acknowledged":
        stmt = stmt.where(or_(AlertDelivery.acknowledged_at.is_not(None), page_acked))
    elif show == "escalated":
        stmt = stmt.where(select(DutyPage.id).where(DutyPage.delivery_id == AlertDelivery.id,
                                                    DutyPage.step >= 1).exists())
    rows = s.execute(stmt.order_by(AlertDelivery.id.desc()).limit(limit)).all() if show != "silenced" else []
    alerts = []
    for d, title, reason in rows:
        if d.channel_id is not None:
            recipient = names.get(d.channel_id, "已删除的渠道")
        elif d.recipient.startswith("role:"):
            recipient = "站内·" + ROLE_NAMES.get(d.recipient[5:], "角色")
        elif d.recipient == "duty":
            recipient = "值班人员"
        else:
            recipient = "已删除的渠道"
        alerts.append(AlertView(d.id, d.event_id, title, grade_label(d.grade), rule_names.get(d.rule_id, "已删除的规则"),
                                recipient, d.status, STATUS_LABELS.get(d.status, "未知"), d.attempts, d.created_at,
                                d.sent_at, d.last_error, d.acknowledged_at is not None, reason or ""))
    silences = []
    for x in _active_silences(s):
        scope = [f"规则“{rule_names.get(x.rule_id, '已删除的规则')}”" if x.rule_id else "",
                 f"渠道“{names.get(x.channel_id, '已删除的渠道')}”" if x.channel_id else "",
                 f"事件 #{x.event_id}" if x.event_id else ""]
        silences.append({"id": x.id, "scope": "、".join(p for p in scope if p), "ends_at": x.ends_at,
                         "reason": x.reason})
    counts = dict(s.execute(select(AlertDelivery.status, func.count(AlertDelivery.id))
                            .group_by(AlertDelivery.status)).all())
    return {"channels": channel_views, "rules": rule_views, "alerts": alerts, "silences": silences,
            "warnings": warning_views(s),
            "counts": {STATUS_LABELS[k]: int(v) for k, v in counts.items() if k in STATUS_LABELS}}


def warning_views(s: Session, limit: int = 20) -> list[WarningView]:
    """The latest early warnings (预警信号), each with its reason and how many messages it went out as."""
    from yuqing.domain.early_warning import KIND_LABELS

    rows = s.execute(select(AlertWarning, Event.title).outerjoin(Event, Event.id == AlertWarning.event_id)
                     .order_by(AlertWarning.id.desc()).limit(limit)).all()
    ids = [w.id for w, _ in rows]
    sent = dict(s.execute(select(AlertDelivery.warning_id, func.count(AlertDelivery.id))
                          .where(AlertDelivery.warning_id.in_(ids or [-1])).group_by(AlertDelivery.warning_id)).all())
    return [WarningView(w.id, KIND_LABELS.get(w.kind, "预警"), w.reason, w.event_id, title or "", w.window_end,
                        int(sent.get(w.id, 0))) for w, title in rows]
