"""Reports through the alert channels: routes as data, once per report and channel, retries, never instead of
the inbox. A real SMTP server (aiosmtpd) and HTTP recorders on 127.0.0.1 stand at the far end."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from tests import factories
from tests.alert.servers import http_recorder, smtp_server
from tests.conftest import PG_URL
from tests.respond.conftest import Desk, desk  # noqa: F401  (the case-desk fixture)
from tests.servers import free_port
from yuqing.alert.channels import webhook as wh
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
from yuqing.reports.deliver import route_table, sent_log, set_routes
from yuqing.reports.pdf import soffice
from yuqing.reports.special_store import approve_special, deliver_special, draft_special
from yuqing.reports.tasks import daily, periodic
from yuqing.store.tables import AuditEntry, Notification
from yuqing.workspace import Workspace

OFFICE = Actor(None, "办公室王", "office")


def _at(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=CHINA)


def _inbox(ws: Workspace, kind: str = "report.daily") -> list[str]:
    with ws.db.read() as s:
        return list(s.execute(select(Notification.audience).where(Notification.kind == kind)
                              .order_by(Notification.id)).scalars())


def test_the_daily_report_reaches_each_chosen_channel_once(day_ws: Workspace) -> None:
    ws = day_ws
    ws.settings.report_mail_formats, ws.settings.public_url = "docx", "https://yq.example"
    with smtp_server() as box, http_recorder() as rec:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        with ws.db.write() as s:
            mail = factories.alert_channel(s, "email", "office@district.example", name="办公室邮箱")
            hook = factories.alert_channel(s, "webhook", f"{rec.url}/hook", name="市平台", secret="k1")
            robot = factories.alert_channel(s, "wecom", f"{rec.url}/wecom", name="值班群")
            mail_id, hook_id, robot_id = mail.id, hook.id, robot.id
        with ws.db.read() as s:  # the default: the daily report to the e-mail channel, nothing else anywhere
            _, table = route_table(s)
        assert {k for k, on in table.items() if on} == {("daily", mail_id)}
        assert set_routes(ws, OFFICE, {("daily", mail_id), ("daily", hook_id), ("special", robot_id)}) == \
            ["网络舆情日报告表发往“市平台”", "舆情专报与重要信息发往“值班群”"]
        with frozen(_at(21, 16, 31)):
            first = daily(ws)
        with frozen(_at(21, 16, 36)):  # the job's next check, and a rerun of the day's report
            second = daily(ws)
    assert first["generated"] and first["delivered"] == {"sent": 2}
    assert second == {"generated": False, "reason": "done", "day": "2026-11-21"}
    assert len(box.messages) == 1 and len(rec.requests) == 1
    _, rcpts, msg = box.messages[0]
    assert rcpts == ["office@district.example"] and msg["Subject"] == "网络舆情日报告表（2026-11-21）"
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "统计期：2026-11-21" in body and "https://yq.example/reports/daily/2026-11-21" in body
    (attachment,) = list(msg.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_filename() == "网络舆情日报告表_2026-11-21.docx"
    doc = Document(io.BytesIO(attachment.get_content()))
    assert doc.paragraphs[0].text == "网络舆情日报告表"
    assert "办公室邮箱（自动报送）" in doc.sections[0].header.paragraphs[0].text  # watermarked: whom it went to
    hook_req = rec.requests[0]
    assert hook_req.path == "/hook" and wh.verify("k1", hook_req.body, hook_req.headers)
    assert hook_req.json()["kind"] == "report" and hook_req.json()["period"] == "2026-11-21"
    assert _inbox(ws) == ["leader", "office", "analyst"]  # the inbox is told as before
    with ws.db.read() as s:
        log = sent_log(s)
        audited = s.execute(select(AuditEntry.detail).where(AuditEntry.action == "report.deliver")).scalars().all()
    assert sorted((d.channel, d.status_label, d.attempts) for d in log) == [("办公室邮箱", "已发送", 1),
                                                                           ("市平台", "已发送", 1)]
    assert all(d.link == "/reports/daily/2026-11-21" for d in log)
    assert [sorted(a["channels"]) for a in audited] == [["办公室邮箱", "市平台"]]


def test_a_failed_send_is_retried_and_the_inbox_is_told_anyway(day_ws: Workspace) -> None:
    ws = day_ws
    ws.settings.report_mail_formats = ""
    ws.settings.smtp_host, ws.settings.smtp_port = "127.0.0.1", free_port()  # the mail server is down
    with ws.db.write() as s:
        factories.alert_channel(s, "email", "office@district.example", name="办公室邮箱")
    with frozen(_at(21, 16, 31)):
        assert daily(ws)["delivered"] == {"retrying": 1}
    assert _inbox(ws) == ["leader", "office", "analyst"]
    with ws.db.read() as s:
        (row,) = sent_log(s)
    assert row.status_label == "发送失败，等待重试" and "无法连接邮件服务器" in row.last_error
    with frozen(_at(21, 16, 31, 40)):  # before the backoff: nothing
        assert "delivered" not in daily(ws)
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        with frozen(_at(21, 16, 33)):
            assert daily(ws)["delivered"] == {"sent": 1}
        with frozen(_at(21, 17, 0)):
            assert "delivered" not in daily(ws)
    assert len(box.messages) == 1
    with ws.db.read() as s:
        (row,) = sent_log(s)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_special_report_and_monthly_statistics_go_to_their_channels(desk: Desk) -> None:  # noqa: F811
    d = desk
    with http_recorder() as rec:
        with d.ws.db.write() as s:
            robot = factories.alert_channel(s, "wecom", f"{rec.url}/wecom", name="值班群")
            hook = factories.alert_channel(s, "webhook", f"{rec.url}/hook", name="市平台", secret="k2")
            inbox = factories.alert_channel(s, "inapp", "spokesperson", name="新闻发言人")
            robot_id, hook_id, inbox_id = robot.id, hook.id, inbox.id
        set_routes(d.ws, d.office, {("special", robot_id), ("special", inbox_id), ("monthly", hook_id)})
        with frozen(_at(25, 9, 0)):
            event_id = d.event("桃源镇暴雨内涝", grade="II")
            row = draft_special(d.ws, d.analyst, event_id)
            approve_special(d.ws, d.leader, row.id, version=1)
            sent, counts = deliver_special(d.ws, d.office, row.id)
        assert sent.status == "sent" and counts == {"sent": 2}
        with frozen(datetime(2026, 12, 1, 1, 0, tzinfo=CHINA)):
            periodic(d.ws)
            periodic(d.ws)  # hourly: the month and quarter are done, nothing goes out again
    wecom, hook_req = rec.requests
    content = wecom.json()["markdown"]["content"]
    assert content.startswith("### 舆情专报：桃源镇暴雨内涝") and "> 等级：**" in content and "第 1 版" in content
    data = hook_req.json()
    assert data["report_type"] == "monthly" and data["title"] == "2026年11月网络舆情处置月统计"
    assert {x["name"] for x in data["summary"]} >= {"收到交办", "按期签收率", "逾期案件"}
    with d.ws.db.read() as s:
        note = s.execute(select(Notification).where(Notification.audience == "spokesperson")).scalar_one()
        log = sent_log(s)
    assert note.kind == "report.special" and note.title == "舆情专报：桃源镇暴雨内涝"
    assert note.link == f"/reports/special/{row.id}?version=1"  # the spokesperson reads the report in full
    assert sorted((x.kind_label, x.channel, x.status) for x in log) == [
        ("月统计", "市平台", "sent"), ("舆情专报与重要信息", "值班群", "sent"), ("舆情专报与重要信息", "新闻发言人", "sent")]


@pytest.mark.skipif(soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (libreoffice-writer) and pdftotext (poppler-utils) make and read the PDF")
@pytest.mark.skipif(bool(PG_URL), reason="the PDF does not depend on the database: ~5 s, once per CI run (SQLite)")
def test_the_mail_carries_the_docx_and_the_pdf_with_chinese_text(day_ws: Workspace, tmp_path: Path) -> None:
    ws = day_ws  # report_mail_formats left at its default: docx,pdf
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        with ws.db.write() as s:
            factories.alert_channel(s, "email", "leader@district.example", name="区领导邮箱")
        with frozen(_at(21, 16, 31)):
            assert daily(ws)["delivered"] == {"sent": 1}
    files = {a.get_filename(): a.get_content() for a in box.messages[0][2].iter_attachments()}  # type: ignore[attr-defined]
    assert sorted(files) == ["网络舆情日报告表_2026-11-21.docx", "网络舆情日报告表_2026-11-21.pdf"]
    pdf = tmp_path / "daily.pdf"
    pdf.write_bytes(files["网络舆情日报告表_2026-11-21.pdf"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "网络舆情日报告表" in text and "一、总体情况" in text


def test_a_claim_left_by_a_runner_that_died_is_sent_once_after_its_lease(day_ws: Workspace) -> None:
    from datetime import date

    from yuqing.reports.deliver import REPORT_OUTBOX
    from yuqing.reports.store import generate_daily

    ws = day_ws
    ws.settings.report_mail_formats = ""
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        with ws.db.write() as s:
            factories.alert_channel(s, "email", "office@district.example", name="办公室邮箱")
        with frozen(_at(21, 16, 31)):
            generate_daily(ws, Actor(None, "系统任务", "jobs"), date(2026, 11, 21), notify=True)
            assert len(REPORT_OUTBOX.claim(ws, "runner-a", _at(21, 16, 31))) == 1  # then runner a dies mid-send
            assert REPORT_OUTBOX.claim(ws, "runner-b", _at(21, 16, 31)) == []  # the claim holds: nobody sends twice
            assert daily(ws) == {"generated": False, "reason": "done", "day": "2026-11-21"}
        with frozen(_at(21, 16, 34)):  # the lease (2 minutes) is over: the next run takes it over
            assert daily(ws)["delivered"] == {"sent": 1}
            assert "delivered" not in daily(ws)
    assert len(box.messages) == 1


def test_a_report_that_cannot_be_read_is_a_failed_send_not_a_failed_job(ws: Workspace) -> None:
    from yuqing.reports.deliver import send_due

    with ws.db.write() as s:
        broken = factories.report(s, "2025-10", kind="monthly", figures={"title": "缺了数字的月统计"})
        channel = factories.alert_channel(s, "inapp", "office", name="办公室")
        factories.report_delivery(s, broken, channel, status="queued", next_attempt_at=_at(21, 16, 0))
        gone = factories.report(s, "2025-09", kind="monthly")
        factories.report_delivery(s, gone, channel, status="queued", next_attempt_at=_at(21, 16, 0))
        s.delete(gone)
    with frozen(_at(21, 16, 31)):
        assert send_due(ws) == {"retrying": 2}
    with ws.db.read() as s:
        errors = sorted(d.last_error for d in sent_log(s))
    assert errors == ["报告已不存在", "生成报告消息时程序出错（KeyError）"]


def test_a_yearly_assessment_announced_goes_to_no_channel(ws: Workspace) -> None:
    from yuqing.reports.store import generate_period

    with ws.db.write() as s:
        factories.alert_channel(s, "email", "office@district.example", name="办公室邮箱")
    with frozen(_at(21, 16, 31)):
        generate_period(ws, Actor(None, "监测员李", "analyst"), "yearly", "2025", notify=True)  # the inbox is told
    assert _inbox(ws, "report.periodic") == ["leader", "office", "analyst"]
    with ws.db.read() as s:
        assert sent_log(s) == []


def test_the_office_sends_a_special_report_on_its_page_and_sees_where_it_went(desk: Desk) -> None:  # noqa: F811
    from fastapi.testclient import TestClient

    from tests.web.conftest import login
    from yuqing.web.app import create_app

    d = desk
    with http_recorder() as rec:
        with d.ws.db.write() as s:
            robot = factories.alert_channel(s, "wecom", f"{rec.url}/wecom", name="值班群")
            dead = factories.alert_channel(s, "webhook", f"http://127.0.0.1:{free_port()}/x", name="市平台", secret="k")
            routes = {("special", robot.id), ("special", dead.id)}
        set_routes(d.ws, d.office, routes)
        event_id = d.event("桃源镇暴雨内涝", grade="II")
        row = draft_special(d.ws, d.analyst, event_id)
        approve_special(d.ws, d.leader, row.id, version=1)
        with TestClient(create_app(d.ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
            token = login(client, "office")
            page = client.get(f"/reports/special/{row.id}").text
            assert "并通过渠道发送：值班群、市平台" in page
            r = client.post(f"/reports/special/{row.id}/send", data={"csrf_token": token}, follow_redirects=True)
    assert "已报送 2 个接收方；另通过 2 个渠道发送，其中 1 个未成功，将自动重试（见发送记录）" in r.text
    assert "发送记录" in r.text and "已发送" in r.text and "发送失败，等待重试" in r.text
    assert len(rec.requests) == 1
