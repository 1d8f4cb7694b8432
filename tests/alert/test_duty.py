"""The duty roster (值班): who is on duty across shift changes (frozen clock), importing a roster from XLSX
(bad rows reported by line, good ones kept), paging the person on duty, escalation exactly once per missed
acknowledgement (then the office), acknowledgement by the signed link (single use, expires) or the inbox."""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.alert.servers import smtp_server
from tests.factories import ADMIN
from yuqing.alert import duty
from yuqing.alert.run import run_alerts
from yuqing.clock import CHINA, frozen
from yuqing.domain import duty as policy
from yuqing.store.tables import AuditEntry, Notification, User
from yuqing.store.tables_alert import AlertDelivery, DutyPage, DutyShift
from yuqing.workspace import Workspace

DAY = datetime(2026, 11, 30, tzinfo=CHINA)  # a Monday


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


def xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _roster(ws: Workspace, **emails: str) -> dict[str, int]:
    """宋佳 on the day shift (08:30–17:30), 彭磊 on the night shift (17:30–08:30), 曹颖 leads both (level 2)."""
    with ws.db.write() as s:
        people = {u: factories.user(s, u, "analyst", display_name=name, email=emails.get(u)).id
                  for u, name in (("songjia", "值班员 宋佳"), ("penglei", "值班员 彭磊"), ("caoying", "带班领导 曹颖"))}
        factories.user(s, "office1", "office")
    rows = [list(policy.ROSTER_COLUMNS[:4]),
            ["2026-11-30 08:30", "2026-11-30 17:30", "宋佳", "值班员"],
            ["2026-11-30 17:30", "2026-12-01 08:30", "penglei", 1],
            [at(8, 30).replace(tzinfo=None), at(8, 30, day=1).replace(tzinfo=None), "曹颖", "带班领导"]]
    result = duty.import_roster(ws, ADMIN, xlsx(rows), "值班表.xlsx")
    assert (result.added, result.errors) == (3, [])
    return people


def _rule_and_event(ws: Workspace, seen: datetime, grade: str = "III") -> int:
    with ws.db.write() as s:
        factories.alert_rule(s, "IV", [], to_duty=True, name="全部舆情→值班")
        return factories.event(s, "西关路暴雨内涝", grade=grade, last_seen_at=seen).id


def _pages(ws: Workspace) -> list[tuple[int, int | None, bool]]:
    with ws.db.read() as s:
        return [(p.step, p.user_id, p.escalated_at is not None)
                for p in s.execute(select(DutyPage).order_by(DutyPage.step)).scalars()]


def _audits(ws: Workspace, action: str) -> int:
    with ws.db.read() as s:
        return int(s.execute(select(func.count(AuditEntry.id)).where(AuditEntry.action == action)).scalar_one())


def test_the_chain_follows_the_shifts_and_emergency_shifts_count_only_in_a_window() -> None:
    shifts = [policy.Shift(1, 10, at(8, 30), at(17, 30)), policy.Shift(2, 11, at(17, 30), at(8, 30, 1)),
              policy.Shift(3, 12, at(0), at(0, day=1), level=2), policy.Shift(4, 13, at(0), at(0, day=1), kind="emergency")]
    assert policy.chain(shifts, at(17, 29), False) == [10, 12]
    assert policy.chain(shifts, at(17, 30), False) == [11, 12]  # the shift changed
    assert policy.chain(shifts, at(12), True) == [13, 10, 12]  # 24-hour duty during a window comes first
    assert policy.gaps(shifts[:1], at(0), at(0, day=1)) == [(at(0), at(8, 30)), (at(17, 30), at(0, day=1))]


def test_the_signed_link_is_ours_expires_and_cannot_be_forged() -> None:
    token = policy.ack_token("key", 7, at(12))
    assert policy.read_token("key", token, at(11)) == 7
    with pytest.raises(policy.TokenError, match="过期"):
        policy.read_token("key", token, at(12, 1))
    with pytest.raises(policy.TokenError, match="无效"):
        policy.read_token("other-key", token, at(11))
    _page, ts, mac = token.split(".")
    with pytest.raises(policy.TokenError, match="无效"):
        policy.read_token("key", f"8.{ts}.{mac}", at(11))
    with pytest.raises(policy.TokenError, match="不完整"):
        policy.read_token("key", "abc", at(11))


def test_import_keeps_the_good_rows_and_reports_each_bad_one_by_line(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "songjia", "analyst", display_name="值班员 宋佳（演示）")
        factories.user(s, "li1", "analyst", display_name="李明")
        factories.user(s, "li2", "office", display_name="李明")
    data = xlsx([["开始时间", "结束时间", "值班人员", "顺位", "类型", "备注"],
                 ["2026-12-01 08:30", "2026-12-01 17:30", "宋佳", 1, "日常值班", "周二白班"],
                 ["2026-12-01 17:30", "2026-12-01 08:30", "宋佳", 1, "", ""],  # ends before it starts
                 ["明天早上", "2026-12-02 08:30", "宋佳", 1, "", ""],
                 [None, None, None, None, None, None],  # an empty row is skipped, not an error
                 ["2026-12-02 08:30", "2026-12-02 17:30", "无此人", 1, "", ""],
                 ["2026-12-02 08:30", "2026-12-02 17:30", "李明", 1, "", ""],  # two accounts of that name
                 ["2026-12-03 00:00", "2026-12-04 00:00", "li2", "带班领导", "应急值班", ""],
                 ["2026-12-03 00:00", "2026-12-04 00:00", "li1", 12, "", ""]])
    result = duty.import_roster(ws, ADMIN, data, "roster.xlsx")
    assert result.added == 2 and result.skipped == 0
    assert [e.split("：")[0] for e in result.errors] == ["第 3 行", "第 4 行", "第 6 行", "第 7 行", "第 9 行"]
    assert "结束时间须晚于开始时间" in result.errors[0] and "无此人" in result.errors[2]
    assert "请改写用户名" in result.errors[3] and "顺位" in result.errors[4]
    again = duty.import_roster(ws, ADMIN, data, "roster.xlsx")  # the same file again adds nothing
    assert (again.added, again.skipped) == (0, 2)
    with ws.db.read() as s:
        shifts = list(s.execute(select(DutyShift).order_by(DutyShift.id)).scalars())
    assert [(x.level, x.kind, x.note) for x in shifts] == [(1, "regular", "周二白班"), (2, "emergency", "")]
    assert shifts[0].starts_at == datetime(2026, 12, 1, 8, 30, tzinfo=CHINA)
    assert _audits(ws, "duty.import") == 2


def test_a_file_that_is_not_a_roster_is_refused_as_a_whole(ws: Workspace) -> None:
    with pytest.raises(duty.RosterError, match="缺少列"):
        duty.import_roster(ws, ADMIN, xlsx([["日期", "人员"], ["2026-12-01", "宋佳"]]))
    with pytest.raises(duty.RosterError, match="XLSX"):
        duty.import_roster(ws, ADMIN, b"not a workbook")
    with pytest.raises(duty.RosterError, match="MB"):
        duty.import_roster(ws, ADMIN, b"x" * (duty.MAX_ROSTER_BYTES + 1))
    big = [list(policy.ROSTER_COLUMNS[:3])] + [["2026-12-01 08:00", "2026-12-01 09:00", "宋佳"]] * (duty.MAX_ROSTER_ROWS + 1)
    with pytest.raises(duty.RosterError, match="分文件"):
        duty.import_roster(ws, ADMIN, xlsx(big))
    from yuqing.domain.roles import PermissionDenied

    with pytest.raises(PermissionDenied):
        duty.import_roster(ws, factories.Actor(user_id=None, name="监测员", role="analyst"), xlsx(big[:2]))


def test_unacknowledged_alert_escalates_once_per_step_across_a_shift_change_then_reaches_the_office(
        ws: Workspace) -> None:
    ws.settings.duty_ack_minutes = 15
    people = _roster(ws)
    _rule_and_event(ws, at(17))
    with frozen(at(17, 20)):
        assert run_alerts(ws) == {"sent": 1}  # 宋佳 is on duty
    assert _pages(ws) == [(0, people["songjia"], False)]
    with frozen(at(17, 34)):
        assert run_alerts(ws) == {}  # not yet
    with frozen(at(17, 35)):  # 宋佳's shift ended at 17:30: the next on duty is 彭磊 (night shift)
        assert run_alerts(ws) == {"escalated": 1}
        assert run_alerts(ws) == {}
    with frozen(at(17, 50)):
        assert run_alerts(ws) == {"escalated": 1}  # 彭磊 missed it too: the shift leader
    with frozen(at(18, 5)):
        assert run_alerts(ws) == {"escalated": 1}  # and then the office
    with frozen(at(23)):
        assert run_alerts(ws) == {}  # the end of the chain: nothing more, ever
    assert _pages(ws) == [(0, people["songjia"], True), (1, people["penglei"], True), (2, people["caoying"], True),
                          (3, None, False)]
    with ws.db.read() as s:
        notes = list(s.execute(select(Notification.audience, Notification.kind).order_by(Notification.id)))
        assert s.execute(select(func.count(AlertDelivery.id))).scalar_one() == 1
    assert notes == [(f"user:{people['songjia']}", "alert.duty"), (f"user:{people['penglei']}", "alert.duty"),
                     (f"user:{people['caoying']}", "alert.duty"), ("office", "alert.escalated")]
    assert _audits(ws, "duty.escalate") == 3


def test_acknowledging_in_the_inbox_stops_the_escalation(ws: Workspace) -> None:
    people = _roster(ws)
    _rule_and_event(ws, at(9))
    with frozen(at(9, 5)):
        run_alerts(ws)
    with ws.db.read() as s:
        page_id = s.execute(select(DutyPage.id)).scalar_one()
        songjia = s.get(User, people["songjia"])
        penglei = s.get(User, people["penglei"])
    from yuqing.accounts import actor_of
    from yuqing.domain.roles import PermissionDenied

    assert songjia is not None and penglei is not None
    with frozen(at(9, 10)), pytest.raises(PermissionDenied):
        duty.acknowledge_page(ws, actor_of(penglei), page_id, "inbox")  # not paged about it
    with frozen(at(9, 12)):
        assert duty.acknowledge_page(ws, actor_of(songjia), page_id, "inbox") is True
        assert duty.acknowledge_page(ws, actor_of(songjia), page_id, "inbox") is False
    with frozen(at(12)):
        assert run_alerts(ws) == {}
    assert _pages(ws) == [(0, people["songjia"], False)]
    with ws.db.read() as s:
        delivery = s.execute(select(AlertDelivery)).scalar_one()
    assert delivery.acknowledged_at == at(9, 12) and _audits(ws, "duty.acknowledge") == 1


def test_the_signed_link_in_the_e_mail_acknowledges_once(ws: Workspace) -> None:
    ws.settings.public_url = "https://yuqing.example.gov.cn"
    _roster(ws, songjia="songjia@district.example")
    _rule_and_event(ws, at(10))
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        with frozen(at(10, 1)):
            run_alerts(ws)
    [(_, to, mail)] = box.messages
    assert to == ["songjia@district.example"]
    body = mail.get_content()  # type: ignore[attr-defined]
    link = next(line for line in body.splitlines() if "/duty/ack/" in line)
    token = link.rsplit("/duty/ack/", 1)[1].strip()
    assert link.startswith("确认收到（无需登录）：https://yuqing.example.gov.cn/duty/ack/")
    with frozen(at(10, 3)):
        assert duty.acknowledge_by_link(ws, token) is True
        assert duty.acknowledge_by_link(ws, token) is False  # single use
    with frozen(at(10, 1) + policy.LINK_VALID + timedelta(seconds=1)), pytest.raises(policy.TokenError, match="过期"):
        duty.acknowledge_by_link(ws, token)
    with ws.db.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "duty.acknowledge")).scalar_one()
    assert entry.actor_name == "值班员 宋佳" and entry.detail["via"] == "消息中的确认链接"


def test_nobody_on_duty_pages_the_office_at_once(ws: Workspace) -> None:
    _rule_and_event(ws, at(3))
    with frozen(at(3, 1)):
        assert run_alerts(ws) == {"sent": 1}
    assert _pages(ws) == [(0, None, False)]
    with frozen(at(9)):
        assert run_alerts(ws) == {}


def test_emergency_shifts_and_no_quiet_hours_while_emergency_mode_is_on(ws: Workspace) -> None:
    from yuqing.collect.schedule import close_windows, open_window

    ws.settings.alert_quiet_hours = "22:00-07:00"
    with ws.db.write() as s:
        factories.user(s, "xuno", "analyst", display_name="许诺")
    duty.add_shift(ws, ADMIN, "许诺", at(0).replace(tzinfo=None), at(0, day=2).replace(tzinfo=None), 1, "emergency")
    with ws.db.write() as s:
        factories.alert_rule(s, "IV", [], to_duty=True)
        factories.event(s, "夜间突发火情", grade="III", last_seen_at=at(23))
    with frozen(at(23)):
        assert run_alerts(ws) == {"held": 1}  # quiet hours; the emergency shift is not in force either
        open_window(ws, ADMIN)
        assert run_alerts(ws) == {"sent": 1}  # 24-hour duty: at once, to the emergency shift
        close_windows(ws, ADMIN)
    with ws.db.read() as s:
        xuno = s.execute(select(User.id).where(User.username == "xuno")).scalar_one()
    assert _pages(ws) == [(0, xuno, False)]


def test_two_runners_racing_escalate_once(ws: Workspace) -> None:
    _roster(ws)
    _rule_and_event(ws, at(9))
    with frozen(at(9, 1)):
        run_alerts(ws)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def work() -> None:
        barrier.wait()
        counts.append(duty.escalate_due(ws))

    threads = [threading.Thread(target=work) for _ in range(4)]
    with frozen(at(9, 30)):  # once, around the threads (the clock is one for the process)
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sorted(counts) == [0, 0, 0, 1] and len(_pages(ws)) == 2 and _audits(ws, "duty.escalate") == 1


def test_hand_over_notes_by_the_person_on_the_shift(ws: Workspace) -> None:
    from yuqing.accounts import actor_of
    from yuqing.domain.roles import PermissionDenied

    people = _roster(ws)
    with ws.db.read() as s:
        shift = s.execute(select(DutyShift).where(DutyShift.user_id == people["songjia"])).scalar_one()
        songjia, penglei = s.get(User, people["songjia"]), s.get(User, people["penglei"])
    assert songjia is not None and penglei is not None
    duty.add_handover(ws, actor_of(songjia), shift.id, "西关路积水已报城管局，夜班请关注18时后的新帖。")
    with pytest.raises(PermissionDenied):
        duty.add_handover(ws, actor_of(penglei), shift.id, "不是我的班")
    with pytest.raises(duty.RosterError, match="内容"):
        duty.add_handover(ws, actor_of(songjia), shift.id, "  ")
    assert _audits(ws, "duty.handover") == 1


def test_a_window_with_a_duty_arrangement_pages_its_people_and_only_while_it_is_on(ws: Workspace) -> None:
    """The roster has 宋佳 on days; a 高考 window 10:00–12:00 names 曹颖 then 彭磊: an alert before the window
    pages 宋佳, one inside it pages 曹颖 and escalates to 彭磊 (not 宋佳), then the office; after it, the roster."""
    from yuqing.collect.sources import plan_window

    people = _roster(ws)
    plan_window(ws, ADMIN, "2027年高考（演练）", at(10).replace(tzinfo=None), at(12).replace(tzinfo=None),
                duty=["caoying", "彭磊"])
    with ws.db.write() as s:
        factories.alert_rule(s, "IV", [], to_duty=True)
        before = factories.event(s, "考点周边交通拥堵", grade="III", last_seen_at=at(9, 58)).id
    with frozen(at(9, 59)):
        assert run_alerts(ws) == {"sent": 1}
    with ws.db.write() as s:
        inside = factories.event(s, "网传高考试题泄露", grade="III", last_seen_at=at(10, 5)).id
    with frozen(at(10, 6)):
        assert run_alerts(ws) == {"sent": 1}
        with ws.db.read() as s:
            assert duty.roster_view(s, at(10, 6))["arrangement"] == ["2027年高考（演练）"]
    minutes = ws.settings.duty_ack_minutes
    with frozen(at(10, 6 + minutes)):
        assert duty.escalate_due(ws) == 2  # 宋佳's page (before the window) and 曹颖's
    with frozen(at(10, 7 + 2 * minutes)):
        assert duty.escalate_due(ws) == 2  # 曹颖 → 彭磊, and 彭磊 → the office
    with ws.db.read() as s:
        assert duty.on_duty(s, at(12, 1)) == [people["songjia"], people["caoying"]]  # the roster again
    with ws.db.read() as s:
        chains = {}
        for p in s.execute(select(DutyPage).order_by(DutyPage.step)).scalars():
            chains.setdefault(p.event_id, []).append(p.user_id)
    # The roster page counts a window's arrangement as cover: no gap during a later window with one.
    plan_window(ws, ADMIN, "中考（演练）", at(9, day=2).replace(tzinfo=None), at(11, day=2).replace(tzinfo=None),
                duty=["宋佳"])
    with ws.db.read() as s:
        assert duty.roster_view(s, at(12, 1), days=3)["gaps"] == [(at(8, 30, day=1), at(9, day=2)),
                                                                   (at(11, day=2), at(12, 1, day=3))]
    # Paged before the window by the roster; escalated inside it to the window's people.
    assert chains[before] == [people["songjia"], people["caoying"], people["penglei"]]
    assert chains[inside] == [people["caoying"], people["penglei"], None]  # the window's arrangement
