"""重点时段监测 page: the calendar of coming windows by month and the admin's form (typed input kept on error)."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.web.conftest import login
from yuqing.clock import CHINA, frozen
from yuqing.collect import sources
from yuqing.store.tables import Notification, User
from yuqing.workspace import Workspace

NOW = datetime(2027, 5, 20, 9, 0, tzinfo=CHINA)


def test_an_admin_plans_an_exam_window_and_the_analyst_sees_it(app_client: TestClient, ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", "admin")
        factories.user(s, "analyst1", "analyst")
        factories.user(s, "zhiban_song", "analyst", display_name="值班员 宋佳")
        factories.user(s, "unit1", "unit_handler", factories.unit(s, "教育局"))
        src = factories.source(s, "示例论坛", kind="rss", url="http://127.0.0.1:9/rss").id
    with frozen(NOW):
        token = login(app_client, "admin1")
        r = app_client.post("/windows", data={"csrf_token": token, "name": "2027年高考", "starts": "6月7日",
                                              "ends": "2027-06-09 00:00", "keywords": "高考，考场", "interval": "120",
                                              "source_ids": [str(src)]})
        assert r.status_code == 400 and "开始时间应写成" in r.text and "2027年高考" in r.text and "高考，考场" in r.text
        r = app_client.post("/windows", data={"csrf_token": token, "name": "2027年高考", "starts": "2027-06-07 00:00",
                                              "ends": "2027-06-09 00:00", "keywords": "高考，考场", "interval": "120",
                                              "duty": "宋佳，李四", "source_ids": [str(src)]})
        assert r.status_code == 400 and "值班安排：没有名为“李四”的在用账号" in r.text and 'value="宋佳，李四"' in r.text
        r = app_client.post("/windows", data={"csrf_token": token, "name": "2027年高考", "starts": "2027-06-07 00:00",
                                              "ends": "2027-06-09 00:00", "keywords": "高考，考场", "interval": "120",
                                              "duty": "宋佳", "source_ids": [str(src)]}, follow_redirects=False)
        assert r.status_code == 303
        page = app_client.get("/windows")
        assert "已计划重点时段监测" in page.text and "2027年6月" in page.text and "06-07 00:00 至 06-09 00:00" in page.text
        assert "示例论坛" in page.text and "高考、考场" in page.text and "未开始" in page.text
        assert "值班安排：值班员 宋佳 → 领导小组办公室" in page.text
        assert 'placeholder="如：宋佳，彭磊"' in page.text and "zhiban_" not in page.text  # names, not login codes
        app_client.cookies.clear()
        login(app_client, "analyst1")
        page = app_client.get("/windows")
        assert "2027年高考" in page.text and "计划一个监测时段" not in page.text
    with frozen(datetime(2027, 6, 8, 12, 0, tzinfo=CHINA)):  # a fortnight later (signed in again): it is on
        app_client.cookies.clear()
        login(app_client, "analyst1")
        assert "进行中" in app_client.get("/windows").text
        app_client.cookies.clear()
        token = login(app_client, "admin1")
        [window] = sources.windows_list(ws)
        r = app_client.post(f"/windows/{window['id']}/end", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303
        page = app_client.get("/windows").text
        assert "已提前结束该监测时段" in page and "<b>已提前结束</b>" in page[page.index('id="ended"'):]
        with ws.db.read() as s:
            song = s.execute(select(User.id).where(User.username == "zhiban_song")).scalar_one()
            told = s.execute(select(Notification.audience).where(Notification.kind == "collect.window")).scalars()
            assert sorted(told) == ["office", f"user:{song}"]
        app_client.cookies.clear()
        login(app_client, "unit1")
        assert app_client.get("/windows").status_code == 403
