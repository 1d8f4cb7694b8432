"""Scale-out of analysis on PostgreSQL + Celery (issue 10, item 5). One command; prints figures.

    .venv/bin/python bench/scale.py --items 100000 --workers 4 [--kill] [--batch 500] [--lease 30]

What it does:
1. makes N synthetic posts for 章贡区 (bench/pipeline.py's generator: real sentences made relevant by
   a place name, one in five a repost), with one in four written as part of a happening (a matter at
   a place, told in several wordings over hours), so that events are more than reposts;
2. creates a PostgreSQL database (UTF-8, C.UTF-8), a workspace on it, and stores the N posts
   (`captured_at` = when stored);
3. starts K Celery worker processes (`--pool solo`, queue `analyse`, Redis as the broker) and submits
   `analyse.pending` tasks of one batch each (more whenever the queue runs dry and items are pending);
   with `--kill` one worker is SIGKILLed once a third of the items are analysed: its batch stays
   claimed until the lease (`--lease` seconds) runs out, then another worker takes it;
4. waits until every item is analysed, then reads from the database: items analysed, lost (never
   analysed), duplicated (items whose results were written more than once, counted by a trigger the
   bench adds, outside the code under test), p95 from storage to analysed, items per second (wall
   time from the first task to the last item);
5. runs the same posts through one in-process pipeline, in the same order and batches (the
   single-process run; kept in --cache with the posts, so the runs of a curve share them), and compares the stored event grouping with it: B-cubed F1 over the posts
   both call relevant (1.0 = the same grouping); and counts the stored batches that are not one run of
   consecutive posts stored after the previous one (a split, mixed or late batch is what would change it).

The last line is the contract read by checks outside the test suite:
    items=N analysed=N lost=L duplicated=D bcubed_vs_single=F items_per_s=R
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("YUQING_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
BROKER = os.environ.get("YUQING_BENCH_BROKER", "redis://127.0.0.1:6379/13")

MATTERS = [  # one happening, several wordings (the way people tell it over a day)
    ["停水", "没水了", "自来水停了", "家里水龙头不出水"],
    ["停电", "断电了", "没电了", "跳闸停电"],
    ["拖欠工资", "欠薪", "工资没发", "讨薪"],
    ["路面塌陷", "路上塌了个大坑", "路面下沉", "塌陷的坑还没填"],
    ["垃圾堆积", "垃圾没人清运", "垃圾站臭气熏天", "垃圾堆成山"],
    ["噪音扰民", "工地半夜施工太吵", "夜间施工噪音", "吵得睡不着"],
    ["积水严重", "下雨就淹", "积水没过膝盖", "排水不畅又淹了"],
    ["燃气泄漏", "闻到煤气味", "燃气管道漏气", "煤气味很重"],
]
TAILS = ["，希望有关部门尽快处理", "，已经好几天了", "，有没有人管管", "，附近居民意见很大", "。", "，求扩散"]


def load_pipeline_bench() -> Any:
    """bench/pipeline.py's generator (it pins itself to one core at import: undone here)."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    spec = importlib.util.spec_from_file_location("bench_pipeline", ROOT / "bench" / "pipeline.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if cores:
        os.sched_setaffinity(0, cores)
    return module


def make_posts(n: int, seed: int = 7) -> tuple[Any, list[dict[str, Any]]]:
    from yuqing.gazetteer import build_profile, find_county

    bp = load_pipeline_bench()
    profile = build_profile(find_county("章贡区"))
    places = [p.name for p in profile.places if p.level in ("town", "village")] + ["章贡区", "赣州市章贡区"]
    villages = [p.name for p in profile.places if p.level == "village"]
    n_story = n // 4
    posts = bp.make_posts(n - n_story, seed, bp.real_sentences(), places)
    rng = random.Random(seed)
    t0, t1 = posts[0]["published_at"], posts[-1]["published_at"]
    story_posts: list[dict[str, Any]] = []
    k = 0
    while len(story_posts) < n_story:
        place, matter = rng.choice(villages), rng.choice(MATTERS)
        start = rng.uniform(t0, t1)
        for _ in range(min(rng.randint(3, 12), n_story - len(story_posts))):
            text = f"{place}{rng.choice(['', '这边', '一带'])}{rng.choice(matter)}{rng.choice(TAILS)}"
            story_posts.append({"id": f"s{seed}-{k}", "text": text, "source": f"src{rng.randint(1, 40)}",
                                "published_at": int(start + rng.uniform(0, 8 * 3600)),
                                "reposts": rng.randint(0, 50), "comments": rng.randint(0, 20),
                                "likes": rng.randint(0, 100)})
            k += 1
    every = sorted(posts + story_posts, key=lambda p: (p["published_at"], p["id"]))
    return profile, every


def create_database(name: str) -> str:
    for cmd in (["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name],
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", "template0", "-E", "UTF8",
                 "--lc-ctype=C.UTF-8", "--lc-collate=C.UTF-8", name]):
        subprocess.run(cmd, check=True)
    return f"{PG}/{name}"


def store_posts(ws: Any, posts: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the posts as items (one source per post source); returns post id → item id."""
    from sqlalchemy import insert, select, text

    from yuqing.clock import utcnow
    from yuqing.store.search import search_text
    from yuqing.store.tables import Item, Source

    with ws.db.write() as s:
        names = sorted({p["source"] for p in posts})
        s.execute(insert(Source), [{"name": n, "kind": "file"} for n in names])
        source_ids = dict(s.execute(select(Source.name, Source.id)).all())
    for start in range(0, len(posts), 5000):
        chunk = posts[start : start + 5000]
        now = utcnow()
        with ws.db.write() as s:
            s.execute(insert(Item), [{
                "source_id": source_ids[p["source"]], "item_key": p["id"], "title": "", "text": p["text"],
                "content_hash": p["id"], "search_text": search_text("", p["text"]),
                "published_at": datetime.fromtimestamp(p["published_at"], UTC), "captured_at": now,
                "reposts": p["reposts"], "comments": p["comments"], "likes": p["likes"],
                "extra": {}, "places": [], "topics": [],
            } for p in chunk])
    with ws.db.write() as s:
        # Outside the code under test: every write of an item's results is logged, to count duplicates.
        s.execute(text("CREATE TABLE bench_writes (item_id integer, at timestamptz DEFAULT clock_timestamp())"))
        s.execute(text("""CREATE FUNCTION bench_log_write() RETURNS trigger AS $$
            BEGIN INSERT INTO bench_writes (item_id) VALUES (NEW.id); RETURN NEW; END $$ LANGUAGE plpgsql"""))
        s.execute(text("""CREATE TRIGGER bench_items_written AFTER UPDATE OF analysed_at ON items
            FOR EACH ROW WHEN (NEW.analysed_at IS NOT NULL) EXECUTE FUNCTION bench_log_write()"""))
        return {key: int(i) for key, i in s.execute(select(Item.item_key, Item.id)).all()}


def start_workers(k: int, ws_path: Path, db_url: str, logdir: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "YUQING_BROKER_URL": BROKER, "YUQING_DATABASE_URL": db_url,
           "YUQING_WORKSPACE": str(ws_path), "PYTHONPATH": str(ROOT / "src"),
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    procs = []
    for n in range(k):
        log = open(logdir / f"worker{n}.log", "wb")  # noqa: SIM115 - closed when the process ends
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "yuqing.jobs.celery_app", "worker", "--pool=solo",
             "--queues=analyse", f"--hostname=bench{n}@%h", "--without-gossip", "--without-mingle",
             "--loglevel=WARNING"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(ws_path)))
    return procs


def queue_length(app: Any, queue: str) -> int:
    with app.connection_for_write() as conn:
        return int(conn.default_channel.client.llen(queue))


def single_process_groups(profile: Any, posts: list[dict[str, Any]], batch: int) -> dict[str, str | None]:
    """Event of each post when one in-process pipeline reads them all, in the same batches."""
    from yuqing.analyse.pipeline import Pipeline

    pipe = Pipeline(profile)
    out: dict[str, str | None] = {}
    for start in range(0, len(posts), batch):
        for r in pipe.run(posts[start : start + batch]):
            out[r["id"]] = r["event_id"] if r["relevant"] else None
    return {k: (pipe.events.resolve(v) if v else None) for k, v in out.items()}


def batch_order(session: Any, batch: int) -> tuple[int, int]:
    """(batches stored, batches not as one process reads them): a stored batch (one analysis version)
    should hold one run of `batch` consecutive posts, each after the one before (posts are stored in
    time order, so item ids follow it); a split, mixed or late batch is what changes a grouping."""
    from sqlalchemy import text

    rows = session.execute(text("SELECT analysis_version, min(id), max(id), count(*) FROM items "
                                "WHERE analysis_version IS NOT NULL GROUP BY analysis_version "
                                "ORDER BY analysis_version")).all()
    base = session.execute(text("SELECT min(id) FROM items")).scalar_one()
    irregular, last = 0, -1
    for _, lo, hi, n in rows:
        start = lo - base
        if start % batch or n != min(batch, hi - lo + 1) or hi - lo + 1 != n or lo <= last:
            irregular += 1
        last = max(last, hi)
    return len(rows), irregular


def bcubed_f1(truth: dict[str, Any], pred: dict[str, Any]) -> float:
    if not truth:
        return 1.0
    # |pred cluster ∩ truth cluster| per item from counts of (pred, truth) pairs: linear, not quadratic
    # in the size of the largest events.
    size_t = Counter(truth[k] for k in truth)
    size_p = Counter(pred[k] for k in truth)
    both = Counter((pred[k], truth[k]) for k in truth)
    prec = sum(both[pred[k], truth[k]] / size_p[pred[k]] for k in truth) / len(truth)
    rec = sum(both[pred[k], truth[k]] / size_t[truth[k]] for k in truth) / len(truth)
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kill", action="store_true", help="SIGKILL one worker once a third is analysed")
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--lease", type=float, default=30.0, help="claim lease in seconds")
    ap.add_argument("--timeout", type=float, default=7200.0)
    ap.add_argument("--database", default="yuqing_bench_scale")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "yuqing-scale-cache"),
                    help="posts and the single-process grouping are kept here between runs")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from sqlalchemy import func, select, text

    from yuqing.jobs.celery_app import make_app
    from yuqing.store.tables import Item
    from yuqing.workspace import init_workspace

    t = time.time()
    cache = Path(args.cache) / f"posts-{args.items}.json"
    profile, posts = make_posts(args.items) if not cache.exists() else (None, json.loads(cache.read_text("utf-8")))
    if profile is None:
        from yuqing.gazetteer import build_profile, find_county

        profile = build_profile(find_county("章贡区"))
    else:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(posts, ensure_ascii=False), "utf-8")
    print(f"posts: {len(posts):,} made in {time.time() - t:.0f} s", flush=True)
    db_url = create_database(args.database)
    os.environ["YUQING_DATABASE_URL"] = db_url
    work = Path(tempfile.mkdtemp(prefix="yuqing-scale-"))
    ws = init_workspace(work / "ws", profile)
    t = time.time()
    ids = store_posts(ws, posts)
    print(f"stored in {time.time() - t:.0f} s; database {args.database}, workspace {ws.path}", flush=True)

    app = make_app(BROKER)
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete("analyse")
    procs = start_workers(args.workers, ws.path, db_url, work)
    deadline = time.time() + 300
    while len(app.control.ping(timeout=1.0) or []) < args.workers:
        if time.time() > deadline or any(p.poll() is not None for p in procs):
            print("workers did not start; logs in", work, file=sys.stderr)
            return 2
    task_kwargs = {"batch": args.batch, "max_batches": 1, "lease_seconds": args.lease}

    def submit(n: int) -> None:
        for _ in range(n):
            app.send_task("yuqing.run", args=[str(ws.path), "analyse.pending"], kwargs=task_kwargs)

    total = len(posts)
    started = time.time()
    submit(-(-total // args.batch) + args.workers)
    killed: int | None = None
    analysed = 0
    try:
        while time.time() - started < args.timeout:
            time.sleep(1.0)
            with ws.db.read() as s:
                analysed = s.execute(select(func.count(Item.id)).where(Item.analysed_at.is_not(None))).scalar_one()
            if analysed >= total:
                break
            if args.kill and killed is None and analysed >= total // 3:
                victim = procs[0]
                os.kill(victim.pid, signal.SIGKILL)
                killed = victim.pid
                print(f"SIGKILL worker pid {killed} at {analysed:,} analysed "
                      f"({time.time() - started:.1f} s)", flush=True)
            if queue_length(app, "analyse") == 0:
                submit(args.workers)
        elapsed = time.time() - started
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    with ws.db.read() as s:
        writes, written = s.execute(text("SELECT count(*), count(DISTINCT item_id) FROM bench_writes")).one()
        lat = s.execute(text(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM analysed_at - captured_at)),"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM analysed_at - captured_at))"
            " FROM items WHERE analysed_at IS NOT NULL")).one()
        rows = s.execute(select(Item.item_key, Item.event_id)).all()
        batches, irregular = batch_order(s, args.batch)
    lost = total - int(written)
    duplicated = int(writes) - int(written)
    rate = analysed / elapsed if elapsed else 0.0
    print(f"workers={args.workers} (celery, pool solo, queue analyse, broker {BROKER}), batch={args.batch}, "
          f"lease={args.lease:.0f} s, killed={f'pid {killed}' if killed else 'none'}", flush=True)
    print(f"wall {elapsed:.1f} s for {analysed:,} items: {rate:,.0f} items/s; storage → analysed: "
          f"median {float(lat[0] or 0):.1f} s, p95 {float(lat[1] or 0):.1f} s (all {total:,} stored before the "
          f"workers start, so this is the backlog drain time)", flush=True)
    t = time.time()
    cache = Path(args.cache) / f"single-{args.items}-{args.batch}.json"
    if cache.exists():
        single = json.loads(cache.read_text("utf-8"))
    else:
        single = single_process_groups(profile, posts, args.batch)
        cache.write_text(json.dumps(single), "utf-8")
    stored = {str(key): ev for key, ev in rows}
    # Posts in an event in either run; one without an event counts as a group of its own.
    keys = [k for k in single if single[k] is not None or stored.get(k) is not None]
    f1 = bcubed_f1({k: single[k] or f"alone-{k}" for k in keys}, {k: stored.get(k) or f"alone-{k}" for k in keys})
    differ = sum(1 for k in keys if single[k] is None or stored.get(k) is None)
    same = sum(1 for k in keys if single[k] is not None and stored.get(k) is not None)
    print(f"single-process run: {time.time() - t:.0f} s; {len(keys):,} posts in events "
          f"({len({single[k] for k in keys if single[k]}):,} events single, "
          f"{len({stored[k] for k in keys if stored.get(k)}):,} stored); {differ} in an event in one run only; "
          f"B-cubed F1 {f1:.4f} over {len(keys):,} posts ({same:,} in events in both)", flush=True)
    print(f"batches stored: {batches:,}; split, mixed or out of order against one process's reading: {irregular}",
          flush=True)
    print(f"logs and workspace: {work} ({len(ids):,} items stored)", flush=True)
    print(f"items={total} analysed={analysed} lost={lost} duplicated={duplicated} bcubed_vs_single={f1:.4f} "
          f"items_per_s={rate:.1f}")
    return 0 if lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
