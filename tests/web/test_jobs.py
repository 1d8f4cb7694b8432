"""定时任务 page: the analysis queue an operator watches (backlog, batches in hand, expired leases, recent batches)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing import analysis_service as service
from yuqing.clock import CHINA, frozen
from yuqing.store import analysis
from yuqing.web.app import create_app
from yuqing.workspace import Workspace

T0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)


def test_the_jobs_page_shows_the_analysis_queue_with_a_dead_workers_batch(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin", "admin")
        src = factories.source(s, "示例论坛")
        for i in range(7):
            factories.item(s, f"青石镇第{i}条帖子：路灯不亮", src=src, published_at=T0 + timedelta(minutes=i))
    with frozen(T0 + timedelta(hours=1)):
        service.Analyser(ws, name="analyser-a").run(batch=3, max_batches=1)  # one batch stored
        analysis.claim(ws.db, 2, service.LEASE, "web-01:4242:7")  # then a worker dies holding two posts
    with frozen(T0 + timedelta(hours=1) + service.LEASE + timedelta(minutes=1)), \
            TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        login(client, "admin")
        page = client.get("/admin/jobs")
    assert page.status_code == 200
    text = page.text
    assert "分析队列" in text and "待分析（条）" in text
    assert '<span class="num">4</span><span>待分析' in text  # 7 stored, 3 analysed
    assert '<span class="num">4</span><span>其中待领取' in text  # the dead worker's lease ran out
    assert "web-01:4242:7" in text and "租约已过期" in text and "其他进程接手" in text
    assert '<span class="num">1</span><span>处理中的批次（其中租约已过期 1）</span>' in text
    assert "最近入库的批次" in text and "2026-11-20 09:00" in text
