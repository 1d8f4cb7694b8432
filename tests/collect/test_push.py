"""The push endpoint's action: per-source token, idempotent by external id, batches of at most 1,000."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from yuqing.collect import cli
from yuqing.collect.push import MAX_BATCH, PushError, ingest_push, issue_push_token
from yuqing.domain.roles import SYSTEM, Actor, PermissionDenied
from yuqing.store.tables import FetchRun, Item, Source
from yuqing.workspace import Workspace

from .test_rss import count


@pytest.fixture
def push_source(ws: Workspace) -> tuple[int, str]:
    sid = cli.sources_add(ws, "push", None, "12345 热线")
    return sid, issue_push_token(ws, SYSTEM, sid)


def test_push_is_idempotent_and_versions_edits(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, token = push_source
    batch = [
        {"id": f"h{i}", "title": f"工单{i}", "text": f"诉求{i}", "author": "市民", "extra": {"unit": "城管"}}
        for i in range(3)
    ]
    r = ingest_push(ws, sid, token, batch)
    assert (r.new, r.updated, r.unchanged, r.rejected) == (3, 0, 0, [])
    r = ingest_push(ws, sid, token, batch)
    assert (r.new, r.unchanged) == (0, 3) and count(ws, Item) == 3
    batch[1]["text"] = "诉求1（补充）"
    r = ingest_push(ws, sid, token, batch)
    assert (r.new, r.updated) == (0, 1)
    with ws.db.read() as s:
        item = s.execute(select(Item).where(Item.external_id == "h1")).scalar_one()
        runs = s.execute(select(FetchRun).where(FetchRun.source_id == sid)).scalars().all()
        source = s.get(Source, sid)
    assert item.version == 2 and item.author_hash and item.author_public is None
    assert item.extra["unit"] == "城管" and item.raw_snapshot and len(runs) == 3
    assert source is not None and source.health == "ok"


def test_bad_items_are_rejected_by_index(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, token = push_source
    r = ingest_push(
        ws,
        sid,
        token,
        [
            {"id": "ok", "text": "好的"},
            {"text": "没有编号"},
            {"id": "x", "title": ""},
            "not an object",
            {"id": "ok", "text": "同批重复"},
            {"id": "u", "text": "t", "url": "javascript:alert(1)"},
            {"id": "d", "text": "t", "published_at": "not a date"},
        ],
    )
    assert r.new == 1
    assert [e["index"] for e in r.rejected] == [1, 2, 3, 4, 5, 6]


def test_token_and_batch_checks(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, token = push_source
    for bad_sid, bad_token in ((sid, "wrong"), (sid, ""), (999, token)):
        with pytest.raises(PushError) as info:
            ingest_push(ws, bad_sid, bad_token, [{"id": "1", "text": "x"}])
        assert info.value.status == 401
    with pytest.raises(PushError) as info:
        ingest_push(ws, sid, token, [{"id": str(i), "text": "x"} for i in range(MAX_BATCH + 1)])
    assert info.value.status == 413
    r = ingest_push(ws, sid, token, [{"id": str(i), "text": f"x{i}"} for i in range(MAX_BATCH)])
    assert r.new == MAX_BATCH
    cli.sources_update(ws, sid, enabled=False)
    with pytest.raises(PushError) as info:
        ingest_push(ws, sid, token, [{"id": "1", "text": "x"}])
    assert info.value.status == 403


def test_new_token_replaces_old_and_needs_permission(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, old = push_source
    new = issue_push_token(ws, SYSTEM, sid)
    assert ingest_push(ws, sid, new, [{"id": "1", "text": "x"}]).new == 1
    with pytest.raises(PushError):
        ingest_push(ws, sid, old, [{"id": "2", "text": "x"}])
    with pytest.raises(PermissionDenied):
        issue_push_token(ws, Actor(3, "经办人", "unit_handler"), sid)
    rss = cli.sources_add(ws, "rss", "http://127.0.0.1:9/f")
    with pytest.raises(PushError):
        issue_push_token(ws, SYSTEM, rss)
