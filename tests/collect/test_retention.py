"""retention_days: old snapshots and personal fields are purged, audited, the evidence hash kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tests.factories import ADMIN
from yuqing.actions.actors import jobs_actor
from yuqing.clock import utcnow
from yuqing.collect import sources
from yuqing.collect.push import ingest_push, issue_push_token
from yuqing.collect.retention import purge_expired
from yuqing.jobs.tasks import SCHEDULE, run_task
from yuqing.store.tables import AuditEntry, Item
from yuqing.workspace import Workspace


def test_old_items_lose_snapshot_and_personal_fields_but_keep_text_and_evidence_hash(ws: Workspace) -> None:
    assert ws.settings.retention_days == 365
    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线")
    token = issue_push_token(ws, ADMIN, sid)
    ingest_push(ws, sid, token, [
        {"id": "old", "text": "去年的留言", "author": "王小明", "nickname": "小明", "extra": {"unit": "水务"}},
        {"id": "new", "text": "今天的留言", "author": "李四"},
    ])
    with ws.db.write() as s:
        s.execute(update(Item).where(Item.external_id == "old").values(captured_at=utcnow() - timedelta(days=400)))
    first = purge_expired(ws, jobs_actor(ws))
    again = run_task(ws, "privacy.retention")
    assert (first.items, again["items"]) == (1, 0)
    with ws.db.read() as s:
        old = s.execute(select(Item).where(Item.external_id == "old")).scalar_one()
        new = s.execute(select(Item).where(Item.external_id == "new")).scalar_one()
        entries = list(s.execute(select(AuditEntry).where(AuditEntry.action == "privacy.retention_purge")).scalars())
    assert old.raw_snapshot is None and old.author_hash is None and "nickname" not in old.extra
    assert old.text == "去年的留言" and old.extra["unit"] == "水务" and old.raw_sha256 and old.content_hash
    assert new.raw_snapshot is not None and new.author_hash
    assert len(entries) == 2 and entries[0].detail["items"] == 1 and entries[0].detail["retention_days"] == 365
    assert any(p.name == "privacy.retention" for p in SCHEDULE)


def test_the_setting_is_read_from_the_workspace(ws: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yuqing.workspace import open_workspace

    monkeypatch.setenv("YUQING_RETENTION_DAYS", "30")
    assert open_workspace(ws.path).settings.retention_days == 30


def test_snapshots_stored_before_redaction_are_redacted_once_by_the_next_run(ws: Workspace) -> None:
    """A workspace older than redaction on the way in: its stored copies carry names and no copy hash."""
    import hashlib
    import json
    import zlib

    from yuqing.collect.evidence import raw_evidence
    from yuqing.store.tables import ItemVersion
    from yuqing.store.tables_collect import RawBody

    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线")
    official = sources.sources_add(ws, ADMIN, "push", None, "区政府发布", official=True)
    record = {"id": "p1", "text": "小区停水三天", "nickname": "小明同学", "extra": {"phone": "13800138000"}}
    ingest_push(ws, sid, issue_push_token(ws, ADMIN, sid), [record])
    ingest_push(ws, official, issue_push_token(ws, ADMIN, official), [{"id": "o1", "text": "停水通知",
                                                                        "author": "区水务局"}])
    legacy = json.dumps(record, ensure_ascii=False).encode("utf-8")
    feed = ("<rss><channel><item><title>停水</title><dc:creator>王小明</dc:creator></item></channel></rss>"
            .encode())
    with ws.db.write() as s:  # what such a workspace holds: plain copies, no copy hash, names in `extra`
        s.execute(update(Item).where(Item.external_id == "p1").values(
            raw_snapshot=zlib.compress(legacy), raw_sha256=hashlib.sha256(legacy).hexdigest(),
            snapshot_sha256=None, extra={"nickname": "小明同学", "unit": "水务"}))
        s.execute(update(Item).where(Item.external_id == "o1").values(snapshot_sha256=None))
        p1 = s.execute(select(Item.id).where(Item.external_id == "p1")).scalar_one()
        s.add(ItemVersion(item_id=p1, version=0, title="", text="小区停水", content_hash="x" * 64,
                          raw_sha256=hashlib.sha256(legacy).hexdigest(), raw_snapshot=zlib.compress(legacy),
                          captured_at=utcnow()))
        s.add(RawBody(sha256=hashlib.sha256(feed).hexdigest(), url="http://127.0.0.1/rss", content_type="application/rss+xml",
                      size=len(feed), captured_at=utcnow(), snapshot=zlib.compress(feed)))

    first = purge_expired(ws, jobs_actor(ws))
    again = purge_expired(ws, jobs_actor(ws))
    assert (first.legacy_redacted, again.legacy_redacted) == (4, 0)  # item, official item, version, feed; once
    with ws.db.read() as s:
        item = s.execute(select(Item).where(Item.external_id == "p1")).scalar_one()
        ev = raw_evidence(s, item)
        version = s.execute(select(ItemVersion).where(ItemVersion.item_id == item.id)).scalar_one()
        body = s.execute(select(RawBody).where(RawBody.url == "http://127.0.0.1/rss")).scalar_one()
        kept = s.execute(select(Item).where(Item.external_id == "o1")).scalar_one()
        audited = s.execute(select(AuditEntry).where(
            AuditEntry.action == "privacy.legacy_redaction_batch")).scalars().all()
    assert ev.raw is not None and ev.intact and ev.redacted and ev.raw_sha256 == hashlib.sha256(legacy).hexdigest()
    for blob in (ev.raw, zlib.decompress(version.raw_snapshot or b""), zlib.decompress(body.snapshot or b""),
                 json.dumps(item.extra, ensure_ascii=False).encode()):
        assert "小明同学".encode() not in blob and b"13800138000" not in blob and "王小明".encode() not in blob
    assert item.extra["unit"] == "水务" and item.extra["nickname"].startswith("hash:")
    assert "区水务局".encode() in zlib.decompress(kept.raw_snapshot or b"") and kept.snapshot_sha256 == kept.raw_sha256
    assert len(audited) == 3 and {a.detail["copies"] for a in audited} == {"信息快照", "历史版本快照", "原始响应快照"}


def test_redacting_twice_does_not_hash_the_hash() -> None:
    from yuqing.collect.privacy import redact_body, redact_record

    once = redact_record({"author": "王小明", "extra": {"phone": "13800138000"}}, "salt")
    assert redact_record(once, "salt") == once
    feed = b"<rss><item><dc:creator>\xe7\x8e\x8b</dc:creator><author>Wang Xiaoming</author></item></rss>"
    assert redact_body(redact_body(feed, "application/rss+xml", "salt"), None, "salt") == redact_body(
        feed, "application/rss+xml", "salt")
