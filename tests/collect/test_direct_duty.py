"""Daily submissions (每日报送): the office names the units and their cut-off; 今日无舆情 counts; at 17:00 the
office learns who has not submitted and those units are reminded once; later submissions are late."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from yuqing.accounts import actor_of
from yuqing.clock import CHINA, frozen
from yuqing.collect import direct, direct_duty
from yuqing.collect.direct import DirectReportError, Draft
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.jobs.tasks import SCHEDULE, run_task
from yuqing.reports.daily import daily_report
from yuqing.reports.html import daily_body
from yuqing.reports.render import render_daily
from yuqing.store.tables import AuditEntry, Notification
from yuqing.store.tables_direct import DirectReportMiss
from yuqing.workspace import Workspace

DAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


@pytest.fixture
def units(ws: Workspace) -> dict[str, tuple[int, Actor]]:
    with ws.db.write() as s:
        office = actor_of(factories.user(s, "office", "office", display_name="办公室王"))
        out: dict[str, tuple[int, Actor]] = {"office": (0, office)}
        for code, name in (("yj", "区应急办"), ("wx", "区网宣办"), ("wa", "区网安大队")):
            unit = factories.unit(s, name)
            out[code] = (unit.id, actor_of(factories.user(s, code, "unit_handler", unit, display_name=name + "联络员")))
    office = out["office"][1]
    for code in ("yj", "wx", "wa"):
        direct_duty.set_duty(ws, office, out[code][0])
    return out


def _notes(ws: Workspace, audience: str) -> list[str]:
    with ws.db.read() as s:
        return list(s.execute(select(Notification.title).where(Notification.audience == audience)
                              .order_by(Notification.id)).scalars())


def test_the_cutoff_reminds_who_has_not_submitted_once_and_later_is_late(
        ws: Workspace, units: dict[str, tuple[int, Actor]]) -> None:
    yj, wx, wa = units["yj"], units["wx"], units["wa"]
    with frozen(at(10)):
        direct.report_item(ws, yj[1], Draft(text="东湖公园游船侧翻传言，网友转发较多，需核实", urgency="urgent"))
    with frozen(at(16, 59)):
        direct_duty.submit_nothing(ws, wx[1])
        assert run_task(ws, "direct.cutoff") == {"missing": []}  # not yet 17:00: nobody is missing
        with ws.db.read() as s:
            assert [u.state for u in direct_duty.day_status(s, DAY)] == ["on_time", "pending", "on_time"]
    with frozen(at(17, 5)):
        assert run_task(ws, "direct.cutoff") == {"missing": ["区网安大队"]}
        assert run_task(ws, "direct.cutoff") == {"missing": []}  # once per unit and day
    assert _notes(ws, f"unit:{wa[0]}") == ["请报送今日舆情：11月30日 17:00 截止时间已过，贵单位尚未报送"]
    assert _notes(ws, f"unit:{yj[0]}") == []
    assert _notes(ws, "office")[-1] == "11月30日截止时未报送舆情的单位：区网安大队"
    with frozen(at(18, 20)):
        late = direct_duty.submit_nothing(ws, wa[1])
        assert late.late
        with ws.db.read() as s:
            status = {u.unit: (u.state, u.reminded, u.nothing) for u in direct_duty.day_status(s, DAY)}
            audit = s.execute(select(AuditEntry.action).where(AuditEntry.action.like("direct.%"))).scalars().all()
    assert status == {"区应急办": ("on_time", False, False), "区网宣办": ("on_time", False, True),
                      "区网安大队": ("late", True, True)}
    assert {"direct.duty_set", "direct.report", "direct.nothing", "direct.cutoff_check"} <= set(audit)
    # The next day starts afresh: before 17:00 everyone is pending, nobody is reminded.
    with frozen(at(9, day=date(2026, 12, 1))):
        assert run_task(ws, "direct.cutoff") == {"missing": []}


def test_the_daily_report_lists_submissions_per_unit(ws: Workspace, units: dict[str, tuple[int, Actor]]) -> None:
    with ws.db.write() as s:
        other = factories.unit(s, "青石镇人民政府")
        town = actor_of(factories.user(s, "qs", "unit_handler", other))
    with frozen(at(11)):
        direct.report_item(ws, units["yj"][1], Draft(text="幸福路菜市场门口污水横流三天无人处理"))
        direct.report_item(ws, town, Draft(text="青石镇中学门口交通拥堵，家长投诉"))
    with frozen(at(17, 30)):
        run_task(ws, "direct.cutoff")
        direct_duty.submit_nothing(ws, units["wx"][1])
    with frozen(at(23)), ws.db.read() as s:
        ur = daily_report(s, DAY).unit_reports
    assert ur["available"] and (ur["on_time"], ur["late"], ur["missing"]) == (1, 1, 1)
    assert [(u["unit"], u["state_label"], u["items"], u["first_at"]) for u in ur["units"]] == [
        ("区应急办", "按时报送", 1, "11:00"), ("区网安大队", "未报送", 0, None), ("区网宣办", "迟报", 0, "17:30")]
    assert ur["others"] == [{"name": "青石镇人民政府", "count": 1}]
    with frozen(at(23)), ws.db.read() as s:
        page = str(daily_body(daily_report(s, DAY).figures()))
    row = re.search(r"<tr><td>区应急办</td>.*?</tr>", page)
    assert row and "<td>1</td>" in row.group(0) and "built-in" not in page  # the count, not a method's repr
    # As of 16:30 (when the daily report is made) the cut-off has not passed: not yet due, not missing.
    with frozen(at(16, 30)), ws.db.read() as s:
        early = daily_report(s, DAY).unit_reports
    assert (early["on_time"], early["missing"], early["pending"]) == (1, 0, 2)
    assert (early["as_of"], early["as_of_time"], early["pending_units"]) == ("2026-11-30 16:30", "16:30",
                                                                             ["区网安大队", "区网宣办"])
    assert [u["state_label"] for u in early["units"]] == ["按时报送", "截至16:30未报送", "截至16:30未报送"]
    with frozen(at(16, 30)), ws.db.read() as s:
        text = str(daily_body(daily_report(s, DAY).figures()))
    assert "截至 2026-11-30 16:30（北京时间）" in text and "截至16:30未报送（未到截止时间）2 个：区网安大队、区网宣办" in text
    assert "<td>区网宣办</td><td>17:00</td><td>截至16:30未报送</td>" in text
    with frozen(at(16, 30)), ws.db.read() as s:
        figures = daily_report(s, DAY).figures()
    doc = "\n".join(p.text for p in Document(io.BytesIO(render_daily("docx", figures, who="王", district="示例区"))).paragraphs)
    assert "截至 2026-11-30 16:30（北京时间），每日报送单位 3 个" in doc and "截至16:30未报送（未到截止时间）2 个" in doc
    sheet = load_workbook(io.BytesIO(render_daily("xlsx", figures, who="王", district="示例区")))["单位直报"]
    assert ("区网宣办", "17:00", "截至16:30未报送") in [r[:3] for r in sheet.iter_rows(values_only=True)]
    # Made again at 23:00 the same units read 未报送 / 迟报; the day after, the report covers the whole day.
    assert (ur["as_of"], ur["pending_units"], ur["pending_note"]) == ("2026-11-30 23:00", [], "")
    with frozen(at(9, day=date(2026, 12, 1))), ws.db.read() as s:
        assert daily_report(s, DAY).unit_reports["as_of"] == "2026-11-30 24:00"


def test_only_the_office_configures_and_cutoffs_are_checked(ws: Workspace, units: dict[str, tuple[int, Actor]]) -> None:
    office, (yj_id, yj) = units["office"][1], units["yj"]
    with pytest.raises(PermissionDenied):
        direct_duty.set_duty(ws, yj, yj_id, "18:00")
    with pytest.raises(DirectReportError, match="17:00"):
        direct_duty.set_duty(ws, office, yj_id, "5pm")
    direct_duty.set_duty(ws, office, yj_id, "9:30")
    with frozen(at(9, 45)):
        assert run_task(ws, "direct.cutoff") == {"missing": ["区应急办"]}
        assert direct.report_item(ws, yj, Draft(text="网传区医院停电，实为检修，已有说明")).late
    direct_duty.remove_duty(ws, office, yj_id)
    with ws.db.read() as s:
        assert [u for _, u, _ in direct_duty.duties(s)] == ["区网安大队", "区网宣办"]
        assert s.query(DirectReportMiss).count() == 1
    with pytest.raises(DirectReportError, match="不属于任何单位"):
        direct_duty.submit_nothing(ws, office)
    assert any(p.name == "direct.cutoff" for p in SCHEDULE)
