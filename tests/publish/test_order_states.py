"""The correction order's lifecycle table."""

from __future__ import annotations

from yuqing.publish import order_states as o


def test_fix_and_explanation_in_either_order_close_the_order() -> None:
    assert o.next_state(None, o.ISSUE) == o.OPEN
    assert o.next_state(o.next_state(o.OPEN, o.RECHECK_PASSED), o.EXPLAIN) == o.CONFIRMED  # type: ignore[arg-type]
    assert o.next_state(o.next_state(o.OPEN, o.EXPLAIN), o.RECHECK_PASSED) == o.CONFIRMED  # type: ignore[arg-type]
    assert o.next_state(o.OPEN, o.RECHECK_FAILED) == o.OPEN


def test_done_orders_refuse_everything() -> None:
    for state in o.DONE:
        assert o.allowed(state) == []
    assert o.next_state(o.CONFIRMED, o.EXPLAIN) is None
    assert set(o.allowed(o.OPEN)) == {o.RECHECK_PASSED, o.RECHECK_FAILED, o.EXPLAIN, o.CANCEL}
    assert all(s in o.STATES for s in o.ACTIVE | o.DONE) and all(a in o.ACTIONS for _, a in o.TRANSITIONS)
    assert o.UNFIXED < o.ACTIVE and o.label(o.FIXED) == "已整改待说明"
