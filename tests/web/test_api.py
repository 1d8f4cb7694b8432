from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests import factories
from tests.factories import ADMIN
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


def _push_source(ws: Workspace) -> tuple[int, str]:
    from yuqing.collect import sources
    from yuqing.collect.push import issue_push_token

    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线")
    return sid, issue_push_token(ws, ADMIN, sid)


def test_push_authenticates_before_parsing(ws: Workspace, app_client: TestClient) -> None:
    """Found by a probe: a wrong token with a poison item got 500 (validation ran first), not 401."""
    sid, token = _push_source(ws)
    poison = ('{"source_id": %SID%, "items": [{"id": "x", "text": "t", "likes": NaN, '
              '"published_at": "0001-01-01T00:00:00+23:59"}]}').replace("%SID%", str(sid))
    for auth in ("Bearer wrong", "", "Basic abc"):
        r = app_client.post("/api/items", content=poison, headers={**JSON, "content-type": "application/json",
                                                                      "authorization": auth})
        assert r.status_code == 401, r.text
    r = app_client.post("/api/items", content=b"{not json", headers={**JSON, "authorization": f"Bearer {token}",
                                                                      "content-type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["detail"]
    r = app_client.post("/api/items", content=poison, headers={**JSON, "authorization": f"Bearer {token}",
                                                                "content-type": "application/json"})
    assert r.status_code == 200 and len(r.json()["rejected"]) == 1


def test_push_body_size_is_limited(ws: Workspace, app_client: TestClient) -> None:
    """Found by a probe: a 50 MB body was read and parsed."""
    from yuqing.collect.push import MAX_BODY_BYTES

    sid, token = _push_source(ws)
    big = b'{"source_id": %d, "items": [{"id": "1", "text": "' % sid + b"x" * MAX_BODY_BYTES + b'"}]}'
    r = app_client.post("/api/items", content=big, headers={**JSON, "authorization": f"Bearer {token}",
                                                             "content-type": "application/json"})
    assert r.status_code == 413 and "MB" in r.json()["detail"]

    def chunks() -> object:  # no Content-Length: the limit is counted as the body streams in
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    r = app_client.post("/api/items", content=chunks(), headers={**JSON, "authorization": f"Bearer {token}",
                                                                  "content-type": "application/json"})
    assert r.status_code == 413


def test_push_with_a_non_json_content_type_is_a_clear_error(ws: Workspace, app_client: TestClient) -> None:
    sid, token = _push_source(ws)
    body = json.dumps({"source_id": sid, "items": [{"id": "1", "text": "t"}]})
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        r = app_client.post("/api/items", content=body, headers={**JSON, "authorization": f"Bearer {token}",
                                                                  "content-type": ctype})
        assert r.status_code == 415, (ctype, r.status_code, r.text)


def test_integers_beyond_64_bits_are_a_client_error(ws: Workspace, app_client: TestClient) -> None:
    """Found by schemathesis: integers above 2^63 in paths and queries answered 500."""
    with ws.db.write() as s:
        factories.user(s, "office1", role="office")
    login(app_client, "office1")
    huge = 2**64
    for url in (f"/api/items/{huge}", f"/api/cases/{huge}", f"/api/events/{huge}/charts", f"/api/items?offset={huge}"):
        r = app_client.get(url, headers=JSON)
        assert r.status_code == 422 and r.json()["detail"].startswith("数值超出范围"), (url, r.status_code)
    for url in (f"/items/{huge}", f"/cases/{huge}", f"/events/{huge}"):
        assert app_client.get(url).status_code == 422, url
