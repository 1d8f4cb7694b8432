"""Admin pages: the audit log reads in Chinese and filters by person, unit, object, action and date."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.clock import now_local
from yuqing.domain.roles import Actor
from yuqing.store import audit
from yuqing.workspace import Workspace


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [r for r in body.split("<tr>") if "<td>" in r]


def test_audit_page_is_chinese_and_filters(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        other = factories.unit(s, "滨江街道", "street")
        factories.user(s, "office1", role="office", display_name="王办公")
        handler = factories.user(s, "qs", role="unit_handler", unit=town, display_name="李经办")
        case = factories.case(s, "欠薪", units=[town])
        far = factories.case(s, "夜市", units=[other])
        office = Actor(None, "王办公", "office")
        audit.append(s, office, "case.assign", "case", case.id, from_state="reported", to_state="assigned",
                     reason="按清单", lead_unit_id=town.id, assist_unit_ids=[other.id],
                     due_at="2026-10-08 02:00:00+00:00")
        audit.append(s, Actor(handler.id, "李经办", "unit_handler", town.id), "case.sign", "case", case.id,
                     from_state="assigned", to_state="signed", reason="")
        audit.append(s, office, "case.assign", "case", far.id, from_state="reported", to_state="assigned",
                     reason="夜市噪音", lead_unit_id=other.id)
    login(app_client, "office1")

    page = app_client.get("/admin/audit")
    assert page.status_code == 200
    assert "案件·交办" in page.text and "案件·签收" in page.text
    assert "牵头单位" in page.text and "青石镇" in page.text and "2026-10-08 10:00" in page.text
    assert "已报送" in page.text and "已交办" in page.text
    assert "case.assign" not in re.sub(r'value="[^"]*"', "", page.text)  # codes only as option values
    assert "\\u" not in page.text and "&#34;" not in page.text and '{"' not in page.text
    assert f'href="/cases/{case.id}"' in page.text

    by_person = _rows(app_client.get("/admin/audit", params={"actor": handler.id}).text)
    assert len(by_person) == 1 and "案件·签收" in by_person[0]
    by_unit = _rows(app_client.get("/admin/audit", params={"unit": town.id}).text)
    assert len(by_unit) == 2 and all("夜市噪音" not in r for r in by_unit)
    by_object = _rows(app_client.get("/admin/audit", params={"object_type": "case", "object_id": far.id}).text)
    assert len(by_object) == 1 and "夜市噪音" in by_object[0]
    by_action = _rows(app_client.get("/admin/audit", params={"action": "case.sign"}).text)
    assert len(by_action) == 1
    today = now_local().date()
    assert len(_rows(app_client.get("/admin/audit", params={"since": today.isoformat()}).text)) >= 3
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "没有符合条件的记录" in app_client.get("/admin/audit", params={"since": tomorrow}).text
    bad = app_client.get("/admin/audit", params={"since": "10/08", "actor": "x"})
    assert bad.status_code == 200 and "开始日期应为" in bad.text and 'value="10/08"' in bad.text


def test_user_form_has_no_preselected_role_keeps_input_and_confirms(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", role="admin")
        factories.unit(s, "青石镇", "town")
    csrf = login(app_client, "admin1")
    form = app_client.get("/admin/users").text.split('name="role"')[1].split("</select>")[0]
    assert "selected" not in form and '<option value="">（请选择角色）</option>' in form and "required" in form

    no_role = app_client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三",
                                                     "password": "abcdefgh1", "csrf_token": csrf})
    assert no_role.status_code == 400 and "请选择角色" in no_role.text
    assert 'value="zhangsan"' in no_role.text and 'value="张三"' in no_role.text and "abcdefgh1" not in no_role.text

    no_unit = app_client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三",
                                                     "password": "abcdefgh1", "role": "unit_handler",
                                                     "csrf_token": csrf})
    assert no_unit.status_code == 400 and "必须属于一个单位" in no_unit.text
    assert '<option value="unit_handler" selected>' in no_unit.text

    too_long = app_client.post("/admin/users", data={"username": "u" * 51, "display_name": "张三",
                                                      "password": "abcdefgh1", "role": "analyst", "csrf_token": csrf})
    assert too_long.status_code == 400 and "用户名太长" in too_long.text

    ok = app_client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三", "password": "abcdefgh1",
                                                "role": "unit_handler", "unit": "青石镇", "csrf_token": csrf})
    assert ok.status_code == 200 and "已新增用户“zhangsan”" in ok.text  # followed the 303; shown once
    assert "已新增用户" not in app_client.get("/admin/users").text


def test_unit_form_refuses_long_and_duplicate_names_keeping_input(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", role="admin")
    csrf = login(app_client, "admin1")
    long_name = "很长的单位名称" * 20
    r = app_client.post("/admin/units", data={"name": long_name, "kind": "town", "place": "青石镇", "csrf_token": csrf})
    assert r.status_code == 400 and "单位名称太长" in r.text and "青石镇" in r.text
    ok = app_client.post("/admin/units", data={"name": "青石镇", "kind": "town", "csrf_token": csrf})
    assert "已新增单位“青石镇”" in ok.text
    again = app_client.post("/admin/units", data={"name": "青石镇", "kind": "town", "csrf_token": csrf})
    assert again.status_code == 400 and "已存在" in again.text and 'value="青石镇"' in again.text


def test_unit_and_user_edit_pages_disable_and_delete_with_confirmation(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "admin1", role="admin")
        town = factories.unit(s, "青石镇", "town")
        spare = factories.unit(s, "临时工作组", "office")
        factories.case(s, "欠薪", units=[town])
        fresh = factories.user(s, "newbie", role="analyst")
        ids = town.id, spare.id, fresh.id
    town_id, spare_id, fresh_id = ids
    csrf = login(app_client, "admin1")
    assert f'href="/admin/units/{town_id}"' in app_client.get("/admin/units").text
    page = app_client.get(f"/admin/units/{town_id}").text
    assert "只能停用" in page and "删除单位" not in page  # referenced: no delete button
    bad = app_client.post(f"/admin/units/{town_id}", data={"csrf_token": csrf, "op": "save", "name": "",
                                                          "kind": "town", "place": "青石镇新区"})
    assert bad.status_code == 400 and "不能为空" in bad.text and 'value="青石镇新区"' in bad.text
    off = app_client.post(f"/admin/units/{town_id}", data={"csrf_token": csrf, "op": "disable"})
    assert "已停用单位" in off.text and "已停用" in app_client.get("/admin/units").text
    unconfirmed = app_client.post(f"/admin/units/{spare_id}", data={"csrf_token": csrf, "op": "delete"})
    assert unconfirmed.status_code == 400 and "确认删除" in unconfirmed.text
    gone = app_client.post(f"/admin/units/{spare_id}", data={"csrf_token": csrf, "op": "delete", "confirm": "yes"})
    assert "已删除单位“临时工作组”" in gone.text and app_client.get(f"/admin/units/{spare_id}").status_code == 404

    user_page = app_client.get(f"/admin/users/{fresh_id}").text
    assert "删除用户" in user_page and "selected" in user_page.split('name="role"')[1].split("</select>")[0]
    saved = app_client.post(f"/admin/users/{fresh_id}", data={"csrf_token": csrf, "op": "save",
                                                             "display_name": "新人", "role": "office"})
    assert "已保存用户信息" in saved.text and "新人" in saved.text
    gone = app_client.post(f"/admin/users/{fresh_id}", data={"csrf_token": csrf, "op": "delete", "confirm": "yes"})
    assert "已删除用户“newbie”" in gone.text
    assert "用户·删除" not in app_client.get("/admin/audit").text  # labelled in Chinese
    assert "删除用户" in app_client.get("/admin/audit").text and "停用单位" in app_client.get("/admin/audit").text


def test_the_jobs_account_is_shown_but_never_changed_from_the_admin_pages(ws: Workspace,
                                                                          app_client: TestClient) -> None:
    from yuqing.actions.actors import jobs_actor

    jobs_id = jobs_actor(ws).user_id
    with ws.db.write() as s:
        factories.user(s, "admin1", role="admin")
    csrf = login(app_client, "admin1")
    page = app_client.get(f"/admin/users/{jobs_id}")
    assert page.status_code == 200 and "系统任务" in page.text and "停用用户" not in page.text
    assert 'value="jobs"' not in app_client.get("/admin/users").text  # never offered as a role
    for data in ({"op": "disable"}, {"op": "delete", "confirm": "yes"}, {"op": "password", "password": "abcdefgh1"},
                 {"op": "save", "display_name": "改名", "role": "admin"}):
        r = app_client.post(f"/admin/users/{jobs_id}", data={"csrf_token": csrf, **data})
        assert r.status_code == 400 and "不能修改、停用或删除" in r.text


def test_audit_page_reads_the_publishing_entries_in_chinese(ws: Workspace, app_client: TestClient) -> None:
    """A direct sign-off names the channel's admission, a channel's check its update state, last update and
    counts apart from the findings by kind; a report's delivery, a live check, a correction order's states and
    the jobs account's role read in Chinese too."""
    with ws.db.write() as s:
        factories.user(s, "office1", role="office", display_name="王办公")
        office = Actor(None, "王办公", "office")
        audit.append(s, office, "publication.sign_direct", "publication", 9, title="冬季消防演练公告",
                     channel="门户网站", admission="approved", answers_for="起草与签发内容（直接签发）")
        audit.append(s, office, "channel.check", "channel", 11, answering=True, status=200,
                     last_update="2026-11-23T09:00:00+08:00", state="zombie", pages=0, new_findings=1, resolved=0,
                     raised={"unapproved": 1}, cleared={})
        audit.append(s, office, "channel.add", "channel", 12, channel="柳湾乡政务客户端", cadence="weekly")
        audit.append(s, office, "report.deliver", "report", 3, report_type="daily")
        audit.append(s, office, "publication.live_check", "publication", 9, outcome="mismatch")
        audit.append(s, office, "correction.recheck", "correction_order", 2, passed=True, before="explained",
                     after="confirmed")
        audit.append(s, office, "user.create", "user", 99, username="yuqing-jobs", role="jobs")
    login(app_client, "office1")

    text = re.sub(r"<select.*?</select>", "", app_client.get("/admin/audit").text, flags=re.S)
    cells = re.sub(r"<[^>]+>", "|", text)
    assert "直接签发稿件（起草与签发为同一人）" in text and "准入状态||已准入" in cells
    assert "附加信息" not in text and "approved" not in text
    assert "状态||僵尸账号（14天未更新）" in cells and "最近更新||2026-11-23 09:00" in cells
    assert "新发现问题数||1" in cells and "新发现问题||未经准入即运行 1" in cells
    assert "更新频率||每周更新（一般新闻）" in cells and "报告类型||网络舆情日报告表" in cells
    assert "核对结果||与签发稿不一致" in cells
    assert "修改前||已说明待复查" in cells and "修改后||已办结" in cells and "角色||系统任务" in cells
    assert 'href="/publications/9"' in text and 'href="/channels/11"' in text and 'href="/channels/orders/2"' in text
    for code in ("zombie", "weekly", "daily", "mismatch", "T09:00:00", "explained", "confirmed", "||jobs"):
        assert code not in text, code
