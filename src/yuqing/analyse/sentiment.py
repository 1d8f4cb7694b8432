"""Sentiment (negative / neutral / positive) with a score in [-1, 1], from a shipped linear model.

The model is a multinomial logistic regression over hashed character 1-3-grams (see `features`),
trained by `scripts/train_sentiment.py` and shipped as plain arrays (`models/sentiment.npz`, loaded
with `allow_pickle=False`) plus its metadata (`models/sentiment.json`). Run time needs numpy only.
The score is P(positive) - P(negative).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from yuqing.analyse.features import sparse_row

LABELS = ("positive", "neutral", "negative")  # the order of the model's classes (inews labels 0, 1, 2)


@dataclass(slots=True)
class Sentiment:
    label: str
    score: float


class SentimentModel:
    """A linear model over hashed character n-grams."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, meta: dict) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.meta = meta
        self.bits = int(meta["bits"])
        self.orders = tuple(int(o) for o in meta["orders"])
        self.max_chars = int(meta.get("max_chars", 600))
        # Per-class offsets added to the logits (chosen on the dev split, never on test).
        self.offsets = np.asarray(meta.get("offsets", [0.0, 0.0, 0.0]), dtype=np.float32)

    @classmethod
    def load(cls, folder: Path | None = None) -> SentimentModel:
        """The model in `folder`, or the shipped one."""
        if folder is None:
            base = resources.files("yuqing.analyse").joinpath("models")
            npz = base.joinpath("sentiment.npz").read_bytes()
            meta = json.loads(base.joinpath("sentiment.json").read_text(encoding="utf-8"))
        else:
            npz = (folder / "sentiment.npz").read_bytes()
            meta = json.loads((folder / "sentiment.json").read_text(encoding="utf-8"))
        import io

        with np.load(io.BytesIO(npz), allow_pickle=False) as data:
            return cls(data["weights"], data["bias"], meta)

    def prepare(self, text: str, title: str = "") -> str:
        """The text the model reads: title first, then the start of the body."""
        return (title + "。" + text if title else text)[: self.max_chars]

    def logits(self, text: str) -> np.ndarray:
        ids, vals = sparse_row(text, self.bits, self.orders)
        return np.asarray(vals @ self.weights[ids] + self.bias, dtype=np.float32)

    def probabilities(self, text: str) -> np.ndarray:
        z = self.logits(text)
        z = z - z.max()
        e = np.exp(z)
        return np.asarray(e / e.sum(), dtype=np.float32)

    def predict(self, text: str, title: str = "") -> Sentiment:
        """Label and score of one (normalised) text."""
        prepared = self.prepare(text, title)
        if not prepared.strip("。 "):
            return Sentiment("neutral", 0.0)
        z = self.logits(prepared)
        label = LABELS[int(np.argmax(z + self.offsets))]
        z = z - z.max()
        p = np.exp(z)
        p /= p.sum()
        return Sentiment(label, round(float(p[0] - p[2]), 4))

    def predict_batch(self, texts: list[str], titles: list[str] | None = None) -> list[Sentiment]:
        """The sentiment stage over a batch."""
        titles = titles or [""] * len(texts)
        return [self.predict(t, ti) for t, ti in zip(texts, titles, strict=True)]


@lru_cache(maxsize=1)
def default_model() -> SentimentModel:
    """The shipped model (loaded once)."""
    return SentimentModel.load()
