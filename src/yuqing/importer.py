"""`yuqing import FILE`: items from a JSONL or CSV file into the workspace, idempotently.

Each line/row needs `text` (or `title`); `id` (external id), `url`, `published_at`, `author`,
`source`, `reposts`, `comments`, `likes` are optional. Bad lines are reported by number and skipped;
good lines are kept.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, utcnow
from yuqing.domain.roles import Actor
from yuqing.store import audit
from yuqing.store.search import search_text
from yuqing.store.tables import Item, Source

KNOWN = {"id", "title", "text", "url", "published_at", "author", "source", "reposts", "comments", "likes"}


@dataclass(slots=True)
class ImportResult:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, row or None, error or None) for each record of a JSONL or CSV file."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=2):
                yield n, dict(row), None
        return
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, None, f"第 {n} 行不是合法 JSON：{exc.msg}"
                continue
            if not isinstance(row, dict):
                yield n, None, f"第 {n} 行不是 JSON 对象"
                continue
            yield n, row, None


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=CHINA)


def author_hash(salt: str, author: str) -> str:
    return hashlib.sha256(f"{salt}\x00{author}".encode()).hexdigest()


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()


def file_source(session: Session, actor: Actor, name: str) -> Source:
    """The file-import source called `name`, created (and audited) on first use."""
    src = session.execute(select(Source).where(Source.kind == "file", Source.name == name)).scalar_one_or_none()
    if src is None:
        src = Source(name=name, kind="file", interval_seconds=0, enabled=False, health="ok")
        session.add(src)
        session.flush()
        audit.append(session, actor, "source.create", "source", src.id, name=name, kind="file")
    return src


def upsert_item(session: Session, source: Source, row: dict[str, Any], salt: str, *, fictional: bool = False) -> str:
    """Insert or update one item; returns "new", "updated" or "unchanged"."""
    title = str(row.get("title") or "").strip()
    text = str(row.get("text") or "").strip()
    if not (title or text):
        raise ValueError("缺少 text 或 title")
    chash = content_hash(title, text)
    external = str(row["id"]) if row.get("id") not in (None, "") else None
    key = external or (str(row.get("url")) if row.get("url") else chash)
    item = session.execute(
        select(Item).where(Item.source_id == source.id, Item.item_key == key)
    ).scalar_one_or_none()
    if item is not None and item.content_hash == chash:
        return "unchanged"
    author = str(row.get("author") or "")
    values: dict[str, Any] = dict(
        title=title, text=text, url=row.get("url"), content_hash=chash,
        published_at=parse_time(row.get("published_at")), captured_at=utcnow(),
        search_text=search_text(title, text),
        author_hash=author_hash(salt, author) if author and not source.official else None,
        author_public=author if author and source.official else None,
        reposts=int(row.get("reposts") or 0), comments=int(row.get("comments") or 0),
        likes=int(row.get("likes") or 0),
        extra={k: v for k, v in row.items() if k not in KNOWN and k != "fictional"},
        fictional=fictional or bool(row.get("fictional")),
    )
    if item is None:
        session.add(Item(source_id=source.id, item_key=key, external_id=external, **values))
        return "new"
    for k, v in values.items():
        setattr(item, k, v)
    item.version += 1
    return "updated"


def import_file(ws_db_write: Any, actor: Actor, path: Path, salt: str, *, source_name: str | None = None,
                fictional: bool = False, batch: int = 500, progress: Any = None) -> ImportResult:
    """Import a file in batches of `batch` rows, each batch one transaction (a crash keeps earlier batches)."""
    result = ImportResult()
    rows = list(read_rows(path))
    default_source = source_name or f"文件导入：{path.name}"
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        with ws_db_write() as session:
            sources: dict[str, Source] = {}
            for n, row, error in chunk:
                if error or row is None:
                    result.errors.append(error or f"第 {n} 行为空")
                    continue
                name = str(row.get("source") or default_source)
                if name not in sources:
                    sources[name] = file_source(session, actor, name)
                try:
                    with session.begin_nested():
                        outcome = upsert_item(session, sources[name], row, salt, fictional=fictional)
                except (ValueError, TypeError) as exc:
                    result.errors.append(f"第 {n} 行：{exc}")
                    continue
                setattr(result, outcome, getattr(result, outcome) + 1)
            audit.append(session, actor, "items.import", "file", path.name, rows=len(chunk),
                         new=result.new, updated=result.updated)
        if progress:
            progress(len(chunk))
    return result
