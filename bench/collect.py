"""Collection throughput: N sources x M items served by a local HTTP server (a separate process).

    .venv/bin/python bench/collect.py [--sources 50] [--items 200] [--workers 4] [--tracemalloc]

Round 1 stores everything (fetch, parse, t2s, hash, insert with FTS); round 2 is the same feeds again
(answered 304 by ETag); round 3 serves changed bodies with the same items (parse + dedup, no writes).
Prints items/s per round and the peak memory of the collecting process (max RSS; with --tracemalloc
also the peak of Python allocations, which slows the run).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

PHRASES = [
    "市民反映城区道路积水严重",
    "学校周边早晚高峰交通拥堵",
    "小区物业收费不透明",
    "夜间施工噪音扰民",
    "菜市场环境卫生脏乱差",
    "农民工工资拖欠问题",
    "医院挂号排队时间过长",
    "河道污染发出异味",
    "老旧小区加装电梯进展缓慢",
    "公交线路调整不合理",
    "路灯损坏多日无人维修",
    "违章建筑侵占公共绿地",
]


def make_feed(source: int, items: int, salt: str) -> bytes:
    rng = random.Random(source)
    parts = ['<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>']
    parts.append(
        f"<title>来源{source}</title><link>http://127.0.0.1/</link><lastBuildDate>{salt}</lastBuildDate>"
    )
    for i in range(items):
        text = "，".join(rng.choice(PHRASES) for _ in range(8)) + f"。编号{source}-{i}"
        parts.append(
            f"<item><guid>s{source}-i{i}</guid><title>{escape(rng.choice(PHRASES))}（{i}）</title>"
            f"<link>http://127.0.0.1/s{source}/{i}</link><description>{escape(text)}</description>"
            f"<author>网友{rng.randint(1, 5000)}</author><pubDate>Tue, 24 Nov 2026 01:00:00 +0800</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def serve(port_queue: multiprocessing.Queue, sources: int, items: int) -> None:  # type: ignore[type-arg]
    feeds = {s: make_feed(s, items, "a") for s in range(sources)}
    changed = {s: make_feed(s, items, "b") for s in range(sources)}
    state = {"round": 1}

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/next-round":
                state["round"] += 1
                body = b"ok"
                self.send_response(200)
            else:
                s = int(self.path.strip("/").split(".")[0].removeprefix("s"))
                etag = f'"{s}-{state["round"] >= 3}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = changed[s] if state["round"] >= 3 else feeds[s]
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
    httpd.daemon_threads = True
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=50)
    ap.add_argument("--items", type=int, default=200)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--tracemalloc", action="store_true")
    args = ap.parse_args()

    import httpx

    from yuqing.actions.actors import installer
    from yuqing.collect import sources
    from yuqing.collect.http import HttpPolicy
    from yuqing.collect.runner import collect_once
    from yuqing.workspace import init_workspace

    q: multiprocessing.Queue[int] = multiprocessing.Queue()
    proc = multiprocessing.Process(target=serve, args=(q, args.sources, args.items), daemon=True)
    proc.start()
    port = q.get(timeout=30)
    total = args.sources * args.items
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ws = init_workspace(Path(tmp) / "ws")
            admin = installer(ws)  # a new workspace: the installer sets it up
            ids = [
                sources.sources_add(ws, admin, "rss", f"http://127.0.0.1:{port}/s{s}.xml")
                for s in range(args.sources)
            ]
            policy = HttpPolicy(per_host_delay=0, per_host_concurrency=args.workers)
            if args.tracemalloc:
                tracemalloc.start()
            print(f"{args.sources} sources x {args.items} items = {total} items, {args.workers} workers")
            for round_no, label in (
                (1, "first collect (all new)"),
                (2, "again (304 by ETag)"),
                (3, "changed bodies, same items"),
            ):
                if round_no > 1:
                    httpx.get(f"http://127.0.0.1:{port}/next-round")
                t0 = time.perf_counter()
                summary = collect_once(ws, ids, policy=policy, workers=args.workers)
                dt = time.perf_counter() - t0
                unchanged = sum(r.unchanged for r in summary.results)
                print(
                    f"round {round_no} {label}: {dt:.2f} s, {total / dt:,.0f} items/s "
                    f"(new {summary.new}, updated {summary.updated}, unchanged {unchanged}, "
                    f"failed {summary.failed})"
                )
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak RSS of the collecting process: {rss_mb:.0f} MB")
            if args.tracemalloc:
                _, peak = tracemalloc.get_traced_memory()
                print(f"peak Python allocations (tracemalloc): {peak / 1e6:.0f} MB")
            db = Path(tmp) / "ws" / "yuqing.db"
            print(f"database size: {db.stat().st_size / 1e6:.1f} MB")
            ws.db.dispose()
    finally:
        proc.terminate()
        proc.join(5)


if __name__ == "__main__":
    main()
