"""Saving fetched items: idempotent by (source, key), an edit becomes a new version, evidence kept.

The key of an item is its external id, else its canonical URL, else the hash of its content. The
content hash (of the original title and text) decides whether a re-fetched item is unchanged or an
edited version; the previous version goes to `item_versions` before the item is overwritten.
Authors are stored as salted hashes unless the source is an official account, in the raw snapshot and
in `extra` too (`collect.privacy`); the evidence hash is of the bytes as received.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.collect.base import MAX_COUNT, FetchedItem, canonical_url, clean_text, clean_value
from yuqing.collect.encoding import simplify
from yuqing.collect.privacy import redact_body, redact_named, redact_record
from yuqing.store.search import search_text
from yuqing.store.tables import Item, ItemVersion
from yuqing.store.tables_collect import RawBody

KEY_MAX = 300


@dataclass(slots=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: SaveCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(title: str, text: str) -> str:
    """Same formula as `yuqing.importer.content_hash`, so both paths agree on what "unchanged" means."""
    return hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()


def author_hash(salt: str, author: str) -> str:
    """Same formula as `yuqing.importer.author_hash`: one person hashes alike whichever way they came in."""
    return hashlib.sha256(f"{salt}\x00{author}".encode()).hexdigest()


def author_fields(author: str | None, official: bool, salt: str) -> tuple[str | None, str | None]:
    """(author_hash, author_public): a plain name only for official/verified accounts."""
    author = (author or "").strip()
    if not author:
        return None, None
    return (None, author[:200]) if official else (author_hash(salt, author), None)


def item_key(external_id: str | None, url: str | None, chash: str) -> str:
    if external_id and external_id.strip():
        key = external_id.strip()
    elif url and url.strip():
        key = canonical_url(url)
    else:
        key = chash
    return key if len(key) <= KEY_MAX else "sha256:" + sha256_hex(key.encode("utf-8"))


def save_raw_body(
    session: Session, body: bytes, url: str | None, content_type: str | None, now: datetime | None = None,
    *, salt: str | None = None, official: bool = False,
) -> str:
    """Store a shared raw body once (by the SHA-256 of the bytes as received) and return that hash.

    With a salt and a non-official source, the stored copy has its posters redacted (`collect.privacy`)."""
    digest = sha256_hex(body)
    if session.get(RawBody, digest) is None:
        stored = body if official or salt is None else redact_body(body, content_type, salt)
        session.add(
            RawBody(
                sha256=digest,
                url=url,
                content_type=(content_type or "")[:100] or None,
                size=len(body),
                captured_at=now or utcnow(),
                snapshot=zlib.compress(stored, 6),
                snapshot_sha256=sha256_hex(stored),  # = the evidence hash when nothing was redacted
            )
        )
        session.flush()
    return digest


def keyword_hits(keywords: Iterable[str], *texts: str) -> list[str]:
    joined = "\n".join(texts)
    return [k for k in keywords if k and k in joined]


def save_items(
    session: Session,
    source_id: int,
    official: bool,
    items: Sequence[FetchedItem],
    salt: str,
    *,
    shared_raw_sha: str | None = None,
    keywords: Sequence[str] = (),
    now: datetime | None = None,
) -> SaveCounts:
    """Insert or update a batch of items of one source, inside the caller's transaction."""
    now = now or utcnow()
    counts = SaveCounts()
    prepared: dict[str, tuple[FetchedItem, str]] = {}
    for fetched in items:
        clean_item(fetched)
        chash = content_hash(fetched.title, fetched.text)
        key = item_key(fetched.external_id, fetched.url, chash)
        prepared.setdefault(key, (fetched, chash))  # a feed listing one entry twice: the first wins
    if not prepared:
        return counts
    existing = {
        row.item_key: row
        for row in session.execute(
            select(Item).where(Item.source_id == source_id, Item.item_key.in_(list(prepared)))
        ).scalars()
    }
    inserts: list[dict[str, Any]] = []
    for key, (fetched, chash) in prepared.items():
        row = existing.get(key)
        if row is not None and row.content_hash == chash:
            counts.unchanged += 1
            _refresh_counts(row, fetched)
            continue
        values = _values(fetched, chash, official, salt, shared_raw_sha, keywords, now)
        if row is None:
            inserts.append(
                dict(source_id=source_id, item_key=key,
                     external_id=(fetched.external_id or "")[:KEY_MAX] or None, **values)
            )
            counts.new += 1
            continue
        session.add(
            ItemVersion(
                item_id=row.id,
                version=row.version,
                title=str(row.extra.get("original_title") or row.title),
                text=row.original_text or row.text,
                content_hash=row.content_hash,
                raw_sha256=row.raw_sha256,
                raw_snapshot=row.raw_snapshot,
                snapshot_sha256=row.snapshot_sha256,
                captured_at=row.captured_at,
            )
        )
        extra = dict(row.extra or {})
        extra.pop("original_title", None)
        extra.update(values.pop("extra"))
        for name, value in values.items():
            setattr(row, name, value)
        row.extra = extra
        row.version = (row.version or 1) + 1
        counts.updated += 1
    if inserts:
        # One executemany for the new rows: several times faster than adding ORM objects one by one.
        session.execute(insert(Item), inserts)
    session.flush()
    return counts


def clean_item(fetched: FetchedItem) -> None:
    """Make an item storable on both backends, whichever collector made it: no NUL or lone surrogate in
    any text, `extra` JSON-safe and bounded, counts within their columns."""
    fetched.title, fetched.text = clean_text(fetched.title), clean_text(fetched.text)
    for name in ("external_id", "url", "author"):
        value = getattr(fetched, name)
        if value is not None:
            setattr(fetched, name, clean_text(value) or None)
    fetched.extra = clean_value(fetched.extra) if isinstance(fetched.extra, dict) else {}
    for name in ("reposts", "comments", "likes"):
        setattr(fetched, name, max(0, min(MAX_COUNT, int(getattr(fetched, name) or 0))))


def _utc(value: datetime | None) -> datetime | None:
    """SQLite drops the zone of a stored datetime and we read naive values back as UTC: store UTC."""
    return aware(value).astimezone(UTC) if value is not None else None


def _refresh_counts(row: Item, fetched: FetchedItem) -> None:
    """Reach (reposts, comments, likes) moves without the text changing: keep it current, no new version."""
    for name in ("reposts", "comments", "likes"):
        value = getattr(fetched, name)
        if value and value != getattr(row, name):
            setattr(row, name, value)


def _values(
    fetched: FetchedItem,
    chash: str,
    official: bool,
    salt: str,
    shared_raw_sha: str | None,
    keywords: Sequence[str],
    now: datetime,
) -> dict[str, Any]:
    title, original_title = simplify(fetched.title)
    text, original_text = simplify(fetched.text)
    extra = dict(fetched.extra) if official else redact_record(dict(fetched.extra), salt)
    if original_title is not None:
        extra["original_title"] = original_title
    hits = keyword_hits(keywords, title, text)
    if hits:
        extra["emergency_keywords"] = hits
    a_hash, a_public = author_fields(fetched.author, official, salt)
    raw_sha: str | None = shared_raw_sha
    snapshot: bytes | None = None
    snapshot_sha: str | None = None
    if fetched.raw is not None:
        # The evidence hash is of the bytes as received; the stored copy has its posters redacted.
        stored = fetched.raw if official else redact_named(
            redact_body(fetched.raw, fetched.content_type, salt), fetched.author, salt)
        raw_sha, snapshot = sha256_hex(fetched.raw), zlib.compress(stored, 6)
        snapshot_sha = sha256_hex(stored)  # = raw_sha when nothing was redacted
    return dict(
        url=fetched.url,
        title=title,
        text=text,
        original_text=original_text,
        author_hash=a_hash,
        author_public=a_public,
        published_at=_utc(fetched.published_at),
        captured_at=_utc(now),
        content_hash=chash,
        raw_sha256=raw_sha,
        raw_snapshot=snapshot,
        snapshot_sha256=snapshot_sha,
        raw_content_type=(fetched.content_type or "")[:100] or None,
        reposts=fetched.reposts,
        comments=fetched.comments,
        likes=fetched.likes,
        extra=extra,
        search_text=search_text(title, text),
    )
