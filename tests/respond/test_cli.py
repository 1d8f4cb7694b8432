"""`cases remind` and `spotcheck run` read the same settings as the periodic jobs (yuqing.toml / YUQING_*) and act
as the named operator (`--as`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.respond.conftest import Desk
from yuqing.clock import aware, frozen
from yuqing.respond import cases
from yuqing.respond.cli import remind_command, spotcheck_run_command
from yuqing.store.tables import Case
from yuqing.store.tables_case import Reminder, SpotCheckRun


def _setting(desk: Desk, line: str) -> None:
    toml = desk.ws.path / "yuqing.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def test_remind_reads_reminder_before_hours_from_the_settings(desk: Desk) -> None:
    cid = desk.case_to("signed")
    with desk.ws.db.read() as s:
        due = aware(s.get(Case, cid).due_at)
    with frozen(due - timedelta(hours=60)):
        assert remind_command(desk.ws.path, as_user="office").startswith("到期前催办 0 件")  # default: 24 h before
        _setting(desk, "reminder_before_hours = 72")
        assert remind_command(desk.ws.path, as_user="office").startswith("到期前催办 1 件")
    with desk.ws.db.read() as s:
        assert list(s.execute(select(Reminder.kind)).scalars()) == ["before_due"]


def test_remind_reads_supervise_after_hours_from_the_settings(desk: Desk) -> None:
    cid = desk.case_to("signed")
    with desk.ws.db.read() as s:
        due = aware(s.get(Case, cid).due_at)
    _setting(desk, "supervise_after_hours = 2")
    with frozen(due + timedelta(hours=3)):
        assert remind_command(desk.ws.path, as_user="office").endswith("自动督办 1 件")


def test_spotcheck_share_comes_from_the_settings_unless_given(desk: Desk) -> None:
    for _ in range(2):
        cid = desk.case_to("reviewed", grade="IV")
        cases.close(desk.ws, desk.office, cid)
    _setting(desk, "spot_check_share = 1.0")
    out = spotcheck_run_command(desk.ws.path, seed="设置", as_user="office")
    assert "比例 100%" in out
    assert "比例 50%" in spotcheck_run_command(desk.ws.path, share=0.5, seed="参数", as_user="office")
    with desk.ws.db.read() as s:
        assert sorted(r.share for r in s.execute(select(SpotCheckRun)).scalars()) == [0.5, 1.0]


def test_commands_that_change_state_need_a_named_operator(desk: Desk) -> None:
    import pytest

    from yuqing.actions.actors import OperatorRequired
    from yuqing.domain.roles import PermissionDenied

    with pytest.raises(OperatorRequired):
        remind_command(desk.ws.path)
    with pytest.raises(OperatorRequired):
        spotcheck_run_command(desk.ws.path, seed="无人")
    with pytest.raises(PermissionDenied):  # the analyst may not press units
        remind_command(desk.ws.path, as_user="analyst")
