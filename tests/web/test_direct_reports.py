"""The 舆情直报 page: a unit handler reports from a phone form; errors keep what was typed."""

from __future__ import annotations

import io
from datetime import datetime

from fastapi.testclient import TestClient
from PIL import Image

from tests import factories
from tests.web.conftest import login
from yuqing.clock import CHINA, frozen
from yuqing.store.tables import Item, Unit
from yuqing.store.tables_direct import DirectReport
from yuqing.workspace import Workspace

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=CHINA)


def _people(ws: Workspace) -> None:
    with ws.db.write() as s:
        unit = factories.unit(s, "区应急管理局")
        factories.user(s, "yj", "unit_handler", unit, display_name="应急局刘")
        factories.user(s, "office", "office", display_name="办公室王")
        factories.user(s, "leader", "leader", display_name="区领导")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def test_a_unit_reports_text_and_a_screenshot_and_sees_it_today(app_client: TestClient, ws: Workspace) -> None:
    _people(ws)
    with frozen(NOON):
        token = login(app_client, "yj")
        page = app_client.get("/direct-reports")
        assert page.status_code == 200 and "舆情直报" in page.text and "今天还没有报送" in page.text
        r = app_client.post("/direct-reports", data={"csrf_token": token, "text": "幸福路菜市场门口污水横流三天无人处理",
                                                     "note": "网友发帖", "urgency": "urgent"},
                            files=[("screenshots", ("shot.png", _png(), "image/png"))], follow_redirects=False)
        assert r.status_code == 303, r.text
        page = app_client.get("/direct-reports")
    assert "直报已提交" in page.text and "幸福路菜市场门口污水横流" in page.text and "紧急" in page.text
    assert "截图 1 张" in page.text
    with ws.db.read() as s:
        report = s.query(DirectReport).one()
        assert report.kind == "text" and len(report.files) == 1
        assert s.get(Item, report.item_id).reported_by_id is not None  # type: ignore[union-attr]


def test_an_error_names_the_field_and_keeps_what_was_typed(app_client: TestClient, ws: Workspace) -> None:
    _people(ws)
    token = login(app_client, "yj")
    r = app_client.post("/direct-reports", data={"csrf_token": token, "note": "路面塌陷，请关注", "urgency": "normal"},
                        files=[("screenshots", ("x.png", b"not an image", "image/png"))])
    assert r.status_code == 400
    assert "无法识别为图片" in r.text and "路面塌陷，请关注" in r.text
    r = app_client.post("/direct-reports", data={"csrf_token": token, "url": "ftp://x", "note": "看这个"})
    assert r.status_code == 400 and "http://" in r.text and "ftp://x" in r.text
    with ws.db.read() as s:
        assert s.query(DirectReport).count() == 0


def test_the_office_sees_every_unit_and_a_leader_may_not_report(app_client: TestClient, ws: Workspace) -> None:
    _people(ws)
    token = login(app_client, "yj")
    app_client.post("/direct-reports", data={"csrf_token": token, "text": "西关路路面塌陷一处，已围挡", "urgency": "normal"})
    app_client.post("/logout", data={"csrf_token": token})
    app_client.cookies.clear()
    login(app_client, "office")
    page = app_client.get("/direct-reports")
    assert "今日各单位直报" in page.text and "区应急管理局" in page.text and "西关路路面塌陷" in page.text
    app_client.cookies.clear()
    login(app_client, "leader")
    assert app_client.get("/direct-reports").status_code == 403


def test_the_office_sets_daily_units_and_a_unit_says_nothing_to_report(app_client: TestClient, ws: Workspace) -> None:
    _people(ws)
    with ws.db.read() as s:
        unit_id = s.query(Unit).filter(Unit.name == "区应急管理局").one().id
    token = login(app_client, "office")
    r = app_client.post("/direct-reports/duties", data={"csrf_token": token, "unit_id": str(unit_id), "cutoff": "半夜"})
    assert r.status_code == 400 and "时:分" in r.text and "半夜" in r.text
    r = app_client.post("/direct-reports/duties", data={"csrf_token": token, "unit_id": str(unit_id), "cutoff": ""},
                        follow_redirects=False)
    assert r.status_code == 303
    with frozen(datetime(2026, 11, 30, 17, 10, tzinfo=CHINA)):
        page = app_client.get("/direct-reports")
        assert "每日报送情况" in page.text and "区应急管理局" in page.text and "未报送" in page.text
        app_client.cookies.clear()
        token = login(app_client, "yj")
        page = app_client.get("/direct-reports")
        assert "今日报送（17:00 前）" in page.text and "截止时间已过" in page.text
        r = app_client.post("/direct-reports/nothing", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        page = app_client.get("/direct-reports")
    assert "已报送“今日无舆情”（已过今日截止时间，记为迟报）" in page.text and "迟报" in page.text
    assert "今日无舆情</button>" not in page.text
    app_client.cookies.clear()
    token = login(app_client, "office")
    r = app_client.post(f"/direct-reports/duties/{unit_id}/remove", data={"csrf_token": token})
    assert r.status_code == 400 and "未移出：请先勾选“确认”" in r.text and "区应急管理局" in r.text
    r = app_client.post(f"/direct-reports/duties/{unit_id}/remove", data={"csrf_token": token, "confirm": "yes"},
                        follow_redirects=True)
    assert "已移出每日报送名单" in r.text and "还没有设置每日报送的单位" in r.text
