"""预警设置: channel and rule editors on the web (create, edit, disable; typed input kept on error; a
confirmation on success; every change audited), the channel test message through the real adapter, and the
alert centre's filters (已触发/已确认/已升级/已静默)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.alert.servers import http_recorder
from tests.factories import ADMIN
from tests.servers import free_port
from tests.web.conftest import login
from yuqing.alert.admin import add_silence
from yuqing.alert.run import run_alerts
from yuqing.clock import utcnow
from yuqing.store.tables import AuditEntry
from yuqing.store.tables_alert import AlertChannel, AlertDelivery, AlertRule, AlertRuleChannel
from yuqing.workspace import Workspace


def _audits(ws: Workspace, action: str) -> list[AuditEntry]:
    with ws.db.read() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_a_channel_is_added_tested_edited_and_disabled_on_the_web(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
    token = login(app_client, "office1")
    page = app_client.get("/alerts/channels/new")
    assert page.status_code == 200 and "新增预警渠道" in page.text and "企业微信群机器人" in page.text
    assert 'selected>' not in page.text.split('name="kind"')[1].split("</select>")[0]  # no kind chosen for you
    bad = app_client.post("/alerts/channels", data={"csrf_token": token, "kind": "email", "name": "值班室邮箱",
                                                    "target": "不是邮箱", "secret": "S3CRET"})
    assert bad.status_code == 400 and 'role="alert"' in bad.text
    assert 'value="值班室邮箱"' in bad.text and 'value="不是邮箱"' in bad.text and "S3CRET" not in bad.text
    with http_recorder() as robot:
        r = app_client.post("/alerts/channels", data={"csrf_token": token, "kind": "wecom", "name": "值班群",
                                                      "target": f"{robot.url}/cgi-bin/webhook/send?key=K"},
                            follow_redirects=True)
        assert r.status_code == 200 and "已添加预警渠道“值班群”" in r.text and "发送测试消息" in r.text
        with ws.db.read() as s:
            channel = s.execute(select(AlertChannel).where(AlertChannel.name == "值班群")).scalar_one()
        r = app_client.post(f"/alerts/channels/{channel.id}/test", data={"csrf_token": token}, follow_redirects=True)
        assert "测试消息已发出" in r.text
        [request] = robot.requests
        assert "测试消息" in request.json()["markdown"]["content"]
    dead = f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=K"
    r = app_client.post(f"/alerts/channels/{channel.id}", data={"csrf_token": token, "target": dead, "active": "1"},
                        follow_redirects=True)
    assert "已保存预警渠道“值班群”" in r.text
    r = app_client.post(f"/alerts/channels/{channel.id}/test", data={"csrf_token": token}, follow_redirects=True)
    assert "测试消息发送失败：" in r.text
    r = app_client.post(f"/alerts/channels/{channel.id}", data={"csrf_token": token, "target": dead, "active": "0"},
                        follow_redirects=True)
    with ws.db.read() as s:
        assert s.get(AlertChannel, channel.id).active is False  # type: ignore[union-attr]
        assert s.execute(select(AlertDelivery)).first() is None  # a test message is no alert
    tests = _audits(ws, "alert.channel_test")
    assert [t.detail["delivered"] for t in tests] == [True, False]
    assert len(_audits(ws, "alert.channel_add")) == 1 and len(_audits(ws, "alert.channel_update")) == 2



def test_an_inapp_channel_is_set_by_role_name_or_person_never_by_code(ws: Workspace, app_client: TestClient) -> None:
    """站内通知: the editor asks for a role's name or a person (username or name), shows them back as such and
    stores the role code or user:USERNAME the senders read; a name that is neither is refused, kept as typed."""
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "zhiban_song", "analyst", display_name="值班员 宋佳")
    token = login(app_client, "office1")
    assert "角色代码" not in app_client.get("/alerts/channels/new").text
    bad = app_client.post("/alerts/channels", data={"csrf_token": token, "kind": "inapp", "name": "值班站内",
                                                    "target": "张三"})
    assert bad.status_code == 400 and "站内通知的目标“张三”既不是角色名称" in bad.text and 'value="张三"' in bad.text
    assert "office" not in bad.text.split('role="alert"')[1].split("</p>")[0]
    for name, target, shown in (("办公室站内", "领导小组办公室", "领导小组办公室"),
                                ("宋佳站内", "值班员 宋佳", "zhiban_song")):
        r = app_client.post("/alerts/channels", data={"csrf_token": token, "kind": "inapp", "name": name,
                                                      "target": target}, follow_redirects=True)
        assert r.status_code == 200 and f"已添加预警渠道“{name}”" in r.text and f'value="{shown}"' in r.text
    with ws.db.read() as s:
        stored = dict(s.execute(select(AlertChannel.name, AlertChannel.target)).all())
    assert stored == {"办公室站内": "office", "宋佳站内": "user:zhiban_song"}


def test_a_rule_is_added_and_edited_keeping_typed_input_on_error(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        ch = factories.alert_channel(s, "inapp", "office", name="办公室站内")
    token = login(app_client, "office1")
    page = app_client.get("/alerts/rules/new")
    assert page.status_code == 200 and "重大（II级）及以上" in page.text and "应急/灾害" in page.text
    assert " checked" not in page.text  # nothing ticked for you
    form = {"csrf_token": token, "name": "河口镇应急", "min_grade": "III", "topic": "emergency", "place": "河口镇"}
    bad = app_client.post("/alerts/rules", data=form)  # sent nowhere
    assert bad.status_code == 400 and "至少要发往" in bad.text
    assert 'value="河口镇应急"' in bad.text and 'value="河口镇"' in bad.text and 'value="emergency" selected' in bad.text
    r = app_client.post("/alerts/rules", data={**form, "channel": str(ch.id), "early_warning": "1"},
                        follow_redirects=True)
    assert r.status_code == 200 and "已添加预警规则“河口镇应急”" in r.text
    with ws.db.read() as s:
        rule = s.execute(select(AlertRule).where(AlertRule.name == "河口镇应急")).scalar_one()
    assert (rule.min_grade, rule.topic, rule.place, rule.early_warning, rule.to_duty) == \
        ("III", "应急/灾害", "河口镇", True, False)
    page = app_client.get(f"/alerts/rules/{rule.id}").text
    assert 'value="emergency" selected' in page and 'name="early_warning" value="1" checked' in page
    r = app_client.post(f"/alerts/rules/{rule.id}", data={**form, "min_grade": "II", "role": "leader",
                                                         "active": "0"}, follow_redirects=True)
    assert "已保存预警规则“河口镇应急”" in r.text
    with ws.db.read() as s:
        rule = s.get(AlertRule, rule.id)  # type: ignore[assignment]
        links = list(s.execute(select(AlertRuleChannel).where(AlertRuleChannel.rule_id == rule.id)).scalars())
    assert (rule.min_grade, rule.roles, rule.active, rule.early_warning, links) == ("II", ["leader"], False, False, [])
    assert [a.detail["active"] for a in _audits(ws, "alert.rule_edit")] == [False]
    centre = app_client.get("/alerts").text
    assert "（已停用）" in centre and f'href="/alerts/rules/{rule.id}"' in centre


def test_the_centre_filters_fired_acknowledged_escalated_and_silenced(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        ch = factories.alert_channel(s, "inapp", "office", name="办公室站内")
        quiet = factories.alert_channel(s, "inapp", "leader", name="区领导站内")
        factories.alert_rule(s, "II", [ch], name="重大及以上")
        factories.alert_rule(s, "II", [quiet], name="重大发区领导")
        factories.event(s, "西关路暴雨内涝", grade="II", last_seen_at=utcnow())
    add_silence(ws, ADMIN, utcnow() + timedelta(hours=2), "领导外出", channel_id=quiet.id)
    run_alerts(ws)
    login(app_client, "office1")
    fired = app_client.get("/alerts").text
    assert "西关路暴雨内涝" in fired and "已触发" in fired and "已静默" in fired
    assert "西关路暴雨内涝" not in app_client.get("/alerts?show=acknowledged").text.split('id="sent"')[1] \
        .split("</section>")[0]
    assert "没有已升级的预警" in app_client.get("/alerts?show=escalated").text
    silenced = app_client.get("/alerts?show=silenced").text.split('id="sent"')[1].split("</section>")[0]
    assert "西关路暴雨内涝" in silenced and "区领导站内" in silenced and "静默结束后发送" in silenced
    assert app_client.get("/alerts?show=bogus").status_code == 200


def test_an_empty_editor_names_every_missing_field_and_keeps_what_was_typed(ws: Workspace,
                                                                            app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
    token = login(app_client, "office1")
    r = app_client.post("/alerts/channels", data={"csrf_token": token, "kind": "", "name": "", "target": ""})
    assert r.status_code == 400 and "请填写：渠道类型、名称、目标" in r.text
    r = app_client.post("/alerts/channels", data={"csrf_token": token, "kind": "email", "name": "值班室", "target": ""})
    assert r.status_code == 400 and "请填写：目标" in r.text and 'value="值班室"' in r.text
    r = app_client.post("/alerts/rules", data={"csrf_token": token, "name": "", "min_grade": "", "keyword": "内涝"})
    assert r.status_code == 400 and "请填写：规则名称、最低等级、发往（至少要发往一个渠道、角色或值班人员）" in r.text
    assert 'value="内涝"' in r.text
    with ws.db.read() as s:
        assert s.execute(select(AlertRule)).first() is None and s.execute(select(AlertChannel)).first() is None
