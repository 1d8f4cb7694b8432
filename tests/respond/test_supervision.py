"""督办 and leaders' 批示 (respond.supervision)."""

from __future__ import annotations

import pytest

from yuqing.domain.roles import PermissionDenied
from yuqing.respond import queries, supervision
from yuqing.respond.errors import CaseError


def test_instructions_tracked_to_done(desk):
    cid = desk.case_to("signed")
    with pytest.raises(PermissionDenied):
        supervision.instruct(desk.ws, desk.office, cid, "x")
    ins = supervision.instruct(desk.ws, desk.leader, cid, "请劳动保障局会同桃源镇三日内解决")
    with desk.ws.db.read() as s:
        assert any("批示待落实" in n for n in queries.ledger(s, desk.office)[0].notes)
    done = supervision.complete_instruction(desk.ws, desk.handler, ins.id, "已兑付")
    assert done.status == "done"
    with pytest.raises(CaseError):
        supervision.complete_instruction(desk.ws, desk.handler, ins.id, "again")


def test_manual_supervision(desk):
    cid = desk.case_to("signed")
    with pytest.raises(CaseError):
        supervision.supervise(desk.ws, desk.office, cid, " ")
    sup = supervision.supervise(desk.ws, desk.leader, cid, "群众反映强烈，限期解决", level="leader")
    assert sup.level == "leader" and not sup.automatic
