"""The analysis pipeline: normalise → dedup → relevance → sentiment → topics → events (→ heat).

Stages are plain functions over batches and do no I/O; `Pipeline.run` composes them and keeps the
incremental state (the dedup index and the active events) across batches, bounded in size.
The cheap stages (normalise, dedup, relevance) run on every item; events run only on relevant ones.

Each output item is the input item plus:
    sentiment        "negative" | "neutral" | "positive"
    sentiment_score  float in [-1, 1] (P(positive) − P(negative))
    topics           topic area codes (see topics.TOPIC_LABELS), at least one ("other")
    relevant         bool: concerns the district (always false without a district profile)
    places           names of the district's places the item names
    place_matches    for each place: the term found and why it counts
    duplicate_of     id of the original this item copies or reposts, else null
    event_id         id of the event a relevant item belongs to, else null
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from yuqing.analyse.dedup import DedupIndex, DedupResult, ItemId
from yuqing.analyse.events import EventClusterer, EventState, Member, merge_events, split_event
from yuqing.analyse.normalise import normalise
from yuqing.analyse.relevance import NOT_RELEVANT, SPECIFIC_PLACE_LEVELS, Relevance, RelevanceMatcher
from yuqing.analyse.segment import Segmenter
from yuqing.analyse.sentiment import Sentiment, SentimentModel, default_model
from yuqing.analyse.topics import TopicClassifier, TopicLexicon, default_fallback
from yuqing.domain.profile import DistrictProfile

CST = timezone(timedelta(hours=8), "CST")  # China Standard Time, for times given without a zone
KEYWORD_CHARS = 400  # events read the title and the start of the text
MAX_KEYWORDS = 24


def parse_time(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 string or a number (naive times are taken as UTC+8)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value / 1000 if value > 1e11 else value)
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=CST)
        return dt.timestamp()
    return None


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


class Pipeline:
    """Analyses batches of items for one district (or none), keeping state across batches."""

    def __init__(
        self,
        profile: DistrictProfile | None = None,
        user_words: Iterable[str] = (),
        *,
        topics: TopicLexicon | None = None,
        sentiment: SentimentModel | None = None,
        clock: Callable[[], float] = time.time,
        dedup_window: int = 20_000,
        event_window: float = 3 * 86_400.0,
    ) -> None:
        self.profile = profile
        self.matcher = RelevanceMatcher(profile) if profile is not None else None
        words = list(user_words)
        if self.matcher is not None:
            words += self.matcher.user_words()
        self.segmenter = Segmenter(words)
        self.topics = TopicClassifier(topics or TopicLexicon(), default_fallback())
        self.sentiment = sentiment or default_model()
        self.dedup = DedupIndex(window=dedup_window)
        self.events = EventClusterer(window=event_window)
        self.clock = clock
        self._latest = 0.0

    def run(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Analyse a batch in order; returns new dicts (the input items plus the contract fields)."""
        ids = [item["id"] if isinstance(item["id"], str | int) else str(item["id"]) for item in batch]
        # Stage: normalise.
        texts = [normalise(item.get("text")) for item in batch]
        titles = [normalise(item.get("title")) for item in batch]
        fulls = [f"{ti}\n{te}" if ti else te for ti, te in zip(titles, texts, strict=True)]
        # Stage: near-duplicates and reposts (in order: items of one batch can repeat each other).
        dups = self.dedup.check_batch(ids, fulls)
        # Stage: relevance.
        rels = self.matcher.match_batch(fulls) if self.matcher is not None else [NOT_RELEVANT] * len(batch)
        # Stages: sentiment and topics.
        sentis = self.sentiment.predict_batch(texts, titles)
        topics = self.topics.classify_batch(fulls)
        out: list[dict[str, Any]] = []
        for k, item in enumerate(batch):
            rel, senti, dup = rels[k], sentis[k], dups[k]
            # Stage: events (relevant items only).
            event_id = self._event(item, ids[k], titles[k], texts[k], fulls[k], rel, senti, dup, topics[k])
            result = dict(item)
            result.update(
                sentiment=senti.label,
                sentiment_score=senti.score,
                topics=topics[k],
                relevant=rel.relevant,
                places=rel.places,
                place_matches=[{"place": m.place, "term": m.term, "why": m.why} for m in rel.matches],
                duplicate_of=dup.duplicate_of,
                event_id=event_id,
            )
            out.append(result)
        self.events.retire_quiet()
        return out

    def _event(
        self,
        item: dict[str, Any],
        item_id: ItemId,
        title: str,
        text: str,
        full: str,
        rel: Relevance,
        senti: Sentiment,
        dup: DedupResult,
        topics: list[str],
    ) -> str | None:
        if not rel.relevant:
            return None
        at = parse_time(item.get("published_at"))
        if at is None:
            at = self._latest or self.clock()
        self._latest = max(self._latest, at)
        keywords = tuple(dict.fromkeys(self.segmenter.keywords(full[:KEYWORD_CHARS])))[:MAX_KEYWORDS]
        member = Member(
            item_id=item_id,
            at=at,
            source=str(item["source"]) if item.get("source") is not None else None,
            reach=_count(item.get("reposts")) + _count(item.get("comments")) + _count(item.get("likes")),
            negative=senti.label == "negative",
            duplicate_of=dup.duplicate_of,
            snippet=(title or text)[:80],
            keywords=keywords,
            places=tuple(rel.places),
            topics=tuple(topics),
        )
        specific = {m.place for m in rel.matches if m.level in SPECIFIC_PLACE_LEVELS}
        return self.events.add(member, specific)

    def drain_events(self) -> list[dict[str, Any]]:
        """Events changed or retired since the last call, as dicts for the events table."""
        ids = set(self.events.touched)
        out = [self.events.active[i].to_dict() for i in sorted(ids) if i in self.events.active]
        out += [ev.to_dict() | {"retired": True} for ev in self.events.retired]
        self.events.touched.clear()
        self.events.retired.clear()
        return out

    def merge(self, target_id: str, other_id: str) -> EventState:
        """Merge an active event into another (the caller audits and persists)."""
        merged, retired = merge_events(self.events.active[target_id], self.events.active[other_id])
        self.events.install([merged, retired], removed=(other_id,))
        return merged

    def split(self, event_id: str, item_ids: set[ItemId], new_id: str) -> tuple[EventState, EventState]:
        """Split items out of an active event into a new one (the caller audits and persists)."""
        kept, new = split_event(self.events.active[event_id], item_ids, new_id)
        self.events.install([kept, new])
        return kept, new
