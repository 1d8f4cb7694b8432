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
