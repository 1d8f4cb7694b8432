"""上报市级 (R-ALERT-3): an event marked as belonging to a higher level sends its forward package (summary, grade
with reasons, key posts with evidence links and hashes, handling so far) to the configured city-level recipient
through a channel adapter (a signed webhook on a local server; e-mail on aiosmtpd), logged on the event and as a
step on its case, audited, and once per event and recipient — also when two reports race or a send failed."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import factories
from tests.alert.servers import Recorder, http_recorder, smtp_server
from tests.servers import free_port
from tests.web.conftest import login
from yuqing.alert.channels.webhook import verify
from yuqing.alert.forward import ForwardError, mark_higher_level, report_up
from yuqing.domain.roles import Actor
from yuqing.store.tables import AuditEntry
from yuqing.store.tables_alert import EventForward
from yuqing.store.tables_case import CaseHistory
from yuqing.workspace import Workspace

OFFICE = Actor(user_id=None, name="区委网信办", role="office")
FACTORS = {"factors": [
    {"name": "public_safety", "value": 1.0, "weight": 18, "contribution": 18, "detail": "积水、转移群众", "evidence_item_ids": []},
    {"name": "casualties", "value": 0.0, "weight": 20, "contribution": 0, "detail": "", "evidence_item_ids": []}]}


@pytest.fixture
def app_client(ws: Workspace) -> Iterator[TestClient]:
    from yuqing.web.app import create_app

    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as client:
        yield client


@pytest.fixture
def city() -> Iterator[Recorder]:
    with http_recorder() as rec:
        yield rec


def _setup(ws: Workspace, url: str, kind: str = "webhook") -> tuple[int, int]:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "leader1", "leader")
        factories.alert_channel(s, kind, url, name="市网信办接收平台", secret="CITY-SECRET")
        src = factories.source(s, "示例论坛")
        ev = factories.event(s, "河口镇内涝", grade="II", grade_factors=FACTORS, grade_score=61.0, item_count=3,
                             places=["河口镇"], topics=["emergency"])
        for i, reach in enumerate((5, 90, 20)):
            factories.item(s, f"河口镇渡口村积水第{i}帖", src=src, event_id=ev.id, reposts=reach,
                           url=f"https://bbs.example/t/{i}", raw_sha256=f"{i:064x}")
        town = factories.unit(s, "河口镇", kind="town")
        case = factories.case(s, "河口镇内涝处置", units=[town], event_id=ev.id, state="assigned")
        ws.settings.report_up_channel = "市网信办接收平台"
        ws.settings.public_url = "https://yuqing.example.gov.cn"
        return ev.id, case.id


def test_a_forward_package_goes_once_to_the_city_and_is_logged_on_event_and_case(
        ws: Workspace, city: Recorder, app_client: TestClient) -> None:
    event_id, case_id = _setup(ws, f"{city.url}/receive")
    token = login(app_client, "office1")
    page = app_client.get(f"/events/{event_id}").text
    assert "上报市级" in page and "上报理由" in page
    r = app_client.post(f"/events/{event_id}/report-up", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 400 and "请填写上报理由" in r.text and not city.requests
    r = app_client.post(f"/events/{event_id}/report-up",
                        data={"csrf_token": token, "reason": "涉及跨区河道防汛，需市级统筹"}, follow_redirects=True)
    assert "已上报市级，上报材料已送达接收方" in r.text and "已送达" in r.text
    [request] = city.requests
    assert verify("CITY-SECRET", request.body, request.headers)
    assert request.headers["X-Yuqing-Delivery"].startswith("forward-")
    p = request.json()["package"]
    assert p["reason"] == "涉及跨区河道防汛，需市级统筹" and p["event"]["title"] == "河口镇内涝"
    assert p["event"]["link"] == f"https://yuqing.example.gov.cn/events/{event_id}"
    assert p["grade"]["label"] == "重大（II级）"
    assert [g["factor"] for g in p["grade"]["reasons"]] == ["公共安全"] or p["grade"]["reasons"][0]["contribution"] == 18
    assert [k["reach"] for k in p["key_posts"]] == [90, 20, 5]  # most reach first
    first = p["key_posts"][0]
    assert first["evidence"].startswith("https://yuqing.example.gov.cn/items/") and len(first["content_hash"]) > 0
    assert first["raw_sha256"] == f"{1:064x}" and first["url"] == "https://bbs.example/t/1"
    [handling] = p["handling"]
    assert handling["case_id"] == case_id and handling["lead_units"] == ["河口镇"] and handling["state"] != "assigned"
    assert "处置情况" in request.json()["text"] and "内容哈希" in request.json()["text"]
    again = app_client.post(f"/events/{event_id}/report-up", data={"csrf_token": token, "reason": "再报一次"})
    assert again.status_code == 400 and "不再重复上报" in again.text and len(city.requests) == 1
    with ws.db.read() as s:
        [fwd] = list(s.execute(select(EventForward)).scalars())
        steps = list(s.execute(select(CaseHistory).where(CaseHistory.case_id == case_id,
                                                         CaseHistory.action == "report_up")).scalars())
        audits = [a.action for a in s.execute(select(AuditEntry).where(
            AuditEntry.action.in_(["event.report_up", "case.report_up"]))).scalars()]
    assert fwd.status == "sent" and fwd.attempts == 1 and fwd.package["event"]["id"] == event_id
    assert len(steps) == 1 and steps[0].reason == "涉及跨区河道防汛，需市级统筹" and steps[0].to_state is None
    assert sorted(audits) == ["case.report_up", "event.report_up"]
    assert "上报市级" in app_client.get(f"/cases/{case_id}").text
    app_client.cookies.clear()
    login(app_client, "leader1")
    assert app_client.post(f"/events/{event_id}/report-up",
                           data={"csrf_token": login(app_client, "leader1"), "reason": "x"}).status_code == 403


def test_a_failed_send_is_kept_and_sent_again_with_the_same_package(ws: Workspace, city: Recorder) -> None:
    event_id, _ = _setup(ws, f"http://127.0.0.1:{free_port()}/receive")
    forward_id, error = report_up(ws, OFFICE, event_id, "需市级统筹")
    assert "连接" in error or error
    with ws.db.write() as s:
        from yuqing.store.tables_alert import AlertChannel

        s.execute(select(AlertChannel)).scalars().one().target = f"{city.url}/receive"
        sha = s.get(EventForward, forward_id).package_sha256  # type: ignore[union-attr]
    again, error = report_up(ws, OFFICE, event_id, "需市级统筹")
    assert again == forward_id and error == "" and len(city.requests) == 1
    with ws.db.read() as s:
        row = s.get(EventForward, forward_id)
        assert row is not None and row.status == "sent" and row.attempts == 2 and row.package_sha256 == sha
    with pytest.raises(ForwardError, match="不再重复上报"):
        report_up(ws, OFFICE, event_id, "第三次")


def test_two_reports_racing_record_one_forward(ws: Workspace, city: Recorder) -> None:
    event_id, _ = _setup(ws, f"{city.url}/receive")
    barrier = threading.Barrier(3)
    outcomes: list[str] = []

    def one() -> None:
        barrier.wait()
        try:
            mark_higher_level(ws, OFFICE, event_id, "需市级统筹")
            outcomes.append("won")
        except Exception as exc:  # the loser: refused, or the unique key
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    with ws.db.read() as s:
        assert len(list(s.execute(select(EventForward)).scalars())) == 1


def test_by_e_mail_and_refused_without_a_configured_recipient(ws: Workspace) -> None:
    event_id, _ = _setup(ws, "city@shi.example", kind="email")
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        _, error = report_up(ws, OFFICE, event_id, "需市级统筹")
    assert error == ""
    [(_, to, mail)] = box.messages
    assert to == ["city@shi.example"] and "【舆情上报】" in str(mail["Subject"])
    body = mail.get_content()  # type: ignore[attr-defined]
    assert "定级依据" in body and "关键信息（附证据链接与哈希）" in body and "河口镇内涝处置" in body
    ws.settings.report_up_channel = ""
    with pytest.raises(ForwardError, match="尚未设置上报渠道"):
        report_up(ws, OFFICE, event_id, "需市级统筹")
