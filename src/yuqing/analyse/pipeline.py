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

import copy
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from yuqing.analyse.dedup import DedupIndex, ItemId
from yuqing.analyse.events import (
    EventClusterer,
    EventState,
    Matters,
    Member,
    default_matters,
    merge_events,
    split_event,
)
from yuqing.analyse.normalise import normalise_batch
from yuqing.analyse.relevance import NOT_RELEVANT, SPECIFIC_PLACE_LEVELS, Relevance, RelevanceMatcher
from yuqing.analyse.segment import Segmenter
from yuqing.analyse.sentiment import SentimentModel, default_model
from yuqing.analyse.topics import TopicClassifier, TopicLexicon, default_fallback
from yuqing.domain.profile import DistrictProfile, Place

CST = timezone(timedelta(hours=8), "CST")  # China Standard Time, for times given without a zone
KEYWORD_CHARS = 400  # events read the title and the start of the text
MAX_KEYWORDS = 24
EVENT_PLACE_LEVELS = SPECIFIC_PLACE_LEVELS - {"unit", "keyword"}  # where a happening is (a unit says who)
# A repost chain: "comment//@name: quoted//@name2: original"; the last segment is the original's words.
_REPOST_LINK = re.compile(r"//\s*@[^:：\s]{1,30}\s*[:：]?")
_REPOST_PREFIX = re.compile(r"^\s*(?:(?:转发微博|转发|转载)\s*[:：]?|转\s*[:：])\s*")  # not 转角…


def strip_repost(text: str) -> tuple[str, bool]:
    """(the words of the original a post reposts or quotes, whether it is a repost)."""
    parts = _REPOST_LINK.split(text)
    if len(parts) > 1:
        for part in reversed(parts):  # the innermost non-empty segment
            if part.strip():
                return part.strip(), True
        return "", True
    stripped = _REPOST_PREFIX.sub("", text, count=1)
    return stripped, stripped != text


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


@dataclass(slots=True)
class Prepared:
    """One item after the stateless stages; `features` is what the events stage reads of it."""

    item: dict[str, Any]
    id: ItemId
    title: str
    text: str
    full: str
    rel: Relevance
    sentiment: str
    sentiment_score: float
    topics: list[str]
    keywords: tuple[str, ...] = ()
    specific: tuple[str, ...] = ()  # the specific places named (villages, landmarks, towns)
    areas: tuple[str, ...] = ()  # the towns around them
    headline: str = ""
    repost: bool = False
    places: tuple[str, ...] = ()  # the places the original's words name
    matters: tuple[str, ...] = ()  # what it reports (codes of the matter vocabulary)

    def features(self) -> dict[str, Any] | None:
        """The event features of a relevant item, as JSON (stored, so a replay need not segment again)."""
        if not self.rel.relevant:
            return None
        return {"kw": list(self.keywords), "sp": list(self.specific), "ar": list(self.areas),
                "hl": self.headline, "rp": self.repost, "pl": list(self.places), "tp": list(self.topics),
                "mt": list(self.matters)}


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
        matters: Matters | None = None,
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
        self.trace: list[tuple[str | None, list[tuple[str, str]]]] = []  # per item of the last `assign`: the
        # event it joined before any merge, and the merges (target, other) made right after placing it
        self.events = EventClusterer(window=event_window)
        self.matters = matters or default_matters()
        self.clock = clock
        self._latest = 0.0

    def fresh(self) -> Pipeline:
        """A pipeline with the same stateless stages (matcher, models, segmenter) and empty state."""
        new = copy.copy(self)
        new.dedup = DedupIndex(window=self.dedup.window)
        new.events = EventClusterer(window=self.events.window)
        new._latest = 0.0
        return new

    def run(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Analyse a batch in order; returns new dicts (the input items plus the contract fields)."""
        return self.assign(self.prepare(batch))

    def prepare(self, batch: list[dict[str, Any]]) -> list[Prepared]:
        """The stateless stages (normalise, relevance, sentiment, topics, event keywords) over a batch.

        Reads no state and changes none, so any number of workers can run it at once; `assign` then
        does the stateful part (near-duplicates, events) in order.
        """
        ids = [item["id"] if isinstance(item["id"], str | int) else str(item["id"]) for item in batch]
        # Stage: normalise.
        texts = normalise_batch([item.get("text") for item in batch])
        titles = normalise_batch([item.get("title") for item in batch])
        fulls = [f"{ti}\n{te}" if ti else te for ti, te in zip(titles, texts, strict=True)]
        # Stage: relevance.
        rels = self.matcher.match_batch(fulls) if self.matcher is not None else [NOT_RELEVANT] * len(batch)
        # Stages: sentiment and topics.
        sentis = self.sentiment.predict_batch(texts, titles)
        topics = self.topics.classify_batch(fulls)
        out: list[Prepared] = []
        for k, item in enumerate(batch):
            rel = rels[k]
            prep = Prepared(item, ids[k], titles[k], texts[k], fulls[k], rel, sentis[k].label, sentis[k].score,
                            topics[k])
            if rel.relevant:
                self._features(prep)
            out.append(prep)
        return out

    def restore(self, batch: list[dict[str, Any]], stored: list[tuple[str, list[str], dict[str, Any] | None]]
                ) -> list[Prepared]:
        """Prepared items from what is stored of them (sentiment, topic codes, event features).

        Only the cheap normalisation runs again (near-duplicates read the normalised text); an item
        stored relevant without features (analysed before features were stored) goes through `prepare`.
        """
        texts = normalise_batch([item.get("text") for item in batch])
        titles = normalise_batch([item.get("title") for item in batch])
        out: list[Prepared] = []
        redo: list[int] = []
        for k, (item, (sentiment, topics, feats)) in enumerate(zip(batch, stored, strict=True)):
            ti, te = titles[k], texts[k]
            full = f"{ti}\n{te}" if ti else te
            item_id = item["id"] if isinstance(item["id"], str | int) else str(item["id"])
            rel = Relevance(True, list(feats.get("pl", []))) if feats else NOT_RELEVANT
            prep = Prepared(item, item_id, ti, te, full, rel, sentiment, 0.0, list(feats.get("tp", topics)) if feats else topics)
            if feats:
                prep.keywords, prep.specific = tuple(feats.get("kw", [])), tuple(feats.get("sp", []))
                prep.areas, prep.headline = tuple(feats.get("ar", [])), str(feats.get("hl", ""))
                prep.repost, prep.places = bool(feats.get("rp")), tuple(feats.get("pl", []))
                prep.matters = tuple(feats.get("mt", []))
            elif item.get("relevant"):
                redo.append(k)
            out.append(prep)
        if redo:
            for k, prep in zip(redo, self.prepare([batch[k] for k in redo]), strict=True):
                out[k] = prep
        return out

    def _features(self, prep: Prepared) -> None:
        """What the events stage needs of a relevant item: keywords, places, areas, headline."""
        title, text, rel = prep.title, prep.text, prep.rel
        # Events read the original's words: a repost's own comment (扩散, 顶！) says nothing of the matter.
        core, repost = strip_repost(text)
        if title and not repost:
            headline = core if core.startswith(title.rstrip("…. ")) else title
        else:
            headline = core or title
        words = f"{title}\n{core}" if title and not repost else core
        # Place names are matched as places (see EventClusterer), not as words of the matter.
        named = {m.term for m in rel.matches}.union(rel.places)
        prep.keywords = tuple(
            dict.fromkeys(w for w in self.segmenter.keywords(words[:KEYWORD_CHARS]) if w not in named)
        )[:MAX_KEYWORDS]
        # Where it happened is what the original's words say, not a reposter's name (//@城南老张:).
        prep.specific = tuple(sorted({m.place for m in rel.matches if m.level in EVENT_PLACE_LEVELS and m.term in words}))
        elsewhere = {m.place for m in rel.matches if m.term not in words} - {m.place for m in rel.matches if m.term in words}
        prep.places = tuple(p for p in rel.places if p not in elsewhere)
        prep.areas = tuple(sorted(self._areas(set(prep.specific))))
        prep.matters = tuple(self.matters.find(words[:KEYWORD_CHARS]))
        prep.headline, prep.repost = headline, repost

    def assign(self, prepared: list[Prepared]) -> list[dict[str, Any]]:
        """The stateful stages over prepared items, in order: near-duplicates, then events."""
        dups = self.dedup.check_batch([p.id for p in prepared], [p.full for p in prepared])
        out: list[dict[str, Any]] = []
        self.trace = []
        merged = self.events.merged
        for prep, dup in zip(prepared, dups, strict=True):
            rel = prep.rel
            # Stage: events (relevant items only).
            if rel.relevant:
                before = len(merged)
                event_id = self.events.add(*self._member(prep, dup.duplicate_of))
                self.trace.append((self.events.joined,
                                   [(str(gone.merged_into), gone.id) for gone in merged[before:]]))
            else:
                event_id = None
                self.trace.append((None, []))
            result = dict(prep.item)
            result.update(
                sentiment=prep.sentiment,
                sentiment_score=prep.sentiment_score,
                topics=prep.topics,
                relevant=rel.relevant,
                places=rel.places,
                place_matches=[{"place": m.place, "term": m.term, "why": m.why} for m in rel.matches],
                duplicate_of=dup.duplicate_of,
                event_id=event_id,
            )
            out.append(result)
        for result in out:  # events merged while the batch ran: point at the surviving event
            if result["event_id"] is not None:
                result["event_id"] = self.events.resolve(result["event_id"])
        self.events.retire_quiet()
        return out

    def follow(self, prepared: list[Prepared], stored: list[tuple[ItemId | None, str | None]],
               merges: list[list[tuple[str, str]]] | None = None) -> None:
        """Replay items another worker analysed: index them and put each in the event it is stored in.

        `stored` gives, per item, the original it was stored as a copy of and the (cache) id of the event
        to put it in; nothing is scored. `merges` gives, per item, the merges (target, other) its
        `assign` made right after placing it (`trace`), replayed at the same point: a batch replayed
        with the event each item first joined and its merges leaves the cache equal to the worker's
        that analysed it. Without them the cache follows the stored grouping as it is now.
        """
        self.dedup.check_batch([p.id for p in prepared], [p.full for p in prepared])
        for n, (prep, (duplicate_of, event_id)) in enumerate(zip(prepared, stored, strict=True)):
            if event_id is not None and prep.rel.relevant:
                member, specific = self._member(prep, duplicate_of)
                self.events.follow(member, specific, event_id)
                for target, other in merges[n] if merges else ():
                    self.events.replay_merge(target, other)
        self.events.retire_quiet()

    def _member(self, prep: Prepared, duplicate_of: ItemId | None) -> tuple[Member, set[str]]:
        item = prep.item
        at = parse_time(item.get("published_at"))
        if at is None:
            at = self._latest or self.clock()
        self._latest = max(self._latest, at)
        member = Member(
            item_id=prep.id,
            at=at,
            source=str(item["source"]) if item.get("source") is not None else None,
            reach=_count(item.get("reposts")) + _count(item.get("comments")) + _count(item.get("likes")),
            negative=prep.sentiment == "negative",
            duplicate_of=duplicate_of,
            snippet=(prep.title or prep.text)[:80],
            keywords=prep.keywords,
            places=prep.places,
            topics=tuple(prep.topics),
            repost=prep.repost or duplicate_of is not None,
            headline=prep.headline,
            areas=prep.areas,
            matters=prep.matters,
        )
        return member, set(prep.specific)

    def _areas(self, places: set[str]) -> set[str]:
        """The places around the given ones, up to their town (a community, a town; a town is its
        own), from the district profile: a compound's post and its town's post are about one place."""
        around: dict[str, tuple[str, ...]] | None = getattr(self, "_around", None)
        if around is None:  # built on first use: place → the places holding it, up to its town
            by_name = {p.name: p for p in self.profile.places} if self.profile is not None else {}
            around = {}
            for place in by_name.values():
                chain: list[str] = []
                node: Place | None = place
                for _ in range(4):  # landmark → village → town
                    if node is None:
                        break
                    if node.level == "town":
                        chain.append(node.name)
                        break
                    if node is not place and node.level in ("village", "landmark"):
                        chain.append(node.name)
                    node = by_name.get(node.parent or "")
                if chain and chain[-1] in by_name and by_name[chain[-1]].level == "town":
                    around[place.name] = tuple(chain)
            self._around = around
        return {a for p in places for a in around.get(p, ())}

    def drain_events(self, detail: bool = True) -> list[dict[str, Any]]:
        """Events changed or retired since the last call, as dicts for the events table (without `detail`:
        no item ids and timeline, see `EventState.to_dict`).

        An event merged automatically into another, that an earlier call returned, comes back once
        with `merged_into` (the surviving event's id) and `retired`: its items now belong there.
        One started and merged since the last call is not returned at all.
        """
        ids = set(self.events.touched)
        out = [self.events.active[i].to_dict(detail) for i in sorted(ids) if i in self.events.active]
        out += [ev.to_dict(detail) | {"retired": True} for ev in self.events.retired]
        out += [
            ev.to_dict(detail) | {"retired": True, "merged_into": self.events.resolve(ev.id)}
            for ev in self.events.merged
            if ev.id not in self.events.created
        ]
        self.events.touched.clear()
        self.events.retired.clear()
        self.events.merged.clear()
        self.events.created.clear()
        return out

    def skip_changes(self) -> None:
        """Forget what changed since the last `drain_events`, without building the rows (a replay of what
        is stored already); titles are chosen as `drain_events` would have chosen them."""
        for i in self.events.touched:
            ev = self.events.active.get(i)
            if ev is not None and not ev.pinned:
                ev.title = ev.representative_title()
        self.events.touched.clear()
        self.events.retired.clear()
        self.events.merged.clear()
        self.events.created.clear()

    def merge(self, target_id: str, other_id: str) -> EventState:
        """Merge an active event into another (the caller audits and persists)."""
        merged, retired = merge_events(self.events.active[target_id], self.events.active[other_id],
                                       max_members=self.events.max_members)
        self.events.install([merged, retired], removed=(other_id,))
        return merged

    def split(self, event_id: str, item_ids: set[ItemId], new_id: str) -> tuple[EventState, EventState]:
        """Split items out of an active event into a new one (the caller audits and persists)."""
        kept, new = split_event(self.events.active[event_id], item_ids, new_id)
        self.events.install([kept, new])
        return kept, new

    def adopt(self, owner: Mapping[ItemId, int], titles: Mapping[int, str] | None = None) -> dict[str, int]:
        """Make the active events follow a stored grouping of items (see `EventClusterer.adopt`)."""
        return self.events.adopt(owner, titles)
