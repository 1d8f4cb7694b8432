"""Near-duplicates and reposts: copies, small edits, `//@` chains, 转发 prefixes and quoted text.

A later item that copies, lightly edits, reposts or quotes an earlier original is marked
`duplicate_of` that original (always the root: a repost of a repost points at the first post), so it
counts as spread and not as a new post.

How: the text is reduced to its matching core (repost markup and @names removed, only letters,
digits and CJK kept) and cut into character 3-gram shingles. Candidates come from an inverted
index over each original's *anchor* shingles (a content-defined eighth of them, chosen by hash,
plus its two smallest hashes when it has few, so short posts always have some); because anchors are chosen by
content, a text that contains an original also contains that original's anchors. Each candidate
then gets an exact check on the full shingle sets:

- resemblance (Jaccard) >= 0.6: a copy or a small edit;
- the original is >= 80 % contained in the new text: a repost with a comment, or quoted text;
- the new text is >= 90 % contained in the original (and has 15+ shingles): an excerpt.

Memory is bounded: the index keeps two generations of at most `window` originals each and drops
the older generation when the newer one fills, so it remembers the last `window`..`2*window`
originals. Very common shingles (in `max_postings` originals or more) stop being indexed and looked up.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TypeAlias

import numpy as np

SHINGLE = 3
MAX_CHARS = 3000  # enough to tell two posts apart; keeps long articles cheap
RESEMBLANCE = 0.6
CONTAINS_ORIGINAL = 0.8
CONTAINED_IN_ORIGINAL = 0.9
MIN_SHINGLES_ORIGINAL = 8
MIN_SHINGLES_EXCERPT = 15
ANCHOR_MASK = 7  # hash & 7 == 0: an eighth of the shingles

_REPOST_NAME = re.compile(r"//\s*@[^:：\s]{1,30}\s*[:：]?")
_REPLY_NAME = re.compile(r"(?:回复)?@[^:：\s@]{1,30}\s*[:：]?")
_REPOST_PREFIX = re.compile(
    r"^\s*(?:【\s*转(?:发|载)?\s*】|\[\s*转(?:发|载)?\s*\]|转发微博|转发了?|转载|转自\S{0,20}?[:：]|转\s*[:：]|RT\b|repost\b)\s*[:：]?",
    re.I,
)
_NON_WORD = re.compile(r"[\W_]+")

ItemId: TypeAlias = str | int


def repost_parts(text: str) -> tuple[str, list[str]]:
    """(own comment, quoted chain parts) of a Weibo-style `comment//@a: text//@b: text` post."""
    pieces = re.split(r"//\s*@", text)
    if len(pieces) == 1:
        return text, []
    chain = [re.sub(r"^[^:：\s]{1,30}\s*[:：]\s*", "", p, count=1) for p in pieces[1:]]
    return pieces[0], chain


def match_core(text: str) -> str:
    """The text reduced for matching: repost markup, @names and everything but words removed."""
    text = text[: MAX_CHARS + 200]
    if "转" in text[:12] or text[:1] in "【[Rr":
        text = _REPOST_PREFIX.sub("", text)
    if "@" in text:
        text = _REPLY_NAME.sub(" ", _REPOST_NAME.sub(" ", text))
    return _NON_WORD.sub("", text)[:MAX_CHARS].lower()


_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)


def shingles(core: str) -> set[int]:
    """Hashes of the core's character 3-grams (the whole core when shorter).

    Computed arithmetically from code points, not with Python's per-process salted `hash`, so the
    same posts give the same answer in every run.
    """
    cp = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(cp) < SHINGLE:
        return {int(cp.sum()) + 1} if len(cp) else set()
    with np.errstate(over="ignore"):
        h = (cp[:-2] * _M1) ^ (cp[1:-1] * _M2) ^ (cp[2:] * _M3)
        h ^= h >> np.uint64(29)
        h *= _M2
    return set((h >> np.uint64(1)).astype(np.int64).tolist())


_Pre: TypeAlias = "tuple[set[int], list[int], np.ndarray | None]"


def shingles_batch(cores: list[str]) -> list[_Pre]:
    """(`shingles`, `anchors`, hash array) for many cores at once: one numpy pass over the whole batch."""
    if not cores:
        return []
    joined = "".join(cores)
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = (cp[:-2] * _M1) ^ (cp[1:-1] * _M2) ^ (cp[2:] * _M3) if len(cp) >= SHINGLE else cp[:0]
        h ^= h >> np.uint64(29)
        h *= _M2
    h = (h >> np.uint64(1)).astype(np.int64)
    is_anchor = (h & ANCHOR_MASK) == 0
    out: list[_Pre] = []
    start = 0
    for core in cores:
        n = len(core)
        if n >= SHINGLE:  # the shingles that start and end inside this core
            part = h[start : start + n - SHINGLE + 1]
            sh = set(part.tolist())
            chosen = set(part[is_anchor[start : start + n - SHINGLE + 1]].tolist())
            if len(chosen) < 4:
                chosen.update(heapq.nsmallest(2, sh))
            out.append((sh, list(chosen), part))
        else:
            sh = shingles(core)
            out.append((sh, anchors(sh), None))
        start += n
    return out


def anchors(sh: set[int]) -> list[int]:
    """The content-defined anchors of a shingle set, plus its two smallest hashes."""
    chosen = {h for h in sh if not h & ANCHOR_MASK}
    if len(chosen) < 4:
        chosen.update(heapq.nsmallest(2, sh))
    return list(chosen)


@dataclass(slots=True)
class DedupResult:
    duplicate_of: ItemId | None
    kind: str | None = None  # exact | near | contains | excerpt
    score: float = 0.0


@dataclass(slots=True)
class _Original:
    item_id: ItemId
    shingles: np.ndarray  # int64 hashes (repeats possible)
    n_anchors: int
    n_shingles: int  # distinct


@dataclass
class _Generation:
    docs: dict[ItemId, _Original] = field(default_factory=dict)
    postings: dict[int, list[ItemId]] = field(default_factory=dict)
    exact: dict[int, ItemId] = field(default_factory=dict)


class DedupIndex:
    """Incremental near-duplicate index over originals (see the module docstring)."""

    def __init__(self, window: int = 20_000, max_postings: int = 16, max_candidates: int = 3) -> None:
        self.window = window
        self.max_postings = max_postings
        self.max_candidates = max_candidates
        self._gens: list[_Generation] = [_Generation(), _Generation()]
        self._saturated: set[int] = set()  # shingles too common to index

    def __len__(self) -> int:
        return sum(len(g.docs) for g in self._gens)

    def check(self, item_id: ItemId, text: str) -> DedupResult:
        """Whether `text` repeats an indexed original; index it as an original when it does not."""
        return self._check(item_id, match_core(text), None)

    def check_batch(self, ids: list[ItemId], texts: list[str]) -> list[DedupResult]:
        """`check` over a batch, in order (items in one batch can repeat each other)."""
        cores = [match_core(t) for t in texts]
        return [self._check(i, c, pre) for i, c, pre in zip(ids, cores, shingles_batch(cores), strict=True)]

    def _check(self, item_id: ItemId, core: str, pre: _Pre | None) -> DedupResult:
        if not core:
            return DedupResult(None)
        key = hash(core)
        for gen in self._gens:
            hit = gen.exact.get(key)
            if hit is not None:
                return DedupResult(hit, "exact", 1.0)
        arr = None
        if pre is None:
            sh = shingles(core)
            query = anchors(sh)
        else:
            sh, query, arr = pre
        result = self._near(sh, query)
        if result is None:
            self._add(item_id, key, sh, query, arr)
            return DedupResult(None)
        return result

    def _near(self, sh: set[int], query: list[int]) -> DedupResult | None:
        # Query with the text's own anchors: an original it contains, resembles or is contained in
        # shares them (anchors are chosen by content), so the other shingles need no lookup.
        counts: dict[ItemId, int] = {}
        cap = self.max_postings
        for gen in self._gens:
            postings = gen.postings
            for h in query:
                ids = postings.get(h)
                if ids and len(ids) < cap:  # a full list is a shingle too common to tell posts apart
                    for doc_id in ids:
                        counts[doc_id] = counts.get(doc_id, 0) + 1
        if not counts:
            return None
        own_anchors = len(query)
        best: DedupResult | None = None
        ranked = (
            list(counts.items())
            if len(counts) <= self.max_candidates
            else heapq.nlargest(self.max_candidates, counts.items(), key=itemgetter(1))
        )
        n = len(sh)
        for doc_id, hits in ranked:
            doc = self._doc(doc_id)
            if doc is None or hits * 2 < min(doc.n_anchors, own_anchors):
                continue
            m = doc.n_shingles
            inter = len(sh.intersection(doc.shingles.tolist()))
            jaccard = inter / (n + m - inter)
            if jaccard >= RESEMBLANCE:
                found = DedupResult(doc_id, "near", round(jaccard, 3))
            elif m >= MIN_SHINGLES_ORIGINAL and inter / m >= CONTAINS_ORIGINAL:
                found = DedupResult(doc_id, "contains", round(inter / m, 3))
            elif n >= MIN_SHINGLES_EXCERPT and inter / n >= CONTAINED_IN_ORIGINAL:
                found = DedupResult(doc_id, "excerpt", round(inter / n, 3))
            else:
                continue
            if best is None or found.score > best.score:
                best = found
        return best

    def _doc(self, doc_id: ItemId) -> _Original | None:
        for gen in self._gens:
            doc = gen.docs.get(doc_id)
            if doc is not None:
                return doc
        return None

    def _add(
        self, item_id: ItemId, key: int, sh: set[int], chosen: list[int], arr: np.ndarray | None
    ) -> None:
        gen = self._gens[-1]
        if len(gen.docs) >= self.window:
            self._gens = [gen, _Generation()]
            gen = self._gens[-1]
        gen.docs[item_id] = _Original(
            item_id,
            np.fromiter(sh, dtype=np.int64, count=len(sh)) if arr is None else arr.copy(),
            len(chosen),
            len(sh),
        )
        gen.exact[key] = item_id
        postings = gen.postings
        saturated = self._saturated
        for h in chosen:
            if h in saturated:
                continue
            ids = postings.get(h)
            if ids is None:
                postings[h] = [item_id]
            elif len(ids) < self.max_postings:
                ids.append(item_id)
            else:
                saturated.add(h)
        if len(saturated) > 4 * self.window:
            saturated.clear()


def find_duplicates(index: DedupIndex, ids: list[ItemId], texts: list[str]) -> list[DedupResult]:
    """The dedup stage over a batch (in order, so items in one batch can repeat each other)."""
    return index.check_batch(ids, texts)
