"""SQLAlchemy tables for the core data model (DESIGN.md). One schema on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, defer, mapped_column, relationship, selectinload

from yuqing.clock import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Times are stored in UTC and always come back time-zone aware, on SQLite (which keeps no zone) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value  # naive values are taken as UTC already
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON, datetime: UTCDateTime()}


class Unit(Base):
    """A responsible unit: 乡镇/街道 (by place) or 部门 (by matter), as a tree."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="department")  # town | street | department | office
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place: Mapped[str | None] = mapped_column(String(100))  # the gazetteer place it is responsible for
    contact: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Role(Base):
    __tablename__ = "roles"
    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role_code: Mapped[str] = mapped_column(ForeignKey("roles.code"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    unit: Mapped[Unit | None] = relationship()
    role: Mapped[Role] = relationship()


class LoginSession(Base):
    """A server-side login session; the cookie holds only the random token."""

    __tablename__ = "login_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class LoginThrottle(Base):
    """Login attempts per normalised user name in the current window, counted before the password is checked."""

    __tablename__ = "login_throttle"
    name_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column()


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # rss | web | board | file | push | account
    url: Mapped[str | None] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=1800)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    official: Mapped[bool] = mapped_column(Boolean, default=False)  # the district's own account
    health: Mapped[str] = mapped_column(String(20), default="new")  # new | ok | down | blocked | stale
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column()
    last_new_item_at: Mapped[datetime | None] = mapped_column()
    push_token_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FetchRun(Base):
    __tablename__ = "fetch_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="running")  # running | ok | error | blocked
    http_status: Mapped[int | None] = mapped_column(Integer)
    new_items: Mapped[int] = mapped_column(Integer, default=0)
    updated_items: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class Event(Base):
    """A cluster of relevant items about one happening."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    title_pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # chosen by an analyst
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    places: Mapped[list[Any]] = mapped_column(default=list)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    heat: Mapped[float] = mapped_column(Float, default=0.0)
    heat_factors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    grade: Mapped[str | None] = mapped_column(String(4))  # I | II | III | IV (an analyst's, when overridden)
    # The computed assessment (domain/grading.py: grade, score, factors), kept even while overridden.
    grade_factors: Mapped[dict[str, Any]] = mapped_column(default=dict)
    grade_score: Mapped[float | None] = mapped_column(Float)  # the computed score, 0..100
    grade_overridden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    graded_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="open")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))  # an analyst split it from this one
    analysis_version: Mapped[int | None] = mapped_column(BigInteger, index=True)  # batch that last wrote it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventGrade(Base):
    """The grade history of an event: each change the pipeline computed, each override and each lift."""

    __tablename__ = "event_grades"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # computed | override | lift
    from_grade: Mapped[str | None] = mapped_column(String(4))
    to_grade: Mapped[str | None] = mapped_column(String(4))
    score: Mapped[float | None] = mapped_column(Float)
    why: Mapped[str] = mapped_column(Text, default="")  # the factor summary, or the analyst's reason
    factors: Mapped[list[Any]] = mapped_column(default=list)  # [{name, label, contribution}] at that time
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str | None] = mapped_column(String(100))


class Item(Base):
    """One post, with its evidence. An edited post becomes a new version of the same item."""

    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source_id", "item_key", name="uq_items_source_key"),
        Index("ix_items_published", "published_at"),
        Index("ix_items_captured", "captured_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(300))  # external id, else canonical URL, else content hash
    external_id: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    original_text: Mapped[str | None] = mapped_column(Text)  # kept when text was converted (e.g. t2s)
    author_hash: Mapped[str | None] = mapped_column(String(64))  # salted hash; never the plain name
    author_public: Mapped[str | None] = mapped_column(String(200))  # only official/verified accounts
    published_at: Mapped[datetime | None] = mapped_column()
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))  # of the bytes as received: the evidence
    raw_snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed, posters redacted
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))  # of the stored copy; NULL: stored unredacted
    raw_content_type: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    reposts: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")  # bigrams of title + text
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    # Analysis results (filled by the analysis pipeline).
    analysed_at: Mapped[datetime | None] = mapped_column()
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    places: Mapped[list[Any]] = mapped_column(default=list)
    sentiment: Mapped[str | None] = mapped_column(String(10))
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    topics: Mapped[list[Any]] = mapped_column(default=list)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # What the events stage read of it (keywords, places, headline): a replay need not segment again.
    analysis_features: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    analysis_version: Mapped[int | None] = mapped_column(BigInteger, index=True)  # the batch that analysed it
    # A worker's claim on a pending item (a lease): taken per batch, cleared when its results are written.
    claimed_by: Mapped[str | None] = mapped_column(String(80), index=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column()

    source: Mapped[Source] = relationship()


# What a list of items (feed, search, event page) loads: the sources in one more query (not one per item),
# and not the raw snapshot, the search bigrams or the analysis features, which no list shows (they are most
# of a row's bytes and its JSON decoding).
ITEM_LISTED = (selectinload(Item.source), defer(Item.raw_snapshot), defer(Item.search_text),
               defer(Item.analysis_features))
# What a list of events loads: not the heat and grade factors, which only the event page shows.
EVENT_LISTED = (defer(Event.heat_factors), defer(Event.grade_factors))


class AnalysisState(Base):
    """The one row every analysis worker checks its cache against (see yuqing.analysis_service).

    `version` moves with every stored batch and every analyst decision; `rebuild_version` only with an
    analyst decision (merge, split, retitle, relevance) or a profile edit, after which every worker
    rebuilds its cache from the tables; `profile_version` only with a profile edit.
    """

    __tablename__ = "analysis_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    rebuild_version: Mapped[int] = mapped_column(BigInteger, default=0)
    profile_version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ItemVersion(Base):
    """An earlier version of an item, kept when the post was edited."""

    __tablename__ = "item_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    raw_snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column()


class Case(Base):
    """A real problem that a responsible unit must handle by a deadline."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(30), default="found", index=True)
    grade: Mapped[str | None] = mapped_column(String(4))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    assignments: Mapped[list[Assignment]] = relationship(back_populates="case", cascade="all, delete-orphan")


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("case_id", "unit_id", name="uq_assignments_case_unit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="lead")  # lead | assist
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column()

    case: Mapped[Case] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()


class AuditEntry(Base):
    """Append-only, hash-chained record of every state change (and sensitive views)."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Notification(Base):
    """An in-app message to a role, a unit or one user (domain/notifications.py); read state is per user."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_audience_id", "audience", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    audience: Mapped[str] = mapped_column(String(30))  # role code, "unit:<id>" or "user:<id>"
    kind: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))


class NotificationRead(Base):
    """A read receipt: this user has read this notification (others in the same audience have not)."""

    __tablename__ = "notification_reads"
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """The last run of one periodic job, so the schedule survives restarts and is shared by every engine
    (in-process or Celery) and every machine: a job whose period has passed since `started_at` is due."""

    __tablename__ = "job_runs"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    started_at: Mapped[datetime | None] = mapped_column()  # claimed by a runner at this time
    finished_at: Mapped[datetime | None] = mapped_column()  # None while it runs (or if it died)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    runs: Mapped[int] = mapped_column(Integer, default=0)


# Tables of the other areas live in their own modules; importing them here puts them in the metadata.
from yuqing.store import (  # noqa: E402, F401
    tables_alert,
    tables_case,
    tables_collect,
    tables_direct,
    tables_publish,
    tables_report,
)
