"""Build the labelled repost-link and happening sets of issue 16 (bench/data/analysis_sets.md).

The posts are hand-written (scripts/analysis_sets/*.py): a development part (清河区) and a HELD-OUT
part (云山区) written separately. This script only lays them out as a stream: it derives the
copies of each original the way people pass posts on (a fragment of it, kept in commentary, lightly
edited, reposted in a chain) using that part's own comments and habits, fills the templates, and
writes the truth labels. Seeded: the same files every run.

    python scripts/build_analysis_sets.py        # writes bench/data/{links,happenings}_{dev,holdout}.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from analysis_sets import events_dev, events_holdout, links_dev, links_holdout  # noqa: E402

OUT = HERE.parent / "bench" / "data"
CST = timezone(timedelta(hours=8))
_CLAUSE = re.compile(r"(?<=[，。！？；])")

DEV_NAMES = ["清河小市民", "城南老张", "柳林的风", "爱吃辣的小王", "石桥人在外地", "白马乡的娃", "一只咸鱼", "阿明"]
HOLDOUT_NAMES = ["云山小百事", "东湖老王", "凤鸣山下的风", "龙泉小林", "金沙打工人", "白鹭湾宝妈", "岚州吃货"]
DEV_LEADS = ["", "", "据说", "有网友说：", "看到有人发：", "", "转："]
SHORT = ["顶", "扩散", "关注", "同问", "+1", "转发微博"]


def clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text) if c]


def fragment(rng: random.Random, text: str, low: float, high: float) -> str:
    """A contiguous run of clauses holding `low`..`high` of the text (the closest such run)."""
    parts = clauses(text)
    total = len(text)
    runs = []
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            share = sum(map(len, parts[i:j])) / total
            if low <= share <= high:
                runs.append((i, j))
    if not runs:
        cut = int(total * (low + high) / 2)
        return text[:cut]
    i, j = rng.choice(runs)
    out = "".join(parts[i:j])
    return out.rstrip("，；") + ("。" if out[-1] in "，；" else "")


def edit(rng: random.Random, text: str) -> str:
    """Light edits people make when they copy: punctuation, particles, an emoji, a word changed."""
    ops = [
        lambda s: s.replace("。", "！", 1),
        lambda s: s.replace("了，", "，", 1),
        lambda s: s.replace("已经", "都", 1),
        lambda s: s.replace("真的", "", 1),
        lambda s: s + rng.choice(["😡", "[怒]", "！！", "…", " #民生#"]),
        lambda s: s.replace("，", " ", 1),
        lambda s: s.replace("什么", "啥", 1),
        lambda s: s.replace("我们", "咱们", 1),
        lambda s: s.replace("没有", "没", 1),
    ]
    for op in rng.sample(ops, rng.randint(2, 4)):
        text = op(text)
    return text


def stamp(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def derive_dev(rng: random.Random, original: str) -> list[tuple[str, str]]:
    """Five copies of a dev original: (kind, text)."""
    kinds = ["fragment", "fragment", "commentary", "commentary", "quote_fragment", "chain", "edit", "copy", "prefix"]
    out = []
    for kind in rng.sample(kinds, 5):
        name = rng.choice(DEV_NAMES)
        comment = rng.choice(links_dev.COMMENTS)
        if kind == "fragment":
            text = rng.choice(DEV_LEADS) + fragment(rng, original, 0.45, 0.75)
        elif kind == "commentary":
            text = f"{comment}//@{name}:{original}" if rng.random() < 0.6 else f"{comment}\n原帖：{original}"
        elif kind == "quote_fragment":
            text = f"{comment}有人说“{fragment(rng, original, 0.5, 0.8)}”，我看是真的。"
        elif kind == "chain":
            text = f"{rng.choice(SHORT)}//@{name}:{comment}//@{rng.choice(DEV_NAMES)}:{original}"
        elif kind == "edit":
            text = edit(rng, original)
        elif kind == "copy":
            text = original + rng.choice(["", "（转自清河论坛）", " 图片来源网络"])
        else:
            text = rng.choice(["转发微博：", "【转】", "转自业主群："]) + original
        out.append((kind, text))
    return out


def derive_holdout(rng: random.Random, original: str) -> list[tuple[str, str]]:
    """Five copies of a held-out original, in this district's own habits (WRAPS)."""
    out = []
    for _ in range(5):
        wrap = rng.choice(links_holdout.WRAPS)
        roll = rng.random()
        if roll < 0.4:
            kept, kind = fragment(rng, original, 0.4, 0.7), "fragment"
        elif roll < 0.5:
            kept, kind = edit(rng, original), "edit"
        else:
            kept, kind = original, "wrapped"
        if rng.random() < 0.15:
            wrap, kind = "{o}", kind if kind != "wrapped" else "copy"
        out.append((f"{kind}+{'commentary' if len(wrap) > 30 else 'wrap'}", wrap.format(o=kept)))
    return out


def build_links(name: str, module, derive, start: datetime, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    names = DEV_NAMES if name == "dev" else HOLDOUT_NAMES
    prefix = f"L{name[0]}"
    at = start
    for i, original in enumerate(module.ORIGINALS):
        oid = f"{prefix}o{i:03d}"
        rows.append({"id": oid, "text": original, "published_at": at, "duplicate_of": None, "kind": "original"})
        for j, (kind, text) in enumerate(derive(rng, original)):
            later = at + timedelta(minutes=rng.randint(2, 600))
            rows.append({"id": f"{oid}c{j}", "text": text, "published_at": later, "duplicate_of": oid, "kind": kind})
        at += timedelta(minutes=rng.randint(10, 50))
    for t, (template, fills) in enumerate(module.TEMPLATES):
        for v, fill in enumerate(fills):
            keys = ("p", "n") if len(fill) == 2 else ("p", "d", "n")
            text = template.format(**dict(zip(keys, fill, strict=True)))
            vid = f"{prefix}t{t}v{v}"
            when = start + timedelta(minutes=rng.randint(0, 60 * 30))
            kind = "template" if v == 0 else "lookalike"
            rows.append({"id": vid, "text": text, "published_at": when, "duplicate_of": None, "kind": kind, "template": t})
            if v == 0:  # one true repost of each template's first post: slots kept, a real link
                rows.append(
                    {
                        "id": f"{vid}r",
                        "text": f"{rng.choice(SHORT)}//@{rng.choice(names)}:{text}",
                        "published_at": when + timedelta(minutes=5),
                        "duplicate_of": vid,
                        "kind": "commentary",
                    }
                )
    # a template's first post comes before its look-alikes
    for row in rows:
        if row["kind"] == "lookalike":
            base = next(r for r in rows if r["id"] == row["id"].rsplit("v", 1)[0] + "v0")
            row["published_at"] = max(row["published_at"], base["published_at"] + timedelta(minutes=10))
    rows.sort(key=lambda r: (r["published_at"], r["id"]))
    for row in rows:
        row["published_at"] = stamp(row["published_at"])
    return rows


def build_events(name: str, module, start: datetime, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows: list[dict] = []
    names = DEV_NAMES if name == "dev" else HOLDOUT_NAMES
    for k, (day, hm, source, text, story) in enumerate(module.POSTS):
        h, m = map(int, hm.split(":"))
        at = start + timedelta(days=day - 1, hours=h, minutes=m)
        rows.append({"id": f"E{name[0]}{k:03d}", "source": source, "text": text, "published_at": at, "story": story})
    # spread: some posts passed on (the story of the post they pass on)
    originals = [r for r in rows if r["story"] != "elsewhere"]
    comments = links_dev.COMMENTS if name == "dev" else [w for w in links_holdout.WRAPS if "{o}" in w]
    for k, orig in enumerate(rng.sample(originals, 24)):
        if name == "dev":
            text = f"{rng.choice(comments)}//@{rng.choice(names)}:{orig['text']}"
        else:
            text = rng.choice(comments).format(o=orig["text"])
        at = orig["published_at"] + timedelta(minutes=rng.randint(3, 240))
        rows.append({"id": f"E{name[0]}r{k:02d}", "source": "微博", "text": text, "published_at": at, "story": orig["story"]})
    rows.sort(key=lambda r: (r["published_at"], r["id"]))
    for row in rows:
        row["published_at"] = stamp(row["published_at"])
        row["fictional"] = True
    return [{"profile": module.PROFILE}, *rows]


def write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main() -> None:
    dev_start = datetime(2026, 11, 9, tzinfo=CST)
    hold_start = datetime(2026, 12, 1, tzinfo=CST)
    links = {
        "dev": build_links("dev", links_dev, derive_dev, dev_start + timedelta(hours=7), 16),
        "holdout": build_links("holdout", links_holdout, derive_holdout, hold_start + timedelta(hours=7), 61),
    }
    events = {
        "dev": build_events("dev", events_dev, dev_start, 17),
        "holdout": build_events("holdout", events_holdout, hold_start, 71),
    }
    for part in ("dev", "holdout"):
        write(OUT / f"links_{part}.jsonl", links[part])
        write(OUT / f"happenings_{part}.jsonl", events[part])
        n_links = sum(r["duplicate_of"] is not None for r in links[part])
        n_look = sum(r["kind"] == "lookalike" for r in links[part])
        posts = events[part][1:]
        stories = {r["story"] for r in posts} - {"elsewhere"}
        print(
            f"{part}: {len(links[part])} link posts ({n_links} links, {n_look} look-alikes); "
            f"{len(posts)} happening posts in {len(stories)} happenings"
        )


if __name__ == "__main__":
    main()
