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
