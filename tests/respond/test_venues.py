"""与信息发布平台沟通记录: an audited action, shown on the case; refused input stays in the form."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from yuqing.domain.roles import PermissionDenied
from yuqing.respond import venues
from yuqing.respond.errors import CaseError
from yuqing.store.tables import AuditEntry
from yuqing.web.app import create_app

CONTACT = {"venue": "本地论坛“桃源社区”", "explained_by": "桃源镇党政办 张某", "content": "说明工资已于当日发放",
           "contacted_at": "2026-09-29 09:30", "outcome": "版主加注官方回应并置顶"}


def test_contact_is_logged_audited_and_needs_every_field(desk):
    cid = desk.case_to("in_progress")
    with pytest.raises(CaseError, match="沟通结果"):
        venues.log_contact(desk.ws, desk.handler, cid, **{**CONTACT, "outcome": " "})
    with pytest.raises(CaseError, match="晚于现在"):
        venues.log_contact(desk.ws, desk.handler, cid, **{**CONTACT, "contacted_at": "2030-01-01 08:00"})
    with pytest.raises(PermissionDenied):
        venues.log_contact(desk.ws, desk.labour_handler, cid, **CONTACT)  # assisting unit
    row = venues.log_contact(desk.ws, desk.handler, cid, **CONTACT)
    assert row.venue == CONTACT["venue"]
    with desk.ws.db.read() as s:
        got = venues.contacts(s, cid)
        assert [c.outcome for c in got] == [CONTACT["outcome"]]
        assert got[0].contacted_at.astimezone(venues.CHINA).strftime("%H:%M") == "09:30"
        codes = list(s.execute(select(AuditEntry.action).where(AuditEntry.action == "case.venue_contact")).scalars())
        assert codes


def test_case_page_form_keeps_typed_input_and_shows_the_contact(desk):
    cid = desk.case_to("in_progress")
    with TestClient(create_app(desk.ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        page = c.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post("/login", data={"username": "office", "password": factories.PASSWORD, "csrf_token": token})
        token = c.get("/api/me").json()["csrf_token"]
        assert "与信息发布平台沟通记录" in c.get(f"/cases/{cid}").text
        bad = c.post(f"/cases/{cid}/more", data={"what": "venue_contact", "csrf_token": token,
                                                 **{**CONTACT, "venue": ""}})
        assert bad.status_code == 400 and "请填写：沟通平台" in bad.text and "版主加注官方回应并置顶" in bad.text
        ok = c.post(f"/cases/{cid}/more", data={"what": "venue_contact", "csrf_token": token,
                                                **{**CONTACT, "contacted_at": "2026-09-29T09:30"}})
        assert ok.status_code == 200 and "已记录与信息发布平台的沟通" in ok.text and "本地论坛“桃源社区”" in ok.text
        assert "记录与信息发布平台沟通" in ok.text
