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
- the new text is >= 75 % contained in the original (and has 10+ shingles): an excerpt, a fragment
  kept after a short lead-in (据说, 有网友说：);
- they share a passage: 14+ shingles that carry >= 35 % of the original: a fragment of the
  original quoted inside commentary (issue 16).

Among candidates the one sharing most of the new text wins (the earlier on a tie), so a link points
at the original rather than at a fragment of it that slipped through. A link is refused when the two
differ in a *slot* that makes another fact (`slot_conflict`): a place name (a compound, road, village,
school…) or a number (days, a date, a building) where the other text has another one in the same
words around it. The same complaint about another compound, or another number of days, is another
complaint, however alike the sentences.

Memory is bounded: the index keeps two generations of at most `window` originals each and drops
the older generation when the newer one fills, so it remembers the last `window`..`2*window`
originals. Very common shingles (in `max_postings` originals or more) stop being indexed and looked up.

Speed (issue 4, item 11): a batch is reduced to cores, shingled and hashed in one numpy pass over
all its text (a code-point table does the word filter and lower-casing); each generation keeps a
bitmap of its anchors, so only the anchors that may be indexed are looked up in Python, and the
full shingle sets are only built for a candidate that shares enough anchors.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeAlias

import numpy as np

SHINGLE = 3
MAX_CHARS = 3000  # enough to tell two posts apart; keeps long articles cheap
RESEMBLANCE = 0.6
CONTAINS_ORIGINAL = 0.8
CONTAINED_IN_ORIGINAL = 0.75
PASSAGE_SHINGLES = 14  # a shared passage of this many shingles (about 16 characters)…
PASSAGE_OF_ORIGINAL = 0.35  # …carrying this share of the original: a fragment quoted in commentary
MIN_SHINGLES_ORIGINAL = 8
MIN_SHINGLES_EXCERPT = 10
CANDIDATE_SHARE = 0.4  # a candidate shares this share of the anchors of the shorter of the two
ANCHOR_MASK = 7  # hash & 7 == 0: an eighth of the shingles
# Bitmap bits per anchor a generation can hold (about 10 anchors per original): under 1 % false hits.
BITS_PER_ANCHOR = 64

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


def _strip_markup(text: str) -> str:
    """The text without repost markup and @names (the first half of `match_core`)."""
    text = text[: MAX_CHARS + 200]
    if "转" in text[:12] or text[:1] in "【[Rr":
        text = _REPOST_PREFIX.sub("", text)
    if "@" in text:
        text = _REPLY_NAME.sub(" ", _REPOST_NAME.sub(" ", text))
    return text


def match_core(text: str) -> str:
    """The text reduced for matching: repost markup, @names and everything but words removed."""
    return _NON_WORD.sub("", _strip_markup(text))[:MAX_CHARS].lower()


# Slots: what makes a post another fact when the rest of the words are the same (issue 16).
_PLACE_SUFFIX = (
    "小区|花园|花苑|家园|新城|新村|公寓|大厦|广场|雅苑|社区|街道|大道|小学|中学|幼儿园|学校|医院|卫生院|"
    "市场|集市|汽车站|车站|公园|景区|工地|苑|府|庭|湾|里|城|村|镇|乡|路|街|巷|桥|站|厂|园|店"
)
_CN_DIGITS = "零一二两三四五六七八九十百千"
_SLOT_NUMBER = re.compile(rf"\d+(?:\.\d+)?|[{_CN_DIGITS}]+(?=[天日号个年月周期次栋幢楼层户元块万小时分钟多几名人辆])")
# a run of suffixes ends one name (石桥村, 幸福里小区), with the character before it
_SUFFIXES = sorted(_PLACE_SUFFIX.split("|"), key=len, reverse=True)
_SLOT_PLACE = re.compile(
    "[^\\W\\d_](?=[" + "".join(sorted({x[0] for x in _SUFFIXES})) + "])(?:" + "|".join(_SUFFIXES) + ")+"
)
_CN_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}


def _number(text: str) -> str:
    """A numeral as digits: 三 → 3, 十五 → 15, 两百 → 200 (digits pass through)."""
    if text[0].isdigit():
        return text.lstrip("0") or "0"
    total, current = 0, 0
    for ch in text:
        if ch in _CN_VALUE:
            current = _CN_VALUE[ch]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[ch]
            total += (current or 1) * unit
            current = 0
    return str(total + current)


def slots(core: str) -> list[tuple[str, str, str]]:
    """The slots of a matching core: (value, the two characters before, the two after).

    A place's value is its suffixes (村, 小区, 路…; a run of them ends one name: 幸福里小区) and the
    character before them (我们柳林村 and 咱们柳林村 are one place, 柳林村 and 石桥村 two, and a name
    at the start of a post is the same name after a reposter's words); a number's value is its digits
    (三 and 3 are one number).
    """
    out = []
    for m in _SLOT_NUMBER.finditer(core):
        start, end = m.span()
        out.append(("#" + _number(m.group()), core[max(0, start - 2) : start], core[end : end + 2]))
    for m in _SLOT_PLACE.finditer(core):
        start, end = m.span()
        out.append((m.group(), core[max(0, start - 2) : start], core[end : end + 2]))
    return out


def slot_conflict(a: str, b: str) -> bool:
    """Whether two matching cores state different facts in the same words: a slot value only one
    has stands where the other has another value only it has (the same characters before or after).

    A fragment (fewer slots) or an original wrapped in commentary (more slots, elsewhere) is no
    conflict; the same sentence about another compound or another number of days is.
    """
    return _conflict(slots(a), slots(b))


def _conflict(sa: list[tuple[str, str, str]], sb: list[tuple[str, str, str]]) -> bool:
    va, vb = {s[0] for s in sa}, {s[0] for s in sb}
    if va <= vb or vb <= va:
        return False
    only_b = [s for s in sb if s[0] not in va]
    for value, before, after in sa:
        if value in vb:
            continue
        for other, before_b, after_b in only_b:
            if (value[0] == "#") != (other[0] == "#"):
                continue  # a number against a place: not the same slot
            if (before and before == before_b) or (after and after == after_b) or (not before and not before_b):
                return True
    return False


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


def anchors(sh: set[int]) -> list[int]:
    """The content-defined anchors of a shingle set, plus its two smallest hashes."""
    chosen = {h for h in sh if not h & ANCHOR_MASK}
    if len(chosen) < 4:
        chosen.update(heapq.nsmallest(2, sh))
    return list(chosen)


_TABLE_SIZE = 0x40000  # no letter or digit lies above the third plane


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """Code point -> its lower case when it is a letter or digit (what `match_core` keeps), else 0."""
    every = np.arange(_TABLE_SIZE, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")  # (chr of each, at once)
    words = "".join(_NON_WORD.split(every))
    lowered = words.replace("\u0130", "I").lower()  # İ lowers to two characters: handled apart
    table = np.zeros(_TABLE_SIZE, dtype=np.uint32)
    table[np.frombuffer(words.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)] = np.frombuffer(
        lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32
    )
    table[0x130] = 0
    return table


def _batch_cores(texts: list[str]) -> tuple[np.ndarray, list[int]]:
    """The code points of every text's matching core, concatenated (uint64), and where each starts (plus the end).

    The same cores as `match_core`, with the word filter and lower-casing done by table over the
    whole batch at once.
    """
    stripped = [_strip_markup(t) for t in texts]
    raw = np.frombuffer("".join(stripped).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    folded = _fold_table()[np.minimum(raw, _TABLE_SIZE - 1)]
    keep = folded != 0
    n = len(texts)
    ends = np.fromiter(map(len, stripped), dtype=np.int64, count=n).cumsum()
    kept = np.concatenate(([0], keep.cumsum()))
    lengths = np.diff(kept[ends], prepend=0)
    # Rare cases done the slow way: İ (lowers to two characters), Σ (lowers by context: σ or final ς)
    # and a core longer than MAX_CHARS (to cut short).
    if (lengths > MAX_CHARS).any() or ((raw == 0x130) | (raw == 0x3A3)).any():
        cores = [match_core(t) for t in texts]
        cp = np.frombuffer("".join(cores).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, cores), dtype=np.int64, count=n), out=starts[1:])
        return cp, starts.tolist()
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    return folded[keep].astype(np.uint64), starts.tolist()


def _shingle_hashes(cp: np.ndarray, starts: list[int]) -> tuple[np.ndarray, list[int]]:
    """The hashes of every core's shingles (int64, repeats kept, none spanning two cores) and
    where each core's run starts (plus the end); same values as `shingles`."""
    n = len(starts) - 1
    bounds = np.asarray(starts, dtype=np.int64)
    lengths = np.diff(bounds)
    per_core = np.maximum(lengths - (SHINGLE - 1), 0)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_core, out=offsets[1:])
    if len(cp) < SHINGLE:
        return np.zeros(0, dtype=np.int64), offsets.tolist()
    with np.errstate(over="ignore"):
        h = (cp[:-2] * _M1) ^ (cp[1:-1] * _M2) ^ (cp[2:] * _M3)
        h ^= h >> np.uint64(29)
        h *= _M2
    h = (h >> np.uint64(1)).astype(np.int64)
    if n > 1:  # drop the shingles that span two cores
        pos = np.arange(len(h), dtype=np.int64) - np.repeat(bounds[:-1], lengths)[: len(h)]
        h = h[pos < np.repeat(per_core, lengths)[: len(h)]]
    return h, offsets.tolist()


@dataclass(slots=True)
class DedupResult:
    duplicate_of: ItemId | None
    kind: str | None = None  # exact | near | contains | excerpt
    score: float = 0.0


class _Original:
    """An indexed original: its shingle hashes (int64, repeats possible), its number of anchors, and
    its number of distinct shingles (-1 until a check first needs it)."""

    __slots__ = ("core", "item_id", "n_anchors", "n_shingles", "seq", "shingles", "slots")

    def __init__(self, item_id: ItemId, shingles: np.ndarray, n_anchors: int, core: bytes, seq: int = 0) -> None:
        self.seq = seq  # order of indexing: the earlier wins a tie
        self.item_id = item_id
        self.shingles = shingles
        self.n_anchors = n_anchors
        self.n_shingles = -1
        self.core = core  # its matching core (UTF-32-LE), for the slot check of a likely match
        self.slots: list[tuple[str, str, str]] | None = None  # its slots, once a check needed them


@dataclass
class _Generation:
    docs: list[_Original] = field(default_factory=list)  # the originals indexed here
    # anchor -> the originals that have it: one, or a list of them (at most `max_postings`)
    postings: dict[int, _Original | list[_Original]] = field(default_factory=dict)
    exact: dict[int, ItemId] = field(default_factory=dict)
    few: set[_Original] = field(default_factory=set)  # originals with at most 2 anchors
    # a bit set for every anchor in `postings`: a cheap "may be there" test for a batch's anchors
    bits: int = 16
    bitmap: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.bitmap = np.zeros(1 << (self.bits - 3), dtype=np.uint8)

    def _bit(self, h: np.ndarray) -> np.ndarray:
        return (h >> 8) & ((1 << self.bits) - 1)  # anchors have their low bits clear: use higher ones

    def may_have(self, h: np.ndarray) -> np.ndarray:
        b = self._bit(h)
        return (self.bitmap[b >> 3] >> (b & 7).astype(np.uint8)) & 1 != 0

    def mark(self, h: np.ndarray) -> None:
        b = self._bit(h)
        np.bitwise_or.at(self.bitmap, b >> 3, np.left_shift(1, b & 7).astype(np.uint8))


def _core_key(cp: np.ndarray) -> bytes:
    return cp.astype("<u4").tobytes()


class DedupIndex:
    """Incremental near-duplicate index over originals (see the module docstring)."""

    def __init__(self, window: int = 20_000, max_postings: int = 16, max_candidates: int = 3) -> None:
        self.window = window
        self.max_postings = max_postings
        self.max_candidates = max_candidates
        # 2**24 bits (2 MiB) per generation for the default window of 20,000 originals
        self._bits = min(30, max(16, (window * 10 * BITS_PER_ANCHOR).bit_length()))
        self._gens: list[_Generation] = [_Generation(bits=self._bits), _Generation(bits=self._bits)]
        self._saturated: set[int] = set()  # shingles too common to index
        self._unmarked: list[tuple[_Generation, set[int]]] = []  # anchors not yet in a bitmap
        self._seq = 0
        # shingles of what reposts added around their originals, with how often: a wrapper people
        # keep using ("原帖如下：", "求扩散") is not a passage of anything
        self._added_once: set[int] = set()
        self._comments: set[int] = set()  # (those added by two reposts or more)

    def __len__(self) -> int:
        return sum(len(g.docs) for g in self._gens)

    def check(self, item_id: ItemId, text: str) -> DedupResult:
        """Whether `text` repeats an indexed original; index it as an original when it does not."""
        core = match_core(text)
        if not core:
            return DedupResult(None)
        cp = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        key = hash(core.encode("utf-32-le"))
        hit = self._exact(key)
        if hit is not None:
            return DedupResult(hit, "exact", 1.0)
        if len(core) >= SHINGLE:
            seg = _shingle_hashes(cp, [0, len(core)])[0]
            sh = set(seg.tolist())
            chosen = anchors(sh)
        else:
            sh = shingles(core)
            seg = np.fromiter(sh, dtype=np.int64, count=1)
            chosen = list(sh)
        raw = core.encode("utf-32-le")
        result = self._near(set(chosen), len(chosen), seg, raw)
        if result is None:
            self._add(item_id, key, set(chosen), seg, set(chosen), raw)
            return DedupResult(None)
        return result

    def check_batch(self, ids: list[ItemId], texts: list[str]) -> list[DedupResult]:
        """`check` over a batch, in order (items in one batch can repeat each other).

        The whole batch is reduced to cores, shingled and hashed in one numpy pass, and its anchors
        are tested against the generations' bitmaps at once; then each item is looked up and, when
        it is an original, indexed before the next one is looked at.
        """
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        if not texts:
            return []
        self._mark()
        cp, starts = _batch_cores(texts)
        hashes, offsets = _shingle_hashes(cp, starts)
        is_anchor = (hashes & ANCHOR_MASK) == 0
        anchor_arr = hashes[is_anchor]
        cum = np.zeros(len(hashes) + 1, dtype=np.int64)
        np.cumsum(is_anchor, out=cum[1:])
        anchor_offsets = cum[offsets]
        # Anchors that may be indexed: set in a generation's bitmap, or met earlier in this batch.
        maybe = self._gens[0].may_have(anchor_arr) | self._gens[1].may_have(anchor_arr)
        if len(anchor_arr) > 1:
            order = np.argsort(anchor_arr, kind="stable")
            srt = anchor_arr[order]
            maybe[order[1:][srt[1:] == srt[:-1]]] = True
        maybe_cum = np.zeros(len(anchor_arr) + 1, dtype=np.int64)
        np.cumsum(maybe, out=maybe_cum[1:])
        maybe_list = anchor_arr[maybe].tolist()
        maybe_offsets = maybe_cum[anchor_offsets].tolist()
        anchor_list = anchor_arr.tolist()
        a_off = anchor_offsets.tolist()
        key_bytes = _core_key(cp)

        extras: set[int] = set()  # fallback anchors (not in `anchor_list`) indexed in this batch
        out: list[DedupResult] = []
        append = out.append
        old_exact, new_exact = self._gens[0].exact, self._gens[1].exact
        for k in range(len(texts)):
            s, e = starts[k], starts[k + 1]
            if s == e:
                append(DedupResult(None))
                continue
            core = key_bytes[4 * s : 4 * e]  # (decoded only for a slot check)
            key = hash(core)
            hit = old_exact.get(key)  # (`_exact`, inlined: hot)
            if hit is None:
                hit = new_exact.get(key)
            if hit is not None:
                append(DedupResult(hit, "exact", 1.0))
                continue
            if e - s >= SHINGLE:
                seg = hashes[offsets[k] : offsets[k + 1]]
                chosen = set(anchor_list[a_off[k] : a_off[k + 1]])
                if len(chosen) < 4:
                    extra = set(heapq.nsmallest(2, set(seg.tolist()))) - chosen
                    chosen |= extra
                    lookups = chosen  # the fallback anchors are not in the bitmap test: look all up
                else:
                    extra = set()
                    lookups = set(maybe_list[maybe_offsets[k] : maybe_offsets[k + 1]])
                    if extras:
                        lookups |= chosen & extras
            else:
                sh = {int(cp[s:e].sum()) + 1}
                seg = np.fromiter(sh, dtype=np.int64, count=1)
                chosen = extra = lookups = sh
            result = self._near(lookups, len(chosen), seg, core) if lookups else None
            if result is None:
                self._add(ids[k], key, chosen, seg, lookups, core)
                old_exact, new_exact = self._gens[0].exact, self._gens[1].exact  # (a new generation may have begun)
                extras |= extra
                append(DedupResult(None))
            else:
                append(result)
        self._mark()
        return out

    def _exact(self, key: int) -> ItemId | None:
        for gen in self._gens:
            hit = gen.exact.get(key)
            if hit is not None:
                return hit
        return None

    def _near(self, lookups: set[int], own_anchors: int, seg: np.ndarray, core: bytes) -> DedupResult | None:
        # Query with the text's own anchors: an original it contains, resembles or is contained in
        # shares them (anchors are chosen by content), so the other shingles need no lookup.
        counts: dict[_Original, int] = {}
        cap = self.max_postings
        get = counts.get
        for gen in self._gens:
            for ids in map(gen.postings.get, lookups):
                if ids is None:
                    continue
                if isinstance(ids, list):
                    if len(ids) < cap:  # a full list is a shingle too common to tell posts apart
                        for doc in ids:
                            counts[doc] = get(doc, 0) + 1
                else:
                    counts[ids] = get(ids, 0) + 1
        if not counts:
            return None
        # Cheap filter first: a candidate must share a good part (CANDIDATE_SHARE) of the anchors of
        # the shorter of the two. Most candidates share one anchor, which is enough only when one of
        # the two has at most 2: that is known without reading the candidate (the `few` sets), which
        # saves a cache miss each.
        few_old, few_new = self._gens[0].few, self._gens[1].few
        share = CANDIDATE_SHARE
        passing = [
            doc
            for doc, hits in counts.items()
            if hits >= share * own_anchors
            or (doc in few_old or doc in few_new or own_anchors <= 4 if hits == 1 else hits >= share * doc.n_anchors)
        ]
        if not passing:
            return None
        if len(passing) > self.max_candidates:  # the ones sharing most anchors
            passing = sorted(passing, key=counts.__getitem__, reverse=True)[: self.max_candidates]
        best: DedupResult | None = None
        best_doc: _Original | None = None
        best_key = (-1, 0)
        boiler = self._comments
        mine: list[tuple[str, str, str]] | None = None
        sh = set(seg.tolist())  # the full shingle sets are only built for a likely match
        n = len(sh)
        for doc in passing:
            doc_id = doc.item_id
            m = doc.n_shingles
            if m < 0:
                other = set(doc.shingles.tolist())
                m = doc.n_shingles = len(other)
                inter = len(sh & other)
            else:
                inter = len(sh.intersection(doc.shingles.tolist()))
            jaccard = inter / (n + m - inter)
            if jaccard >= RESEMBLANCE:
                found = DedupResult(doc_id, "near", round(jaccard, 3))
            elif m >= MIN_SHINGLES_ORIGINAL and inter / m >= CONTAINS_ORIGINAL:
                found = DedupResult(doc_id, "contains", round(inter / m, 3))
            elif n >= MIN_SHINGLES_EXCERPT and inter / n >= CONTAINED_IN_ORIGINAL:
                found = DedupResult(doc_id, "excerpt", round(inter / n, 3))
            elif inter >= PASSAGE_SHINGLES and inter / m >= PASSAGE_OF_ORIGINAL:
                # what they share, less the words people keep adding when they pass posts on
                content = len(sh.intersection(doc.shingles.tolist()).difference(boiler))
                if content < PASSAGE_SHINGLES or content / m < PASSAGE_OF_ORIGINAL:
                    continue
                found = DedupResult(doc_id, "passage", round(inter / m, 3))
            else:
                continue
            # the candidate sharing most of the text: the original, not a fragment of it that
            # slipped through (the earlier on a tie: candidates come in index order)
            key = (inter, -doc.seq)
            if key <= best_key:
                continue
            if doc.core not in core and core not in doc.core:  # (one holding the other word for word: same facts)
                if mine is None:
                    mine = slots(core.decode("utf-32-le"))
                if doc.slots is None:
                    doc.slots = slots(doc.core.decode("utf-32-le"))
                if _conflict(mine, doc.slots):
                    continue  # the same words about another place or number: another fact
            best, best_key, best_doc = found, key, doc
        if best is not None and best_doc is not None and best.kind != "near":
            # the words this post added around the original: a comment, a lead-in, a wrapper
            added = sh.difference(best_doc.shingles.tolist())
            once = self._added_once
            if len(once) > 20 * self.window:
                once.clear()
                boiler.clear()
            boiler |= added & once
            once |= added
        return best

    def _add(
        self, item_id: ItemId, key: int, chosen: set[int], seg: np.ndarray, maybe: set[int], core: bytes
    ) -> None:
        """Index an original; of its anchors, only those in `maybe` can be indexed already."""
        gen = self._gens[-1]
        if len(gen.docs) >= self.window:
            self._gens = [gen, _Generation(bits=self._bits)]  # the older generation is forgotten
            gen = self._gens[-1]
        self._seq += 1
        doc = _Original(item_id, seg, len(chosen), core, self._seq)
        gen.docs.append(doc)
        if doc.n_anchors <= 2:
            gen.few.add(doc)
        gen.exact[key] = item_id
        add = gen.postings.setdefault
        postings = gen.postings
        saturated = self._saturated
        cap = self.max_postings
        fresh = chosen - maybe  # the anchors indexed nowhere yet: in one go
        if fresh:
            if saturated:
                fresh -= saturated
            postings.update(dict.fromkeys(fresh, doc))
        for h in maybe:
            if h in saturated:
                continue
            ids = add(h, doc)
            if ids is doc:
                continue  # new anchor (the common case)
            if isinstance(ids, list):
                if len(ids) < cap:
                    ids.append(doc)
                else:
                    saturated.add(h)
            elif cap > 1:
                postings[h] = [ids, doc]
            else:
                saturated.add(h)
        if len(saturated) > 4 * self.window:
            saturated.clear()
        self._unmarked.append((gen, chosen))
        if len(self._unmarked) >= 4096:
            self._mark()

    def _mark(self) -> None:
        """Set the bitmap bits of the anchors indexed since the last time."""
        if not self._unmarked:
            return
        by_gen: dict[int, tuple[_Generation, list[int]]] = {}
        for gen, chosen in self._unmarked:
            by_gen.setdefault(id(gen), (gen, []))[1].extend(chosen)
        for gen, hs in by_gen.values():
            gen.mark(np.fromiter(hs, dtype=np.int64, count=len(hs)))
        self._unmarked.clear()


def find_duplicates(index: DedupIndex, ids: list[ItemId], texts: list[str]) -> list[DedupResult]:
    """The dedup stage over a batch (in order, so items in one batch can repeat each other)."""
    return index.check_batch(ids, texts)
