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
        hits = search_items(s, ItemFilter(query=query))
    assert (hits.total, hits.exact, len(hits.items)) == (expected, True, expected)


def test_filters_by_time_source_sentiment_topic_place(corpus: Workspace) -> None:
    day = datetime(2026, 11, 20, tzinfo=CHINA)
    with corpus.db.read() as s:
        assert search_items(s, ItemFilter(since=day)).total == 2
        assert search_items(s, ItemFilter(until=day - timedelta(days=3))).total == 1
        rows = search_items(s, ItemFilter(query="镇", source_ids=[rows_source(s, "微博")])).items
        assert len(rows) == 2
        assert search_items(s, ItemFilter(sentiment="negative")).total == 1
        assert search_items(s, ItemFilter(topic="应急/灾害")).total == 1
        assert search_items(s, ItemFilter(topic="教育")).total == 0
        assert search_items(s, ItemFilter(place="河口镇")).total == 1
        assert search_items(s, ItemFilter(place="青石镇")).total == 0


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
        assert search_items(s, ItemFilter(query="噪音")).total == 0
        assert search_items(s, ItemFilter(query="收摊")).total == 1


@pytest.fixture
def many(ws: Workspace) -> Workspace:
    """240 items an hour apart: every 3rd says 欠薪 (common), every 40th 塌陷 (rare), some share a minute."""
    start = datetime(2026, 11, 1, 8, tzinfo=CHINA)
    with ws.db.write() as s:
        src = factories.source(s, "微博")
        for i in range(240):
            words = ["青石镇工地"] + (["欠薪"] if i % 3 == 0 else []) + (["道路塌陷"] if i % 40 == 0 else [])
            factories.item(s, "，".join(words) + f"，第{i}条", src=src, sentiment="negative" if i % 2 else None,
                           published_at=start + timedelta(hours=i // 2))  # two items per hour: ties by id
    if ws.db.engine.dialect.name == "postgresql":
        with ws.db.engine.begin() as conn:  # PostgreSQL estimates from statistics, as autovacuum keeps them
            conn.exec_driver_sql("ANALYZE items")
    return ws


def _newest_first(ws: Workspace, f: ItemFilter) -> list[int]:
    """The expected order, computed naively in Python."""
    from sqlalchemy import select

    from yuqing.store.tables import Item

    with ws.db.read() as s:
        everything = s.execute(select(Item)).scalars().all()
        words = f.query.split()
        kept = [i for i in everything if all(w in i.text for w in words)
                and (f.sentiment is None or i.sentiment == f.sentiment)]
        kept.sort(key=lambda i: (i.published_at, i.id), reverse=True)
        return [i.id for i in kept]


@pytest.mark.parametrize("query", ["欠薪", "道路塌陷", "青石镇", "欠薪 道路塌陷", "没有的词"])
@pytest.mark.parametrize("sentiment", [None, "negative"])
def test_every_page_is_newest_first_whichever_path_the_words_take(many: Workspace, query: str,
                                                                   sentiment: str | None) -> None:
    f = ItemFilter(query=query, sentiment=sentiment)
    expected = _newest_first(many, f)
    with many.db.read() as s:
        by_offset = [i.id for page in range(0, 240, 25) for i in search_items(s, f, limit=25, offset=page).items]
        by_cursor: list[int] = []
        cursor = None
        while True:
            hits = search_items(s, f, limit=25, cursor=cursor)
            by_cursor += [i.id for i in hits.items]
            if hits.next_cursor is None:
                break
            cursor = hits.next_cursor
        total = search_items(s, f, limit=25)
    assert by_offset == expected
    assert by_cursor == expected
    assert (total.total, total.exact) == (len(expected), True)


def test_a_count_above_the_threshold_is_an_honest_estimate(many: Workspace,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from yuqing.store import search

    monkeypatch.setattr(search, "SAMPLE", 60)
    with many.db.read() as s:  # pages of 10: common words are walked newest first, not listed in full
        alone = search_items(s, ItemFilter(query="欠薪"), limit=10)
        filtered = search_items(s, ItemFilter(query="欠薪", sentiment="negative"), limit=10)
        no_words = search_items(s, ItemFilter(sentiment="negative"), limit=10)
        rare = search_items(s, ItemFilter(query="道路塌陷", sentiment="negative"), limit=10)
    if many.db.engine.dialect.name == "sqlite":
        assert (alone.total, alone.exact) == (80, True)  # the full-text index counts words alone exactly
    true_filtered = len(_newest_first(many, ItemFilter(query="欠薪", sentiment="negative")))  # 40
    assert not filtered.exact and filtered.count_label.startswith("约")
    assert true_filtered * 0.5 <= filtered.total <= true_filtered * 2
    assert not no_words.exact and 60 <= no_words.total <= 240
    monkeypatch.setattr(search, "SAMPLE", 1000)  # a sample that holds every candidate counts exactly
    with many.db.read() as s:
        whole = search_items(s, ItemFilter(query="欠薪", sentiment="negative"), limit=10)
    assert (whole.total, whole.exact) == (true_filtered, True)
    assert [i.id for i in filtered.items] == _newest_first(many, ItemFilter(query="欠薪", sentiment="negative"))[:10]
    if many.db.engine.dialect.name == "sqlite":  # rare words are listed in full, so counted exactly
        assert (rare.total, rare.exact) == (len(_newest_first(many, ItemFilter(query="道路塌陷",
                                                                                 sentiment="negative"))), True)


def test_a_malformed_cursor_is_refused_in_chinese(many: Workspace) -> None:
    with many.db.read() as s, pytest.raises(ValueError, match="翻页标记无效"):
        search_items(s, ItemFilter(), cursor="not-a-cursor")
