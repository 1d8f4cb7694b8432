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
    assert "新增地标" in app_client.get("/admin/audit").text


def test_analyst_cannot_edit_the_profile(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "liming", role="analyst")
    csrf = login(app_client, "liming")
    r = app_client.post("/admin/profile/landmarks", data={"name": "x", "parent": "城东街道", "csrf_token": csrf})
    assert r.status_code == 403


def test_admin_edits_and_removes_landmarks_and_aliases(ws: Workspace, app_client: TestClient) -> None:
    from yuqing.store.tables_case import ResponsibilityRule

    with ws.db.write() as s:
        factories.user(s, "root", role="admin")
        town = factories.unit(s, "城东街道", "street")
        s.add(ResponsibilityRule(kind="place", pattern="城东夜市", lead_unit_id=town.id))
    csrf = login(app_client, "root")
    for name in ("城东菜市场", "城东夜市"):
        app_client.post("/admin/profile/landmarks", data={"name": name, "parent": "城东街道", "aliases": "东门菜场",
                                                           "csrf_token": csrf})
    moved = app_client.post("/admin/profile/landmarks/change", data={
        "csrf_token": csrf, "op": "save", "name": "城东菜市场", "parent": "桃源镇", "aliases": "东门菜场，老菜场"})
    assert "已保存地标“城东菜市场”" in moved.text
    used = app_client.post("/admin/profile/landmarks/change", data={
        "csrf_token": csrf, "op": "delete", "name": "城东夜市", "confirm": "yes"})
    assert used.status_code == 400 and "交办规则" in used.text
    gone = app_client.post("/admin/profile/landmarks/change", data={
        "csrf_token": csrf, "op": "delete", "name": "城东菜市场", "confirm": "yes"})
    assert "已删除地标" in gone.text
    app_client.post("/admin/profile/aliases", data={"place": "桃源镇", "alias": "桃源", "csrf_token": csrf})
    removed = app_client.post("/admin/profile/aliases/remove", data={"place": "桃源镇", "alias": "桃源",
                                                                     "csrf_token": csrf})
    assert "已删除“桃源镇”的别名“桃源”" in removed.text
    too_long = app_client.post("/admin/profile/aliases", data={"place": "桃源镇", "alias": "桃" * 60, "csrf_token": csrf})
    assert too_long.status_code == 400 and "太长" in too_long.text and "桃" * 60 in too_long.text
    profile = ws.profile()
    assert profile is not None
    names = {p.name for p in profile.places}
    assert "城东菜市场" not in names and "城东夜市" in names
    assert "桃源" not in next(p for p in profile.places if p.name == "桃源镇").aliases
    audit_page = app_client.get("/admin/audit").text
    assert "修改地标" in audit_page and "删除地标" in audit_page and "删除别名" in audit_page
