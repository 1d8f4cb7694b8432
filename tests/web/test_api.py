from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.workspace import Workspace

JSON = {"accept": "application/json"}


def test_openapi_lists_the_api(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    assert "/api/items" in spec["paths"] and "/api/cases/{case_id}" in spec["paths"]
    assert app_client.get("/docs").status_code == 200


def test_items_search_over_the_api(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming")
        factories.item(s, "河口镇暴雨内涝，渡口村进水")
        factories.item(s, "桃源湿地公园开放")
    login(app_client, "liming")
    body = app_client.get("/api/items", params={"q": "内涝"}, headers=JSON).json()
    assert body["total"] == 1 and body["items"][0]["text"].startswith("河口镇")
    assert app_client.get("/api/stats/counts", headers=JSON).json()["total"] == 2
    daily = app_client.get("/api/stats/daily", params={"days": 7}, headers=JSON).json()
    assert len(daily["labels"]) == 7 and sum(daily["series"]["unknown"]) == 2


def test_unit_user_gets_404_on_another_units_case_via_api(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        mine = factories.case(s, "欠薪", units=[town])
        other = factories.case(s, "夜市噪音", units=[factories.unit(s, "滨江街道", "street")])
        factories.user(s, "qingshi", role="unit_handler", unit=town)
    login(app_client, "qingshi")
    assert [c["id"] for c in app_client.get("/api/cases", headers=JSON).json()] == [mine.id]
    assert app_client.get(f"/api/cases/{mine.id}", headers=JSON).status_code == 200
    assert app_client.get(f"/api/cases/{other.id}", headers=JSON).status_code == 404
    assert app_client.get("/api/items", headers=JSON).status_code == 403


def test_admin_creates_a_unit_over_the_api_with_csrf(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "root", role="admin")
    csrf = login(app_client, "root")
    r = app_client.post("/api/units", json={"name": "水务局"}, headers={**JSON, "x-csrf-token": csrf})
    assert r.status_code == 201 and r.json()["name"] == "水务局"
    r = app_client.post("/api/users", json={"username": "x", "display_name": "某", "password": "short", "role": "admin"},
                        headers={**JSON, "x-csrf-token": csrf})
    assert r.status_code == 422
