"""通知设置: each person chooses, per kind of notification, the inbox only or also e-mail; `alerts run` e-mails
what they chose, once each (aiosmtpd), to members of the notification's audience only; the choice is audited."""

from __future__ import annotations

from datetime import datetime

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


def test_the_office_chooses_which_reports_go_to_which_channels(ws: Workspace, app_client: TestClient) -> None:
    from datetime import date

    from yuqing.clock import CHINA, frozen
    from yuqing.domain.roles import Actor
    from yuqing.reports.store import generate_daily

    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "analyst1", "analyst")
        mail = factories.alert_channel(s, "email", "office@district.example", name="办公室邮箱")
        robot = factories.alert_channel(s, "wecom", "http://127.0.0.1:9/robot", name="值班群")
        mail_id, robot_id = mail.id, robot.id
    token = login(app_client, "analyst1")
    page = app_client.get("/settings/notifications")
    assert "报告发送渠道" not in page.text  # the district's routes are the office's and the admin's
    assert app_client.post("/settings/report-channels", data={"csrf_token": token}).status_code == 403
    app_client.post("/logout", data={"csrf_token": token})
    token = login(app_client, "office1")
    page = app_client.get("/settings/notifications")
    assert "报告发送渠道（全区）" in page.text and "未调整时，日报发往所有电子邮件渠道" in page.text
    assert f'value="daily:{mail_id}" checked' in page.text and f'value="daily:{robot_id}" checked' not in page.text
    r = app_client.post("/settings/report-channels", follow_redirects=True, data={
        "csrf_token": token, "route": [f"daily:{robot_id}", f"special:{robot_id}", f"monthly:{mail_id}", "bogus:x"]})
    assert "已保存报告发送渠道：网络舆情日报告表不再发往“办公室邮箱”；网络舆情日报告表发往“值班群”" in r.text
    assert f'value="daily:{mail_id}" checked' not in r.text and f'value="special:{robot_id}" checked' in r.text
    r = app_client.post("/settings/report-channels", follow_redirects=True, data={
        "csrf_token": token, "route": [f"daily:{robot_id}", f"special:{robot_id}", f"monthly:{mail_id}"]})
    assert "报告发送渠道没有变化" in r.text
    assert '<p class="flash section-flash">报告发送渠道没有变化</p>' in r.text.split('id="report-channels"')[1]
    with ws.db.read() as s:
        [entry] = list(s.execute(select(AuditEntry).where(AuditEntry.action == "report.routes")).scalars())
    assert len(entry.detail["changes"]) == 4
    with frozen(datetime(2026, 11, 21, 16, 31, tzinfo=CHINA)):  # the report queued for the robot (down: retried)
        generate_daily(ws, Actor(None, "系统任务", "jobs"), date(2026, 11, 21), notify=True)
        from yuqing.reports.deliver import send_due

        assert send_due(ws) == {"retrying": 1}
    page = app_client.get("/reports")
    assert "报告发送记录" in page.text and "发送失败，等待重试" in page.text and "值班群" in page.text
    assert "无法连接 127.0.0.1:9" in page.text
    daily = app_client.get("/reports/daily/2026-11-21")
    assert "发送记录" in daily.text and "值班群" in daily.text
    centre = app_client.get("/alerts").text  # where the channels are managed, their report sends too
    assert "报告发送记录" in centre and "网络舆情日报告表（2026-11-21）" in centre


def test_the_office_chooses_which_publishing_findings_go_to_which_channels(ws: Workspace,
                                                                          app_client: TestClient) -> None:
    from yuqing.publish.deliver import send_due

    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "analyst1", "analyst")
        robot = factories.alert_channel(s, "wecom", "http://127.0.0.1:9/robot", name="网宣工作群")
        mail = factories.alert_channel(s, "email", "wxb@district.example", name="网宣办邮箱")
        portal = factories.channel(s, "区政府门户网站")
        robot_id, mail_id, portal_id = robot.id, mail.id, portal.id
    token = login(app_client, "analyst1")
    assert "发布监管提醒渠道" not in app_client.get("/settings/notifications").text
    assert app_client.post("/settings/publish-channels", data={"csrf_token": token}).status_code == 403
    app_client.post("/logout", data={"csrf_token": token})
    token = login(app_client, "office1")
    page = app_client.get("/settings/notifications")
    assert "发布监管提醒渠道（全区）" in page.text and "未勾选时不发往任何预警渠道" in page.text
    section = page.text.split('id="publish-channels"')[1].split("发送记录")[0]
    assert f'value="mismatch:{robot_id}"' in section and " checked" not in section  # none until the office chooses
    r = app_client.post("/settings/publish-channels", follow_redirects=True, data={
        "csrf_token": token, "route": [f"mismatch:{robot_id}", f"zombie:{robot_id}", f"overdue:{mail_id}", "bogus:1"]})
    assert "已保存发布监管提醒渠道：发布内容与签发稿不一致发往“网宣工作群”" in r.text
    # the save comes back at #publish-channels, far below the page's flash: the confirmation is in the section too
    section = r.text.split('id="publish-channels"')[1].split("发送记录")[0]
    assert '<p class="flash section-flash">已保存发布监管提醒渠道：' in section
    assert "section-flash" not in r.text.split('id="publish-channels"')[0]
    assert f'value="zombie:{robot_id}" checked' in r.text and f'value="overdue:{mail_id}" checked' in r.text
    r = app_client.post("/settings/publish-channels", follow_redirects=True, data={
        "csrf_token": token, "route": [f"mismatch:{robot_id}", f"zombie:{robot_id}", f"overdue:{mail_id}"]})
    assert "发布监管提醒渠道没有变化" in r.text
    with ws.db.read() as s:
        [entry] = list(s.execute(select(AuditEntry).where(AuditEntry.action == "publish.routes")).scalars())
    assert len(entry.detail["changes"]) == 3
    with ws.db.write() as s:  # a zombie finding queued for the robot, which is down: retried
        channel = s.get(factories.AlertChannel, robot_id)
        assert channel is not None
        factories.publish_delivery(s, portal, channel, title="僵尸账号：区政府门户网站（15 天未更新）")
    assert send_due(ws) == {"retrying": 1}
    page = app_client.get("/settings/notifications")
    assert "发送记录" in page.text and "僵尸账号：区政府门户网站（15 天未更新）" in page.text
    assert "发送失败，等待重试" in page.text and "无法连接 127.0.0.1:9" in page.text
    centre = app_client.get("/alerts").text  # where the channels are managed, the findings' sends too
    assert "发布监管提醒发送记录" in centre and "僵尸账号：区政府门户网站（15 天未更新）" in centre
    on_channel = app_client.get(f"/channels/{portal_id}").text
    assert "提醒发送记录" in on_channel and "网宣工作群" in on_channel and "发送失败，等待重试" in on_channel
