from __future__ import annotations

from datetime import timedelta

from yuqing.clock import utcnow
from yuqing.lockout import LOCKOUT_FAILURES, LOCKOUT_MINUTES, clear, name_key, reserve_attempt
from yuqing.workspace import Workspace


def test_name_key_folds_spaces_width_case_and_invisible_characters() -> None:
    assert {name_key(n) for n in ("liming", " liming", "liming\t", "\u3000LiMing", "ｌｉｍｉｎｇ", "li\u200bming")} == {"liming"}
    assert name_key("李明") != name_key("李 明")


def test_attempts_are_counted_per_window_and_cleared(ws: Workspace) -> None:
    now = utcnow()
    with ws.db.write() as s:
        assert all(reserve_attempt(s, "liming", now) for _ in range(LOCKOUT_FAILURES))
        assert not reserve_attempt(s, " LIMING", now)
        assert reserve_attempt(s, "wangfang", now)
    later = now + timedelta(minutes=LOCKOUT_MINUTES, seconds=1)
    with ws.db.write() as s:
        assert reserve_attempt(s, "liming", later)  # a new window
        clear(s, "liming")
    with ws.db.write() as s:
        assert all(reserve_attempt(s, "liming", later) for _ in range(LOCKOUT_FAILURES))
