"""Search latency on N synthetic items (default 100,000), SQLite and (when reachable) PostgreSQL.

    .venv/bin/python bench/search.py [--items 1000000] [--pg postgresql://postgres@127.0.0.1:5432/yuqing_bench]

Prints build time and, per query shape (common, rare and absent words, phrases, several words, one
character, filters with and without words, the next page by cursor), the count as the feed shows it
and the median and p95 latency of one search (count + the newest 50). The last line says whether every
p95 is within the target (50 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from yuqing.clock import utcnow
from yuqing.store.search import ItemFilter, search_items, search_text
from yuqing.store.tables import Item, Source
from yuqing.workspace import init_workspace

WORDS = [
    "道路",
    "塌陷",
    "噪音",
    "扰民",
    "欠薪",
    "农民工",
    "学位",
    "入学",
    "暴雨",
    "内涝",
    "食堂",
    "地沟油",
    "公园",
    "开放",
    "垃圾",
    "清运",
    "停车",
    "收费",
    "物业",
    "电梯",
    "医院",
    "挂号",
    "公交",
    "线路",
    "拆迁",
    "补偿",
    "供水",
    "停电",
    "燃气",
    "排污",
    "河道",
    "养老",
    "低保",
    "学校",
    "招生",
    "夜市",
    "烧烤",
    "油烟",
    "工地",
    "扬尘",
]
PLACES = [
    "城东街道",
    "城西街道",
    "滨江街道",
    "桃源镇",
    "青石镇",
    "河口镇",
    "柳湾乡",
    "锦绣社区",
    "和平社区",
    "渡口村",
    "合作村",
]
TARGET_MS = 50.0
SENTIMENTS = ["negative"] * 25 + ["neutral"] * 60 + ["positive"] * 15
SOURCES = 5
# (label, filter arguments, page on by cursor)
SHAPES: list[tuple[str, dict[str, object], bool]] = [
    ("常见词 欠薪", {"query": "欠薪"}, False),
    ("常见词 农民工", {"query": "农民工"}, False),
    ("短语 道路塌陷", {"query": "道路塌陷"}, False),
    ("两词 青石镇 欠薪", {"query": "青石镇 欠薪"}, False),
    ("三词 河口镇 暴雨 内涝", {"query": "河口镇 暴雨 内涝"}, False),
    ("短语 物业电梯", {"query": "物业电梯"}, False),
    ("无此词", {"query": "不存在的词语"}, False),
    ("单字 镇", {"query": "镇"}, False),
    ("全部（无条件）", {}, False),
    ("负面", {"sentiment": "negative"}, False),
    ("欠薪 + 负面", {"query": "欠薪", "sentiment": "negative"}, False),
    ("道路塌陷 + 来源", {"query": "道路塌陷", "source_ids": [1]}, False),
    ("欠薪 第二页（cursor）", {"query": "欠薪"}, True),
    ("道路塌陷 第二页（cursor）", {"query": "道路塌陷"}, True),
]


def make_text(rng: random.Random) -> str:
    parts = [rng.choice(PLACES), *rng.sample(WORDS, 6)]
    return "，".join(parts) + "，希望有关部门尽快处理。" + "".join(rng.sample(WORDS, 8))


def build(url: str | None, n: int, folder: Path) -> tuple[object, float]:
    import os

    if url:
        os.environ["YUQING_DATABASE_URL"] = url
    else:
        os.environ.pop("YUQING_DATABASE_URL", None)
    ws = init_workspace(folder)
    rng = random.Random(7)
    t0 = time.perf_counter()
    with ws.db.write() as s:
        sids = []
        for k in range(SOURCES):
            src = Source(name=f"bench{k}", kind="file")
            s.add(src)
            s.flush()
            sids.append(src.id)
    batch = 5000
    now = utcnow()
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            text = make_text(rng)
            rows.append(
                dict(
                    source_id=sids[i % SOURCES],
                    item_key=f"k{i}",
                    title="",
                    text=text,
                    content_hash=f"h{i}",
                    search_text=search_text("", text),
                    published_at=now - timedelta(seconds=n - i),
                    captured_at=now,
                    sentiment=SENTIMENTS[i % len(SENTIMENTS)],
                    extra={},
                    places=[],
                    topics=[],
                )
            )
        with ws.db.write() as s:
            s.execute(insert(Item), rows)
    if ws.db.engine.dialect.name == "postgresql":
        with ws.db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE items")
    return ws, time.perf_counter() - t0


def measure(ws: object, repeats: int = 15) -> list[float]:
    """Median and p95 of one search (count + newest 50), per query shape; returns the p95s."""
    p95s = []
    for label, args, next_page in SHAPES:
        f = ItemFilter(**args)  # type: ignore[arg-type]
        with ws.db.read() as s:  # type: ignore[attr-defined]
            first = search_items(s, f, limit=50)
        times = []
        hits = first
        for _ in range(repeats):
            t = time.perf_counter()
            with ws.db.read() as s:  # type: ignore[attr-defined]
                hits = search_items(s, f, limit=50, cursor=first.next_cursor if next_page else None)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        p95s.append(p95)
        print(f"  {label:<22} {hits.count_label:<22} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")
    return p95s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--pg", default=None, help="a PostgreSQL URL (its public schema is emptied)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws, secs = build(None, args.items, Path(tmp) / "sqlite")
        print(f"SQLite: {args.items} items inserted and indexed in {secs:.1f} s (count + top 50 per query)")
        worst = max(measure(ws))
        if args.pg:
            from sqlalchemy import create_engine, text

            engine = create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            ws, secs = build(args.pg, args.items, Path(tmp) / "pg")
            print(f"PostgreSQL: {args.items} items inserted and indexed in {secs:.1f} s")
            worst = max(worst, max(measure(ws)))
        verdict = "within" if worst <= TARGET_MS else "ABOVE"
        print(f"worst p95 {worst:.1f} ms: {verdict} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
