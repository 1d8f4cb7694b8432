"""`yuqing deadline`: the same calendar as the cases, with the workspace's calendar.toml on top."""

from __future__ import annotations

import warnings
from datetime import date, datetime

import pytest

from yuqing.domain.deadlines import CalendarGapWarning
from yuqing.respond.calendar import CalendarFileError, load_calendar
from yuqing.respond.cli import CommandError, deadline_command


def test_national_day(tmp_path):
    assert deadline_command(tmp_path, "2026-09-30", 3, None) == "2026-10-08"
    assert deadline_command(tmp_path, "2026-09-30", None, 3) == "2026-10-10"
    assert deadline_command(tmp_path, "2026-09-30T16:45", 3, None) == "2026-10-08 16:45"
    assert deadline_command(tmp_path, "2026-09-29T09:00", None, 2) == "2026-10-08 09:00"


def test_workspace_overrides(tmp_path):
    (tmp_path / "calendar.toml").write_text(
        'holidays = ["2026-10-08..2026-10-09"]\nworkdays = ["2026-10-11"]\n', encoding="utf-8")
    assert deadline_command(tmp_path, "2026-09-30", 3, None) == "2026-10-10"
    assert deadline_command(tmp_path, "2026-09-30", None, 3) == "2026-10-12"  # 10-10, 10-11, 10-12


def test_json_overrides_and_years_without_official_data(tmp_path):
    (tmp_path / "calendar.json").write_text(
        '{"holidays": ["2027-01-01", "2027-02-06..2027-02-12"], "workdays": ["2027-02-14"], "years": [2027]}',
        encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert deadline_command(tmp_path, "2027-02-05", 3, None) == "2027-02-14"  # Sunday make-up workday
        assert deadline_command(tmp_path, "2026-12-31", None, 1) == "2027-01-04"


def test_missing_year_falls_back_and_warns_on_stderr(tmp_path, capsys):
    assert deadline_command(tmp_path, "2027-03-05", 1, None) == "2027-03-08"
    assert "2027 年没有法定节假日数据" in capsys.readouterr().err
    with pytest.warns(CalendarGapWarning):
        load_calendar(tmp_path).due(date(2027, 3, 5), days=1)


def test_case_deadline_in_a_year_without_data_tells_the_admin(desk):
    from sqlalchemy import select

    from yuqing.clock import CHINA, frozen
    from yuqing.respond import cases
    from yuqing.store.tables import Notification

    cid = desk.case_to("reported")
    with frozen(datetime(2027, 3, 5, 10, 0, tzinfo=CHINA)):
        case = cases.assign(desk.ws, desk.office, cid)
    assert case.due_at is not None
    with desk.ws.db.read() as s:
        notes = list(s.execute(select(Notification).where(Notification.kind == "calendar.gap")).scalars())
        assert len(notes) == 1 and notes[0].audience == "admin"


def test_bad_arguments(tmp_path):
    with pytest.raises(CommandError):
        deadline_command(tmp_path, "2026-09-30", 3, 3)
    with pytest.raises(CommandError):
        deadline_command(tmp_path, "2026-09-30", None, None)
    with pytest.raises(CommandError):
        deadline_command(tmp_path, "30/09/2026", 3, None)
    with pytest.raises(CommandError):
        deadline_command(tmp_path, "2026-09-30", -1, None)


def test_bad_calendar_file(tmp_path):
    (tmp_path / "calendar.toml").write_text('holidays = ["2026-13-01"]\n', encoding="utf-8")
    with pytest.raises(CalendarFileError, match=r"calendar\.toml"):
        load_calendar(tmp_path)
    (tmp_path / "calendar.toml").write_text('holidays = ["2026-10-11"]\nworkdays = ["2026-10-11"]\n',
                                            encoding="utf-8")
    with pytest.raises(CalendarFileError, match="同时"):
        load_calendar(tmp_path)


def test_case_desk_commands(ws, tmp_path):
    from tests import factories
    from yuqing.respond.cli import (
        board_command,
        remind_command,
        rules_export_command,
        rules_import_command,
        spotcheck_run_command,
    )

    with ws.db.write() as s:
        factories.user(s, "office", "office")
    assert board_command(ws.path, as_user="office") == "没有在办案件"
    assert remind_command(ws.path, as_user="office").startswith("到期前催办 0 件")
    assert "抽中 无" in spotcheck_run_command(ws.path, 0.2, "s1", as_user="office")
    out = tmp_path / "rules.xlsx"
    assert "导出" in rules_export_command(ws.path, out, as_user="office")
    assert rules_import_command(ws.path, out, as_user="office") == "已导入 0 条责任规则"
    with pytest.raises(CommandError):
        spotcheck_run_command(ws.path, 2.0, as_user="office")
