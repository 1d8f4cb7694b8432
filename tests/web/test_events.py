from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.clock import CHINA
from yuqing.workspace import Workspace


def test_event_list_and_page_show_timeline_places_and_key_items(ws: Workspace, app_client: TestClient) -> None:
    t0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)
    with ws.db.write() as s:
        factories.user(s, "liming")
        ev = factories.event(s, "青石镇锦江华府项目农民工欠薪", heat=42.5, keywords=["欠薪", "农民工"],
                             heat_factors={"volume": 3, "growth": 1.5})
        factories.event(s, "滨江夜市噪音扰民", heat=10.0)
        first = factories.item(s, "锦江华府项目拖欠农民工工资", event_id=ev.id, published_at=t0, reposts=30,
                               sentiment="negative", places=[{"name": "青石镇"}])
        factories.item(s, "转发//@网友:锦江华府项目拖欠农民工工资", event_id=ev.id, duplicate_of_id=first.id,
                       published_at=t0 + timedelta(hours=2), sentiment="negative", places=[{"name": "青石镇"}])
        factories.item(s, "工友们讨薪", event_id=ev.id, published_at=t0 + timedelta(hours=5), sentiment="neutral")
    login(app_client, "liming")
    listing = app_client.get("/events").text
    assert listing.index("农民工欠薪") < listing.index("夜市噪音")  # hottest first
    page = app_client.get(f"/events/{ev.id}").text
    assert "原帖 2，转发/重复 1" in page and "青石镇 ×2" in page and "锦江华府项目拖欠农民工工资" in page
    charts = app_client.get(f"/api/events/{ev.id}/charts", headers={"accept": "application/json"}).json()
    assert charts["timeline"]["option"]["series"][2]["data"] == [1, 2, 3]
    pie = {d["name"]: d["value"] for d in charts["sentiment"]["option"]["series"][0]["data"]}
    assert pie == {"负面": 2, "中性": 1}
    assert app_client.get("/events/99999").status_code == 404


def test_unit_users_cannot_read_events(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        factories.user(s, "qs", role="unit_handler", unit=town)
    login(app_client, "qs")
    assert app_client.get("/events").status_code == 403


def test_a_unit_reads_the_event_behind_its_own_case_only(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        mine = factories.event(s, "锦江华府项目欠薪")
        other = factories.event(s, "滨江夜市噪音")
        factories.case(s, "欠薪", units=[town], event_id=mine.id)
        factories.user(s, "qs", role="unit_handler", unit=town)
    login(app_client, "qs")
    assert app_client.get(f"/events/{mine.id}").status_code == 200
    assert app_client.get(f"/events/{other.id}").status_code == 403


def test_analyst_merges_and_splits_events_audited(ws: Workspace, app_client: TestClient) -> None:
    from sqlalchemy import select

    from yuqing.store.tables import AuditEntry, Event, Item

    t0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)
    with ws.db.write() as s:
        factories.user(s, "liming", role="analyst")
        a = factories.event(s, "河口镇内涝")
        b = factories.event(s, "河口大桥积水")
        ids = [factories.item(s, f"河口镇暴雨第{i}条", event_id=(a if i < 2 else b).id,
                              published_at=t0 + timedelta(hours=i)).id for i in range(4)]
    csrf = login(app_client, "liming")
    page = app_client.get(f"/events/{a.id}").text
    assert page.count("合并事件") == 1 and "<title>事件 #" in page
    r = app_client.post(f"/events/{a.id}/merge", data={"other_id": b.id, "reason": "同一场暴雨", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    with ws.db.read() as s:
        assert {i.event_id for i in s.execute(select(Item)).scalars()} == {a.id}
        assert s.get(Event, a.id).item_count == 4 and s.get(Event, b.id).merged_into_id == a.id  # type: ignore[union-attr]
    r = app_client.post(f"/events/{a.id}/split", data={"item_ids": [ids[3]], "title": "河口大桥积水",
                                                       "reason": "另一处积水", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    with ws.db.read() as s:
        moved = s.get(Item, ids[3])
        assert moved is not None and moved.event_id not in (a.id, b.id)
        assert s.get(Event, a.id).item_count == 3  # type: ignore[union-attr]
        actions = list(s.execute(select(AuditEntry.action)).scalars())
    assert "event.merge" in actions and "event.split" in actions
    r = app_client.post(f"/events/{a.id}/merge", data={"other_id": a.id, "reason": "x", "csrf_token": csrf})
    assert r.status_code == 400


def test_leader_cannot_merge_events(ws: Workspace, app_client: TestClient) -> None:
    with ws.db.write() as s:
        factories.user(s, "boss", role="leader")
        a, b = factories.event(s, "甲"), factories.event(s, "乙")
    csrf = login(app_client, "boss")
    r = app_client.post(f"/events/{a.id}/merge", data={"other_id": b.id, "reason": "x", "csrf_token": csrf})
    assert r.status_code == 403


def test_analyst_renames_an_event_and_the_title_is_pinned_and_audited(ws: Workspace, app_client: TestClient) -> None:
    from sqlalchemy import select

    from yuqing.store.tables import AuditEntry, Event

    with ws.db.write() as s:
        factories.user(s, "liming")
        ev = factories.event(s, "转发//@网友:工地")
        other = factories.event(s, "滨江夜市噪音扰民")
    csrf = login(app_client, "liming")
    r = app_client.post(f"/events/{ev.id}/title", data={"title": "  ", "reason": "x", "csrf_token": csrf})
    assert r.status_code == 400
    r = app_client.post(f"/events/{ev.id}/title", follow_redirects=False,
                        data={"title": "青石镇锦江华府项目欠薪", "reason": "自动标题取自转发", "csrf_token": csrf})
    assert r.status_code == 303
    page = app_client.get(f"/events/{ev.id}").text
    assert "青石镇锦江华府项目欠薪" in page and "分析员定题" in page
    assert "分析员定题" not in app_client.get(f"/events/{other.id}").text
    with ws.db.read() as s:
        row = s.get(Event, ev.id)
        assert row is not None and row.title_pinned
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "event.rename")).scalar_one()
    assert entry.detail["before"] == "转发//@网友:工地" and entry.detail["reason"] == "自动标题取自转发"


def _graded_flood(ws: Workspace) -> tuple[int, list[int]]:
    """A flooding event with its items, graded as an analysis batch would grade it."""
    from yuqing.domain.grading import GradingConfig
    from yuqing.event_grading import regrade

    t0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)
    texts = ["示例区河口镇内涝严重，有老人被困在家里，今天早上有车辆熄火。请求救援！",
             "河口镇河口村路被淹了，积水半米深，镇干部连夜转移群众，安置点有热水和食物",
             "河口镇暴雨后好几户进水了，水已经到膝盖，大家注意绕行"]
    with ws.db.write() as s:
        factories.user(s, "liming", role="analyst")
        factories.user(s, "boss", role="leader")
        ev = factories.event(s, "河口镇暴雨内涝")
        news = factories.source(s, "示例新闻网")
        ids = [factories.item(s, t, src=news, event_id=ev.id, published_at=t0 + timedelta(hours=i), reposts=5).id
               for i, t in enumerate(texts)]
        regrade(s, [ev.id], GradingConfig())
    return ev.id, ids


def test_the_event_page_shows_each_factor_with_evidence_and_the_grade_history(ws: Workspace,
                                                                              app_client: TestClient) -> None:
    event_id, ids = _graded_flood(ws)
    login(app_client, "liming")
    page = app_client.get(f"/events/{event_id}").text
    assert 'id="grading"' in page and "分级研判" in page
    for label in ("公共安全", "造成后果", "事件类别", "热度（信息量与互动）", "人员伤亡"):
        assert label in page, label
    assert "突发事件" in page and f'href="/items/{ids[0]}"' in page
    assert "等级变化记录" in page and "未分级 →" in page and "自动计算" in page
    assert "重大（II级） ≥ 50" in page  # the thresholds in force are shown
    assert f'action="/events/{event_id}/grade#grading"' in page


def test_an_analyst_overrides_and_lifts_the_grade_on_the_page(ws: Workspace, app_client: TestClient) -> None:
    from sqlalchemy import select

    from yuqing.store.tables import AuditEntry, Event

    event_id, _ = _graded_flood(ws)
    csrf = login(app_client, "liming")
    url = f"/events/{event_id}/grade"
    r = app_client.post(url, data={"grade": "I", "reason": "  ", "csrf_token": csrf})
    assert r.status_code == 400 and "请填写认定等级的理由" in r.text
    assert '<option value="I" selected>' in r.text  # what was chosen is kept
    r = app_client.post(url, data={"grade": "", "reason": "区领导批示：按特别重大处置", "csrf_token": csrf})
    assert r.status_code == 400 and "请选择等级" in r.text and "区领导批示：按特别重大处置</textarea>" in r.text
    r = app_client.post(url, data={"grade": "I", "reason": "区领导批示：按特别重大处置", "csrf_token": csrf},
                        follow_redirects=False)
    assert r.status_code == 303
    page = app_client.get(r.headers["location"]).text
    assert "已人工认定为特别重大（I级）" in page and "人工认定" in page and "撤销人工认定" in page
    assert "理由：区领导批示：按特别重大处置" in page and "测试用户liming" in page
    r = app_client.post(f"{url}/lift", data={"reason": "", "csrf_token": csrf})
    assert r.status_code == 400 and "请填写撤销认定的理由" in r.text
    r = app_client.post(f"{url}/lift", data={"reason": "批示撤回", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "已撤销人工认定，按各因素计算为" in app_client.get(r.headers["location"]).text
    with ws.db.read() as s:
        event = s.get(Event, event_id)
        assert event is not None and not event.grade_overridden and event.grade == event.grade_factors["grade"]
        actions = list(s.execute(select(AuditEntry.action).where(AuditEntry.action.like("event.grade%"))
                                   .order_by(AuditEntry.id)).scalars())
    assert actions == ["event.grade_override", "event.grade_lift"]


def test_a_leader_sees_the_grade_but_cannot_override_it(ws: Workspace, app_client: TestClient) -> None:
    event_id, _ = _graded_flood(ws)
    csrf = login(app_client, "boss")
    page = app_client.get(f"/events/{event_id}").text
    assert "分级研判" in page and "人工认定等级" not in page
    r = app_client.post(f"/events/{event_id}/grade", data={"grade": "IV", "reason": "x", "csrf_token": csrf})
    assert r.status_code == 403
