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
from yuqing.respond import replies, rules, spotchecks
from yuqing.store.tables import AuditEntry, Case
from yuqing.store.tables_case import Reply
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
    assert any(rule.pattern == "示例集团" for rule in rules.list_rules(desk.ws))
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


# ---- 立案 from the event page, from an item, by hand, and through the API (R-CASE-1) -------------------


def _event(desk) -> int:
    from tests import factories

    with desk.ws.db.write() as s:
        ev = factories.event(s, title="桃源镇某工地拖欠农民工工资", places=["桃源镇"], topics=["劳动保障/欠薪"],
                             grade="III")
        item = factories.item(s, "桃源镇工地老板跑了，三十多个工人工资没着落")
        item.event_id = ev.id
        return ev.id


def test_open_a_case_from_the_event_page(desk, client):
    eid = _event(desk)
    csrf = login(client, "analyst")
    page = client.get(f"/events/{eid}")
    assert f'href="/cases/new?event={eid}"' in page.text and "立案交办" in page.text
    form = client.get(f"/cases/new?event={eid}")
    assert form.status_code == 200
    assert "关键帖子" in form.text and "老板跑了" in form.text  # the summary is prefilled with key posts
    assert "属地：" in form.text and "属事：" in form.text  # the reason for each proposed unit
    assert "期限至 " in form.text  # the computed end date before submitting
    assert "立即按交办建议交办" not in form.text  # the analyst cannot dispatch
    preview = client.get("/cases/new/due", params={"due_kind": "working_days", "due_value": "3"})
    assert preview.status_code == 200 and "期限至 " in preview.text
    bad = client.get("/cases/new/due", params={"due_kind": "date", "due_value": "下周一"})
    assert "YYYY-MM-DD" in bad.text and "error" in bad.text
    data = {"csrf_token": csrf, "event_id": str(eid), "title": "", "summary": "我写的摘要", "lead": "桃源镇人民政府",
            "assists": "劳动保障局", "due_kind": "days", "due_value": "5", "then": "report", "grade": "III"}
    r = client.post("/cases/new", data=data, follow_redirects=False)
    assert r.status_code == 400 and "标题不能为空" in r.text and "我写的摘要" in r.text  # typed input is kept
    data["title"] = "桃源镇工地欠薪"
    r = client.post("/cases/new", data=data, follow_redirects=False)
    assert r.status_code == 303
    case_url = r.headers["location"]
    shown = client.get(case_url)
    assert "已立案" in shown.text and "已报送" in shown.text
    with desk.ws.db.read() as s:
        case = s.execute(select(Case).where(Case.event_id == eid)).scalar_one()
        assert case.state == lc.REPORTED and case.summary == "我写的摘要"
    # The event now links to its open case, and a second one asks for confirmation.
    page = client.get(f"/events/{eid}")
    assert f'href="/cases/{case.id}"' in page.text and "再立一案" in page.text
    form = client.get(f"/cases/new?event={eid}")
    assert "已有未办结的案件" in form.text and 'name="second_case"' in form.text
    r = client.post("/cases/new", data=data, follow_redirects=False)
    assert r.status_code == 409 and "已有未办结的案件" in r.text
    r = client.post("/cases/new", data=data | {"second_case": "1"}, follow_redirects=False)
    assert r.status_code == 303


def test_office_opens_by_hand_citing_items_and_assigns_at_once(desk, client):
    from tests import factories

    with desk.ws.db.write() as s:
        item = factories.item(s, "青石镇菜市场门口污水横流")
        item.places = [{"name": "青石镇"}]
        iid = item.id
    csrf = login(client, "office")
    assert 'href="/cases/new"' in client.get("/cases").text
    assert f'href="/cases/new?item={iid}"' in client.get(f"/items/{iid}").text  # 以此立案
    form = client.get(f"/cases/new?item={iid}")
    assert "青石镇人民政府" in form.text and "立即按交办建议交办" in form.text
    r = client.post("/cases/new", data={"csrf_token": csrf, "title": "菜市场污水", "summary": "", "items": f"{iid}、x",
                                        "then": "assign"}, follow_redirects=False)
    assert r.status_code == 400 and "信息编号须为数字" in r.text
    r = client.post("/cases/new", data={"csrf_token": csrf, "title": "菜市场污水", "summary": "", "items": str(iid),
                                        "lead": "", "assists": "", "then": "assign", "due_kind": "working_days",
                                        "due_value": "2"}, follow_redirects=False)
    assert r.status_code == 303
    with desk.ws.db.read() as s:
        case = s.execute(select(Case).where(Case.title == "菜市场污水")).scalar_one()
        assert case.state == lc.ASSIGNED and case.due_at is not None
        assert [a.unit.name for a in case.assignments] == ["青石镇人民政府"]
    client.cookies.clear()
    login(client, "town_h")
    assert client.get("/cases/new").status_code == 403


def test_api_opens_a_case(desk, client):
    eid = _event(desk)
    csrf = login(client, "office")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    r = client.post("/api/cases", json={"event_id": eid, "working_days": 3, "then": "assign"}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["state"] == "assigned" and body["event_id"] == eid and body["due_at"]
    assert body["units"][0] == {"id": desk.town, "name": "桃源镇人民政府", "role": "lead", "signed_at": None}
    assert [p["role"] for p in body["proposal"]] == ["lead", "assist"] and body["proposal"][0]["reason"]
    assert [h["action"] for h in body["history"]][:4] == ["open", "assess", "report", "assign"]
    again = client.post("/api/cases", json={"event_id": eid}, headers=h)
    assert again.status_code == 409 and "已有未办结" in again.json()["detail"]
    r = client.post("/api/cases", json={"title": "手工立案", "summary": "来电反映", "due_at": "2026-10-12"}, headers=h)
    assert r.status_code == 201 and r.json()["state"] == "found" and r.json()["event_id"] is None
    assert client.post("/api/cases", json={"title": " "}, headers=h).status_code == 400
    assert client.post("/api/cases", json={"title": "x", "days": 2, "working_days": 2}, headers=h).status_code == 400
    client.cookies.clear()
    h2 = {"x-csrf-token": login(client, "town_h"), "accept": "application/json"}
    assert client.post("/api/cases", json={"title": "x"}, headers=h2).status_code == 403


def test_api_decisions_never_default_to_yes(desk, client):
    """A reply approval or a spot-check result without its decision is a 422 in Chinese; nothing changes."""
    cid = desk.case_to("reviewed", grade="IV")  # grade IV closes without a reply
    rep = replies.draft_reply(desk.ws, desk.handler, cid, kind="reply")
    csrf = login(client, "town_l")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    r = client.post(f"/api/cases/replies/{rep.id}/approve", json={"note": "好"}, headers=h)
    assert r.status_code == 422
    assert "缺少决定" in r.json()["detail"] and "approve" in r.json()["detail"]
    r = client.post(f"/api/cases/replies/{rep.id}/approve", json={"approve": False, "note": "措辞再改"}, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    client.cookies.clear()
    csrf = login(client, "office")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    r = client.post(f"/api/cases/{cid}/actions/close", json={}, headers=h)
    assert r.status_code == 200 and r.json()["state"] == "closed"
    chk = spotchecks.request_spot_check(desk.ws, desk.office, cid, "指定复核")
    r = client.post(f"/api/cases/spot-checks/{chk.id}", json={"note": "回访"}, headers=h)
    assert r.status_code == 422 and "缺少决定" in r.json()["detail"] and "passed" in r.json()["detail"]
    with desk.ws.db.read() as s:
        assert s.get(Case, cid).state == lc.CLOSED
    r = client.post("/api/cases/extensions/1/decision", json={}, headers=h)
    assert r.status_code == 422 and "缺少决定" in r.json()["detail"]


def test_page_decisions_never_default_to_yes(desk, client):
    cid = desk.case_to("reviewed")
    rep = replies.draft_reply(desk.ws, desk.handler, cid, kind="reply")
    csrf = login(client, "town_l")
    r = client.post(f"/cases/{cid}/more", data={"what": "approve", "reply_id": rep.id, "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 400 and "请明确选择" in r.text
    with desk.ws.db.read() as s:
        assert s.get(Reply, rep.id).status == "draft"


def test_case_forms_keep_what_was_typed_after_a_refusal(desk, client):
    cid = desk.case_to("assigned")
    csrf = login(client, "office")
    r = client.post(f"/cases/{cid}/act", data={"action": "reassign", "reason": "非本镇辖区，应由青石镇办理",
                                               "assists": "劳动保障局", "days": "5", "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 400 and "请填写“牵头单位”" in r.text
    assert 'value="非本镇辖区，应由青石镇办理"' in r.text and 'value="劳动保障局"' in r.text and 'value="5"' in r.text
    r = client.post(f"/cases/{cid}/more", data={"what": "supervise", "reason": "请加快", "level": "nope",
                                                "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303  # an unknown level is an office 督办
    client.cookies.clear()
    csrf = login(client, "town_h")
    client.post(f"/cases/{cid}/act", data={"action": "sign", "csrf_token": csrf})
    r = client.post(f"/cases/{cid}/feedback", data={"text": "已约谈项目方，工资已发放", "explanation": "无",
                                                    "csrf_token": csrf},
                    files={"files": ("名单.exe", b"MZ", "application/octet-stream")}, follow_redirects=False)
    assert r.status_code == 400 and "类型不允许" in r.text
    assert "已约谈项目方，工资已发放</textarea>" in r.text and ">无</textarea>" in r.text


def test_api_action_validation_is_in_chinese(desk, client):
    cid = desk.case_to("reported")
    h = {"x-csrf-token": login(client, "office"), "accept": "application/json"}
    r = client.post(f"/api/cases/{cid}/actions/assign", json={"days": "三天"}, headers=h)
    assert r.status_code == 422 and "days" in r.json()["detail"] and "整数" in r.json()["detail"]
    r = client.post(f"/api/cases/{cid}/actions/reassign", json={"reason": "改"}, headers=h)
    assert r.status_code == 409  # the table answers first: a reported case is not reassigned
    r = client.post(f"/api/cases/{cid}/actions/publish", json={}, headers=h)
    assert r.status_code == 409 and "未知操作" in r.json()["detail"]
    table = client.get("/api/cases/lifecycle", headers=h).json()
    assign = next(a for a in table["actions"] if a["code"] == "assign")
    assert [p["name"] for p in assign["params"]] == ["lead", "assists", "days", "working_days", "reason"]


def test_lifecycle_forms_are_generated_from_the_table(desk, client):
    """Each offered action's form has exactly its row's parameters (a new parameter needs no template edit)."""
    cid = desk.case_to("assigned")
    login(client, "office")
    page = client.get(f"/cases/{cid}").text
    forms = re.findall(r'<form method="post" action="/cases/\d+/act".*?</form>', page, re.S)
    assert forms
    for form in forms:
        code = re.search(r'name="action" value="([a-z_]+)"', form).group(1)
        names = [n for n in re.findall(r'name="([a-z_]+)"', form) if n not in ("csrf_token", "action")]
        assert names == [p.name for p in lc.ACTIONS[code].params], code
