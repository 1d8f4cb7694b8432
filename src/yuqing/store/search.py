"""Search over items behind one interface.

Chinese has no spaces, so both backends index overlapping character bigrams (人民政府 → 人民 民政 政府)
stored in `items.search_text`; a query term becomes the phrase of its bigrams, which is exact for
terms of two or more characters. SQLite: an FTS5 table (unicode61) kept in sync by triggers.
PostgreSQL: a stored tsvector column (search_tsv) with a GIN index, plus pg_trgm on the text for
non-Chinese substrings. A one-character term falls back to a substring match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, TextClause, func, select, text
from sqlalchemy.orm import Session

from yuqing.store.tables import Item

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(f"[{_CJK}]+|[0-9A-Za-z\u00c0-\u024f]+")
_IS_CJK = re.compile(f"[{_CJK}]")


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


def apply_filter(stmt: Select, session: Session, f: ItemFilter) -> Select:
    """Add the filter's conditions to a SELECT over items."""
    phrases, singles = _term_phrases(f.query)
    dialect = session.get_bind().dialect.name
    if phrases:
        if dialect == "sqlite":
            match = " AND ".join('"' + " ".join(t.replace('"', '""') for t in p) + '"' for p in phrases)
            stmt = stmt.where(
                Item.id.in_(select(text("rowid")).select_from(text("items_fts")).where(
                    text("items_fts MATCH :fts_q").bindparams(fts_q=match)))
            )
        else:
            tsq = " & ".join("(" + " <-> ".join(_pg_quote(t) for t in p) + ")" for p in phrases)
            stmt = stmt.where(
                text("items.search_tsv @@ to_tsquery('simple', :ts_q)").bindparams(ts_q=tsq)
            )
    for ch in singles:
        stmt = stmt.where((Item.title + " " + Item.text).contains(ch))
    if f.since:
        stmt = stmt.where(func.coalesce(Item.published_at, Item.captured_at) >= f.since)
    if f.until:
        stmt = stmt.where(func.coalesce(Item.published_at, Item.captured_at) < f.until)
    if f.source_ids:
        stmt = stmt.where(Item.source_id.in_(f.source_ids))
    if f.sentiment:
        stmt = stmt.where(Item.sentiment == f.sentiment)
    if f.relevant is not None:
        stmt = stmt.where(Item.relevant.is_(f.relevant))
    if f.event_id is not None:
        stmt = stmt.where(Item.event_id == f.event_id)
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

def search_items(session: Session, f: ItemFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[Item], int]:
    """Items matching the filter, newest first, and how many match in all."""
    total = session.execute(apply_filter(select(func.count(Item.id)), session, f)).scalar_one()
    order = func.coalesce(Item.published_at, Item.captured_at).desc()
    base = apply_filter(select(Item), session, f)
    rows = session.execute(base.order_by(order).limit(limit).offset(offset)).scalars().all()
    return list(rows), int(total)


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
