"""Events: relevant items about the same happening, clustered incrementally.

An original relevant item joins the active event it is most similar to, or starts a new one.
Similarity is the cosine between the item's keywords and the event's keyword profile (both
weighted by an idf kept over all items seen), plus a bonus when they name the same specific place
(town, village, landmark, unit); when both name specific places and none is shared it is another
happening (the same complaint in two towns is two events, for two responsible units);
an item joins when the score reaches `threshold` and the event was active within `window` seconds.
A duplicate (repost, copy) joins the event of its original, as spread.

Events are plain state (`EventState`); `merge_events` and `split_event` are pure functions over it
so an analyst's merge and split can be applied, audited and persisted by the caller.
Memory is bounded: events quiet for longer than `window` are retired (handed to the caller and
forgotten), each event keeps at most `max_members` members in detail, and the idf table is reset
when it grows past `max_terms` words.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from yuqing.analyse.dedup import ItemId
from yuqing.analyse.heat import HeatInput, heat_factors, heat_score

PROFILE_TERMS = 40  # keywords kept in an event's profile
PLACE_BONUS = 0.15  # added to the keyword similarity when the item names a place the event names


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
    topics: Counter[str] = field(default_factory=Counter)
    overflow: list[HeatInput] = field(default_factory=list)  # items past max_members (counted, not kept)
    merged_into: str | None = None

    @property
    def item_count(self) -> int:
        return len(self.members) + len(self.overflow)

    def keywords(self, n: int = 8) -> list[str]:
        return [w for w, _ in self.terms.most_common(n)]

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

    def to_dict(self) -> dict[str, object]:
        heat, factors = self.heat()
        return {
            "id": self.id,
            "title": self.title,
            "keywords": self.keywords(),
            "places": [p for p, _ in self.places.most_common(10)],
            "topics": [t for t, _ in self.topics.most_common(3)],
            "first_seen_at": _iso(self.first_seen),
            "last_seen_at": _iso(self.last_seen),
            "item_count": self.item_count,
            "item_ids": [m.item_id for m in self.members],
            "heat": heat,
            "heat_factors": factors,
            "timeline": self.timeline(),
            "merged_into": self.merged_into,
        }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _add_member(event: EventState, m: Member, max_members: int) -> None:
    if len(event.members) < max_members:
        event.members.append(m)
    else:
        event.overflow.append(HeatInput(m.at, m.source, m.reach, m.negative))
    event.first_seen = min(event.first_seen, m.at)
    event.last_seen = max(event.last_seen, m.at)
    if m.duplicate_of is None:  # spread repeats the original's words; count them once
        event.terms.update(m.keywords)
        if len(event.terms) > 4 * PROFILE_TERMS:
            event.terms = Counter(dict(event.terms.most_common(2 * PROFILE_TERMS)))
    event.places.update(m.places)
    event.topics.update(m.topics)


def _rebuild(event_id: str, members: list[Member], title: str | None = None) -> EventState:
    ordered = sorted(members, key=lambda m: m.at)
    first = ordered[0]
    ev = EventState(event_id, title or first.snippet[:60], first.at, first.at)
    for m in ordered:
        _add_member(ev, m, max_members=len(ordered))
        ev.specific_places.update(m.places)
    return ev


def merge_events(target: EventState, other: EventState) -> tuple[EventState, EventState]:
    """Merge `other` into `target`: (the merged event, `other` marked merged into it). Pure."""
    merged = _rebuild(target.id, target.members + other.members, title=target.title)
    merged.overflow = target.overflow + other.overflow
    merged.specific_places = target.specific_places | other.specific_places
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
    (keywords shared by more than `max_postings` events are too common to tell events apart).
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
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.max_members = max_members
        self.max_active = max_active
        self.max_links = max_links
        self.max_terms = max_terms
        self.max_postings = max_postings
        self.query_terms = query_terms
        self.active: OrderedDict[str, EventState] = OrderedDict()  # least recently joined first
        self._vectors: dict[str, dict[str, float]] = {}  # event → normalised keyword vector
        self._postings: dict[str, dict[str, float]] = {}  # keyword → {active event: its weight there}
        self._place_postings: dict[str, dict[str, None]] = {}  # specific place → active events naming it
        self._item_event: OrderedDict[ItemId, str] = OrderedDict()  # original item → event (bounded)
        self._df: Counter[str] = Counter()
        self._docs = 0
        self._now = 0.0
        self.touched: set[str] = set()
        self.retired: list[EventState] = []

    def _idf(self, term: str) -> float:
        return math.log((self._docs + 1) / (self._df.get(term, 0) + 1)) + 1.0

    def _event_vector(self, ev: EventState) -> dict[str, float]:
        vec = {t: (1 + math.log(c)) * self._idf(t) for t, c in ev.terms.most_common(PROFILE_TERMS) if c > 0}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def add(self, member: Member, specific_places: set[str]) -> str:
        """Place one relevant item in an event; returns the event id."""
        self._now = max(self._now, member.at)
        if member.duplicate_of is not None:
            ev_id = self._item_event.get(member.duplicate_of)
            if ev_id is not None and ev_id in self.active:
                return self._join(self.active[ev_id], member, specific_places)
        terms = dict.fromkeys(member.keywords)  # ordered, so runs are reproducible
        self._docs += 1
        self._df.update(list(terms))
        if len(self._df) > self.max_terms:
            self._df = Counter(dict(self._df.most_common(self.max_terms // 2)))
        weights = {t: self._idf(t) for t in terms}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        scores: dict[str, float] = {}
        # The rarest keywords decide; ones shared by too many events cannot tell them apart.
        for t in heapq.nlargest(self.query_terms, weights, key=weights.__getitem__):
            postings = self._postings.get(t)
            if not postings or len(postings) > self.max_postings:
                continue
            w = weights[t] / norm
            for ev_id, v in postings.items():
                scores[ev_id] = scores.get(ev_id, 0.0) + w * v
        for place in sorted(specific_places):
            for ev_id in self._place_postings.get(place, ()):
                scores[ev_id] = scores.get(ev_id, 0.0)
        best_id, best = None, self.threshold
        for ev_id, score in scores.items():
            ev = self.active.get(ev_id)
            if (
                ev is None
                or member.at - ev.last_seen > self.window
                or ev.first_seen - member.at > self.window
            ):
                continue
            if specific_places and ev.specific_places:
                if not specific_places & ev.specific_places:
                    continue  # both say where, and not the same place: another happening
                score += PLACE_BONUS
            if score >= best:
                best_id, best = ev_id, score
        if best_id is not None:
            return self._join(self.active[best_id], member, specific_places)
        ev = EventState(f"ev-{member.item_id}", member.snippet[:60], member.at, member.at)
        self.active[ev.id] = ev
        if len(self.active) > self.max_active:
            self._retire([next(iter(self.active.values()))])
        return self._join(ev, member, specific_places)

    def _join(self, ev: EventState, member: Member, specific_places: set[str]) -> str:
        _add_member(ev, member, self.max_members)
        ev.specific_places.update(specific_places)
        self.active.move_to_end(ev.id)
        if member.duplicate_of is None:
            self._index(ev)
            self._item_event[member.item_id] = ev.id
            if len(self._item_event) > self.max_links:
                self._item_event.popitem(last=False)
        for place in specific_places:
            self._place_postings.setdefault(place, {})[ev.id] = None
        self.touched.add(ev.id)
        return ev.id

    def _index(self, ev: EventState) -> None:
        vec = self._event_vector(ev)
        old = self._vectors.get(ev.id, {})
        self._vectors[ev.id] = vec
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
            for t in vec:
                postings = self._postings.get(t)
                if postings is not None:
                    postings.pop(ev.id, None)
                    if not postings:
                        del self._postings[t]
            for place in ev.specific_places:
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
                continue
            self.active[ev.id] = ev
            self._index(ev)
            for m in ev.members:
                if m.duplicate_of is None:
                    self._item_event[m.item_id] = ev.id
            for place in ev.specific_places:
                self._place_postings.setdefault(place, {})[ev.id] = None
            self.touched.add(ev.id)
