"""Tables of the alerts (R-ALERT): channels, rules as data, and the sent-log that makes sending exactly once.

The sent-log's unique key (rule, event, grade, recipient) decides who sends: whoever inserts the row sends
the message, every other run or worker finds the row and leaves it (restarts, re-analysis, races).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
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
    to_duty: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # the person on duty
    # Also early warnings (预警: volume spikes, emergency keywords) matching its topic, place, keyword, source
    # and unit, whatever the grade.
    early_warning: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRuleChannel(Base):
    __tablename__ = "alert_rule_channels"
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"), primary_key=True)


class AlertDelivery(Base):
    """The sent-log: one message of one rule about one event at one grade to one recipient; or, for an early
    warning (grade "W"), about one warning (warning_id; 0 for a grade alert)."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("rule_id", "event_id", "grade", "recipient", "warning_id", name="uq_alert_deliveries_key"),
        Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    grade: Mapped[str] = mapped_column(String(4))
    recipient: Mapped[str] = mapped_column(String(60))  # "channel:<id>", "role:<code>" or "duty"
    warning_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)  # AlertWarning.id
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


class AlertWarning(Base):
    """An early warning (预警, R-ANALYSE-8): a spike in an event's volume or in a topic × place's against its
    rolling baseline, or an emergency keyword during a monitoring window; with its reason in Chinese. The unique
    key (kind, subject, day) with a cooldown makes one warning per subject and episode (yuqing.alert.warnings)."""

    __tablename__ = "alert_warnings"
    __table_args__ = (UniqueConstraint("kind", "subject", "day", name="uq_alert_warnings_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # event_spike | area_spike | keyword
    subject: Mapped[str] = mapped_column(String(300))  # "event:12", "area:emergency|河口镇", "keyword:爆炸|event:12"
    day: Mapped[str] = mapped_column(String(10))  # the China date of window_end
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str | None] = mapped_column(String(100))
    place: Mapped[str | None] = mapped_column(String(100))
    keyword: Mapped[str | None] = mapped_column(String(100))
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    baseline_median: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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


class DutyShift(Base):
    """One person on duty (值班) from `starts_at` to `ends_at`; level 1 值班员, 2 带班领导 … (the escalation
    order). Emergency shifts count only while emergency mode or a planned monitoring window is on."""

    __tablename__ = "duty_shifts"
    __table_args__ = (Index("ix_duty_shifts_span", "starts_at", "ends_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    level: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(20), default="regular")  # regular | emergency
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DutyHandover(Base):
    """A hand-over note (交接班记录) written on a shift: what is going on, what the next person must watch."""

    __tablename__ = "duty_handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shifts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class DutyPage(Base):
    """One step of an alert's escalation chain: the person on duty paged (step 0), the next in the chain
    (1, 2 …), then the office (user_id None). The unique key (delivery, step) makes each escalation happen once
    however many runners look at a missed acknowledgement."""

    __tablename__ = "duty_pages"
    __table_args__ = (
        UniqueConstraint("delivery_id", "step", name="uq_duty_pages_step"),
        Index("ix_duty_pages_due", "acknowledged_at", "escalated_at", "ack_due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("alert_deliveries.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: the office
    paged_at: Mapped[datetime] = mapped_column(default=utcnow)
    ack_due_at: Mapped[datetime | None] = mapped_column()  # None: the end of the chain (the office)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ack_via: Mapped[str | None] = mapped_column(String(20))  # link | inbox | centre
    escalated_at: Mapped[datetime | None] = mapped_column()
    email_error: Mapped[str] = mapped_column(Text, default="")


class NotificationPref(Base):
    """One person's choice for one kind of notification: inbox only (no row, or email False) or also e-mail."""

    __tablename__ = "notification_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationEmail(Base):
    """The e-mail of one notification to one person: the unique key sends it once, however many runners."""

    __tablename__ = "notification_emails"
    __table_args__ = (UniqueConstraint("notification_id", "user_id", name="uq_notification_emails_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="sending")  # sending | sent | failed
    at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str] = mapped_column(Text, default="")


class EventForward(Base):
    """Reporting upward (上报): an event marked as belonging to a higher level, its forward package (kept as sent,
    with its SHA-256) and the sending through a channel to the city-level recipient. Unique per event and channel:
    once per recipient (a failed send is retried with the same package)."""

    __tablename__ = "event_forwards"
    __table_args__ = (UniqueConstraint("event_id", "channel_id", name="uq_event_forwards_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(100))  # the channel's name when it was sent
    reason: Mapped[str] = mapped_column(Text, default="")
    package: Mapped[dict[str, Any]] = mapped_column(default=dict)
    package_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="sending")  # sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
