"""Search latency on N synthetic items (default 100,000), SQLite and (when reachable) PostgreSQL.

    .venv/bin/python bench/search.py [--items 100000] [--pg postgresql://postgres@127.0.0.1:5432/yuqing_bench]

Prints build time and, per query, the median and p95 latency of counting and fetching the top 50.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
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
QUERIES = ["欠薪", "农民工", "道路塌陷", "青石镇 欠薪", "河口镇 暴雨 内涝", "物业电梯", "不存在的词语"]


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
        src = Source(name="bench", kind="file")
        s.add(src)
        s.flush()
        sid = src.id
    batch = 5000
    now = utcnow()
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            text = make_text(rng)
            rows.append(
                dict(
                    source_id=sid,
                    item_key=f"k{i}",
                    title="",
                    text=text,
                    content_hash=f"h{i}",
                    search_text=search_text("", text),
                    published_at=now,
                    captured_at=now,
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


def measure(ws: object, repeats: int = 15) -> None:
    """Median and p95 of count + first page, per query."""
    for q in QUERIES:
        times = []
        total = 0
        for _ in range(repeats):
            t = time.perf_counter()
            with ws.db.read() as s:  # type: ignore[attr-defined]
                _, total = search_items(s, ItemFilter(query=q), limit=50)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        print(
            f"  {q:<12} {total:>7} hits   median {statistics.median(times):7.1f} ms   "
            f"p95 {times[int(len(times) * 0.95) - 1]:7.1f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--pg", default=None, help="a PostgreSQL URL (its public schema is emptied)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws, secs = build(None, args.items, Path(tmp) / "sqlite")
        print(f"SQLite: {args.items} items inserted and indexed in {secs:.1f} s (count + top 50 per query)")
        measure(ws)
        if args.pg:
            from sqlalchemy import create_engine, text

            engine = create_engine(args.pg.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            ws, secs = build(args.pg, args.items, Path(tmp) / "pg")
            print(f"PostgreSQL: {args.items} items inserted and indexed in {secs:.1f} s")
            measure(ws)


if __name__ == "__main__":
    main()
