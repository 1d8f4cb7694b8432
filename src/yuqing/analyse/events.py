"""Events: relevant items about the same happening, clustered incrementally.

Posts are grouped by happening, not wording (issue 16): the same matter at the same place within
the window is one event however it is told (停电, 断电, 没电了, 跳闸; a river first seen black and
later smelt). Matters come from a vocabulary of the words people use for each (`Matters`,
data/matters.json); places from the district profile's hierarchy, so a compound's post, its
community's and its town's are about one place (`_relation`: SPOT, WITHIN), while another compound
of the same town is another place (SIBLING).

An original relevant item joins the active event it scores best with (at least `threshold`), or
starts a new one. The score is the cosine between the item's keywords and the event's keyword
profile (both weighted by an idf kept over all items seen; place names are not keywords), plus,
when they name the same place, a place bonus (more for the same compound, village or landmark than
for a place holding the other's), a matter bonus when the item reports one of the event's main
matters, a recency bonus and a topic bonus (or a penalty when both have topic areas and share
none). Where they both say where and it is not the same place, it is another happening (the same
complaint in two towns is two events, for two responsible units); another matter at the same place
is another happening too, unless the words themselves clearly agree (`DISTINCT_WORDS`). A shared
place never suffices alone: the matter must be shared too, by the vocabulary, a keyword, a topic
area, or enough of the keywords' characters (停水 and 没水). An event joined within `window`
seconds is active. A duplicate (repost, copy) joins the event of its original, as spread.

After each join, a merge pass looks at the few events most recently joined at the item's places:
when two now clearly describe one happening (the same score between their profiles reaches
`merge_threshold`) the smaller merges into the larger; `resolve` maps the old id to the survivor.
The pass runs when an event reaches 2, 3, 4, 8, 16… originals and every 16th, so its cost stays
bounded. The title is the most central original (not a repost) of the event, trimmed.

Events are plain state (`EventState`); `merge_events` and `split_event` are pure functions over it
so an analyst's merge and split can be applied, audited and persisted by the caller. After a rebuild
(replaying stored items), `EventClusterer.adopt` makes the active events follow the stored grouping
again, so an analyst's decisions outlive the process: events an analyst split are kept apart by the
merge pass, and a title an analyst gave is pinned.
Memory is bounded: events quiet for longer than `window` are retired (handed to the caller and
forgotten), each event keeps at most `max_members` members in detail, and the idf table is reset
when it grows past `max_terms` words.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from collections import Counter, OrderedDict
from collections import _count_elements as _count  # type: ignore[attr-defined]
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain, islice
from operator import itemgetter
from pathlib import Path

import ahocorasick

from yuqing.analyse.dedup import ItemId
from yuqing.analyse.heat import HeatInput, heat_factors, heat_score

PROFILE_TERMS = 40  # keywords kept in an event's profile
SPOT_BONUS = 0.25  # added to the keyword similarity when item and event name the same village or landmark
PLACE_BONUS = 0.15  # … the same town (named as such)
RECENT_BONUS = 0.08  # × (1 − hours since the event was last joined / RECENT_HOURS), when they share a place
RECENT_HOURS = 24.0
TOPIC_BONUS = 0.1  # × the overlap of topic areas (other than "other"), when they share a place
TOPIC_PENALTY = 0.1  # subtracted when both have topic areas and none is shared (another matter)
CHAR_TERMS = 12  # an event's keywords whose characters are compared (the heaviest)
CHAR_EVIDENCE = 0.12  # cosine of keyword characters that counts as naming the same matter (停水/没水)
MATTER_BONUS = 0.3  # added when item and event report the same matter (停电/断电/跳闸) at the same place
MATTER_SHARE = 0.2  # an event reports a matter when this share of its originals name it
DISTINCT_WORDS = 0.5  # keyword similarity that joins posts at one place even when their matters differ
MERGE_THRESHOLD = 0.45  # two active events merge when their profiles score this (see `_merge_pass`)
MERGE_CANDIDATES = 12  # events looked at by one merge pass
PLACE_CANDIDATES = 4  # most recently joined events per place looked at for an item (or a merge pass)
TITLE_CANDIDATES = 300  # members looked at when choosing a title
TITLE_CHARS = 40
NO_TOPIC = "other"
_SENTENCE_END = re.compile(r"[。！？!?；;]")
_CLAUSE_END = re.compile(r"[，,、：:]")


@dataclass(slots=True)
class Member:
    """One item of an event, with what heat, titles and splits need."""

    item_id: ItemId
    at: float
    source: str | None = None
    reach: int = 0
    negative: bool = False
    duplicate_of: ItemId | None = None
    snippet: str = ""
    keywords: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    repost: bool = False  # the text reposts or quotes another post (//@…, 转发…), known or not
    headline: str = ""  # the item's own words for a title (a repost's quoted original), else snippet
    areas: tuple[str, ...] = ()  # places containing the specific places named (their village, town)
    matters: tuple[str, ...] = ()  # what the post reports (codes of the matter vocabulary, `Matters`)


@dataclass
class EventState:
    """An event as the pipeline knows it; `to_dict` gives the columns of the events table."""

    id: str
    title: str
    first_seen: float
    last_seen: float
    members: list[Member] = field(default_factory=list)
    terms: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    specific_places: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)
    topics: Counter[str] = field(default_factory=Counter)
    overflow: list[HeatInput] = field(default_factory=list)  # items past max_members (counted, not kept)
    merged_into: str | None = None
    originals: int = 0  # members that are not duplicates (all, kept in detail or not)
    pinned: bool = False  # the title was given by an analyst: keep it, do not choose one from the posts
    matters: Counter[str] = field(default_factory=Counter)  # matters named by its originals
    _topic_vector: dict[str, float] | None = field(default=None, repr=False, compare=False)

    @property
    def item_count(self) -> int:
        return len(self.members) + len(self.overflow)

    def keywords(self, n: int = 8) -> list[str]:
        return [w for w, _ in self.terms.most_common(n)]

    def where(self) -> set[str]:
        """Specific places named, and the places around them."""
        return self.specific_places | self.areas

    def main_matters(self) -> set[str]:
        """The matters a fair share (MATTER_SHARE) of its originals report."""
        need = MATTER_SHARE * max(1, self.originals)
        return {m for m, c in self.matters.items() if c >= need}

    def representative_title(self) -> str:
        """A title from the event's most central original post (not a repost), trimmed.

        Centrality: how much of the event's keyword profile the post's keywords carry (÷ √ of its
        keyword count, so long posts do not win by length), a little more for posts with more reach;
        the earliest wins a tie. Reposts are used (their quoted words, never the repost chain) only
        when the event has no original.
        """
        pool = self.members[:TITLE_CANDIDATES]
        originals = [m for m in pool if m.duplicate_of is None and not m.repost]
        if not originals:
            originals = [m for m in pool if m.duplicate_of is None] or pool
        if not originals:
            return self.title
        best, best_score = originals[0], -1.0
        for m in originals:
            kws = set(m.keywords)
            central = sum(self.terms.get(w, 0) for w in kws) / math.sqrt(len(kws)) if kws else 0.0
            score = central * (1.0 + 0.05 * math.log1p(m.reach))
            if score > best_score or (score == best_score and m.at < best.at):
                best, best_score = m, score
        return trim_title(best.headline or best.snippet) or self.title

    def topic_vector(self) -> dict[str, float]:
        """Normalised counts of the topic areas named (without "other"); cached until a member joins."""
        if self._topic_vector is None:
            total = math.sqrt(sum(c * c for t, c in self.topics.items() if t != NO_TOPIC)) or 1.0
            self._topic_vector = {t: c / total for t, c in self.topics.items() if t != NO_TOPIC}
        return self._topic_vector

    def heat(self) -> tuple[float, dict[str, dict[str, float]]]:
        rows = [HeatInput(m.at, m.source, m.reach, m.negative) for m in self.members] + self.overflow
        factors = heat_factors(rows, now=self.last_seen)
        return heat_score(factors), factors

    def timeline(self, limit: int = 200) -> list[dict[str, object]]:
        """Items in time order: when, which item, new post or spread, and a snippet."""
        rows = sorted(self.members, key=lambda m: m.at)[:limit]
        return [
            {
                "at": _iso(m.at),
                "item_id": m.item_id,
                "kind": "spread" if m.duplicate_of else "post",
                "source": m.source,
                "snippet": m.snippet,
            }
            for m in rows
        ]

    def to_dict(self, detail: bool = True) -> dict[str, object]:
        """The event's row; without `detail`, no `item_ids` and `timeline` (what the events table does
        not keep)."""
        heat, factors = self.heat()
        if not self.pinned:
            self.title = self.representative_title()
        row: dict[str, object] = {
            "id": self.id,
            "title": self.title,
            "keywords": self.keywords(),
            "places": [p for p, _ in self.places.most_common(10)],
            "topics": [t for t, _ in self.topics.most_common(3)],
            "first_seen_at": _iso(self.first_seen),
            "last_seen_at": _iso(self.last_seen),
            "item_count": self.item_count,
            "heat": heat,
            "heat_factors": factors,
            "merged_into": self.merged_into,
        }
        if detail:
            row.update(item_ids=[m.item_id for m in self.members], timeline=self.timeline())
        return row


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def trim_title(text: str, limit: int = TITLE_CHARS) -> str:
    """The text cut to a title: its first sentence if short enough, else at a clause, else with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit and not _SENTENCE_END.search(text[:-1]):
        return text
    end = _SENTENCE_END.search(text)
    if end is not None and 8 <= end.start() <= limit:
        return text[: end.start() + 1] if text[end.start()] in "！？!?" else text[: end.start()]
    if len(text) <= limit:
        return text
    cuts = [m.start() for m in _CLAUSE_END.finditer(text, 0, limit + 1) if m.start() >= 12]
    if cuts:
        return text[: cuts[-1]] + "…"
    return text[:limit] + "…"


MATTERS_FILE = Path(__file__).resolve().parent.parent / "data" / "matters.json"


class Matters:
    """The matter vocabulary: which matters a text reports (停电, 断电, 没电了, 跳闸 → power)."""

    def __init__(self, vocabulary: Mapping[str, list[str]]) -> None:
        self.codes = [code for code in vocabulary if not code.startswith("_")]
        self._automaton = ahocorasick.Automaton()
        for code in self.codes:
            for term in vocabulary[code]:
                self._automaton.add_word(term, code)
        self._empty = not self.codes
        if not self._empty:
            self._automaton.make_automaton()

    @classmethod
    def load(cls, path: Path = MATTERS_FILE) -> Matters:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({code: entry["terms"] for code, entry in data.items() if not code.startswith("_")})

    def find(self, text: str) -> tuple[str, ...]:
        """The matters the text names, in the order first named."""
        if self._empty:
            return ()
        return tuple(dict.fromkeys(code for _, code in self._automaton.iter(text)))


@lru_cache(maxsize=1)
def default_matters() -> Matters:
    return Matters.load()


# How an item's places relate to an event's (see `_relation`).
SPOT = "spot"  # they name the same compound, village or landmark
WITHIN = "within"  # one names a place (a town, a community) that holds the other's
SIBLING = "sibling"  # other places in the same town: another happening unless the words say otherwise
NOWHERE = "nowhere"  # one of them does not say where


def _relation(specific: set[str], areas: set[str], ev: EventState) -> str | None:
    """How the places an item names relate to an event's; None when both say where and it is elsewhere.

    `areas` holds the places around the ones named (their community and town; a town is its own),
    so a compound's post and the town's post about it are one place (WITHIN).
    """
    if not specific or not ev.specific_places:
        return NOWHERE
    shared = specific & ev.specific_places
    if shared:
        return WITHIN if shared <= areas or shared <= ev.areas else SPOT
    if specific & ev.areas or ev.specific_places & areas:
        return WITHIN
    if areas & ev.areas:
        return SIBLING
    return None


def _same_matter(matters: set[str], ev: EventState) -> int:
    """1 when the item reports one of the event's main matters, -1 when both report matters and none
    is shared (another matter), 0 when one of them reports none."""
    if not matters:
        return 0
    main = ev.main_matters()
    if not main:
        return 0
    return 1 if matters & main else -1


def _keys(ev: EventState) -> set[str]:
    """The keys an event is posted under: its places, and each with each of its matters."""
    where = ev.where()
    return where | {f"{p}\x00{m}" for p in where for m in ev.matters}


def _recency(gap: float) -> float:
    return RECENT_BONUS * max(0.0, 1.0 - gap / (RECENT_HOURS * 3600.0))


def _checkpoint(n: int) -> bool:
    """Whether an event of `n` originals is looked at for merging: at 2, 3, 4, 8, 16, … and every 16th."""
    return n >= 2 and (n == 3 or n & (n - 1) == 0 or n % 16 == 0)


def _overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of two sparse vectors (the key intersection is taken in C: most share little)."""
    return sum(a[k] * b[k] for k in a.keys() & b.keys())


def _top(counts: Counter[str], n: int) -> list[tuple[str, int]]:
    """`counts.most_common(n)`, the same order (ties in insertion order), sorted in C: faster than
    the heap `most_common` uses when `n` is a good part of the counter."""
    return sorted(counts.items(), key=itemgetter(1), reverse=True)[:n]


def _add_terms(event: EventState, keywords: tuple[str, ...]) -> None:
    """Count an original's keywords in the event's profile, trimmed to the heaviest when it grows."""
    _count(event.terms, keywords)  # (Counter.update's own counting, without its Python overhead: hot)
    if len(event.terms) > 4 * PROFILE_TERMS:
        event.terms = Counter(dict(_top(event.terms, 2 * PROFILE_TERMS)))


def _add_member(event: EventState, m: Member, max_members: int) -> None:
    if len(event.members) < max_members:
        event.members.append(m)
    else:
        event.overflow.append(HeatInput(m.at, m.source, m.reach, m.negative))
    event.first_seen = min(event.first_seen, m.at)
    event.last_seen = max(event.last_seen, m.at)
    event._topic_vector = None
    if m.duplicate_of is None:  # spread repeats the original's words; count them once
        event.originals += 1
        _count(event.matters, m.matters)
        _add_terms(event, m.keywords)
    _count(event.places, m.places)
    _count(event.topics, m.topics)


def _rebuild(
    event_id: str, members: list[Member], title: str | None = None, max_members: int | None = None
) -> EventState:
    """An event of the given members, as if they had joined one by one in time order (`_add_member`).

    Done in bulk: the counters and sets are updated with all members at once, in the same order,
    and only the keyword profile (trimmed as it grows) is built member by member.
    """
    ordered = sorted(members, key=lambda m: m.at)
    first = ordered[0]
    ev = EventState(event_id, title or trim_title(first.headline or first.snippet), first.at, ordered[-1].at)
    keep = max_members or len(ordered)
    ev.members = ordered[:keep]
    ev.overflow = [HeatInput(m.at, m.source, m.reach, m.negative) for m in ordered[keep:]]
    originals = [m for m in ordered if m.duplicate_of is None]
    ev.originals = len(originals)
    ev.matters.update(chain.from_iterable(m.matters for m in originals))
    for m in originals:
        _add_terms(ev, m.keywords)
    ev.places.update(chain.from_iterable(m.places for m in ordered))
    ev.topics.update(chain.from_iterable(m.topics for m in ordered))
    ev.specific_places.update(chain.from_iterable(m.places for m in ordered))
    ev.areas.update(chain.from_iterable(m.areas for m in ordered))
    return ev


def merge_events(
    target: EventState, other: EventState, max_members: int | None = None
) -> tuple[EventState, EventState]:
    """Merge `other` into `target`: (the merged event, `other` marked merged into it). Pure."""
    merged = _rebuild(target.id, target.members + other.members, title=target.title, max_members=max_members)
    merged.overflow = merged.overflow + target.overflow + other.overflow
    merged.specific_places = target.specific_places | other.specific_places
    merged.areas = target.areas | other.areas
    retired = replace(other, merged_into=target.id)
    return merged, retired


def split_event(event: EventState, item_ids: set[ItemId], new_id: str) -> tuple[EventState, EventState]:
    """Move the given items (and their reposts) out of `event` into a new event `new_id`. Pure."""
    moving = [m for m in event.members if m.item_id in item_ids or m.duplicate_of in item_ids]
    staying = [m for m in event.members if m not in moving]
    if not moving or not staying:
        raise ValueError("a split must leave items on both sides")
    kept = _rebuild(event.id, staying, title=event.title if event.members[0] in staying else None)
    kept.overflow = list(event.overflow)
    return kept, _rebuild(new_id, moving)


class EventClusterer:
    """Incremental clustering of relevant items into events (see the module docstring).

    Scoring is a search over postings: each active event keeps a cached, normalised keyword vector,
    and a new item accumulates dot products only over the events that share one of its keywords
    (keywords shared by more than `max_postings` events are too common to tell events apart) or
    one of its places.
    """

    def __init__(
        self,
        threshold: float = 0.3,
        window: float = 3 * 86_400.0,
        max_members: int = 2_000,
        max_active: int = 20_000,
        max_links: int = 200_000,
        max_terms: int = 200_000,
        max_postings: int = 50,
        query_terms: int = 8,
        merge_threshold: float = MERGE_THRESHOLD,
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.max_members = max_members
        self.max_active = max_active
        self.max_links = max_links
        self.max_terms = max_terms
        self.max_postings = max_postings
        self.query_terms = query_terms
        self.merge_threshold = merge_threshold
        self.active: OrderedDict[str, EventState] = OrderedDict()  # least recently joined first
        self._vectors: dict[str, dict[str, float]] = {}  # event → normalised keyword vector
        self._postings: dict[str, dict[str, float]] = {}  # keyword → {active event: its weight there}
        self._place_postings: dict[str, dict[str, None]] = {}  # place or town → active events naming it
        self._item_event: OrderedDict[ItemId, str] = OrderedDict()  # original item → event (bounded)
        self._merged: OrderedDict[str, str] = OrderedDict()  # event merged automatically → its target
        self._char_vectors: dict[str, dict[str, float]] = {}  # event → normalised keyword-character vector
        self._df: Counter[str] = Counter()
        self._cdf: Counter[str] = Counter()  # documents per keyword character
        self._cidf: dict[str, float] = {}  # idf of keyword characters, as of `_cidf_at` documents
        self._cidf_unseen = 1.0
        self._cidf_at = 0
        self._docs = 0
        self._now = 0.0
        self.touched: set[str] = set()
        self.retired: list[EventState] = []
        self.merged: list[EventState] = []  # events merged into others since the caller last looked
        self.created: set[str] = set()  # events started since the caller last looked
        self.apart: set[frozenset[str]] = set()  # pairs of events the merge pass must leave apart
        self.joined: str | None = None  # the event the last `add` put its item in, before any merge

    def _idf(self, term: str) -> float:
        return math.log((self._docs + 1) / (self._df.get(term, 0) + 1)) + 1.0

    def _event_vector(self, ev: EventState) -> dict[str, float]:
        log, df, docs = math.log, self._df.get, self._docs + 1  # (`_idf`, inlined: hot)
        vec = {t: (1 + log(c)) * (log(docs / (df(t, 0) + 1)) + 1.0) for t, c in _top(ev.terms, PROFILE_TERMS) if c > 0}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def resolve(self, event_id: str) -> str:
        """The event an id now stands for (after automatic merges)."""
        for _ in range(64):  # chains are short; the bound guards against a cycle
            nxt = self._merged.get(event_id)
            if nxt is None:
                break
            event_id = nxt
        return event_id

    def _in_window(self, ev: EventState, first: float, last: float) -> bool:
        return first - ev.last_seen <= self.window and ev.first_seen - last <= self.window

    def _char_vector(self, weights: dict[str, float]) -> dict[str, float]:
        """Characters of weighted keywords, weighted by their own idf: 停水 and 没水 share 水."""
        cidf, unseen = self._cidf, self._cidf_unseen
        vec: dict[str, float] = {}
        for term, w in weights.items():
            for ch in dict.fromkeys(term):  # (ordered: the same sums in every process)
                vec[ch] = vec.get(ch, 0.0) + w * cidf.get(ch, unseen)
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {c: v / norm for c, v in vec.items()}

    def _count_doc(self, terms: dict[str, None]) -> None:
        """An original item's keywords enter the document frequencies (`add` and `follow` alike).

        The idf of characters moves slowly: it is taken afresh only when the document count has grown
        by a quarter (every document for the first 64), from the counts at that moment, so that it
        depends on the documents seen and not on which items happened to be scored when (a worker
        that replays stored items must reach the same numbers as the one that analysed them).
        """
        self._docs += 1
        _count(self._df, terms)
        _count(self._cdf, set("".join(terms)))
        if len(self._df) > self.max_terms:
            self._df = Counter(dict(self._df.most_common(self.max_terms // 2)))
        if self._docs <= 64 or self._docs > 1.25 * self._cidf_at + 64:
            log, docs = math.log, self._docs + 1
            self._cidf = {ch: log(docs / (n + 1)) + 1.0 for ch, n in self._cdf.items()}
            self._cidf_unseen = log(docs) + 1.0
            self._cidf_at = self._docs
            self._char_vectors.clear()  # computed again from the new idf when needed

    def _event_chars(self, ev_id: str) -> dict[str, float]:
        chars = self._char_vectors.get(ev_id)
        if chars is None:
            vec = self._vectors.get(ev_id, {})  # ordered by count: the event's main words first
            chars = self._char_vectors[ev_id] = self._char_vector(dict(islice(vec.items(), CHAR_TERMS)))
        return chars

    def _matter_score(
        self,
        similarity: float,
        chars: Callable[[], dict[str, float]],
        topics: dict[str, float],
        ev: EventState,
        gap: float,
        need: float = -math.inf,
        spot: bool = True,
    ) -> float | None:
        """Topic agreement (or disagreement) and recency, added when a place is shared.

        None when nothing says it is the same matter (no keyword shared, no topic area shared, and
        at the same village or landmark (`spot`) few characters of keywords shared): a busy place
        has unrelated posts every hour, and a place alone does not make a happening. None too when
        the score cannot reach `need`.
        """
        tv = ev.topic_vector()
        overlap = _overlap(topics, tv) if topics and tv else 0.0
        score = _recency(gap)
        if topics and tv:
            score += TOPIC_BONUS * overlap if overlap > 0 else -TOPIC_PENALTY
        if score < need:
            return None
        if similarity <= 0.0 and overlap <= 0.0 and (
            not spot or _overlap(chars(), self._event_chars(ev.id)) < CHAR_EVIDENCE
        ):
            return None
        return score

    def add(self, member: Member, specific_places: set[str]) -> str:
        """Place one relevant item in an event; returns the event id."""
        self._now = max(self._now, member.at)
        if member.duplicate_of is not None:
            ev_id = self._item_event.get(member.duplicate_of)
            if ev_id is not None:
                ev_id = self.resolve(ev_id)
                if ev_id in self.active:
                    self.joined = self._join(self.active[ev_id], member, specific_places)
                    return self.joined
        terms = dict.fromkeys(member.keywords)  # ordered, so runs are reproducible
        self._count_doc(terms)
        log, df, docs = math.log, self._df.get, self._docs + 1  # (`_idf`, inlined: hot)
        weights = {t: log(docs / (df(t, 0) + 1)) + 1.0 for t in terms}
        item_chars: list[dict[str, float]] = []

        def chars() -> dict[str, float]:
            if not item_chars:
                item_chars.append(self._char_vector({t: weights[t] for t in query}))
            return item_chars[0]

        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores: dict[str, float] = {}
        # The rarest keywords decide; ones shared by too many events cannot tell them apart.
        query = heapq.nlargest(self.query_terms, weights, key=weights.__getitem__)
        for t in query:
            postings = self._postings.get(t)
            if not postings or len(postings) > self.max_postings:
                continue
            w = weights[t] / norm
            for ev_id, v in postings.items():
                scores[ev_id] = scores.get(ev_id, 0.0) + w * v
        areas = set(member.areas)
        item_matters = set(member.matters)
        for place in sorted(specific_places):
            for ev_id in self._near(place):
                scores[ev_id] = scores.get(ev_id, 0.0)
        for place in sorted(specific_places | areas):  # the same matter here or around here
            for matter in member.matters:
                for ev_id in self._near(f"{place}\x00{matter}"):
                    scores[ev_id] = scores.get(ev_id, 0.0)
        topics = {t: 1.0 for t in member.topics if t != NO_TOPIC}
        best_id, best = None, self.threshold
        at, window, active = member.at, self.window, self.active
        for ev_id, score in scores.items():  # (the check of _in_window, inlined: hot)
            ev = active.get(ev_id)
            if ev is None or at - ev.last_seen > window or ev.first_seen - at > window:
                continue
            rel = _relation(specific_places, areas, ev)
            if rel is None:
                continue  # both say where, and not the same place: another happening
            same = _same_matter(item_matters, ev)
            placed = rel is SPOT or rel is WITHIN
            if same < 0 and placed and score < DISTINCT_WORDS:
                continue  # another matter at the same place: another happening
            if rel is SIBLING and score < DISTINCT_WORDS:
                continue  # another compound or village of the town: another happening
            bonus = SPOT_BONUS if rel is SPOT else PLACE_BONUS if rel is WITHIN else 0.0
            if bonus:  # the same kind of matter at the same place, lately
                if same > 0:
                    bonus += MATTER_BONUS
                if score + bonus + RECENT_BONUS + TOPIC_BONUS < best:
                    continue  # cannot win
                gap = abs(member.at - ev.last_seen)
                evidence = 1.0 if same > 0 else score
                fit = self._matter_score(evidence, chars, topics, ev, gap, best - score - bonus, rel is SPOT)
                if fit is None:
                    continue
                score += bonus + fit
            if score >= best:
                best_id, best = ev_id, score
        if best_id is not None:
            ev_id = self._join(self.active[best_id], member, specific_places)
        else:
            ev = EventState(f"ev-{member.item_id}", trim_title(member.headline or member.snippet), member.at, member.at)
            self.active[ev.id] = ev
            self.created.add(ev.id)
            if len(self.active) > self.max_active:
                self._retire([next(iter(self.active.values()))])
            ev_id = self._join(ev, member, specific_places)
        self.joined = ev_id
        return self._merge_pass(ev_id, specific_places | areas)

    def follow(self, member: Member, specific_places: set[str], ev_id: str) -> str:
        """Put an item in the event `ev_id` (started when not active) without scoring or merging.

        For replaying a grouping that is already decided and stored (by another worker or an analyst);
        the idf tables learn the item's keywords as `add` would.
        """
        self._now = max(self._now, member.at)
        original = self._item_event.get(member.duplicate_of) if member.duplicate_of is not None else None
        if original is None or self.resolve(original) not in self.active:  # as `add` counts it
            self._count_doc(dict.fromkeys(member.keywords))
        ev = self.active.get(ev_id)
        if ev is None:
            ev = EventState(ev_id, trim_title(member.headline or member.snippet), member.at, member.at)
            self.active[ev_id] = ev
            if len(self.active) > self.max_active:
                self._retire([next(iter(self.active.values()))])
        return self._join(ev, member, specific_places)

    def _merge_pass(self, ev_id: str, where: set[str]) -> str:
        """Merge active events that now clearly describe the same happening as `ev_id`.

        Bounded: only the most recently joined events naming one of the item's places (or their
        town) are looked at, at most `MERGE_CANDIDATES` of them. Two events merge when the cosine of
        their keyword profiles, plus the place and topic bonuses, reaches `merge_threshold`; they must
        share a specific place (or, both naming places, their town) and overlap in time.
        The smaller event merges into the larger (the older on a tie); returns the surviving id.
        """
        ev = self.active.get(ev_id)
        if ev is None or not where or not _checkpoint(ev.originals):
            return ev_id
        seen: dict[str, None] = {}
        keys = sorted(where) + sorted(f"{p}\x00{m}" for p in where for m in ev.main_matters())
        for place in keys:
            for other_id in self._near(place):
                if other_id != ev_id:
                    seen[other_id] = None
        if not seen:
            return ev_id
        candidates = [self.active[i] for i in islice(seen, MERGE_CANDIDATES) if i in self.active]
        vec = self._vectors.get(ev_id, {})
        tv = ev.topic_vector()
        best, best_score = None, self.merge_threshold
        for other in candidates:
            if not self._in_window(other, ev.first_seen, ev.last_seen):
                continue
            if self.apart and frozenset((ev_id, other.id)) in self.apart:
                continue  # an analyst split these
            rel = _relation(ev.specific_places, ev.areas, other)
            if rel is not SPOT and rel is not WITHIN:
                continue
            bonus = SPOT_BONUS if rel is SPOT else PLACE_BONUS
            mine, theirs = ev.main_matters(), other.main_matters()
            if mine and theirs:
                if not mine & theirs:
                    continue  # another matter at the same place
                bonus += MATTER_BONUS
            gap = max(0.0, other.first_seen - ev.last_seen, ev.first_seen - other.last_seen)
            similarity = _overlap(vec, self._vectors.get(other.id, {}))
            need = best_score - similarity - bonus
            spot = rel is SPOT
            evidence = 1.0 if mine & theirs else similarity
            matter = self._matter_score(evidence, lambda: self._event_chars(ev_id), tv, other, gap, need, spot)
            if matter is None:
                continue
            score = similarity + bonus + matter
            if score >= best_score:
                best, best_score = other, score
        if best is None:
            return ev_id
        target, other = (ev, best) if (len(ev.members), -ev.first_seen) >= (len(best.members), -best.first_seen) else (best, ev)
        return self._apply_merge(target, other)

    def replay_merge(self, target_id: str, other_id: str) -> None:
        """Merge `other_id` into `target_id` as the merge pass did at this point of another worker's run
        (same member cap, order and indexes), so that a replayed cache stays equal to that worker's."""
        target, other = self.active.get(target_id), self.active.get(other_id)
        if target is not None and other is not None and target_id != other_id:
            self._apply_merge(target, other)

    def _apply_merge(self, target: EventState, other: EventState) -> str:
        merged, gone = merge_events(target, other, max_members=self.max_members)
        self._retire([gone])
        self.active[merged.id] = merged
        self.active.move_to_end(merged.id)
        self._index(merged)
        for place in _keys(merged):
            self._post_place(place, merged.id)
        self._merged[other.id] = target.id
        if len(self._merged) > self.max_links:
            self._merged.popitem(last=False)
        self.merged.append(gone)
        self.touched.discard(other.id)
        self.touched.add(merged.id)
        return merged.id

    def _post_place(self, place: str, ev_id: str) -> None:
        ids = self._place_postings.setdefault(place, {})
        ids.pop(ev_id, None)  # most recently joined last
        ids[ev_id] = None

    def _near(self, place: str) -> Iterator[str]:
        """The events most recently joined naming `place` (or in it), newest first, bounded."""
        return islice(reversed(self._place_postings.get(place, {})), PLACE_CANDIDATES)

    def _join(self, ev: EventState, member: Member, specific_places: set[str]) -> str:
        _add_member(ev, member, self.max_members)
        ev.specific_places.update(specific_places)
        ev.areas.update(member.areas)
        self.active.move_to_end(ev.id)
        if member.duplicate_of is None:
            self._index(ev)
            self._item_event[member.item_id] = ev.id
            if len(self._item_event) > self.max_links:
                self._item_event.popitem(last=False)
        where = specific_places.union(member.areas)
        for place in where:
            self._post_place(place, ev.id)
        for matter in member.matters:
            for place in where:
                self._post_place(f"{place}\x00{matter}", ev.id)
        self.touched.add(ev.id)
        return ev.id

    def _index(self, ev: EventState) -> None:
        vec = self._event_vector(ev)
        old = self._vectors.get(ev.id, {})
        self._vectors[ev.id] = vec
        self._char_vectors.pop(ev.id, None)  # computed again when needed
        for t in old.keys() - vec.keys():
            postings = self._postings.get(t)
            if postings is not None:
                postings.pop(ev.id, None)
                if not postings:
                    del self._postings[t]
        for t, w in vec.items():
            self._postings.setdefault(t, {})[ev.id] = w

    def _retire(self, events: list[EventState]) -> None:
        for ev in events:
            self.active.pop(ev.id, None)
            vec = self._vectors.pop(ev.id, {})
            self._char_vectors.pop(ev.id, None)
            for t in vec:
                postings = self._postings.get(t)
                if postings is not None:
                    postings.pop(ev.id, None)
                    if not postings:
                        del self._postings[t]
            for place in _keys(ev):
                ids = self._place_postings.get(place)
                if ids is not None:
                    ids.pop(ev.id, None)
                    if not ids:
                        del self._place_postings[place]
            if ev.merged_into is None:
                self.retired.append(ev)

    def retire_quiet(self) -> list[EventState]:
        """Forget events quiet for longer than the window (returned so the caller can store them)."""
        cutoff = self._now - self.window
        quiet = []
        for ev in self.active.values():  # least recently joined first
            if ev.last_seen >= cutoff:
                break
            quiet.append(ev)
        self._retire(quiet)
        return quiet

    def install(self, events: list[EventState], removed: tuple[str, ...] = ()) -> None:
        """Install events changed by an analyst (after merge/split) into the active state."""
        for ev_id in removed:
            old = self.active.get(ev_id)
            if old is not None:
                self._retire([replace(old, merged_into=old.merged_into or "removed")])
                self.active.pop(ev_id, None)
        for ev in events:
            if ev.merged_into is not None:
                self.active.pop(ev.id, None)
                self._vectors.pop(ev.id, None)
                self._char_vectors.pop(ev.id, None)
                continue
            self.active[ev.id] = ev
            self._index(ev)
            for m in ev.members:
                if m.duplicate_of is None:
                    self._item_event[m.item_id] = ev.id
            for place in _keys(ev):
                self._post_place(place, ev.id)
            self.touched.add(ev.id)

    def adopt(self, owner: Mapping[ItemId, int], titles: Mapping[int, str] | None = None) -> dict[str, int]:
        """Make the active events follow a stored grouping of their items; returns event id → owner.

        `owner` maps item ids to the stored event holding them (after analysts' merges and splits);
        `titles` gives the stored events whose title an analyst chose. An active event whose items
        are all held by one stored event, and alone in it, is kept; the others are rebuilt, one per
        stored event, and events cut from one active event are kept apart from then on. Members no
        stored event holds stay with the stored event most of their event's members are in; events
        with no stored member at all are left as they are.
        """
        titles = titles or {}
        parts: dict[int, list[Member]] = {}
        sources: dict[int, list[str]] = {}
        keys_of: dict[str, list[int]] = {}
        for ev in self.active.values():
            held = Counter(owner[m.item_id] for m in ev.members if m.item_id in owner)
            if not held:
                continue
            major = held.most_common(1)[0][0]
            for m in ev.members:
                key = owner.get(m.item_id, major)
                if key not in parts:
                    parts[key], sources[key] = [], []
                parts[key].append(m)
                if ev.id not in sources[key]:
                    sources[key].append(ev.id)
                if key not in keys_of.setdefault(ev.id, []):
                    keys_of[ev.id].append(key)
        mapping: dict[str, int] = {}
        rebuilt: list[EventState] = []
        removed: list[str] = []
        for key, members in parts.items():
            (first, *more) = sources[key]
            if not more and keys_of[first] == [key]:
                mapping[first] = key
                ev = self.active[first]
            else:
                ev = _rebuild(f"db-{key}", members, max_members=self.max_members)
                removed += [i for i in sources[key] if i not in removed]
                rebuilt.append(ev)
                mapping[ev.id] = key
            if key in titles:
                ev.title, ev.pinned = titles[key], True
        for keys in keys_of.values():  # the pieces of one active event were split by an analyst
            pieces = [i for i, k in mapping.items() if k in keys]
            self.apart.update(frozenset((a, b)) for a in pieces for b in pieces if a < b)
        if rebuilt:
            self.install(rebuilt, removed=tuple(i for i in removed if i not in mapping))
        return mapping
