"""Hashed character n-gram features, computed with numpy only (shared by training and run time).

Each run of text becomes code points; n-grams of 1..3 characters are hashed arithmetically (no
Python-level hash, so the same ids come out in every process) into `2**bits` buckets.
"""

from __future__ import annotations

import numpy as np

# Odd 64-bit multipliers (from splitmix64 / xxhash constants); any odd constants would do, but
# changing them invalidates the shipped model.
_MULT = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5],
    dtype=np.uint64,
)
_SALT = np.array([0x0, 0x5851F42D4C957F2D, 0x14057B7EF767814F, 0x2545F4914F6CDD1D], dtype=np.uint64)


def codepoints(text: str) -> np.ndarray:
    """The text as an array of Unicode code points (uint64)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def ngram_ids(text: str, bits: int, orders: tuple[int, ...] = (1, 2, 3)) -> np.ndarray:
    """Bucket ids of every character n-gram of the given orders (duplicates kept)."""
    cp = codepoints(text)
    n = len(cp)
    parts: list[np.ndarray] = []
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        for order in orders:
            if n < order:
                continue
            h = np.full(n - order + 1, _SALT[order], dtype=np.uint64)
            for k in range(order):
                h = (h ^ cp[k : n - order + 1 + k]) * _MULT[k]
            h ^= h >> np.uint64(29)
            h *= _MULT[3]
            parts.append(h >> shift)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts).astype(np.int64)


def sparse_row(text: str, bits: int, orders: tuple[int, ...] = (1, 2, 3)) -> tuple[np.ndarray, np.ndarray]:
    """(ids, values) of the L2-normalised sublinear term-frequency vector of the text."""
    ids = ngram_ids(text, bits, orders)
    if ids.size == 0:
        return ids, np.zeros(0, dtype=np.float32)
    uniq, counts = np.unique(ids, return_counts=True)
    vals = (1.0 + np.log(counts)).astype(np.float32)
    vals /= np.float32(np.sqrt(float((vals * vals).sum())))
    return uniq, vals


_WORD_SALT = np.array([0x0, 0x61C8864680B583EB, 0x3C6EF372FE94F82B], dtype=np.uint64)
_MAX_WORD = 16  # characters of a word that count towards its hash


def word_ids(words: list[str], bits: int, orders: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """Bucket ids of word n-grams (of the given orders, 1 and/or 2), hashed apart from character n-grams."""
    if not words:
        return np.zeros(0, dtype=np.int64)
    words = [w[:_MAX_WORD] for w in words]
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
    cp = codepoints("".join(words))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    position = np.arange(len(cp)) - np.repeat(starts, lengths)
    powers = np.array([pow(int(_MULT[0]), k, 1 << 64) for k in range(_MAX_WORD)], dtype=np.uint64)
    parts: list[np.ndarray] = []
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        whole = np.add.reduceat((cp + np.uint64(1)) * powers[position], starts)  # one hash per word
        for order in orders:
            if len(words) < order:
                continue
            h = np.full(len(words) - order + 1, _WORD_SALT[order], dtype=np.uint64)
            for k in range(order):
                h = (h ^ whole[k : len(words) - order + 1 + k]) * _MULT[k + 1]
            h ^= h >> np.uint64(31)
            h *= _MULT[3]
            parts.append(h >> shift)
    if not parts:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(parts).astype(np.int64)


def vocabulary_row(keys: np.ndarray, idf: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(columns, L2-normalised sublinear tf × idf values) of bucket ids over a sorted vocabulary `keys`
    with per-column `idf`; ids outside the vocabulary are ignored."""
    uniq, counts = np.unique(ids, return_counts=True)
    cols = np.searchsorted(keys, uniq)
    found = cols < len(keys)
    found[found] = keys[cols[found]] == uniq[found]
    cols = cols[found]
    vals = (1.0 + np.log(counts[found])).astype(np.float32) * idf[cols]
    norm = float(np.sqrt(float((vals * vals).sum())))
    if norm > 0:
        vals /= np.float32(norm)
    return cols, vals


def batch_codepoints(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The code points of all texts concatenated (uint64), and where each text starts (plus the end)."""
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=starts[1:])
    return cp, starts


class Rows:
    """The hashed character n-gram rows of a batch of texts, as `sparse_row` gives for each one.

    Flat arrays sorted by text then bucket: `doc` (the text's index), `ids` (its distinct bucket ids)
    and `counts` (how often each occurs). One numpy pass hashes the whole batch and one sort counts
    it, instead of a pass and a sort per text. `coarser` gives the rows of the same n-grams in fewer
    buckets (an id of `bits - k` bits is the id of `bits` bits shifted right by k) without hashing
    again, so two models over one text's n-grams share the work.
    """

    __slots__ = ("bits", "counts", "doc", "ids", "n")

    def __init__(self, n: int, bits: int, doc: np.ndarray, ids: np.ndarray, counts: np.ndarray) -> None:
        self.n, self.bits, self.doc, self.ids, self.counts = n, bits, doc, ids, counts

    @classmethod
    def of(cls, texts: list[str], bits: int, orders: tuple[int, ...] = (1, 2, 3)) -> Rows:
        """The rows of the texts' n-grams of the given orders in `2**bits` buckets (the ids of `ngram_ids`)."""
        n = len(texts)
        cp, starts = batch_codepoints(texts)
        total = len(cp)
        lengths = np.diff(starts)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        room = np.repeat(starts[1:], lengths) - np.arange(total, dtype=np.int64)  # characters left in its text
        keys: list[np.ndarray] = []
        shift = np.uint64(64 - bits)
        with np.errstate(over="ignore"):
            for order in orders:
                m = total - order + 1
                if m <= 0:
                    continue
                h = np.full(m, _SALT[order], dtype=np.uint64)
                for k in range(order):
                    h = (h ^ cp[k : m + k]) * _MULT[k]
                h ^= h >> np.uint64(29)
                h *= _MULT[3]
                inside = room[:m] >= order  # not spanning two texts
                keys.append((doc_of[:m][inside] << bits) | (h[inside] >> shift).astype(np.int64))
        if not keys:
            empty = np.zeros(0, dtype=np.int64)
            return cls(n, bits, empty, empty, empty)
        uniq, counts = np.unique(np.concatenate(keys), return_counts=True)
        return cls(n, bits, uniq >> bits, uniq & ((1 << bits) - 1), counts)

    def coarser(self, bits: int) -> Rows:
        """The same n-grams in `2**bits` buckets (fewer than now): ids shifted, counts of merged ids added."""
        shift = self.bits - bits
        if shift < 0:
            raise ValueError("coarser rows need fewer bits")
        keys = (self.doc << bits) | (self.ids >> shift)  # still sorted
        if keys.size == 0:
            return Rows(self.n, bits, keys, keys, keys)
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        keys = keys[first]
        return Rows(self.n, bits, keys >> bits, keys & ((1 << bits) - 1), np.add.reduceat(self.counts, first))

    def values(self) -> np.ndarray:
        """The L2-normalised sublinear term frequencies (float32), as `sparse_row`."""
        vals = (1.0 + np.log(self.counts)).astype(np.float32)
        norms = np.sqrt(np.bincount(self.doc, weights=vals * vals, minlength=self.n)).astype(np.float32)
        vals /= norms[self.doc]
        return vals

    def dot(self, weights: np.ndarray, bias: np.ndarray, vals: np.ndarray | None = None) -> np.ndarray:
        """Each text's row times `weights` (one row per bucket) plus `bias`: (texts, classes) float32."""
        if vals is None:
            vals = self.values()
        out = np.zeros((self.n, weights.shape[1]), dtype=np.float32)
        if self.doc.size:
            first = np.flatnonzero(np.concatenate(([True], self.doc[1:] != self.doc[:-1])))
            out[self.doc[first]] = np.add.reduceat(weights[self.ids] * vals[:, None], first, axis=0)
        out += bias
        return out
