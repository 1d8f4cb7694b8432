"""`yuqing import FILE`: items from a JSONL, JSON, CSV or XLSX file into the workspace, idempotently.

It reads records and stores items with the collector's own machinery (`collect.files`, `collect.store`):
the same column aliases (id/编号, text/内容/留言内容 …), keys, versions, author hashing and evidence.
A `source` column files rows under that source; bad records are reported by number and skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yuqing.collect.base import FetchedItem, clean_text
from yuqing.collect.files import ALIASES, column_map, records, row_item
from yuqing.collect.store import SaveCounts, content_hash, item_key, save_items
from yuqing.domain.roles import Actor
from yuqing.store import audit
from yuqing.store.tables import Item, Source


@dataclass(slots=True)
class ImportResult:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    """(record number, record or None, error or None) for every record of the file."""
    return list(records(path.read_bytes(), None, path.name))


def file_source(session: Session, actor: Actor, name: str) -> Source:
    """The file-import source called `name`, created (and audited) on first use."""
    src = session.execute(select(Source).where(Source.kind == "file", Source.name == name)).scalar_one_or_none()
    if src is None:
        src = Source(name=name, kind="file", interval_seconds=0, enabled=False, health="ok")
        session.add(src)
        session.flush()
        audit.append(session, actor, "source.create", "source", src.id, name=name, kind="file")
    return src


def import_file(write: Callable[[], Any], actor: Actor, path: Path, salt: str, *, source_name: str | None = None,
                fictional: bool = False, batch: int = 500, progress: Callable[[int], Any] | None = None) -> ImportResult:
    """Import a file in batches of `batch` records, each batch one transaction (a crash keeps earlier batches).

    A batch that fails to store is stored again record by record, so one poison record is reported by its
    number and every other record is kept."""
    result = ImportResult()
    rows = read_rows(path)
    headers = sorted({str(k) for _, row, _ in rows if row for k in row})
    cols = column_map(headers, ALIASES, {})
    default_source = source_name or f"文件导入：{path.name}"
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        by_source: dict[str, list[tuple[int, FetchedItem]]] = {}
        for n, row, error in chunk:
            if error or row is None:
                result.errors.append(error or f"第 {n} 条为空")
                continue
            try:
                item = row_item(row, cols)
            except (ValueError, TypeError, RecursionError) as exc:
                result.errors.append(f"第 {n} 条：{exc}")
                continue
            by_source.setdefault(clean_text(str(row.get("source") or default_source))[:200], []).append((n, item))
        try:
            with write() as session:
                _store(session, actor, by_source, salt, fictional, result)
                audit.append(session, actor, "items.import", "file", path.name, records=len(chunk),
                             new=result.new, updated=result.updated)
        except Exception:
            _store_one_by_one(write, actor, path, by_source, salt, fictional, result, len(chunk))
        if progress:
            progress(len(chunk))
    return result


def _store(session: Session, actor: Actor, by_source: dict[str, list[tuple[int, FetchedItem]]], salt: str,
           fictional: bool, result: ImportResult) -> None:
    counts = SaveCounts()
    for name, numbered in by_source.items():
        src = file_source(session, actor, name)
        items = [item for _, item in numbered]
        counts.add(save_items(session, src.id, src.official, items, salt))
        if fictional:
            keys = [item_key(i.external_id, i.url, content_hash(i.title, i.text)) for i in items]
            session.execute(update(Item).where(Item.source_id == src.id, Item.item_key.in_(keys))
                            .values(fictional=True))
    result.new += counts.new
    result.updated += counts.updated
    result.unchanged += counts.unchanged


def _store_one_by_one(write: Callable[[], Any], actor: Actor, path: Path,
                      by_source: dict[str, list[tuple[int, FetchedItem]]], salt: str, fictional: bool,
                      result: ImportResult, records: int) -> None:
    """Store a batch record by record, each in a savepoint; a record that still fails is reported."""
    with write() as session:
        for name, numbered in by_source.items():
            for n, item in numbered:
                try:
                    with session.begin_nested():
                        _store(session, actor, {name: [(n, item)]}, salt, fictional, result)
                except Exception as exc:
                    result.errors.append(f"第 {n} 条无法保存：{type(exc).__name__}")
        audit.append(session, actor, "items.import", "file", path.name, records=records,
                     new=result.new, updated=result.updated)
