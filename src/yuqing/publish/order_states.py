"""The correction order's lifecycle (整改通知), as one table: (state, action) → state. Pure data; the actions in
`publish.corrections` refuse any pair not listed, and the pages show only the buttons the table allows.

A finding on an own channel (a mismatch with the signed text, a wrong word, a broken link) becomes an order to
the owner unit with a deadline in working days. The fix is confirmed only by re-fetching the page and seeing the
finding gone (never on the unit's word), and the unit files its explanation (情况说明); the order is done
(confirmed) when both have happened, in either order.
"""

from __future__ import annotations

OPEN = "open"  # 待整改: issued, the finding still on the page, no explanation yet
EXPLAINED = "explained"  # 已说明待复查: the unit filed its explanation; the re-fetch has not seen the fix yet
FIXED = "fixed"  # 已整改待说明: a re-fetch found the finding gone; the explanation is awaited
CONFIRMED = "confirmed"  # 已办结: fixed (seen by a re-fetch) and explained
CANCELLED = "cancelled"  # 已撤销: issued in error (the office says why)

STATES: dict[str, str] = {OPEN: "待整改", EXPLAINED: "已说明待复查", FIXED: "已整改待说明", CONFIRMED: "已办结",
                          CANCELLED: "已撤销"}
# Grouped so a cancelled order is never counted as fixed, nor an explained one as done.
ACTIVE = frozenset({OPEN, EXPLAINED, FIXED})
UNFIXED = frozenset({OPEN, EXPLAINED})  # the deadline runs against these: overdue when past due_at
DONE = frozenset({CONFIRMED, CANCELLED})

ISSUE, RECHECK_PASSED, RECHECK_FAILED, EXPLAIN, CANCEL = "issue", "recheck_passed", "recheck_failed", "explain", "cancel"
ACTIONS: dict[str, str] = {
    ISSUE: "下达整改通知", RECHECK_PASSED: "复查通过（问题已消除）", RECHECK_FAILED: "复查未通过（问题仍在）",
    EXPLAIN: "提交情况说明", CANCEL: "撤销",
}
TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, ISSUE): OPEN,
    (OPEN, RECHECK_PASSED): FIXED,
    (EXPLAINED, RECHECK_PASSED): CONFIRMED,
    (OPEN, RECHECK_FAILED): OPEN,
    (EXPLAINED, RECHECK_FAILED): EXPLAINED,
    (OPEN, EXPLAIN): EXPLAINED,
    (FIXED, EXPLAIN): CONFIRMED,
    (OPEN, CANCEL): CANCELLED,
    (EXPLAINED, CANCEL): CANCELLED,
    (FIXED, CANCEL): CANCELLED,
}


def next_state(state: str | None, action: str) -> str | None:
    """The state after `action`, or None when the table does not allow it."""
    return TRANSITIONS.get((state, action))


def allowed(state: str) -> list[str]:
    return [a for (s, a) in TRANSITIONS if s == state]


def label(state: str) -> str:
    return STATES.get(state, state)
