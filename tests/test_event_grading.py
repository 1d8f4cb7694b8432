"""Event grades in the database: recomputed by the analysis batches as events grow, with a history."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from tests import factories
from yuqing import analysis_service as service
from yuqing.clock import CHINA, frozen
from yuqing.domain.grading import GradingConfig, grade_rank
from yuqing.event_grading import history, regrade, report
from yuqing.store.tables import Event
from yuqing.workspace import Workspace

T0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)
FIRST = ["青石镇锦江华府项目工地拖欠农民工工资三个月，希望劳动保障部门介入"]
LATER = [
    "锦江华府项目包工头跑了，欠薪85万，青石镇三十多名农民工今天早上聚在工地门口讨说法",
    "青石镇锦江华府工地门口聚集了几十个农民工讨薪，拉横幅，劳动保障局推诿",
    "锦江华府项目农民工工资拖欠，工友们聚在青石镇政府门口讨说法，记者已到现场",
    "青石镇锦江华府工地欠薪的农民工围堵项目部，讨说法",
]


def _add(ws: Workspace, texts: list[str], start: datetime, source: str = "示例微博") -> list[int]:
    with ws.db.write() as s:
        src = s.execute(select(factories.Source).where(factories.Source.name == source)).scalar_one_or_none() \
            or factories.source(s, source)
        return [factories.item(s, t, src=src, published_at=start + timedelta(minutes=20 * i)).id
                for i, t in enumerate(texts)]


def _event(ws: Workspace) -> Event:
    with ws.db.read() as s:
        return s.execute(select(Event).where(Event.merged_into_id.is_(None))).scalar_one()


def test_the_grade_is_recomputed_as_the_event_grows(ws: Workspace) -> None:
    _add(ws, FIRST, T0)
    with frozen(T0 + timedelta(hours=1)):
        service.drop_caches()
        service.analyse_pending(ws)
    first = _event(ws)
    assert first.grade in ("III", "IV") and first.grade_score is not None and not first.grade_overridden
    _add(ws, LATER[:2], T0 + timedelta(hours=3))
    _add(ws, LATER[2:], T0 + timedelta(hours=4), source="示例新闻网")
    with frozen(T0 + timedelta(hours=6)):
        service.analyse_pending(ws)
    grown = _event(ws)
    assert grown.id == first.id and grown.item_count == 5
    assert grown.grade_score > first.grade_score  # type: ignore[operator]
    assert grade_rank(grown.grade) <= 2, grown.grade_factors
    factors = {f["name"]: f for f in grown.grade_factors["factors"]}
    assert factors["mass_gathering"]["contribution"] > 0 and factors["large_sum"]["contribution"] > 0
    assert factors["category"]["detail"].startswith("群体性事件")
    with ws.db.read() as s:
        rows = history(s, grown.id)
    assert [(r.kind, r.from_grade, r.to_grade) for r in rows] == [
        ("computed", first.grade, grown.grade), ("computed", None, first.grade)]
    assert "群体聚集" in rows[0].why and rows[0].score == grown.grade_score


def test_a_regrade_to_the_same_grade_writes_no_history_row(ws: Workspace) -> None:
    _add(ws, FIRST, T0)
    with frozen(T0 + timedelta(hours=1)):
        service.drop_caches()
        service.analyse_pending(ws)
    event = _event(ws)
    with ws.db.write() as s:
        again = regrade(s, [event.id], GradingConfig())[event.id]
    assert again.grade == event.grade and again.score == event.grade_score
    with ws.db.read() as s:
        assert [r.kind for r in history(s, event.id)] == ["computed"]


def test_the_workspace_configuration_is_used(ws: Workspace) -> None:
    ws.settings.grading_path.write_text(json.dumps({"thresholds": {"I": 1, "II": 0.5, "III": 0.2}}), encoding="utf-8")
    _add(ws, FIRST, T0)
    with frozen(T0 + timedelta(hours=1)):
        service.drop_caches()
        service.analyse_pending(ws)
    event = _event(ws)
    assert event.grade == "I"
    data = report(event)
    assert data["grade"] == "I" and set(data) == {"grade", "score", "factors", "overridden"}
    assert all(set(f) == {"name", "value", "contribution", "evidence_item_ids"} for f in data["factors"])


def test_events_stored_before_grading_existed_are_graded_after_the_next_analysis(ws: Workspace) -> None:
    with ws.db.write() as s:
        old = factories.event(s, "河口镇暴雨内涝", item_count=2, created_at=T0)  # stored long ago
        for text in ("河口镇内涝严重，有老人被困在家里，请求救援！", "河口镇暴雨后好几户进水了，大家注意绕行"):
            factories.item(s, text, event_id=old.id, analysed_at=T0, relevant=True)
        event_id = old.id
    service.drop_caches()
    assert service.analyse_pending(ws) == {"graded": 1}
    assert service.analyse_pending(ws) == {}  # graded once
    with ws.db.read() as s:
        event = s.get(Event, event_id)
        assert event is not None and event.grade in ("I", "II", "III", "IV") and event.graded_at is not None
        assert [r.kind for r in history(s, event_id)] == ["computed"]


def test_an_event_a_batch_just_stored_is_left_to_that_batch_then_graded_if_it_was_not(ws: Workspace) -> None:
    """Every worker ends its task with `regrade_ungraded`: the events another worker's batch has just stored are
    that worker's to grade (it does so right after the batch); only one still ungraded after SETTLE (its grading
    failed) is graded here."""
    from yuqing.clock import frozen
    from yuqing.event_grading import SETTLE, regrade_ungraded

    now = datetime(2026, 11, 25, 10, tzinfo=CHINA)
    with ws.db.write() as s:
        fresh = factories.event(s, "青石镇停水", item_count=1, created_at=now)
        factories.item(s, "青石镇停水一天了", event_id=fresh.id, analysed_at=now, relevant=True)
        fresh_id = fresh.id
    with frozen(now + SETTLE / 2):
        assert regrade_ungraded(ws) == 0
    with frozen(now + SETTLE + timedelta(seconds=1)):
        assert regrade_ungraded(ws) == 1
    with ws.db.read() as s:
        assert s.get(Event, fresh_id).graded_at is not None  # type: ignore[union-attr]
