"""Tables of publishing governance (网络宣传管理, R-PUBLISH-1…4): the district's OWN websites and new-media
accounts, their admission (准入), sign-off before publishing (签发), what the checks found on them, the
correction orders that follow, the filing of official statements (申报备案) and the wrong-words list.

Who writes what (every write goes through an action in `yuqing.publish`, audited):

| table                   | written by                                                                      |
|-------------------------|---------------------------------------------------------------------------------|
| channels                | publish.registry (add, edit, admission state, closed); the freshness check       |
|                         | (publish.freshness, `channels check`) writes last_update, zombie/zombie_since,   |
|                         | last_checked_at, last_http_status and answering                                  |
| channel_applications    | publish.admission (apply → review → approve/reject → close)                      |
| publications            | publish.signoff (draft → approve → published, and the live check after it)       |
| channel_posts           | whoever reads a channel's feed/list page: the freshness check and the unsigned   |
|                         | scan of publish.signoff; matched to a publication when the URL or text agrees    |
| channel_findings        | publish.signoff (mismatch, unsigned); the freshness check (broken_link,          |
|                         | wrong_word, zombie). One row per (channel, kind, key): seen again → last_seen_at |
| correction_orders       | the correction-order actions (fresh helper): issue, explain, confirm by refetch  |
| statement_filings/links | publish.filings (by hand, and automatically when a case reply is released)       |
| wrong_words             | workspace data: the office edits it; the wrong-word check reads it               |
| publish_routes          | publish.deliver.set_routes (发布监管提醒渠道, on the notification settings page)   |
| publish_deliveries      | publish.deliver: queued beside the inbox notice of a finding, sent by send_due   |

States are short English codes (documented beside each column); the UI shows them in Chinese.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.clock import utcnow
from yuqing.store.tables import Base


class Channel(Base):
    """A government website or new-media account of the district (政务网站 / 政务新媒体).

    `admission` mirrors the newest application's state ("none" when nobody applied yet), so the registry
    and the clean-up list (清理整顿清单) read one row per channel. `closed` is the registry's own mark
    (closed down, 关停); `answering` is what the last check saw (a closed channel still answering is on the
    clean-up list)."""

    __tablename__ = "channels"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # website | weibo | wechat | app | video | leader
    name: Mapped[str] = mapped_column(String(200))
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # 主办单位; None: 无主
    responsible_person: Mapped[str] = mapped_column(String(100), default="")  # 负责人
    administrator: Mapped[str] = mapped_column(String(100), default="")  # 管理员 (who runs it day to day)
    url: Mapped[str] = mapped_column(Text)  # home page or account page
    feed_url: Mapped[str | None] = mapped_column(Text)  # RSS/Atom feed or article list page polled
    cadence: Mapped[str] = mapped_column(String(10), default="weekly")  # daily (major news) | weekly (general)
    admission: Mapped[str] = mapped_column(String(20), default="none")  # none|applied|approved|rejected|closed
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # 已关停
    closed_at: Mapped[datetime | None] = mapped_column()
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))  # when collected
    last_update: Mapped[datetime | None] = mapped_column()  # newest post seen on the feed/list page
    last_checked_at: Mapped[datetime | None] = mapped_column()
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    answering: Mapped[bool | None] = mapped_column(Boolean)  # last check got an answer (None: never checked)
    zombie: Mapped[bool] = mapped_column(Boolean, default=False)  # 僵尸: no update for 14 days
    zombie_since: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)  # made by the demo


class ChannelApplication(Base):
    """An admission application (准入申请): applied → approved | rejected (by 网宣办) → closed.

    `attachments` holds the construction plan (建设方案) and the security rules (安全管理制度) as
    [{"kind": "construction_plan"|"security_rules", "filename", "sha256", "size", "path"}]; `*_text` keep a
    typed summary when no file is attached."""

    __tablename__ = "channel_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="applied")  # applied | approved | rejected | closed
    construction_plan_text: Mapped[str] = mapped_column(Text, default="")
    security_rules_text: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applicant_name: Mapped[str] = mapped_column(String(100), default="")
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_name: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str] = mapped_column(Text, default="")  # the reason, required when rejecting
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_name: Mapped[str | None] = mapped_column(String(100))
    close_reason: Mapped[str] = mapped_column(Text, default="")


class Publication(Base):
    """An article for an own channel: draft → approved (签发 by the unit leader) → published (by the uploader).

    `text` is frozen at approval; `content_sha256` is the SHA-256 of its normalised form
    (publish.normalise). The leader answers for what was signed (`signed_by_*`), the named uploader for the
    match between signed and live (`uploader_*`). `live_check`: pending | match | mismatch | unreachable."""

    __tablename__ = "publications"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")  # draft | approved | rejected | published
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))  # of the normalised text
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    drafted_by_name: Mapped[str] = mapped_column(String(100), default="")
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the leader who signed
    signed_by_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[datetime | None] = mapped_column()
    review_note: Mapped[str] = mapped_column(Text, default="")
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # named at drafting
    uploader_name: Mapped[str] = mapped_column(String(100), default="")
    live_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column()
    live_check: Mapped[str | None] = mapped_column(String(20))  # pending | match | mismatch | unreachable
    live_checked_at: Mapped[datetime | None] = mapped_column()
    live_text: Mapped[str | None] = mapped_column(Text)  # main text extracted from the live page
    live_sha256: Mapped[str | None] = mapped_column(String(64))  # of the normalised live text
    live_error: Mapped[str] = mapped_column(Text, default="")
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)


class ChannelPost(Base):
    """An article seen live on a channel's feed or list page; `publication_id` when it matches a signed one
    (None after matching was tried: 未经签发). Feeds the freshness figures (posts per week)."""

    __tablename__ = "channel_posts"
    __table_args__ = (UniqueConstraint("channel_id", "url", name="uq_channel_posts_channel_url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column()  # as the feed says; else first_seen_at
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id", ondelete="SET NULL"))
    signed: Mapped[bool | None] = mapped_column(Boolean)  # None: not matched yet


class ChannelFinding(Base):
    """Something wrong found on an own channel, shown in place and counted in the registry.

    kind: mismatch (live ≠ signed) | unsigned (live, never signed) | broken_link | wrong_word | zombie.
    `key` makes a finding idempotent per channel and kind (the publication id, the broken link's URL + page,
    the word + page, the zombie period); `data` holds the details ({"signed", "live"} for a mismatch,
    {"link", "status"} for a broken link, {"word", "suggestion", "context"} for a wrong word)."""

    __tablename__ = "channel_findings"
    __table_args__ = (UniqueConstraint("channel_id", "kind", "key", name="uq_channel_findings_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # mismatch | unsigned | broken_link | wrong_word | zombie
    key: Mapped[str] = mapped_column(String(300))
    publication_id: Mapped[int | None] = mapped_column(ForeignKey("publications.id", ondelete="SET NULL"))
    page_url: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")  # one readable line in Chinese
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()  # None: still open


class CorrectionOrder(Base):
    """整改通知: wrong content on an own channel, sent to the owner unit with a working-day deadline.

    state: open → explained (the unit filed 情况说明) → confirmed (a re-fetch saw it fixed); overdue is
    computed (open or explained past `due_at`, not confirmed) and counts against the unit."""

    __tablename__ = "correction_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("channel_findings.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # the owner unit
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | explained | confirmed
    detail: Mapped[str] = mapped_column(Text, default="")  # what must be corrected
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_by_name: Mapped[str] = mapped_column(String(100), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column()
    explanation: Mapped[str] = mapped_column(Text, default="")  # 情况说明
    explained_by_name: Mapped[str | None] = mapped_column(String(100))
    explained_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()  # the re-fetch that saw it fixed
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)


class StatementFiling(Base):
    """申报备案 of an official statement (新闻通稿/权威发布) or a spokesperson release, with its approval.

    state: filed → approved | rejected. A case reply released by the case desk is filed automatically
    (`reply_id`, approved by whoever approved the reply)."""

    __tablename__ = "statement_filings"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="statement")  # statement | spokesperson | reply
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(Text)  # where it was released
    released_at: Mapped[datetime | None] = mapped_column()
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="SET NULL"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="filed")  # filed | approved | rejected
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_by_name: Mapped[str] = mapped_column(String(100), default="")
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_name: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column()
    approval_note: Mapped[str] = mapped_column(Text, default="")
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)


class StatementLink(Base):
    """A filing answers this event or this case (one of the two per row)."""

    __tablename__ = "statement_links"
    __table_args__ = (Index("ix_statement_links_filing", "filing_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("statement_filings.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class WrongWord(Base):
    """One entry of the wrong-words list (workspace data): what must not appear, and what to write instead.

    kind: outdated (outdated title or office name) | misspelling (misspelt official name) | banned."""

    __tablename__ = "wrong_words"
    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(100), unique=True)
    suggestion: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), default="misspelling")  # outdated | misspelling | banned
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishRoute(Base):
    """发布监管提醒渠道: whether one kind of publishing finding (mismatch, unsigned, zombie, closed_live, overdue)
    goes to one alert channel, as the office chose. No row: not sent (publish/deliver.py)."""

    __tablename__ = "publish_routes"
    finding_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishDelivery(Base):
    """The publishing findings' sent-log: one finding to one alert channel. The unique key (kind, subject,
    channel) decides who sends: whoever inserts the row; a rerun finds it and queues nothing. `subject` names
    the finding (finding:<id>, order:<id>, or closed:<channel id>:<check time> for a closed channel seen
    answering again); `data` keeps what the message says as it was found (the diff's changed sentences too).
    Failures are retried on the alerts' backoff (queued → sending → sent | retrying → failed)."""

    __tablename__ = "publish_deliveries"
    __table_args__ = (
        UniqueConstraint("finding_kind", "subject", "channel_id", name="uq_publish_deliveries_key"),
        Index("ix_publish_deliveries_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(120))
    own_channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    link: Mapped[str] = mapped_column(String(300), default="")  # the diff, channel or order page
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("alert_channels.id", ondelete="SET NULL"), index=True)
    channel_name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | sending | sent | retrying | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # queued/retrying: when; sending: the claim's lease
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
