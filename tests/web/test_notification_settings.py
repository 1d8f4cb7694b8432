"""通知设置: each person chooses, per kind of notification, the inbox only or also e-mail; `alerts run` e-mails
what they chose, once each (aiosmtpd), to members of the notification's audience only; the choice is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.alert.servers import smtp_server
from tests.web.conftest import login
from yuqing.alert.notify_email import email_due
from yuqing.alert.run import run_alerts
from yuqing.store.repositories.notifications import notify
from yuqing.store.tables import AuditEntry
from yuqing.store.tables_alert import NotificationEmail
from yuqing.workspace import Workspace


def test_a_person_chooses_e_mail_for_some_kinds_and_gets_each_once(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        me = factories.user(s, "office1", "office", email="office1@district.example")
        factories.user(s, "office2", "office", email="office2@district.example")  # keeps the default
        factories.user(s, "analyst1", "analyst", email="analyst1@district.example")
        me_id = me.id
    token = login(app_client, "office1")
    page = app_client.get("/settings/notifications")
    assert page.status_code == 200 and "舆情预警" in page.text and "站内和邮件" in page.text
    assert 'value="email" checked' not in page.text  # inbox only unless chosen
    assert "通知设置" in app_client.get("/notifications").text
    r = app_client.post("/settings/notifications", data={"csrf_token": token, "k.alert.fired": "email",
                                                         "k.case.overdue": "email", "k.report.daily": "inbox"},
                        follow_redirects=True)
    assert "已保存通知设置（2 项有变化）" in r.text and r.text.count('value="email" checked') == 2
    with ws.db.write() as s:
        notify(s, "office", "alert.fired", "【重大（II级）舆情预警】河口镇内涝", "信息条数：62")
        notify(s, "office", "report.daily", "网络舆情日报告表 11月30日")  # inbox only
        notify(s, "analyst", "alert.fired", "发给监测员的预警")  # not this person's audience
        notify(s, f"user:{me_id}", "case.overdue", "案件 #3 已超期")
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        assert run_alerts(ws) == {"emailed": 2}
        assert run_alerts(ws) == {} and email_due(ws) == 0  # once each
    assert sorted(str(m["Subject"]) for _, _, m in box.messages) == \
        ["【舆情平台】【重大（II级）舆情预警】河口镇内涝", "【舆情平台】案件 #3 已超期"]
    assert {tuple(to) for _, to, _ in box.messages} == {("office1@district.example",)}
    with ws.db.read() as s:
        assert {r.status for r in s.execute(select(NotificationEmail)).scalars()} == {"sent"}
        [entry] = list(s.execute(select(AuditEntry).where(AuditEntry.action == "notification.prefs")).scalars())
    assert sorted(entry.detail["by_email"]) == ["舆情预警", "超期催办"]
    r = app_client.post("/settings/notifications", data={"csrf_token": token, "k.alert.fired": "email",
                                                         "k.case.overdue": "email"}, follow_redirects=True)
    assert "通知设置没有变化" in r.text
