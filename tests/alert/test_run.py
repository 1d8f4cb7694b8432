"""Exactly once: the sent-log decides, across repeated runs, restarts, re-analysis and racing workers; a
higher grade is a new alert; failed sends retry with backoff and a failing channel warns the admin once."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests import factories
from tests.alert.servers import Recorder, http_recorder, smtp_server
from yuqing import analysis_service
from yuqing.alert.run import run_alerts
from yuqing.clock import CHINA, frozen
from yuqing.domain.alerts import BACKOFF_SECONDS, MAX_ATTEMPTS
from yuqing.jobs.tasks import run_task
from yuqing.store.tables import Event, Notification
from yuqing.store.tables_alert import AlertAttempt, AlertChannel, AlertDelivery
from yuqing.workspace import Workspace, open_workspace

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)


@pytest.fixture
def robot() -> Iterator[Recorder]:
    with http_recorder() as rec:
        yield rec


def _setup(ws: Workspace, robot: Recorder, grade: str = "II", min_grade: str = "II", **rule: object) -> tuple[int, int]:
    """A WeCom robot channel, a rule routing to it, and one event at `grade` (seen at T0)."""
    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/cgi-bin/webhook/send?key=k")
        factories.alert_rule(s, min_grade, [ch], **rule)
        ev = factories.event(s, "西关路暴雨内涝", grade=grade, item_count=12, places=["桃源镇"], topics=["城建交通"],
                             first_seen_at=T0, last_seen_at=T0)
        return ch.id, ev.id


def _grade(ws: Workspace, event_id: int, grade: str) -> None:
    with ws.db.write() as s:
        s.execute(update(Event).where(Event.id == event_id).values(grade=grade))


def _log(ws: Workspace) -> list[AlertDelivery]:
    with ws.db.read() as s:
        return list(s.execute(select(AlertDelivery).order_by(AlertDelivery.id)).scalars())


def test_a_second_run_and_a_restart_send_nothing_again(ws: Workspace, robot: Recorder) -> None:
    _setup(ws, robot)
    with frozen(T0):
        assert run_alerts(ws) == {"sent": 1}
        assert run_alerts(ws) == {}
    again = open_workspace(ws.path)  # a new process: nothing in memory, the sent-log remembers
    try:
        with frozen(T0 + timedelta(hours=1)):
            assert run_alerts(again) == {}
    finally:
        again.db.dispose()
    assert len(robot.requests) == 1
    [row] = _log(ws)
    assert row.status == "sent" and row.attempts == 1 and row.grade == "II" and row.sent_at is not None


def test_a_higher_grade_is_a_new_alert_the_same_or_a_lower_one_is_not(ws: Workspace, robot: Recorder) -> None:
    _, event_id = _setup(ws, robot, grade="III", min_grade="IV")
    with frozen(T0):
        run_alerts(ws)
        _grade(ws, event_id, "II")
        run_alerts(ws)
        _grade(ws, event_id, "III")  # fell back: nothing
        run_alerts(ws)
        _grade(ws, event_id, "II")  # up again to a level already sent: nothing
        run_alerts(ws)
        _grade(ws, event_id, "I")
        run_alerts(ws)
    assert [r.grade for r in _log(ws)] == ["III", "II", "I"]
    assert len(robot.requests) == 3
    assert "特别重大（I级）" in robot.requests[-1].json()["markdown"]["content"]


def test_rules_route_by_criteria_and_to_roles_in_app(ws: Workspace, robot: Recorder) -> None:
    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
        factories.alert_rule(s, "IV", [ch], place="青石镇")  # another place: silent
        factories.alert_rule(s, "IV", [], keyword="内涝", roles=["office", "leader"])
        src = factories.source(s, "本地论坛")
        ev = factories.event(s, "西关路暴雨内涝", grade="III", places=[{"name": "桃源镇"}], last_seen_at=T0)
        factories.item(s, "西关路积水", src=src, event_id=ev.id)
        factories.alert_rule(s, "III", [ch], source="本地论坛")
        factories.alert_rule(s, "III", [ch], source="其他来源")
        factories.event(s, "旧事件", grade="I", last_seen_at=T0 - timedelta(days=30))  # history: no alert
    with frozen(T0):
        assert run_alerts(ws) == {"sent": 3}
    with ws.db.read() as s:
        notes = list(s.execute(select(Notification.audience, Notification.kind)).all())
    assert sorted(notes) == [("leader", "alert.fired"), ("office", "alert.fired")]
    assert len(robot.requests) == 1


def test_re_analysis_sends_nothing_again(ws: Workspace, robot: Recorder) -> None:
    """The analysis job runs the alerts after each batch; re-analysing (new posts, the grade written again)
    finds the sent-log row and sends nothing."""
    from tests.test_analysis_service import WAGES, _add

    _add(ws, WAGES, T0)
    with frozen(T0 + timedelta(hours=4)):
        analysis_service.drop_caches()
        run_task(ws, "analyse.pending")
        with ws.db.write() as s:
            ev = s.execute(select(Event)).scalar_one()
            ev.grade = "II"  # as grading would
            ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
            factories.alert_rule(s, "II", [ch])
        assert run_task(ws, "alerts.run") == {"sent": 1}
    _add(ws, ["青石镇锦江华府项目欠薪的农民工今天又去讨薪，工资还是没拿到"], T0 + timedelta(hours=5))
    with frozen(T0 + timedelta(hours=6)):
        analysis_service.drop_caches()
        assert run_task(ws, "analyse.pending")["analysed"] == 1  # and then alerts.run
        _grade(ws, ev.id, "II")
        run_task(ws, "analyse.pending")
        run_task(ws, "alerts.run")
    assert len(robot.requests) == 1 and len(_log(ws)) == 1


def test_the_analysis_job_sends_the_alert_its_batch_raised(ws: Workspace, robot: Recorder) -> None:
    """The batch grades the event it builds; the analysis job then alerts at once (not a minute later)."""
    from tests.test_analysis_service import WAGES, _add

    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
        factories.alert_rule(s, "IV", [ch])
    _add(ws, WAGES, T0)
    with frozen(T0 + timedelta(hours=4)):
        analysis_service.drop_caches()
        run_task(ws, "analyse.pending")
        with ws.db.read() as s:
            ev = s.execute(select(Event)).scalar_one()
        assert ev.grade in ("I", "II", "III", "IV")
        assert [(r.event_id, r.grade, r.status) for r in _log(ws)] == [(ev.id, ev.grade, "sent")]
        run_task(ws, "analyse.pending")
    assert len(robot.requests) == 1


def test_two_threads_racing_send_once(ws: Workspace, robot: Recorder) -> None:
    _setup(ws, robot)
    robot.delay = 0.2  # a slow robot widens the window
    barrier = threading.Barrier(4)
    results: list[dict[str, int]] = []

    def work() -> None:
        barrier.wait()
        results.append(run_alerts(ws))

    threads = [threading.Thread(target=work) for _ in range(4)]
    with frozen(T0):  # once, around the threads (the clock is one for the process)
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert len(robot.requests) == 1 and len(_log(ws)) == 1
    assert sorted(r.get("sent", 0) for r in results) == [0, 0, 0, 1]


def _process(path: str, start: object) -> None:
    ws = open_workspace(path)
    start.wait()  # type: ignore[attr-defined]
    with frozen(T0):
        run_alerts(ws)
    ws.db.dispose()


def test_two_processes_racing_send_once(ws: Workspace, robot: Recorder) -> None:
    _setup(ws, robot)
    robot.delay = 0.2
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [ctx.Process(target=_process, args=(str(ws.path), start)) for _ in range(3)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    assert len(robot.requests) == 1 and len(_log(ws)) == 1


def test_a_failing_server_is_retried_with_backoff_then_succeeds(ws: Workspace, robot: Recorder) -> None:
    failures = [True, True]
    robot.reply = lambda r: (500, "{}") if failures and failures.pop(0) else (200, '{"errcode": 0}')
    channel_id, _ = _setup(ws, robot)
    with frozen(T0):
        assert run_alerts(ws) == {"retrying": 1}
    [row] = _log(ws)
    assert row.status == "retrying" and row.attempts == 1 and "HTTP 500" in row.last_error
    assert row.next_attempt_at == T0 + timedelta(seconds=BACKOFF_SECONDS[0])
    with frozen(T0 + timedelta(seconds=BACKOFF_SECONDS[0] - 5)):
        assert run_alerts(ws) == {}  # not yet
    second = T0 + timedelta(seconds=BACKOFF_SECONDS[0])
    with frozen(second):
        assert run_alerts(ws) == {"retrying": 1}
    assert _log(ws)[0].next_attempt_at == second + timedelta(seconds=BACKOFF_SECONDS[1])
    with frozen(second + timedelta(seconds=BACKOFF_SECONDS[1])):
        assert run_alerts(ws) == {"sent": 1}
        assert run_alerts(ws) == {}
    [row] = _log(ws)
    assert row.status == "sent" and row.attempts == 3 and row.last_error == ""
    with ws.db.read() as s:
        attempts = list(s.execute(select(AlertAttempt.ok).order_by(AlertAttempt.id)).scalars())
        ch = s.get(AlertChannel, channel_id)
    assert attempts == [False, False, True] and len(robot.requests) == 3
    assert ch is not None and ch.consecutive_failures == 0 and ch.last_sent_at is not None


def test_a_channel_that_keeps_failing_gives_up_and_warns_the_admin_once(ws: Workspace, robot: Recorder) -> None:
    robot.reply = lambda r: (503, "{}")
    _setup(ws, robot)
    with ws.db.write() as s:  # a second event, so the channel fails for two alerts
        factories.event(s, "东街积水", grade="I", last_seen_at=T0)
    at = T0
    for _ in range(MAX_ATTEMPTS + 1):
        with frozen(at):
            run_alerts(ws)
        at += timedelta(seconds=max(BACKOFF_SECONDS) + 1)
    rows = _log(ws)
    assert [r.status for r in rows] == ["failed", "failed"] and all(r.attempts == MAX_ATTEMPTS for r in rows)
    with ws.db.read() as s:
        warnings = list(s.execute(select(Notification).where(Notification.kind == "alert.channel_failing")).scalars())
    assert len(warnings) == 1 and warnings[0].audience == "admin" and warnings[0].link == "/alerts"
    assert "连续" in warnings[0].body
    assert len(robot.requests) == 2 * MAX_ATTEMPTS


def test_quiet_hours_hold_back_grades_below_two_until_they_end(ws: Workspace, robot: Recorder) -> None:
    ws.settings.alert_quiet_hours = "22:00-07:00"
    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
        factories.alert_rule(s, "IV", [ch])
        night = datetime(2026, 11, 30, 23, 0, tzinfo=CHINA)
        factories.event(s, "较大事件", grade="III", last_seen_at=night)
        factories.event(s, "重大事件", grade="II", last_seen_at=night)
    with frozen(night):
        assert run_alerts(ws) == {"sent": 1, "held": 1}
    with frozen(datetime(2026, 12, 1, 7, 0, tzinfo=CHINA)):
        assert run_alerts(ws) == {"sent": 1}
    assert [r.grade for r in _log(ws)] == ["II", "III"]


def test_email_alert_reaches_the_smtp_server_once(ws: Workspace, tmp_path: Path) -> None:
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        with ws.db.write() as s:
            ch = factories.alert_channel(s, "email", "duty@district.example")
            factories.alert_rule(s, "II", [ch])
            factories.event(s, "西关路暴雨内涝", grade="I", last_seen_at=T0)
        with frozen(T0):
            run_alerts(ws)
            run_alerts(ws)
    assert len(box.messages) == 1 and "特别重大" in str(box.messages[0][2]["Subject"])


def test_a_claim_left_by_a_dead_worker_is_sent_after_its_lease(ws: Workspace, robot: Recorder) -> None:
    from yuqing.alert.run import LEASE, claim_new, evaluate

    _setup(ws, robot)
    with frozen(T0):
        due, _ = evaluate(ws)
        assert len(claim_new(ws, due, "dead-worker", T0)) == 1  # claimed, then the process died
        assert run_alerts(ws) == {}  # the row exists: nobody else sends
    with frozen(T0 + LEASE - timedelta(seconds=1)):
        assert run_alerts(ws) == {}
    with frozen(T0 + LEASE):
        assert run_alerts(ws) == {"sent": 1}
    assert len(robot.requests) == 1 and [r.status for r in _log(ws)] == ["sent"]


def test_in_app_roles_are_written_with_the_sent_mark(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.alert_rule(s, "III", [factories.alert_channel(s, "inapp", "leader")], roles=["office"])
        factories.event(s, "西关路暴雨内涝", grade="II", last_seen_at=T0)
    with frozen(T0):
        assert run_alerts(ws) == {"sent": 2}
        assert run_alerts(ws) == {}
    with ws.db.read() as s:
        audiences = sorted(s.execute(select(Notification.audience).where(Notification.kind == "alert.fired")).scalars())
    assert audiences == ["leader", "office"]


def test_two_rules_to_one_channel_send_one_message_per_grade(ws: Workspace, robot: Recorder) -> None:
    """Grouped by event and channel (Alertmanager's grouping and inhibition): the office's WeCom group gets one
    message when two rules match, and a grade another rule already sent is not sent again."""
    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
        strict = factories.alert_rule(s, "II", [ch], name="重大及以上")
        broad = factories.alert_rule(s, "IV", [ch], name="全部内涝", keyword="内涝")
        ev = factories.event(s, "西关路暴雨内涝", grade="III", last_seen_at=T0)
    with frozen(T0):
        assert run_alerts(ws) == {"sent": 1}  # only the broad rule matches III
        _grade(ws, ev.id, "II")
        assert run_alerts(ws) == {"sent": 1}  # both match II: one message
        assert run_alerts(ws) == {}
    assert [(r.rule_id, r.grade) for r in _log(ws)] == [(broad.id, "III"), (strict.id, "II")]
    assert len(robot.requests) == 2


def test_pointing_a_failing_channel_elsewhere_retries_at_once(ws: Workspace, robot: Recorder) -> None:
    from tests.factories import ADMIN
    from tests.servers import free_port
    from yuqing.alert.admin import retry_now, update_channel

    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"http://127.0.0.1:{free_port()}/send?key=k")
        factories.alert_rule(s, "II", [ch])
        factories.event(s, "西关路暴雨内涝", grade="II", last_seen_at=T0)
    with frozen(T0):
        assert run_alerts(ws) == {"retrying": 1}
        update_channel(ws, ADMIN, ch.id, target=f"{robot.url}/send?key=k")
        assert run_alerts(ws) == {"sent": 1}  # not waiting for the backoff
        assert retry_now(ws, ADMIN) == 0 and run_alerts(ws) == {}  # nothing failed is left
    assert len(robot.requests) == 1


def test_a_silence_holds_back_what_it_matches_until_it_ends(ws: Workspace, robot: Recorder) -> None:
    from tests.factories import ADMIN
    from yuqing.alert.admin import AlertConfigError, add_silence, end_silence

    with ws.db.write() as s:
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
        office = factories.alert_channel(s, "inapp", "office")
        rule = factories.alert_rule(s, "II", [ch, office])
        ev = factories.event(s, "西关路暴雨内涝", grade="II", last_seen_at=T0)
        other = factories.event(s, "东街积水", grade="II", last_seen_at=T0)
    with frozen(T0):
        sid = add_silence(ws, ADMIN, T0 + timedelta(hours=2), "机器人维护", channel_id=ch.id)
        add_silence(ws, ADMIN, T0 + timedelta(hours=1), "已在处置", rule_id=rule.id, event_id=other.id)
        assert run_alerts(ws) == {"sent": 1, "held": 3}  # only the in-app message about the first event
        with pytest.raises(AlertConfigError, match="理由"):
            add_silence(ws, ADMIN, T0 + timedelta(hours=1), " ", event_id=ev.id)
        with pytest.raises(AlertConfigError, match="至少一项"):
            add_silence(ws, ADMIN, T0 + timedelta(hours=1), "全部")
    with frozen(T0 + timedelta(hours=1)):  # the event's silence is over: its in-app message goes out
        assert run_alerts(ws) == {"sent": 1, "held": 2}
        end_silence(ws, ADMIN, sid)
        assert run_alerts(ws) == {"sent": 2}
        assert run_alerts(ws) == {}
    assert len(robot.requests) == 2 and len(_log(ws)) == 4


def test_a_rule_for_a_unit_fires_for_its_place_and_for_events_with_a_case_assigned_to_it(
        ws: Workspace, robot: Recorder) -> None:
    from tests.factories import ADMIN
    from yuqing.alert.admin import AlertConfigError, add_rule

    with ws.db.write() as s:
        town = factories.unit(s, "桃源镇人民政府", kind="town", place="桃源镇")
        bureau = factories.unit(s, "住建局")
        ch = factories.alert_channel(s, "wecom", f"{robot.url}/send?key=k")
        in_town = factories.event(s, "桃源镇河堤渗水", grade="II", places=[{"name": "桃源镇"}], last_seen_at=T0)
        assigned = factories.event(s, "小区电梯停运", grade="II", last_seen_at=T0)
        factories.case(s, "电梯停运", units=[bureau], event_id=assigned.id)
        factories.event(s, "青石镇道路积水", grade="II", places=["青石镇"], last_seen_at=T0)
    town_rule = add_rule(ws, ADMIN, "桃源镇重大", "II", [ch.id], unit="桃源镇人民政府")
    bureau_rule = add_rule(ws, ADMIN, "住建局重大", "II", [ch.id], unit=str(bureau.id))
    with pytest.raises(AlertConfigError, match="单位"):
        add_rule(ws, ADMIN, "无此单位", "II", [ch.id], unit="不存在的局")
    with frozen(T0):
        assert run_alerts(ws) == {"sent": 2}
    assert sorted((r.rule_id, r.event_id) for r in _log(ws)) == sorted(
        [(town_rule, in_town.id), (bureau_rule, assigned.id)])
    assert town.id != bureau.id
