"""Hypothesis: whatever a pushing system sends, the batch is accounted for item by item and nothing
unstorable reaches the database (NUL, lone surrogates, non-finite or huge numbers, odd times)."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.base import MAX_COUNT
from yuqing.collect.push import ingest_push, issue_push_token
from yuqing.store.tables import Item
from yuqing.workspace import Workspace

text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)  # surrogates and NUL included
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                   st.floats(allow_nan=True, allow_infinity=True), text)
value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                     max_leaves=8)
times = st.one_of(st.none(), text, st.floats(), st.integers(min_value=-(2**70), max_value=2**70),
                  st.sampled_from(["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-03-05 10:20",
                                   "2026年3月5日", "3分钟前", "Thu, 05 Mar 2026 10:20:00 +0800"]))
item = st.fixed_dictionaries(
    {"text": st.one_of(text, scalar)},
    optional={"id": st.one_of(text, st.integers(), scalar), "title": st.one_of(text, scalar), "author": value,
              "url": st.one_of(text, st.just("https://x.example/1")), "published_at": times,
              "reposts": st.one_of(scalar, st.just("99999999999999999999万")), "likes": scalar, "comments": scalar,
              "extra": value, "nickname": value},
)
serial = itertools.count()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.one_of(item, value), max_size=6))
def test_any_batch_is_accounted_item_by_item(ws: Workspace, batch: list[Any]) -> None:
    sid = sources.sources_add(ws, ADMIN, "push", None, f"推送{next(serial)}")
    token = issue_push_token(ws, ADMIN, sid)
    result = ingest_push(ws, sid, token, batch)
    assert result.new + result.updated + result.unchanged + len(result.rejected) == len(batch)
    assert sorted(r["index"] for r in result.rejected) == [r["index"] for r in result.rejected]
    with ws.db.read() as s:
        rows = list(s.execute(select(Item).where(Item.source_id == sid)).scalars())
    assert len(rows) == result.new
    for row in rows:
        for field in (row.title, row.text, row.author_hash or "", row.external_id or ""):
            assert "\x00" not in field and not any("\ud800" <= ch <= "\udfff" for ch in field)
        assert all(0 <= n <= MAX_COUNT for n in (row.reposts, row.comments, row.likes))
        assert row.author_public is None  # not an official source: never a plain name
