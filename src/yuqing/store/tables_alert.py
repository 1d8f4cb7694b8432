"""Tables of the alerts (R-ALERT): channels, rules as data, and the sent-log that makes sending exactly once.

The sent-log's unique key (rule, event, grade, recipient) decides who sends: whoever inserts the row sends
the message, every other run or worker finds the row and leaves it (restarts, re-analysis, races).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.clock import utcnow
from yuqing.store.tables import Base


class AlertChannel(Base):
    """Where alerts go: an e-mail list, a WeCom/DingTalk robot, a webhook, an SMS gateway, an in-app audience."""

    __tablename__ = "alert_channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # email | wecom | dingtalk | webhook | sms | inapp
    target: Mapped[str] = mapped_column(Text)  # addresses, robot URL, webhook URL, SMS URL template, role code
    secret: Mapped[str | None] = mapped_column(String(300))  # signing secret / API key; never shown
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # SMS: method, body, headers, ok_contains
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_warned: Mapped[bool] = mapped_column(Boolean, default=False)  # the admin was told it keeps failing
    last_sent_at: Mapped[datetime | None] = mapped_column()
    last_failed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRule(Base):
    """Which events alert whom: a minimum grade and optional topic, place, keyword, source and unit (the
    unit's place is named, or a case about the event is assigned to it); the channels and roles it routes to."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    min_grade: Mapped[str] = mapped_column(String(4))  # I | II | III | IV
    topic: Mapped[str | None] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(100))
    keyword: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(200))  # a source's name or "#id"
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))  # by place or case
    roles: Mapped[list[Any]] = mapped_column(default=list)  # role codes told in-app
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRuleChannel(Base):
    __tablename__ = "alert_rule_channels"
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"), primary_key=True)


class AlertDelivery(Base):
    """The sent-log: one message of one rule about one event at one grade to one recipient."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("rule_id", "event_id", "grade", "recipient", name="uq_alert_deliveries_key"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    grade: Mapped[str] = mapped_column(String(4))
    recipient: Mapped[str] = mapped_column(String(60))  # "channel:<id>" or "role:<code>"
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("alert_channels.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="sending")  # sending | sent | retrying | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # retrying: when; sending: the claim's lease
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AlertAttempt(Base):
    """Each try of a delivery: when, whether it worked, what the far end said (the page shows failures)."""

    __tablename__ = "alert_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class AlertSilence(Base):
    """A silence (Alertmanager's idea, as data): while it lasts, alerts matching every field it sets are held
    back; those still due when it ends are sent then. Empty fields match everything."""

    __tablename__ = "alert_silences"
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
