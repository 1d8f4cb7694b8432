"""Collection (R-COLLECT): fetchers behind one interface, idempotent storage with evidence, schedules
(routine and emergency), and source health."""

from __future__ import annotations

from yuqing.collect.base import Fetcher

# Kinds a collect round fetches; "push" sources receive items through POST /api/items instead.
FETCHED_KINDS = ("rss", "web", "board", "file", "account")
ALL_KINDS = (*FETCHED_KINDS, "push")


def fetcher_for(kind: str) -> Fetcher:
    """The fetcher for a source kind; ValueError for a kind that is not fetched."""
    from yuqing.collect.accounts import AccountFetcher
    from yuqing.collect.board import BoardFetcher
    from yuqing.collect.files import FileFetcher
    from yuqing.collect.rss import RssFetcher
    from yuqing.collect.web import WebFetcher

    fetchers: dict[str, Fetcher] = {
        "rss": RssFetcher(),
        "web": WebFetcher(),
        "board": BoardFetcher(),
        "file": FileFetcher(),
        "account": AccountFetcher(),
    }
    try:
        return fetchers[kind]
    except KeyError:
        raise ValueError(f"来源类型 {kind!r} 不能抓取（可抓取：{', '.join(FETCHED_KINDS)}）") from None
