"""预警中心: admin and office see sent alerts and channel health in Chinese (no codes), acknowledge an alert;
other roles are refused."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.alert.servers import http_recorder
from tests.servers import free_port
from tests.web.conftest import login
from yuqing.alert.run import run_alerts
from yuqing.clock import frozen, utcnow
from yuqing.store.tables_alert import AlertDelivery
from yuqing.workspace import Workspace


def test_alert_centre_in_chinese_for_office_and_refused_to_others(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "analyst1", "analyst")
        ev = factories.event(s, "西关路暴雨内涝", grade="II")
    with http_recorder() as robot:
        with ws.db.write() as s:
            ok = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=SECRETKEY", name="值班群")
            dead = factories.alert_channel(s, "dingtalk", f"http://127.0.0.1:{free_port()}/robot/send?access_token=t",
                                           name="钉钉群")
            factories.alert_rule(s, "II", [ok, dead], name="重大及以上", place="桃源镇")
            factories.alert_rule(s, "II", [ok, dead], name="全部重大")
        now = utcnow()
        for i in range(3):  # the dead robot fails three times in a row: shown as 故障
            with frozen(now + timedelta(hours=i)):
                run_alerts(ws)
    from tests.factories import ADMIN
    from yuqing.alert.admin import add_silence

    add_silence(ws, ADMIN, utcnow() + timedelta(days=1), "钉钉机器人更换中", channel_id=dead.id)
    login(app_client, "office1")
    page = app_client.get("/alerts")
    assert page.status_code == 200
    text = page.text
    assert "预警中心" in text and "西关路暴雨内涝" in text and "重大（II级）" in text
    assert "已发送" in text and "发送失败，等待重试" in text and "故障：连续 3 次发送失败" in text
    assert "企业微信群机器人" in text and "钉钉群机器人" in text and "条件：地点：桃源镇" in text
    assert "无法连接" in text  # the reason, in words
    assert "生效中的静默" in text and "渠道“钉钉群”" in text and "钉钉机器人更换中" in text
    assert "SECRETKEY" not in text and "access_token" not in text  # robot keys never shown
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", text, flags=re.S))
    for code in ("retrying", "wecom", "dingtalk", "channel:", "sent "):
        assert code not in visible
    assert 'href="/alerts"' in text  # in the menu
    with ws.db.read() as s:
        sent = s.execute(select(AlertDelivery).where(AlertDelivery.status == "sent")).scalars().first()
    assert sent is not None and sent.event_id == ev.id
    token = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert token
    r = app_client.post(f"/alerts/{sent.id}/ack", data={"csrf_token": token.group(1)}, follow_redirects=True)
    assert r.status_code == 200 and "已确认收到" in r.text and "已确认" in r.text
    with ws.db.read() as s:
        assert s.get(AlertDelivery, sent.id).acknowledged_at is not None  # type: ignore[union-attr]
    app_client.cookies.clear()
    login(app_client, "analyst1")
    assert app_client.get("/alerts").status_code == 403
    assert 'href="/alerts"' not in app_client.get("/").text
