"""Posters stay private in stored evidence too (found by a probe: raw snapshots kept plaintext names)."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.evidence import raw_evidence
from yuqing.collect.push import ingest_push, issue_push_token
from yuqing.importer import import_file
from yuqing.store.tables import Item
from yuqing.workspace import Workspace

NAMES = ("王小明", "小明同学", "13800138000", "xm@example.cn")


def _item(ws: Workspace, external_id: str) -> tuple[Item, bytes]:
    with ws.db.read() as s:
        item = s.execute(select(Item).where(Item.external_id == external_id)).scalar_one()
        ev = raw_evidence(s, item)
    assert ev.raw is not None and ev.intact
    return item, ev.raw


def _no_names(*blobs: object) -> None:
    for blob in blobs:
        text = blob.decode("utf-8") if isinstance(blob, bytes) else json.dumps(blob, ensure_ascii=False)
        for name in NAMES:
            assert name not in text, (name, text[:300])


def test_pushed_posters_are_hashed_in_the_snapshot_and_unknown_fields(ws: Workspace) -> None:
    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线")
    token = issue_push_token(ws, ADMIN, sid)
    record = {"id": "p1", "text": "小区停水三天", "author": "王小明", "nickname": "小明同学",
              "extra": {"phone": "13800138000", "unit": "水务"}, "email": "xm@example.cn"}
    assert ingest_push(ws, sid, token, [record]).new == 1
    item, snapshot = _item(ws, "p1")
    _no_names(snapshot, item.extra)
    assert item.extra["unit"] == "水务" and item.extra["nickname"].startswith("hash:")
    assert json.loads(snapshot)["text"] == "小区停水三天"
    original = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    assert item.raw_sha256 == hashlib.sha256(original).hexdigest()  # evidence: the bytes as received
    assert item.snapshot_sha256 == hashlib.sha256(zlib.decompress(item.raw_snapshot or b"")).hexdigest()


def test_official_accounts_keep_their_names(ws: Workspace) -> None:
    sid = sources.sources_add(ws, ADMIN, "push", None, "区政府发布", official=True)
    token = issue_push_token(ws, ADMIN, sid)
    ingest_push(ws, sid, token, [{"id": "o1", "text": "停水通知", "author": "区水务局"}])
    item, snapshot = _item(ws, "o1")
    assert item.author_public == "区水务局" and "区水务局" in snapshot.decode("utf-8")
    assert item.snapshot_sha256 == item.raw_sha256  # the stored copy is the bytes as received
    with ws.db.read() as s:
        assert not raw_evidence(s, item).redacted


def test_imported_rows_are_hashed_in_the_snapshot(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "board.csv"
    path.write_text("编号,内容,留言人,手机号,邮箱\n1,夜市噪音扰民,王小明,13800138000,xm@example.cn\n", encoding="utf-8")
    result = import_file(ws, ADMIN, path)
    assert result.new == 1
    item, snapshot = _item(ws, "1")
    _no_names(snapshot, item.extra)
    assert item.author_hash and item.extra["手机号"].startswith("hash:")


def test_the_collected_name_is_hashed_wherever_it_appears_in_a_page() -> None:
    from yuqing.collect.privacy import person_hash, redact_named

    page = "<p>作者：李小龙</p><p>李小龙说路灯坏了</p>".encode("gb18030") + "<i>李小龙</i>".encode()
    stored = redact_named(page, "李小龙", "salt")
    assert "李小龙".encode("gb18030") not in stored and "李小龙".encode() not in stored
    assert stored.count(person_hash("salt", "李小龙").encode()) == 3
    assert redact_named(page, "李", "salt") == page  # one character would hit ordinary words
    assert redact_named(page, None, "salt") == page
