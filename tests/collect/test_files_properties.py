"""Hypothesis: any file body yields records or per-record errors, never an exception, and any record
becomes an item or a clear ValueError."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from yuqing.collect.files import ALIASES, column_map, records, row_item

lines = st.lists(st.one_of(st.binary(max_size=60), st.text(max_size=60).map(lambda t: t.encode("utf-8", "replace")),
                           st.sampled_from([b'"unterminated', b"[[[[[[", b'{"id": 1, "text": "\\ud800"}',
                                            b"\xff\xfe", b"a,b,c,d,e", b'{"id": "x", "text": NaN}'])),
                 max_size=12)
cell = st.one_of(st.none(), st.text(max_size=30), st.integers(min_value=-(2**70), max_value=2**70), st.floats(),
                 st.booleans(), st.datetimes())


@settings(max_examples=150, deadline=None)
@given(body=lines, head=st.sampled_from([b"", b"id,text\n", b"\xef\xbb\xbf\xe7\xbc\x96\xe5\x8f\xb7,\xe5\x86\x85\xe5\xae\xb9\n", b"[", b"{"]),
       name=st.sampled_from(["a.csv", "a.jsonl", "a.json", "a.txt"]))
def test_any_file_body_gives_records_or_errors(body: list[bytes], head: bytes, name: str) -> None:
    for n, row, error in records(head + b"\n".join(body), None, name):
        assert isinstance(n, int)
        assert (row is None) != (error is None)
        assert error is None or error.strip()


@settings(max_examples=200, deadline=None)
@given(row=st.dictionaries(st.sampled_from(["id", "编号", "text", "内容", "title", "author", "留言人", "published_at",
                                            "likes", "转发", "url", "手机号", "其他"]), cell, max_size=8))
def test_any_record_becomes_an_item_or_a_clear_error(row: dict[str, Any]) -> None:
    cols = column_map(list(row), ALIASES, {})
    try:
        item = row_item(row, cols)
    except ValueError as exc:
        assert str(exc)
        return
    assert item.title or item.text
    assert item.raw is not None and item.raw.decode("utf-8")
    assert all(0 <= n < 2**31 for n in (item.reposts, item.comments, item.likes))
