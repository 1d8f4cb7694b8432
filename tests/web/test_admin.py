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
