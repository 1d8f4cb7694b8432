"""Tables owned by collection: per-source HTTP state, shared raw bodies, monitoring windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yuqing.clock import utcnow
from yuqing.store.tables import Base


class SourceState(Base):
    """What the last successful fetch of a source left behind: validators for a conditional GET and
    the hash of the body, so an unchanged feed is not parsed again. Written in the same transaction
    that finishes the run, after every item of it is committed."""

    __tablename__ = "source_states"
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_body_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RawBody(Base):
    """A raw response body shared by many items (a feed, a list page, an export), stored once by hash.

    Items point here through `Item.raw_sha256` when they have no raw bytes of their own
    (`Item.raw_snapshot` is then empty); see `yuqing.collect.evidence.raw_evidence`.
    """

    __tablename__ = "raw_bodies"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    snapshot: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed, posters redacted; None once purged
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))  # of the stored copy; NULL: stored unredacted


class MonitoringWindow(Base):
    """Heightened monitoring: emergency mode (突发事件24小时监测, open-ended until switched off) or a
    window planned ahead for a sensitive date (重要时间节点). While active, the chosen sources (all
    sources when none are chosen) are polled at `interval_seconds` at most, and items matching the
    keywords are tagged. A planned window may name its duty arrangement (值班安排): the people, in escalation
    order, who are paged while it is on. The window job records when it actually switched on and off."""

    __tablename__ = "monitoring_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="emergency")  # emergency | planned
    name: Mapped[str] = mapped_column(String(200), default="")
    source_ids: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(100), default="")
    ended_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    duty_user_ids: Mapped[list[Any]] = mapped_column(default=list)  # 值班安排: user ids, level 1 first
    switched_on_at: Mapped[datetime | None] = mapped_column()  # when the window job found it started
    switched_off_at: Mapped[datetime | None] = mapped_column()  # when it found it ended (or it was ended early)
