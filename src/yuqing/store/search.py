"""Search over items behind one interface.

Chinese has no spaces, so both backends index overlapping character bigrams (人民政府 → 人民 民政 政府)
stored in `items.search_text`; a query term becomes the phrase of its bigrams, which is exact for
terms of two or more characters. SQLite: an FTS5 table (unicode61) kept in sync by triggers.
PostgreSQL: a stored tsvector column (search_tsv) with a GIN index, plus pg_trgm on the text for
non-Chinese substrings. A one-character term falls back to a substring match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, TextClause, func, literal_column, select, text, tuple_
from sqlalchemy.orm import Session

from yuqing.store.tables import ITEM_LISTED, Item

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9A-Za-z\u00c0-\u024f]+")
_IS_CJK = re.compile(f"[{_CJK}]")

# What "newest first" sorts by: when it was published, else when it was captured.
item_time = func.coalesce(Item.published_at, Item.captured_at)


def bigrams(text_: str) -> list[str]:
    """Index tokens: overlapping bigrams for Chinese runs, lowercased words for the rest."""
    tokens: list[str] = []
    for run in _RUN.findall(text_):
        if _IS_CJK.match(run):
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run.lower())
    return tokens


def search_text(title: str, body: str) -> str:
    """The value stored in `items.search_text` for one item."""
    return " ".join(bigrams(f"{title}\n{body}"))


def _term_phrases(query: str) -> tuple[list[list[str]], list[str]]:
    """Split a query into phrases of index tokens (AND-ed) and one-character terms (substring)."""
    phrases: list[list[str]] = []
    singles: list[str] = []
    for term in query.split():
        tokens = bigrams(term)
        if not tokens:
            continue
        if len(tokens) == 1 and len(tokens[0]) == 1 and _IS_CJK.match(tokens[0]):
            singles.append(tokens[0])
        else:
            phrases.append(tokens)
    return phrases, singles


@dataclass(slots=True)
class ItemFilter:
    query: str = ""
    since: datetime | None = None
    until: datetime | None = None
    source_ids: list[int] = field(default_factory=list)
    sentiment: str | None = None
    topic: str | None = None
    place: str | None = None
    relevant: bool | None = None
    event_id: int | None = None
    include_duplicates: bool = True


def apply_filter(stmt: Select, session: Session, f: ItemFilter, *, words: str = "index",
                 ids_drive: bool = False) -> Select:
    """Add the filter's conditions to a SELECT over items.

    `words="index"` matches the query's words through the full-text index (best when they are rare);
    `words="scan"` checks each row's stored `search_text` instead (best when walking the newest rows for
    common words: a row is checked in microseconds, and the walk stops after one page).
    `ids_drive`: the caller restricts the ids itself (a sample); other indexes should not be chosen.
    """
    phrases, singles = _term_phrases(f.query)
    dialect = session.get_bind().dialect.name
    if phrases and words == "scan":
        find = func.instr if dialect == "sqlite" else func.strpos
        for p in phrases:
            stmt = stmt.where(find(" " + Item.search_text + " ", " " + " ".join(p) + " ") > 0)
    elif phrases:
        if dialect == "sqlite":
            stmt = stmt.where(Item.id.in_(_fts_ids(phrases)))
        else:
            stmt = stmt.where(
                text("items.search_tsv @@ to_tsquery('simple', :ts_q)").bindparams(ts_q=_tsquery(phrases))
            )
    for ch in singles:
        stmt = stmt.where((Item.title + " " + Item.text).contains(ch))
    # When SQLite's full-text index drives, keep its planner from scanning a whole source's items instead.
    driven = dialect == "sqlite" and (ids_drive or (bool(phrases) and words == "index"))
    return _apply_fields(stmt, dialect, f, driven=driven)


def _fts_match(phrases: list[list[str]]) -> str:
    return " AND ".join('"' + " ".join(t.replace('"', '""') for t in p) + '"' for p in phrases)


def _fts_ids(phrases: list[list[str]]) -> Select:
    return select(literal_column("rowid").label("rid")).select_from(text("items_fts")).where(
        text("items_fts MATCH :fts_q").bindparams(fts_q=_fts_match(phrases)))


def _tsquery(phrases: list[list[str]]) -> str:
    return " & ".join("(" + " <-> ".join(_pg_quote(t) for t in p) + ")" for p in phrases)


def _has_fields(f: ItemFilter) -> bool:
    """Whether the filter has conditions other than the query's words."""
    return bool(f.since or f.until or f.source_ids or f.sentiment or f.relevant is not None
                or f.event_id is not None or not f.include_duplicates or f.topic or f.place)


def _apply_fields(stmt: Select, dialect: str, f: ItemFilter, *, driven: bool = False) -> Select:
    if f.since:
        stmt = stmt.where(item_time >= f.since)
    if f.until:
        stmt = stmt.where(item_time < f.until)
    if f.source_ids:  # `+ 0` (SQLite's documented way) stops the index on source_id being chosen
        stmt = stmt.where((Item.source_id + 0 if driven else Item.source_id).in_(f.source_ids))
    if f.sentiment:
        stmt = stmt.where(Item.sentiment == f.sentiment)
    if f.relevant is not None:
        stmt = stmt.where(Item.relevant.is_(f.relevant))
    if f.event_id is not None:
        stmt = stmt.where((Item.event_id + 0 if driven else Item.event_id) == f.event_id)
    if not f.include_duplicates:
        stmt = stmt.where(Item.duplicate_of_id.is_(None))
    if f.topic:
        stmt = stmt.where(_json_contains(dialect, "topics", f.topic))
    if f.place:
        stmt = stmt.where(_json_contains(dialect, "places", f.place))
    return stmt


def _pg_quote(token: str) -> str:
    return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"


def _json_contains(dialect: str, column: str, value: str) -> TextClause:
    """A JSON list column that contains `value` (as a string, or as an object's "name")."""
    if dialect == "sqlite":
        return text(
            f"EXISTS (SELECT 1 FROM json_tree(items.{column}) jt WHERE jt.type = 'text' "
            f"AND jt.atom = :v_{column} AND (jt.key = 'name' OR typeof(jt.key) = 'integer'))"
        ).bindparams(**{f"v_{column}": value})
    return text(
        f"(items.{column}::jsonb @> to_jsonb(ARRAY[:v_{column}]::text[]) OR EXISTS (SELECT 1 FROM "
        f"jsonb_array_elements(items.{column}::jsonb) je WHERE jsonb_typeof(je) = 'object' "
        f"AND je ->> 'name' = :v_{column}))"
    ).bindparams(**{f"v_{column}": value})

SAMPLE = 5_000  # candidates sampled (newest first) to estimate how many pass every condition


@dataclass(slots=True)
class Hits:
    """One page of a search, newest first, and how many match in all (exactly, or estimated)."""

    items: list[Item]
    total: int
    exact: bool
    next_cursor: str | None = None  # pass back as `cursor` for the page after this one (keyset)

    @property
    def count_label(self) -> str:
        return f"共 {self.total:,} 条" if self.exact else f"约 {self.total:,} 条（估算）"


def search_items(session: Session, f: ItemFilter, *, limit: int = 50, offset: int = 0,
                 cursor: str | None = None) -> Hits:
    """Items matching the filter, newest first (ties by id), and how many match in all.

    At a million items every query shape stays within tens of milliseconds (`bench/search.py`). The
    plan depends on how common the query's words are (SQLite's full-text index counts them exactly;
    PostgreSQL's planner estimates them from its statistics):
    - rare words: every hit's id is listed from the full-text index, newest first, and counted exactly;
    - common words (or none): the time index is walked newest first, each row's stored `search_text`
      checked, and the walk stops after one page; the count is exact when the words alone decide it
      (SQLite) or when the candidates fit in one sample, else an estimate shown as such ("约 N 条").
    """
    dialect = session.get_bind().dialect.name
    phrases, singles = _term_phrases(f.query)
    counted: list[tuple[int, bool]] = []

    def size() -> tuple[int, bool]:  # how many items there are: asked only where a decision needs it, once
        if not counted:
            counted.append(_size(session, dialect))
        return counted[0]

    n_words, words_exact = _word_hits(session, dialect, phrases, size)
    after = _decode_cursor(cursor)
    # Walking newest first reads about (offset + limit) * N / n rows; listing from the index reads n hits.
    common = bool(phrases) and n_words * n_words > (offset + limit) * size()[0]
    if phrases and not common:
        order = apply_filter(select(Item.id), session, f, words="index").order_by(item_time.desc(),
                                                                                 Item.id.desc())
        ids = list(session.execute(order).scalars())
        start = offset
        if after is not None:
            start = ids.index(after[1]) + 1 if after[1] in ids else next(
                (k for k, key in enumerate(_keys(session, ids)) if key < after), len(ids))
        wanted = ids[start:start + limit]
        loaded = {i.id: i for i in session.execute(
            select(Item).options(*ITEM_LISTED).where(Item.id.in_(wanted))).scalars()}
        rows = [loaded[i] for i in wanted if i in loaded]
        nxt = _encode_cursor(rows[-1]) if start + limit < len(ids) and rows else None
        return Hits(rows, len(ids), True, nxt)
    stmt = apply_filter(select(Item).options(*ITEM_LISTED), session, f, words="scan")
    if after is not None:
        stmt = stmt.where(tuple_(item_time, Item.id) < tuple_(after[0], after[1]))
    page = stmt.order_by(item_time.desc(), Item.id.desc()).limit(limit)
    rows = list(session.execute(page if after is not None else page.offset(offset)).scalars().all())
    if phrases and n_words == 0 and words_exact:
        total, exact = 0, True
    elif offset == 0 and after is None and len(rows) < limit:
        total, exact = len(rows), True  # the walk reached the end: every hit is on this page
    elif not phrases and not singles and not _has_fields(f):
        total, exact = size()
    elif phrases and words_exact and not singles and not _has_fields(f):
        total, exact = n_words, True
    else:
        total, exact = _estimate(session, f, dialect, size()[0], n_words, phrases)
        total = max(total, offset + len(rows))
    nxt = _encode_cursor(rows[-1]) if len(rows) == limit else None
    return Hits(rows, total, exact, nxt)


def _keys(session: Session, ids: list[int]) -> list[tuple[datetime, int]]:
    """(time, id) of the listed ids, in the same order (to find where a cursor falls)."""
    got = dict(session.execute(select(Item.id, item_time).where(Item.id.in_(ids))).tuples().all())
    return [(got[i], i) for i in ids if i in got]


def _size(session: Session, dialect: str) -> tuple[int, bool]:
    """How many items there are: counted on SQLite; PostgreSQL's statistics above 100,000 (a count is a scan)."""
    if dialect != "sqlite":
        rows = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'items'::regclass")).scalar()
        if rows is not None and rows > 100_000:
            return int(rows), False
    return int(session.execute(select(func.count()).select_from(Item)).scalar_one()), True


def _word_hits(session: Session, dialect: str, phrases: list[list[str]],
               size: Callable[[], tuple[int, bool]]) -> tuple[int, bool]:
    """How many items the query's words alone match: exactly from SQLite's index, else PostgreSQL's estimate."""
    if not phrases:
        return 0, True
    if dialect == "sqlite":
        return int(session.execute(select(func.count()).select_from(_fts_ids(phrases).subquery()))
                   .scalar_one()), True
    # PostgreSQL's estimate of a phrase (<->) is far too low; a phrase matches at most what its rarest
    # word matches, so estimate each phrase by that word, and several phrases as independent.
    everything = size()[0]
    share = 1.0
    for p in phrases:
        rarest = min(_planner_rows(session, select(Item.id).where(
            text("items.search_tsv @@ to_tsquery('simple', :ts_q)").bindparams(ts_q=_pg_quote(t)))) for t in p)
        share *= min(1.0, rarest / max(1, everything))
    return round(share * everything), False


def _estimate(session: Session, f: ItemFilter, dialect: str, everything: int, n_words: int,
              phrases: list[list[str]]) -> tuple[int, bool]:
    """How many match: the share of a sample of candidates that pass every condition, times the candidates.

    Candidates are the items with the query's words (SQLite, which counts them exactly) or all items
    (sampled newest first). Exact when the sample holds every candidate.
    """
    if phrases and dialect == "sqlite":
        base = n_words
        sample = _fts_ids(phrases).order_by(text("rowid DESC")).limit(SAMPLE)
    else:
        base = everything
        sample = select(Item.id.label("rid")).order_by(item_time.desc(), Item.id.desc()).limit(SAMPLE)
    sample_q = sample.subquery()
    size = int(session.execute(select(func.count()).select_from(sample_q)).scalar_one())
    passing = apply_filter(select(func.count(Item.id)), session, f, words="scan", ids_drive=True).where(
        Item.id.in_(select(sample_q.c.rid)))
    n = int(session.execute(passing).scalar_one())
    if size >= base:
        return n, True
    return round(base * n / max(1, size)), False


def _planner_rows(session: Session, stmt: Select) -> int:
    """PostgreSQL's own estimate of the rows a SELECT returns (from its statistics, no scan)."""
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    data = plan if isinstance(plan, list) else json.loads(plan)
    return int(data[0]["Plan"]["Plan Rows"])


def _encode_cursor(item: Item) -> str:
    when = item.published_at or item.captured_at
    return f"{when.isoformat()}~{item.id}"


def _decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """`cursor` as given by `Hits.next_cursor`; a malformed one is refused (ValueError, in Chinese)."""
    if not cursor:
        return None
    when, sep, ident = cursor.rpartition("~")
    try:
        if not sep:
            raise ValueError
        return datetime.fromisoformat(when), int(ident)
    except ValueError:
        raise ValueError(f"翻页标记无效：{cursor[:60]}") from None


# Newest-first listing walks this index and stops after one page, instead of sorting every hit.
TIME_INDEX = "CREATE INDEX IF NOT EXISTS ix_items_time ON items ((coalesce(published_at, captured_at)))"

SQLITE_DDL = [
    TIME_INDEX,
    "CREATE VIRTUAL TABLE IF NOT EXISTS items_fts USING fts5(search_text, content='items', "
    "content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS items_fts_ai AFTER INSERT ON items BEGIN "
    "INSERT INTO items_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS items_fts_ad AFTER DELETE ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS items_fts_au AFTER UPDATE OF search_text ON items BEGIN "
    "INSERT INTO items_fts(items_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO items_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]

POSTGRES_DDL = [
    TIME_INDEX,
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Stored, so that phrase queries recheck positions from the column instead of re-parsing every hit.
    "ALTER TABLE items ADD COLUMN IF NOT EXISTS search_tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_items_search_tsv ON items USING gin (search_tsv)",
    "CREATE INDEX IF NOT EXISTS ix_items_text_trgm ON items USING gin (text gin_trgm_ops)",
]
