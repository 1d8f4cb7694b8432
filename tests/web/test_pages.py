from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.workspace import Workspace


def test_dashboard_feed_and_item_page_in_chinese(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
        it = factories.item(s, "青石镇锦江华府项目拖欠农民工工资", title="欠薪求助", url="https://example.invalid/1",
                            raw_sha256="ab" * 32)
        factories.item(s, "滨江夜市噪音扰民")
    login(app_client, "liming")
    assert "舆情总览" in app_client.get("/").text
    feed = app_client.get("/items", params={"q": "工资"})
    results = feed.text.split('id="feed-results"')[1]
    assert "欠薪求助" in results and "滨江夜市" not in results and "共 1 条" in results
    page = app_client.get(f"/items/{it.id}")
    assert "证据" in page.text and it.content_hash in page.text and "ab" * 32 in page.text
    assert app_client.get("/items/999999").status_code == 404


def test_htmx_search_returns_only_the_results(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
        factories.item(s, "河口镇暴雨内涝")
    login(app_client, "liming")
    r = app_client.get("/items", params={"q": "内涝"}, headers={"hx-request": "true", "hx-target": "feed-results"})
    assert "河口镇暴雨内涝" in r.text and "<html" not in r.text


def test_collected_html_is_escaped_and_snapshot_sanitised(ws: Workspace, app_client: TestClient) -> None:
    import zlib

    with ws.db.write() as s:
        factories.user(s, "liming")
        raw = b"<p onclick='steal()'>\xe6\xad\xa3\xe6\x96\x87</p><script>alert(1)</script><img src=x onerror=alert(2)>"
        it = factories.item(s, "<script>alert('x')</script>正文", title="<img src=x onerror=alert(1)>",
                            raw_snapshot=zlib.compress(raw))
    login(app_client, "liming")
    page = app_client.get(f"/items/{it.id}").text
    assert "<script>alert('x')" not in page and "&lt;script&gt;" in page
    snap = app_client.get(f"/items/{it.id}/snapshot")
    assert "正文" in snap.text
    assert "<script" not in snap.text and "onclick" not in snap.text and "onerror" not in snap.text
    assert "default-src 'none'" in snap.headers["content-security-policy"]


def test_unit_user_gets_404_on_another_units_case_and_403_on_the_feed(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        other_unit = factories.unit(s, "滨江街道", "street")
        mine = factories.case(s, "欠薪", units=[town])
        other = factories.case(s, "夜市噪音", units=[other_unit])
        factories.user(s, "qingshi", role="unit_handler", unit=town)
    login(app_client, "qingshi")
    assert "欠薪" in app_client.get(f"/cases/{mine.id}").text
    listing = app_client.get("/cases").text
    assert "欠薪" in listing and "夜市噪音" not in listing
    assert app_client.get(f"/cases/{other.id}").status_code == 404
    assert app_client.get("/items").status_code == 403


def test_admin_creates_units_and_users_through_forms(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "root", role="admin")
    csrf = login(app_client, "root")
    r = app_client.post("/admin/units", data={"name": "青石镇", "kind": "town", "place": "青石镇", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    r = app_client.post("/admin/units", data={"name": "青石镇", "kind": "town", "csrf_token": csrf})
    assert r.status_code == 400 and "已存在" in r.text
    r = app_client.post("/admin/users", data={"username": "qs", "display_name": "刘洋", "password": "abcdefgh1",
                                              "role": "unit_handler", "unit": "青石镇", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    assert "刘洋" in app_client.get("/admin/users").text
    assert "unit.create" in app_client.get("/admin/audit").text


def test_non_admin_cannot_open_admin_pages(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming", role="analyst")
    login(app_client, "liming")
    assert app_client.get("/admin/units").status_code == 403
    assert app_client.get("/admin/users").status_code == 403


def test_feed_export_is_watermarked_and_audited(ws: Workspace, app_client: TestClient) -> None:
    import io

    from openpyxl import load_workbook

    with ws.db.write() as s:
        factories.user(s, "liming", display_name="李明")
        factories.item(s, "青石镇锦江华府项目拖欠农民工工资", title="欠薪求助")
        factories.item(s, "滨江夜市噪音扰民")
    login(app_client, "liming")
    r = app_client.get("/items/export.xlsx", params={"q": "工资"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    assert "导出人：李明" in str(sheet["A1"].value)
    assert "导出人：李明" in sheet.oddHeader.center.text
    assert [c.value for c in sheet[2]][:5] == ["编号", "来源", "发布时间", "采集时间", "标题"]
    assert sheet.max_row == 3 and sheet["E3"].value == "欠薪求助"
    from sqlalchemy import select

    from yuqing.store.tables import AuditEntry

    with ws.db.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "export.items")).scalar_one()
    assert entry.actor_name == "李明" and entry.detail["rows"] == 1


def test_dashboard_shows_hot_events_and_source_health(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
        factories.event(s, "河口镇暴雨内涝", heat=88.0)
        factories.source(s, "示例论坛", kind="web", health="down")
    login(app_client, "liming")
    page = app_client.get("/").text
    assert "<title>总览 ·" in page and page.count("热点事件") == 1 and "class=\"\">" in page
    assert "河口镇暴雨内涝" in page and "故障" in page


def test_refusals_below_the_routes_answer_403(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "stray", role="unit_handler")  # a handler whose unit was never set: sees no case
    login(app_client, "stray")
    page = app_client.get("/cases/workbench")
    assert page.status_code == 403 and "无权访问" in page.text
    api = app_client.get("/api/cases/todos", headers={"accept": "application/json"})
    assert api.status_code == 403
