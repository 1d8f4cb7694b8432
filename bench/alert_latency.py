"""Alert latency (issue 11, item 9): from an item being stored to its alert leaving, p50/p95, in-process or
through Celery.

Each round stores one new post about a new happening (a different town each time), then runs what the
runner runs: the analysis job, which grades the event it builds and runs the alerts after its batch
(`analyse.pending` → `alerts.run`). In-process it is called directly; with `--engine celery` it is submitted as
the Celery runner submits it (`yuqing.run` on the broker, here Redis db 10 by default) to a worker started for
the run (`yuqing worker --queues analyse,alert --pool solo`, one process), so the broker hop and the worker are
in the figure. The clock stops when a local WeCom robot receives the message. Two warm-up rounds (model loading,
the worker's start) are not counted. Target: p95 <= 2 s in-process.

    .venv/bin/python bench/alert_latency.py [--rounds 30] [--database-url postgresql://…]
    .venv/bin/python bench/alert_latency.py --engine celery [--broker-url redis://127.0.0.1:6379/10]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

from yuqing.domain.profile import DistrictProfile
from yuqing.jobs.tasks import run_task
from yuqing.store.search import search_text
from yuqing.store.tables import Item, Source
from yuqing.store.tables_alert import AlertChannel, AlertRule, AlertRuleChannel
from yuqing.workspace import init_workspace

HAPPENINGS = ["路面突然塌陷，一辆电动车陷进坑里，骑车人受伤送医", "一处民房起火，浓烟很大，消防车已经赶到",
              "小区电梯困人一个多小时，物业一直联系不上", "工地拖欠四十多名农民工工资三个月，工人聚集讨薪"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--engine", choices=("inprocess", "celery"), default="inprocess")
    ap.add_argument("--broker-url", default="redis://127.0.0.1:6379/10")
    args = ap.parse_args()
    received: list[float] = []

    class Robot(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(time.perf_counter())
            body = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = DistrictProfile.from_dict(json.loads(resources.files("yuqing.demo").joinpath("profile.json")
                                                   .read_text("utf-8")))
    towns = list(profile.towns())
    with tempfile.TemporaryDirectory() as folder:
        if args.database_url:
            import os

            os.environ["YUQING_DATABASE_URL"] = args.database_url
        ws = init_workspace(Path(folder) / "ws", profile)
        with ws.db.write() as s:
            src = Source(name="测试微博", kind="file")
            ch = AlertChannel(kind="wecom", name="值班群", target=f"http://127.0.0.1:{server.server_address[1]}/send?key=k")
            s.add_all([src, ch])
            s.flush()
            rule = AlertRule(name="全部", min_grade="IV")
            s.add(rule)
            s.flush()
            s.add(AlertRuleChannel(rule_id=rule.id, channel_id=ch.id))
            source_id = src.id
        worker, submit = _engine(args, ws.path) if args.engine == "celery" else (None, None)
        latencies = []
        for n in range(args.rounds + 2):
            town = towns[n % len(towns)]
            text = f"{town.name}{n + 1}号路口附近{HAPPENINGS[n % len(HAPPENINGS)]}"
            before = len(received)
            stored = time.perf_counter()
            with ws.db.write() as s:
                s.add(Item(source_id=source_id, item_key=f"b{n}", title="", text=text, content_hash=f"h{n}",
                           search_text=search_text("", text)))
            if submit is not None:
                submit()
            else:
                run_task(ws, "analyse.pending")
            if len(received) == before:
                print(f"round {n}: no alert (event not graded or not relevant): {text}")
                continue
            if n >= 2:
                latencies.append(received[before] - stored)
        ws.db.dispose()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    server.shutdown()
    if not latencies:
        raise SystemExit("no alert left in any round")
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, max(0, math.ceil(0.95 * len(latencies)) - 1))]
    print(f"rounds {len(latencies)}  p50 {statistics.median(latencies) * 1000:.0f} ms  p95 {p95 * 1000:.0f} ms  "
          f"max {latencies[-1] * 1000:.0f} ms  ({'Celery, one solo worker' if args.engine == 'celery' else 'in-process'}; "
          f"{'PostgreSQL' if args.database_url else 'SQLite'})")


def _engine(args: argparse.Namespace, workspace: Path) -> tuple[Any, Any]:
    """Start one Celery worker on the analyse and alert queues; return it and a function that submits the
    analysis job as the Celery runner does and waits for it to finish."""
    import os
    import subprocess
    import sys

    from yuqing.jobs.celery_app import make_app

    os.environ["YUQING_BROKER_URL"] = args.broker_url
    app = make_app(args.broker_url)
    app.control.purge()
    worker = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "-w", str(workspace), "worker", "--queues",
                               "analyse,alert", "--pool", "solo", "--concurrency", "1"],
                              env={**os.environ, "YUQING_JOBS_ENGINE": "celery"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def submit() -> None:
        app.send_task("yuqing.run", args=[str(workspace), "analyse.pending"]).get(timeout=300)

    return worker, submit


if __name__ == "__main__":
    main()
