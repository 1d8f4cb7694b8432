"""Case-desk pages and API: scoped by unit, only allowed actions offered, refusals answered with reasons."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.respond.conftest import Desk
from tests.web.conftest import login
from yuqing.domain import lifecycle as lc
from yuqing.respond import actions
from yuqing.store.tables import AuditEntry, Case
from yuqing.web.api import cases as api_cases
from yuqing.web.app import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def client(desk: Desk) -> Iterator[TestClient]:
    app = create_app(desk.ws)
    if not any(getattr(r, "path", "") == "/api/cases/board" for r in app.routes):
        # Before the core API's /api/cases/{case_id}, as ROUTERS will list it.
        app.router.routes[:0] = api_cases.router.routes
    with TestClient(app, base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        yield c


def test_board_workbench_and_unit_scoping(desk, client):
    cid = desk.case_to("assigned")
    login(client, "office")
    page = client.get("/cases")
    assert page.status_code == 200 and "已交办" in page.text and f"/cases/{cid}" in page.text
    client.cookies.clear()
    login(client, "other_h")
    assert client.get(f"/cases/{cid}").status_code == 404
    assert client.get("/api/cases/todos").json() == []
    client.cookies.clear()
    login(client, "town_h")
    work = client.get("/cases/workbench")
    assert "待签收" in work.text and "剩余" in work.text
    todos = client.get("/api/cases/todos").json()
    assert [t["id"] for t in todos] == [cid]


def test_case_page_offers_only_allowed_actions_and_refuses_others(desk, client):
    cid = desk.case_to("assigned")
    csrf = login(client, "town_h")
    page = client.get(f"/cases/{cid}")
    offered = set(re.findall(r'name="action" value="([a-z_]+)"', page.text))
    assert offered == {"sign", "return"}
    r = client.post(f"/cases/{cid}/act", data={"action": "close", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 409 and "不能执行" in r.text
    r = client.post(f"/cases/{cid}/act", data={"action": "sign", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.SIGNED
    r = client.post(f"/cases/{cid}/act", data={"action": "start"}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token


def test_feedback_with_attachment_through_the_form(desk, client):
    cid = desk.case_to("in_progress")
    csrf = login(client, "town_h")
    r = client.post(f"/cases/{cid}/feedback", data={"text": "已处理", "csrf_token": csrf},
                    files=[("files", ("bad.exe", b"MZ", "application/octet-stream"))], follow_redirects=False)
    assert r.status_code == 400 and "类型不允许" in r.text
    r = client.post(f"/cases/{cid}/feedback", data={"text": "已处理", "csrf_token": csrf},
                    files=[("files", ("照片.png", PNG, "image/png"))], follow_redirects=False)
    assert r.status_code == 303
    page = client.get(f"/cases/{cid}")
    link = re.search(rf'href="(/cases/{cid}/attachments/\d+)"', page.text)
    assert link is not None
    assert client.get(link.group(1)).content == PNG
    with desk.ws.db.read() as s:
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "case.attachment_download")).first()


def test_api_actions_and_lifecycle(desk, client):
    cid = desk.case_to("reported")
    csrf = login(client, "office")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    proposal = client.get(f"/api/cases/{cid}/proposal", headers=h).json()
    assert proposal["units"][0]["unit"] == "桃源镇人民政府"
    r = client.post(f"/api/cases/{cid}/actions/assign", json={"working_days": 3}, headers=h)
    assert r.status_code == 200 and r.json()["state"] == "assigned"
    r = client.post(f"/api/cases/{cid}/actions/close", json={}, headers=h)
    assert r.status_code == 409
    desk_view = client.get(f"/api/cases/{cid}/desk", headers=h).json()
    assert [a["code"] for a in desk_view["actions"]] == ["reassign", "escalate"]
    assert [x["to_state"] for x in desk_view["history"] if x["to_state"]][-1] == "assigned"
    table = client.get("/api/cases/lifecycle", headers=h).json()
    assert len(table["transitions"]) == len(lc.TRANSITIONS)
    assert client.get("/api/cases/board", headers=h).json()["assigned"][0]["id"] == cid


def test_rules_page_and_xlsx(desk, client):
    csrf = login(client, "office")
    page = client.get("/cases/rules")
    assert "桃源镇" in page.text and "劳动保障局" in page.text
    r = client.post("/cases/rules", data={"kind": "person", "pattern": "示例集团", "lead": "劳动保障局",
                                          "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert any(rule.pattern == "示例集团" for rule in actions.list_rules(desk.ws))
    data = client.get("/cases/rules.xlsx").content
    assert data[:2] == b"PK"
    r = client.post("/cases/rules/import", data={"csrf_token": csrf}, files={"file": ("r.xlsx", data)},
                    follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    login(client, "town_h")
    assert client.get("/cases/rules").status_code == 403


def test_case_history_reads_in_chinese(desk, client):
    cid = desk.case_to("signed")
    login(client, "office")
    page = client.get(f"/cases/{cid}").text
    history = page.split("办理记录")[1]
    for word in ("立案", "研判", "报送", "交办", "签收", "牵头单位", "办理期限"):
        assert word in history, word
    rows = history.split("<tbody>")[1].split("</tbody>")[0]
    assert not re.search(r"<td>(open|assess|report|assign|sign|time_to_sign)</td>", rows)
    assert "_id" not in rows and "{" not in rows and "\\u" not in rows
