"""The push endpoint's action: per-source token, idempotent by external id, batches of at most 1,000."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.base import MAX_COUNT
from yuqing.collect.push import MAX_BATCH, PushError, ingest_push, issue_push_token
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.store.tables import FetchRun, Item, Source
from yuqing.workspace import Workspace

from .test_rss import count


@pytest.fixture
def push_source(ws: Workspace) -> tuple[int, str]:
    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线")
    return sid, issue_push_token(ws, ADMIN, sid)


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
    sources.sources_update(ws, ADMIN, sid, enabled=False)
    with pytest.raises(PushError) as info:
        ingest_push(ws, sid, token, [{"id": "1", "text": "x"}])
    assert info.value.status == 403


def test_new_token_replaces_old_and_needs_permission(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, old = push_source
    new = issue_push_token(ws, ADMIN, sid)
    assert ingest_push(ws, sid, new, [{"id": "1", "text": "x"}]).new == 1
    with pytest.raises(PushError):
        ingest_push(ws, sid, old, [{"id": "2", "text": "x"}])
    with pytest.raises(PermissionDenied):
        issue_push_token(ws, Actor(3, "经办人", "unit_handler"), sid)
    rss = sources.sources_add(ws, ADMIN, "rss", "http://127.0.0.1:9/f")
    with pytest.raises(PushError):
        issue_push_token(ws, ADMIN, rss)


# -- found by probing from outside: one bad item used to lose the whole batch with a 500 ---------------
POISON: list[tuple[str, dict[str, object]]] = [
    ("nan", {"text": "阅读量 NaN", "reposts": float("nan")}),
    ("inf", {"text": "阅读量 Infinity", "likes": float("inf")}),
    ("e400", {"text": "阅读量 1e400", "comments": 1e400}),
    ("huge", {"text": "转发量过大", "reposts": "99999999999999999999万"}),
    ("negative", {"text": "负数", "likes": -5}),
    ("bigint", {"text": "超大整数", "likes": 2**70}),
    ("surrogate", {"title": "标题\ud800", "text": "正文\udfff尾", "author": "网友\ud83d", "extra": {"k\udc00": "v\ud800"}}),
    ("nul", {"title": "标\x00题", "text": "含\x00空字符", "author": "a\x00b", "extra": {"n": "x\x00y"}}),
]
BAD_TIME = ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00", "9999-12-31T23:59:59"]


def test_poison_items_are_cleaned_or_clamped_and_the_good_ones_kept(
    ws: Workspace, push_source: tuple[int, str]
) -> None:
    sid, token = push_source
    batch = [{"id": f"good{i}", "text": f"正常{i}"} for i in range(3)]
    batch += [{"id": name, **fields} for name, fields in POISON]
    r = ingest_push(ws, sid, token, batch)
    assert r.rejected == [] and r.new == len(batch)
    with ws.db.read() as s:
        items = {i.external_id: i for i in s.execute(select(Item)).scalars()}
    assert items["nan"].reposts == 0 and items["negative"].likes == 0
    assert items["inf"].likes == items["e400"].comments == items["huge"].reposts == items["bigint"].likes == MAX_COUNT
    sur = items["surrogate"]
    assert sur.title == "标题\ufffd" and sur.text == "正文\ufffd尾" and sur.extra == {"k\ufffd": "v\ufffd", "pushed": True}
    nul = items["nul"]
    assert (nul.title, nul.text, nul.extra["n"]) == ("标题", "含空字符", "xy")
    assert all("\x00" not in (i.title + i.text) for i in items.values())


def test_out_of_range_times_reject_only_their_item(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, token = push_source
    batch: list[object] = [{"id": "good", "text": "正常", "published_at": "2026-03-05T10:00:00+08:00"}]
    batch += [{"id": f"t{n}", "text": "时间异常", "published_at": t} for n, t in enumerate(BAD_TIME)]
    batch += [{"id": "epoch", "text": "时间戳过大", "published_at": 1e300}]
    r = ingest_push(ws, sid, token, batch)
    assert r.new == 1
    assert [e["index"] for e in r.rejected] == list(range(1, len(batch)))
    assert all("published_at" in e["error"] for e in r.rejected)


def test_a_wrong_token_is_refused_before_any_item_is_looked_at(ws: Workspace, push_source: tuple[int, str]) -> None:
    sid, _token = push_source
    with pytest.raises(PushError) as info:
        ingest_push(ws, sid, "wrong", [{"id": "x", "text": "t", "published_at": "0001-01-01T00:00:00+23:59"},
                                       {"id": "y", "text": "\ud800", "likes": float("nan")}])
    assert info.value.status == 401
