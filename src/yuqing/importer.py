"""`yuqing import FILE`: items from a JSONL, JSON, CSV or XLSX file into the workspace, idempotently.

Each batch of records is one action (`import_batch`, audited as items.import), called as the named actor.
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

from yuqing.actions import Tx, action
from yuqing.actions.base import check_permission
from yuqing.collect.base import FetchedItem, clean_text
from yuqing.collect.files import ALIASES, column_map, records, row_item
from yuqing.collect.store import SaveCounts, content_hash, item_key, save_items
from yuqing.domain.roles import Actor
from yuqing.store.tables import Item, Source
from yuqing.workspace import Workspace


@dataclass(slots=True)
class ImportResult:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def read_rows(path: Path) -> list[tuple[int, dict[str, Any] | None, str | None]]:
    """(record number, record or None, error or None) for every record of the file."""
    return list(records(path.read_bytes(), None, path.name))


def file_source(tx: Tx, name: str) -> Source:
    """The file-import source called `name`, created (and audited) on first use."""
    session = tx.session
    src = session.execute(select(Source).where(Source.kind == "file", Source.name == name)).scalar_one_or_none()
    if src is None:
        src = Source(name=name, kind="file", interval_seconds=0, enabled=False, health="ok")
        session.add(src)
        session.flush()
        tx.audit("source.create", "source", src.id, name=name, kind="file")
    return src


Batch = dict[str, list[tuple[int, FetchedItem]]]  # source name → (record number, item)


def import_file(ws: Workspace, actor: Actor, path: Path, *, source_name: str | None = None, fictional: bool = False,
                batch: int = 500, progress: Callable[[int], Any] | None = None) -> ImportResult:
    """Import a file in batches of `batch` records, each batch one action (a crash keeps earlier batches).

    A batch that fails to store is stored again record by record, so one poison record is reported by its
    number and every other record is kept."""
    check_permission(actor, import_batch.permission, import_batch.name)
    result = ImportResult()
    rows = read_rows(path)
    headers = sorted({str(k) for _, row, _ in rows if row for k in row})
    cols = column_map(headers, ALIASES, {})
    default_source = source_name or f"文件导入：{path.name}"
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        by_source: Batch = {}
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
        counts = ImportResult()
        try:
            import_batch(ws, actor, path.name, by_source, fictional, len(chunk), counts)
        except Exception:
            counts = ImportResult()
            import_one_by_one(ws, actor, path.name, by_source, fictional, len(chunk), counts)
        result.new += counts.new
        result.updated += counts.updated
        result.unchanged += counts.unchanged
        result.errors += counts.errors
        if progress:
            progress(len(chunk))
    return result


@action("items.import", permission="items.import")
def import_batch(tx: Tx, file_name: str, by_source: Batch, fictional: bool, records: int,
                 result: ImportResult) -> None:
    """Store one batch of a file's records (counted into `result`) and audit it."""
    _store(tx, by_source, fictional, result)
    tx.audit("items.import", "file", file_name, records=records, new=result.new, updated=result.updated)


@action("items.import", permission="items.import")
def import_one_by_one(tx: Tx, file_name: str, by_source: Batch, fictional: bool, records: int,
                      result: ImportResult) -> None:
    """Store a batch record by record, each in a savepoint; a record that still fails is reported."""
    for name, numbered in by_source.items():
        for n, item in numbered:
            try:
                with tx.session.begin_nested():
                    _store(tx, {name: [(n, item)]}, fictional, result)
            except Exception as exc:
                result.errors.append(f"第 {n} 条无法保存：{type(exc).__name__}")
    tx.audit("items.import", "file", file_name, records=records, new=result.new, updated=result.updated)


def _store(tx: Tx, by_source: Batch, fictional: bool, result: ImportResult) -> None:
    session, salt = tx.session, tx.ws.settings.author_salt
    counts = SaveCounts()
    for name, numbered in by_source.items():
        src = file_source(tx, name)
        items = [item for _, item in numbered]
        counts.add(save_items(session, src.id, src.official, items, salt))
        if fictional:
            keys = [item_key(i.external_id, i.url, content_hash(i.title, i.text)) for i in items]
            session.execute(update(Item).where(Item.source_id == src.id, Item.item_key.in_(keys))
                            .values(fictional=True))
    result.new += counts.new
    result.updated += counts.updated
    result.unchanged += counts.unchanged
