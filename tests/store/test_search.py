from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests import factories
from yuqing.clock import CHINA
from yuqing.store.search import ItemFilter, bigrams, search_items
from yuqing.workspace import Workspace


def test_bigrams_split_chinese_runs_and_keep_words() -> None:
    assert bigrams("人民政府") == ["人民", "民政", "政府"]
    assert bigrams("12345热线 ABC") == ["12345", "热线", "abc"]
    assert bigrams("坑") == ["坑"]


@pytest.fixture
def corpus(ws: Workspace) -> Workspace:
    day = datetime(2026, 11, 20, 10, tzinfo=CHINA)
    with ws.db.write() as s:
        weibo = factories.source(s, "微博")
        forum = factories.source(s, "论坛")
        factories.item(s, "青石镇锦江华府项目拖欠农民工工资", src=weibo, published_at=day)
        factories.item(s, "滨江夜市噪音扰民，居民睡不着", src=forum, published_at=day - timedelta(days=2))
        factories.item(s, "河口镇暴雨内涝，渡口村进水", src=weibo, published_at=day - timedelta(days=5),
                       sentiment="negative", topics=["应急/灾害"], places=[{"name": "河口镇", "why": "suffix"}])
        factories.item(s, "人民公园菊花展", src=forum, published_at=day, sentiment="positive")
    return ws


@pytest.mark.parametrize(
    ("query", "expected"),
    [("工资", 1), ("农民工", 1), ("拖欠 工资", 1), ("工资 夜市", 0), ("噪音", 1), ("镇", 2), ("工工资", 1),
     ("工民", 0), ("", 4)],
)
def test_search_is_exact_for_chinese_terms(corpus: Workspace, query: str, expected: int) -> None:
    with corpus.db.read() as s:
        _, total = search_items(s, ItemFilter(query=query))
    assert total == expected


def test_filters_by_time_source_sentiment_topic_place(corpus: Workspace) -> None:
    day = datetime(2026, 11, 20, tzinfo=CHINA)
    with corpus.db.read() as s:
        assert search_items(s, ItemFilter(since=day))[1] == 2
        assert search_items(s, ItemFilter(until=day - timedelta(days=3)))[1] == 1
        rows, _ = search_items(s, ItemFilter(query="镇", source_ids=[rows_source(s, "微博")]))
        assert len(rows) == 2
        assert search_items(s, ItemFilter(sentiment="negative"))[1] == 1
        assert search_items(s, ItemFilter(topic="应急/灾害"))[1] == 1
        assert search_items(s, ItemFilter(topic="教育"))[1] == 0
        assert search_items(s, ItemFilter(place="河口镇"))[1] == 1
        assert search_items(s, ItemFilter(place="青石镇"))[1] == 0


def rows_source(s, name: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from yuqing.store.tables import Source

    return s.execute(select(Source.id).where(Source.name == name)).scalar_one()


def test_updated_text_is_reindexed(corpus: Workspace) -> None:
    from sqlalchemy import select

    from yuqing.store.search import search_text
    from yuqing.store.tables import Item

    with corpus.db.write() as s:
        it = s.execute(select(Item).where(Item.text.contains("夜市"))).scalar_one()
        it.text = "滨江夜市已规定晚十点收摊"
        it.search_text = search_text("", it.text)
    with corpus.db.read() as s:
        assert search_items(s, ItemFilter(query="噪音"))[1] == 0
        assert search_items(s, ItemFilter(query="收摊"))[1] == 1
