from __future__ import annotations

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.workspace import Workspace


def test_admin_adds_a_landmark_alias_and_keywords(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "root", role="admin")
    csrf = login(app_client, "root")
    assert "城东街道" in app_client.get("/admin/profile").text
    r = app_client.post("/admin/profile/landmarks", data={"name": "城东菜市场", "parent": "城东街道",
                                                           "aliases": "东门菜场，城东市场", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    r = app_client.post("/admin/profile/landmarks", data={"name": "城东菜市场", "parent": "城东街道", "csrf_token": csrf})
    assert r.status_code == 400 and "已在档案中" in r.text
    app_client.post("/admin/profile/aliases", data={"place": "桃源镇", "alias": "桃源", "csrf_token": csrf})
    app_client.post("/admin/profile/keywords", data={"keywords": "示例区\n示例区政府，12345热线", "csrf_token": csrf})
    profile = ws.profile()
    assert profile is not None
    market = next(p for p in profile.places if p.name == "城东菜市场")
    assert market.level == "landmark" and market.parent == "城东街道" and market.aliases == ["东门菜场", "城东市场"]
    assert "桃源" in next(p for p in profile.places if p.name == "桃源镇").aliases
    assert profile.keywords == ["示例区", "示例区政府", "12345热线"]
    assert "profile.add_landmark" in app_client.get("/admin/audit").text


def test_analyst_cannot_edit_the_profile(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming", role="analyst")
    csrf = login(app_client, "liming")
    r = app_client.post("/admin/profile/landmarks", data={"name": "x", "parent": "城东街道", "csrf_token": csrf})
    assert r.status_code == 403
