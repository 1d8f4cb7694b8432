"""Early warning through the alert pipeline: an event's and a topic × place's spike against the same hour on
the previous days, emergency keywords at once; each warning sent once per recipient through the sent-log, and
only by rules that take warnings."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.alert.servers import Recorder, http_recorder
from tests.factories import ADMIN
from yuqing.alert.run import run_alerts
from yuqing.alert.warnings import detect
from yuqing.clock import CHINA, frozen
from yuqing.store.tables import Event, Source
from yuqing.store.tables_alert import AlertDelivery, AlertWarning
from yuqing.workspace import Workspace

NOW = datetime(2026, 11, 30, 21, 30, tzinfo=CHINA)


@pytest.fixture
def robot() -> Iterator[Recorder]:
    with http_recorder() as rec:
        yield rec


def _posts(ws: Workspace, event: Event | None, src: Source, at: datetime, n: int, spread: timedelta,
           topics: list[str] | None = None, places: list[str] | None = None, **kw: object) -> None:
    with ws.db.write() as s:
        for i in range(n):
            factories.item(s, f"河口镇积水第{i}帖", src=src, published_at=at - spread * (i + 1) / (n + 1),
                           event_id=event.id if event else None, relevant=True, topics=topics or ["emergency"],
                           places=places or ["河口镇"], **kw)


def _history(ws: Workspace, event: Event, src: Source, seed: int = 7, days: int = 14) -> None:
    """The same evening hour on each of the previous days: 1–4 posts (a seeded draw), as usual."""
    rng = random.Random(seed)
    for d in range(1, days + 1):
        _posts(ws, event, src, NOW - timedelta(days=d), rng.randint(1, 4), timedelta(minutes=55))


def _setup(ws: Workspace, robot: Recorder, warnings: bool = True, **rule: object) -> tuple[Event, Source]:
    with ws.db.write() as s:
        src = factories.source(s)
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/cgi-bin/webhook/send?key=k")
        factories.alert_rule(s, "I", [ch], early_warning=warnings, **rule)  # grade I: only warnings reach it
        ev = factories.event(s, "河口镇夜间积水", grade="IV", item_count=40, places=["河口镇"], topics=["emergency"],
                             first_seen_at=NOW - timedelta(days=14), last_seen_at=NOW)
        s.expunge(src)
        s.expunge(ev)
    return ev, src


def _warnings(ws: Workspace) -> list[AlertWarning]:
    with ws.db.read() as s:
        return list(s.execute(select(AlertWarning).order_by(AlertWarning.id)).scalars())


def test_an_evening_spike_warns_once_with_its_reason(ws: Workspace, robot: Recorder) -> None:
    ev, src = _setup(ws, robot)
    _history(ws, ev, src)
    _posts(ws, ev, src, NOW, 23, timedelta(minutes=50))
    with frozen(NOW):
        assert run_alerts(ws) == {"sent": 1}
        assert run_alerts(ws) == {}
    with frozen(NOW + timedelta(minutes=30)):  # still spiking half an hour later: the cooldown holds
        assert run_alerts(ws) == {}
    [w] = _warnings(ws)  # the topic × place spiked too, but by this event's posts: one warning, not two
    assert w.kind == "event_spike" and w.event_id == ev.id and w.count == 23
    assert w.reason.startswith("近1小时 23 条，基线中位数 ")
    [row] = _log(ws)
    assert row.grade == "W" and row.warning_id == w.id and row.status == "sent"
    [request] = robot.requests
    body = request.json()["markdown"]["content"]
    assert "舆情预警·事件声量突增" in body and "近1小时 23 条，基线中位数" in body


def test_a_place_spiking_across_several_events_warns_about_the_busiest(ws: Workspace, robot: Recorder) -> None:
    ev, src = _setup(ws, robot)
    with ws.db.write() as s:
        others = [factories.event(s, f"河口镇积水{i}", grade="IV", places=["河口镇"], topics=["emergency"],
                                  last_seen_at=NOW) for i in range(2)]
        s.expunge_all()
    _posts(ws, ev, src, NOW, 7, timedelta(minutes=50))  # each event below the minimum, together a spike
    for other, n in zip(others, (4, 3), strict=True):
        _posts(ws, other, src, NOW, n, timedelta(minutes=40))
    with frozen(NOW):
        assert run_alerts(ws) == {"sent": 1}
    [w] = _warnings(ws)
    assert w.kind == "area_spike" and w.event_id == ev.id and (w.topic, w.place) == ("emergency", "河口镇")
    assert w.reason == "河口镇·应急/灾害：近1小时 14 条，基线中位数 0 条（过去14天同一时段，预警阈值 10 条）"


def _log(ws: Workspace) -> list[AlertDelivery]:
    with ws.db.read() as s:
        return list(s.execute(select(AlertDelivery).order_by(AlertDelivery.id)).scalars())


def test_the_usual_evening_is_no_spike_nor_a_quiet_night(ws: Workspace, robot: Recorder) -> None:
    ev, src = _setup(ws, robot)
    _history(ws, ev, src)
    _posts(ws, ev, src, NOW, 4, timedelta(minutes=50))  # as many as on a usual evening
    with frozen(NOW):
        assert run_alerts(ws) == {}
    _posts(ws, ev, src, NOW + timedelta(hours=6), 6, timedelta(minutes=50))  # 6 at 03:30: below the minimum
    with frozen(NOW + timedelta(hours=6)):
        assert detect(ws) == []
    assert _warnings(ws) == [] and robot.requests == []


def test_a_rule_without_warnings_sends_none_and_quiet_hours_hold_a_spike(ws: Workspace, robot: Recorder) -> None:
    ev, src = _setup(ws, robot, warnings=False)
    _posts(ws, ev, src, NOW, 15, timedelta(minutes=50))
    with frozen(NOW):
        assert run_alerts(ws) == {}
    assert len(_warnings(ws)) == 1 and robot.requests == []  # found and shown, routed by no rule
    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/cgi-bin/webhook/send?key=q")
        factories.alert_rule(s, "I", [ch], early_warning=True)
    ws.settings.alert_quiet_hours = "21:00-07:00"
    with frozen(NOW + timedelta(minutes=1)):
        assert run_alerts(ws) == {"held": 1}
    ws.settings.alert_quiet_hours = ""
    with frozen(NOW + timedelta(minutes=2)):
        assert run_alerts(ws) == {"sent": 1}


def test_a_rule_for_another_place_does_not_take_the_warning(ws: Workspace, robot: Recorder) -> None:
    ev, src = _setup(ws, robot, place="桃源镇")
    _posts(ws, ev, src, NOW, 15, timedelta(minutes=50))
    with frozen(NOW):
        assert run_alerts(ws) == {}
    assert robot.requests == []


def test_an_emergency_keyword_warns_at_once_during_a_monitoring_window(ws: Workspace, robot: Recorder) -> None:
    from yuqing.collect.schedule import open_window

    ev, src = _setup(ws, robot, keyword="爆炸")
    with frozen(NOW):
        open_window(ws, ADMIN, keywords=["爆炸"])
    _posts(ws, ev, src, NOW, 1, timedelta(minutes=5), extra={"emergency_keywords": ["爆炸"]})
    with frozen(NOW):
        assert run_alerts(ws) == {"sent": 1}
        assert run_alerts(ws) == {}
    [w] = _warnings(ws)
    assert w.kind == "keyword" and w.event_id == ev.id
    assert w.reason == "应急监测“突发事件24小时监测”期间出现应急关键词“爆炸”：近1小时 1 条"
    assert "应急关键词" in robot.requests[0].json()["markdown"]["content"]


def test_two_runs_racing_record_each_warning_once(ws: Workspace, robot: Recorder) -> None:
    import threading

    ev, src = _setup(ws, robot)
    _posts(ws, ev, src, NOW, 15, timedelta(minutes=50))
    barrier = threading.Barrier(3)
    found: list[list[int]] = []

    def one() -> None:
        barrier.wait()
        found.append(detect(ws))

    threads = [threading.Thread(target=one) for _ in range(3)]
    with frozen(NOW):  # once, around the threads: the clock is one for the process (three overlapping
        for t in threads:  # freezes in the threads left it frozen for every later test)
            t.start()
        for t in threads:
            t.join()
    assert sum(len(f) for f in found) == 1
    assert len(_warnings(ws)) == 1


def test_a_warning_pages_the_person_on_duty_and_escalates_once(ws: Workspace) -> None:
    from yuqing.alert import duty
    from yuqing.alert.duty import escalate_due, page_views
    from yuqing.store.tables import User
    from yuqing.store.tables_alert import DutyPage

    with ws.db.write() as s:
        src = factories.source(s)
        factories.user(s, "penglei", "analyst", display_name="值班员 彭磊")
        factories.user(s, "office1", "office")
        factories.alert_rule(s, "I", [], early_warning=True, to_duty=True)
        ev = factories.event(s, "河口镇夜间积水", grade="IV", places=["河口镇"], topics=["emergency"], last_seen_at=NOW)
        s.expunge_all()
    duty.add_shift(ws, ADMIN, "penglei", (NOW - timedelta(hours=4)).replace(tzinfo=None),
                   (NOW + timedelta(hours=10)).replace(tzinfo=None), 1, "regular")
    _posts(ws, ev, src, NOW, 15, timedelta(minutes=50))
    with frozen(NOW):
        assert run_alerts(ws) == {"sent": 1}
    with frozen(NOW + timedelta(minutes=ws.settings.duty_ack_minutes, seconds=1)):
        assert escalate_due(ws) == 1
        assert escalate_due(ws) == 0
    with ws.db.read() as s:
        pages = list(s.execute(select(DutyPage).order_by(DutyPage.step)).scalars())
        peng = s.execute(select(User.id).where(User.username == "penglei")).scalar_one()
        views = page_views(s)
    assert [(p.step, p.user_id) for p in pages] == [(0, peng), (1, None)]  # the person on duty, then the office
    assert {v.grade_label for v in views} == {"预警信号"}
