"""舆情专报: figures with evidence, draft → approved → sent as actions, separation of duties, every version kept."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from tests import factories
from tests.respond.conftest import Desk, desk  # noqa: F401  (the case-desk fixture)
from tests.web.conftest import login
from yuqing.cli import app
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import PermissionDenied
from yuqing.reports.special import SpecialReportError
from yuqing.reports.special_store import (
    approve_special,
    draft_special,
    get_special,
    return_special,
    revise_special,
    send_special,
)
from yuqing.respond import cases
from yuqing.store.tables import AuditEntry, Notification
from yuqing.web.app import create_app

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=CHINA)


@pytest.fixture
def flood(desk: Desk) -> tuple[Desk, int]:  # noqa: F811
    with frozen(T0):
        with desk.ws.db.write() as s:
            src = factories.source(s, "本地论坛", kind="board")
            ev = factories.event(s, title="桃源镇暴雨内涝", places=["桃源镇"], grade="II", first_seen_at=T0,
                                 grade_score=72.5, grade_factors={"factors": [
                                     {"name": "public_safety", "label": "公共安全", "contribution": 20.0, "value": 1.0,
                                      "weight": 20, "detail": "积水、被困", "evidence_item_ids": []},
                                     {"name": "heat", "label": "热度", "contribution": 0, "value": 0, "weight": 10,
                                      "detail": "", "evidence_item_ids": []}]})
            for i, (hours, sentiment, reposts) in enumerate([(0, "negative", 50), (5, "negative", 10),
                                                             (26, "neutral", 0)]):
                factories.item(s, title=f"内涝帖子{i}", src=src, event_id=ev.id, sentiment=sentiment, reposts=reposts,
                               published_at=T0 + timedelta(hours=hours), captured_at=T0 + timedelta(hours=hours, minutes=3),
                               url=f"https://bbs.example.invalid/{i}", content_hash=f"hash{i}")
            event_id = ev.id
        cases.open_case(desk.ws, desk.analyst, title="内涝处置", event_id=event_id, grade="II")
    return desk, event_id


def test_figures_and_the_workflow(flood):
    d, event_id = flood
    with frozen(T0 + timedelta(days=2)):
        row = draft_special(d.ws, d.analyst, event_id)
        with d.ws.db.read() as s:
            v1 = get_special(s, row.id).get()  # type: ignore[union-attr]
        f = v1.figures
        assert f["totals"] == {"items": 3, "sources": 1, "negative": 2, "engagement": 60}
        assert f["spread"] == [{"name": "2026-11-03", "count": 2}, {"name": "2026-11-04", "count": 1}]
        assert f["key_posts"][0]["url"] == "https://bbs.example.invalid/0" and f["key_posts"][0]["content_hash"] == "hash0"
        assert f["key_posts"][0]["captured"] == "2026-11-03 08:03"
        assert [r["label"] for r in f["grade_reasons"]] == ["公共安全"] and f["grade_label"] == "重大（II级）"
        assert f["handling"][0]["title"] == "内涝处置" and any(x["what"] == "网上首发" for x in f["timeline"])
        assert "桃源镇暴雨内涝" in v1.summary and "重大舆情响应" in v1.suggestion
        # The drafter cannot approve; nor can an editor; approval names the version read.
        with pytest.raises(PermissionDenied):
            approve_special(d.ws, d.analyst, row.id, version=1)
        revise_special(d.ws, d.analyst, row.id, summary="概要第二版", suggestion="建议第二版", note="补充")
        with pytest.raises(SpecialReportError, match="当前已是第 2 版"):
            approve_special(d.ws, d.leader, row.id, version=1)
        with pytest.raises(PermissionDenied):  # an analyst has no right to approve at all
            return_special(d.ws, d.analyst, row.id, reason="x")
        with pytest.raises(SpecialReportError, match="须先审批"):
            send_special(d.ws, d.office, row.id)
        return_special(d.ws, d.leader, row.id, reason="请补充伤亡情况")
        approve_special(d.ws, d.leader, row.id, version=2, note="同意")
        # Editing an approved report voids the approval.
        revise_special(d.ws, d.analyst, row.id, summary="概要第三版", suggestion="建议第三版")
        with d.ws.db.read() as s:
            view = get_special(s, row.id)
        assert view is not None and view.status == "draft" and view.approved_version is None
        approve_special(d.ws, d.office, row.id, version=3)
        sent = send_special(d.ws, d.office, row.id)
        assert sent.status == "sent" and sent.recipients == ["leader", "office"]
        with pytest.raises(SpecialReportError):
            revise_special(d.ws, d.analyst, row.id, summary="x", suggestion="y")
    with d.ws.db.read() as s:
        view = get_special(s, row.id)
        assert view is not None
        assert [v.summary for v in view.versions] == [v1.summary, "概要第二版", "概要第三版"]
        assert view.approved_by_name == "办公室王" and view.approved_version == 3
        notes = s.execute(select(Notification).where(Notification.kind == "report.special",
                                                     Notification.title == "舆情专报：桃源镇暴雨内涝")).scalars().all()
        assert sorted(n.audience for n in notes) == ["leader", "office"]
        assert all(n.link == f"/reports/special/{row.id}?version=3" for n in notes)
        actions = [e.action for e in s.execute(select(AuditEntry).where(AuditEntry.object_type == "special_report")
                                               .order_by(AuditEntry.id)).scalars()]
    # A 重要信息 bulletin is the same workflow under its own title, kept through revisions.
    with frozen(T0 + timedelta(days=2)):
        with pytest.raises(SpecialReportError):
            draft_special(d.ws, d.analyst, event_id, title="通报")
        brief = draft_special(d.ws, d.analyst, event_id, title="重要信息")
        revise_special(d.ws, d.analyst, brief.id, summary="要情", suggestion="建议")
    with d.ws.db.read() as s:
        view = get_special(s, brief.id)
    assert view is not None and [v.figures["title"] for v in view.versions] == ["重要信息", "重要信息"]
    assert actions == ["special_report.draft", "special_report.revise", "special_report.return",
                       "special_report.approve", "special_report.revise", "special_report.approve",
                       "special_report.send"]


def test_pages_and_cli(flood, tmp_path):
    d, event_id = flood
    with frozen(T0 + timedelta(days=2)), TestClient(create_app(d.ws), base_url="http://127.0.0.1",
                                                    headers={"accept": "text/html"}) as client:
        token = login(client, "analyst")
        assert "起草舆情专报" in client.get(f"/events/{event_id}").text
        r = client.post("/reports/special", data={"event_id": str(event_id), "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        url = r.headers["location"]
        page = client.get(url)
        assert page.status_code == 200 and "https://bbs.example.invalid/0" in page.text and "hash0" in page.text
        assert "审批通过" not in page.text  # the drafter is not offered approval
        r = client.post(f"{url}/revise", data={"summary": "新的概要", "suggestion": "新的建议", "note": "改",
                                                "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        dl = client.get(f"{url}/download.docx")
        assert dl.status_code == 200
        doc = Document(io.BytesIO(dl.content))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "新的概要" in text and "未经审批" in text and "监测员李" in doc.sections[0].header.paragraphs[0].text
        client.post("/logout", data={"csrf_token": token})
        token = login(client, "leader")
        page = client.get(url)
        assert "我已审阅第 2 版，同意报送" in page.text
        refused = client.post(f"{url}/approve", data={"version": "2", "csrf_token": token})
        assert refused.status_code == 400 and "请勾选" in refused.text  # no default yes
        r = client.post(f"{url}/approve", data={"version": "2", "confirm": "yes", "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303
        page = client.get(url)
        assert "已审批（待报送）" in page.text and "区领导" in page.text  # recipients in words, not codes
        r = client.post(f"{url}/send", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and "已报送" in client.get(url).text
        assert "新的概要" not in client.get(f"{url}?version=1").text
        xl = client.get(f"{url}/download.xlsx?version=1")
        assert "概要" in load_workbook(io.BytesIO(xl.content)).sheetnames
        assert client.get("/reports/special").status_code == 200
    with d.ws.db.read() as s:
        downloads = s.execute(select(AuditEntry).where(AuditEntry.action == "report.download")).scalars().all()
    assert [e.detail["kind"] for e in downloads] == ["special", "special"]
    runner = CliRunner()
    with frozen(T0 + timedelta(days=2)):
        r = runner.invoke(app, ["-w", str(d.ws.path), "report", "special", "--event", str(event_id), "--json"])
        assert r.exit_code == 0, r.output
        figures = json.loads(r.stdout)
        assert figures["version"] == 2 and figures["status"] == "sent" and figures["approved_by"] == "区长"
        out = tmp_path / "s.docx"
        r = runner.invoke(app, ["-w", str(d.ws.path), "report", "special", "--event", str(event_id), "--format", "docx",
                                "--out", str(out), "--as", "office"])
        assert r.exit_code == 0, r.output
        assert re.search("舆情专报", "\n".join(p.text for p in Document(str(out)).paragraphs))
        bad = runner.invoke(app, ["-w", str(d.ws.path), "report", "special", "--event", "999", "--json"])
        assert bad.exit_code == 2
