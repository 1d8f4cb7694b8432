"""值班表 page: the roster and who is on duty now, import with bad rows listed by line (good ones kept), a shift
form that keeps what was typed after an error, hand-over notes, and the signed link that acknowledges a paged
alert without logging in (nothing happens on opening it; single use)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.alert.test_duty import _roster, _rule_and_event, at, xlsx
from tests.web.conftest import login
from yuqing.alert import duty
from yuqing.alert.run import run_alerts
from yuqing.clock import frozen
from yuqing.store.tables_alert import AlertDelivery, DutyPage
from yuqing.workspace import Workspace


def _csrf(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m
    return m.group(1)


def test_the_roster_page_imports_adds_and_keeps_typed_input(ws: Workspace, app_client: TestClient) -> None:
    _roster(ws)
    with frozen(at(10)):
        login(app_client, "office1")
        page = app_client.get("/duty")
        assert page.status_code == 200
        assert "当前值班" in page.text and "宋佳" in page.text and "→ 领导小组办公室" in page.text
        assert "正在值班" in page.text and 'href="/duty"' in page.text
        token = _csrf(page.text)
        data = xlsx([["开始时间", "结束时间", "值班人员"], ["2026-12-01 08:30", "2026-12-01 17:30", "宋佳"],
                     ["2026-12-01 17:30", "2026-12-02 08:30", "查无此人"]])
        r = app_client.post("/duty/import", data={"csrf_token": token},
                            files={"file": ("值班表.xlsx", data, "application/octet-stream")})
        assert r.status_code == 200 and "已导入 1 个班次" in r.text and "第 3 行" in r.text and "查无此人" in r.text
        r = app_client.post("/duty/shifts", data={"csrf_token": token, "person": "penglei", "starts": "明天",
                                                   "ends": "2026-12-03T08:30", "level": "2", "note": "周三带班"})
        assert r.status_code == 400 and "开始时间应写成" in r.text
        assert 'value="2026-12-03T08:30"' in r.text and 'value="周三带班"' in r.text and \
            re.search(r'value="penglei" selected', r.text) and re.search(r'value="2" selected', r.text)
        r = app_client.post("/duty/shifts", data={"csrf_token": token, "person": "penglei",
                                                   "starts": "2026-12-02T17:30", "ends": "2026-12-03T08:30",
                                                   "level": "1", "kind": "regular"}, follow_redirects=True)
        assert r.status_code == 200 and "已添加班次" in r.text
        visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", r.text, flags=re.S))
        for code in ("regular", "emergency", "None"):
            assert code not in visible


def test_hand_over_note_and_roles(ws: Workspace, app_client: TestClient) -> None:
    people = _roster(ws)
    with ws.db.write() as s:
        factories.user(s, "handler1", "unit_handler")
    with frozen(at(10)):
        login(app_client, "songjia")
        page = app_client.get("/duty")
        assert "填写交接班记录" in page.text and "导入值班表" not in page.text
        shift = re.search(r'action="/duty/shifts/(\d+)/handover"', page.text)
        assert shift
        r = app_client.post(f"/duty/shifts/{shift.group(1)}/handover",
                            data={"csrf_token": _csrf(page.text), "text": "西关路积水，夜班请留意"}, follow_redirects=True)
        assert "已保存交接班记录" in r.text and "西关路积水，夜班请留意" in r.text
        app_client.cookies.clear()
        login(app_client, "handler1")
        assert app_client.get("/duty").status_code == 403
    assert people


def test_the_signed_link_shows_a_button_and_acknowledges_once(ws: Workspace, app_client: TestClient) -> None:
    _roster(ws)
    _rule_and_event(ws, at(10))
    with frozen(at(10, 1)):
        run_alerts(ws)
    with ws.db.read() as s:
        page = s.execute(select(DutyPage)).scalar_one()
    link = duty.ack_link(ws, page.id, page.paged_at)
    with frozen(at(10, 5)):
        shown = app_client.get(link)
        assert shown.status_code == 200 and "确认收到" in shown.text and "西关路暴雨内涝" in shown.text
        with ws.db.read() as s:
            assert s.execute(select(AlertDelivery.acknowledged_at)).scalar_one() is None  # opening is not acknowledging
        done = app_client.post(link, data={"confirm": "yes"})
        assert done.status_code == 200 and "已确认收到" in done.text
        again = app_client.post(link, data={"confirm": "yes"})
        assert "此前已确认" in again.text
        forged = app_client.get(link[:-3] + "abc")
        assert forged.status_code == 400 and "无效" in forged.text
    with frozen(at(10, 1) + timedelta(days=2)):
        assert "过期" in app_client.get(link).text
    with ws.db.read() as s:
        assert s.execute(select(AlertDelivery.acknowledged_at)).scalar_one() == at(10, 5)


def test_acknowledging_from_the_inbox_link(ws: Workspace, app_client: TestClient) -> None:
    _roster(ws)
    _rule_and_event(ws, at(10))
    with frozen(at(10, 1)):
        run_alerts(ws)
    with frozen(at(10, 4)):
        login(app_client, "songjia")
        inbox = app_client.get("/notifications")
        assert "值班预警，请确认" in inbox.text
        note = re.search(r'href="(/notifications/\d+)"', inbox.text)
        assert note
        detail = app_client.get(note.group(1))  # opening the notification goes to the page with the button
        with ws.db.read() as s:
            page_id = s.execute(select(DutyPage.id)).scalar_one()
        assert str(detail.url).endswith(f"/duty/pages/{page_id}")
        assert detail.status_code == 200 and "待确认" in detail.text
        r = app_client.post(f"/duty/pages/{page_id}/ack", data={"csrf_token": _csrf(detail.text)},
                            follow_redirects=True)
        assert "已确认收到" in r.text and "已确认" in r.text
    with ws.db.write() as s:
        factories.user(s, "town1", "unit_handler", factories.unit(s, "青石镇"))
    app_client.cookies.clear()
    login(app_client, "town1")  # a unit's handler neither reads the roster nor was paged: no alert by its number
    assert app_client.get("/duty").status_code == 403 and app_client.get(f"/duty/pages/{page_id}").status_code == 404
