"""Spot checks (抽查复核) of closed cases: the office picks one by hand or records a result. Passed is the
third closing state (verified); failed reopens the case to the same units and counts against the lead unit.
The weekly random draw is a job (`respond.jobs.spot_check`).
"""

from __future__ import annotations

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain import lifecycle as lc
from yuqing.respond.cases import reopen_in
from yuqing.respond.deadlines import case_detail
from yuqing.respond.errors import CaseError, NotFound
from yuqing.respond.steps import lead_of, load, log, mark, move
from yuqing.store.tables_case import SpotCheck


@action("spot_check.request", permission="cases.spot_check")
def request_spot_check(tx: Tx, case_id: int, reason: str) -> SpotCheck:
    """The office picks one closed case for re-check by hand (beside the weekly random draw), with a reason."""
    if not reason.strip():
        raise CaseError("指定复核须写明理由")
    case = load(tx, case_id)
    if case.state not in lc.CLOSED_STATES:
        raise CaseError("只能复核已销号的案件")
    pending = tx.session.execute(select(SpotCheck.id).where(SpotCheck.case_id == case.id,
                                                            SpotCheck.result == "pending")).first()
    if pending:
        raise CaseError("该案件已在待复核名单中")
    chk = SpotCheck(case_id=case.id, run_id=None, created_at=utcnow(), note="")
    tx.session.add(chk)
    tx.session.flush()
    log(tx, case, "spot_check_requested", reason.strip(), spot_check_id=chk.id)
    return chk


@action("spot_check.record", permission="cases.spot_check")
def record_spot_check(tx: Tx, check_id: int, *, passed: bool, note: str = "", days: int | None = None,
                      working_days: int | None = None) -> SpotCheck:
    """The office records a spot check: passed → the third closing state (verified); failed → the case is
    reopened to the same units with a new deadline, and the failure counts against the lead unit."""
    if not passed and not note.strip():
        raise CaseError("抽查未通过须写明原因")
    chk = tx.session.get(SpotCheck, check_id)
    if chk is None:
        raise NotFound(f"抽查记录 {check_id} 不存在")
    case = load(tx, chk.case_id)
    if chk.result != "pending":
        raise CaseError("该抽查已有结论")
    chk.result = "passed" if passed else "failed"
    chk.checked_by_id, chk.checked_at, chk.note = tx.actor.user_id, utcnow(), note.strip()
    if passed:
        if (case.state, "pass_check") in lc.TRANSITIONS:
            move(tx, case, "pass_check", note, spot_check_id=chk.id)
        else:  # already in follow-up: the level is recorded without moving back
            log(tx, case, "pass_check", note, spot_check_id=chk.id)
        case_detail(tx, case).resolution = lc.RESOLUTION_VERIFIED
    else:
        lead = lead_of(case)
        reopen_in(tx, case, "fail_check", note.strip(), days=days, working_days=working_days,
                  spot_check_id=chk.id)
        mark(tx, lead.unit_id if lead else None, case, "spot_check_failed", note.strip())
    return chk
