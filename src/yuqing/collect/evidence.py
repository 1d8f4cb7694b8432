"""The evidence behind an item, for the item page: URL, capture time, SHA-256 and the raw bytes."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from yuqing.store.tables import Item
from yuqing.store.tables_collect import RawBody


@dataclass(frozen=True, slots=True)
class Evidence:
    url: str | None
    captured_at: datetime
    raw_sha256: str | None
    content_type: str | None
    raw: bytes | None  # decompressed; untrusted — show as text or offer as a download, never render
    shared: bool  # the raw body is the whole feed/list page the item came from
    intact: bool  # the stored bytes still hash to what was recorded when they were stored
    redacted: bool = False  # posters were replaced by hashes in the stored copy; raw_sha256 is of the original
    snapshot_sha256: str | None = None

    @property
    def size(self) -> int:
        return len(self.raw or b"")


def raw_evidence(session: Session, item: Item) -> Evidence:
    """The item's own raw snapshot, else the shared body (feed, list page) it was parsed from."""
    raw: bytes | None = None
    ctype = item.raw_content_type
    shared = False
    stored_sha = item.snapshot_sha256
    if item.raw_snapshot is not None:
        raw = zlib.decompress(item.raw_snapshot)
    elif item.raw_sha256:
        body = session.get(RawBody, item.raw_sha256)
        if body is not None and body.snapshot is not None:
            raw, ctype, shared = zlib.decompress(body.snapshot), body.content_type, True
            stored_sha = body.snapshot_sha256
    intact = raw is not None and hashlib.sha256(raw).hexdigest() == (stored_sha or item.raw_sha256)
    evidence_sha = item.raw_sha256
    return Evidence(
        url=item.url,
        captured_at=item.captured_at,
        raw_sha256=item.raw_sha256,
        content_type=ctype,
        raw=raw,
        shared=shared,
        intact=intact,
        redacted=stored_sha is not None and stored_sha != evidence_sha,
        snapshot_sha256=stored_sha,
    )
