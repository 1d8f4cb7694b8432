"""The demo's inbox: every role that has work waiting sees it in the bell and the 通知 page."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tests.conftest import copy_demo
from tests.servers import free_port
from yuqing.accounts import actor_of
from yuqing.demo.build import build_demo
from yuqing.domain.notifications import kind_label
from yuqing.respond import queries
from yuqing.store.repositories import notifications as repo
from yuqing.store.tables import User


def test_the_bell_shows_work_for_every_role_and_the_inbox_has_several_kinds(tmp_path: Path, database_url: str,
                                                                              demo_template: Path) -> None:
    ws, _ = copy_demo(demo_template, tmp_path / "demo", base_url=f"http://127.0.0.1:{free_port()}")
    try:
        with ws.db.read() as s:
            people = {u.username: actor_of(u) for u in s.execute(select(User)).scalars()}
            unread = {name: repo.unread_count(s, people[name])
                      for name in ("office", "qingshi", "qingshi_lead", "leader", "spokesperson", "admin")}
            kinds = {name: set(repo.kind_counts(s, people[name])) for name in unread}
            mine = queries.my_instructions(s, people["leader"])
            town_approvals = queries.replies_awaiting_approval(s, people["qingshi_lead"])
            spokes_approvals = queries.replies_awaiting_approval(s, people["spokesperson"])
        assert all(n > 0 for n in unread.values()), unread
        assert {"source.down"} <= kinds["admin"]
        assert {"case.reported", "case.feedback", "case.supervision", "case.instruction"} <= kinds["office"]
        assert {"case.assigned", "case.before_due", "case.overdue", "case.supervision",
                "case.instruction", "case.reply_draft"} <= kinds["qingshi"]
        assert {"case.statement_draft"} <= kinds["spokesperson"]
        assert {"case.supervision", "case.instruction_done"} <= kinds["leader"]
        assert all(kind_label(k) != "通知" for ks in kinds.values() for k in ks)  # every kind has its name
        assert sorted(r.done for r in mine) == [False, True]  # one 批示 carried out, one to follow
        assert {"权威发布", "点对点回复"} <= {a.kind_label for a in town_approvals}  # grade III: either may
        assert "权威发布" in [a.kind_label for a in spokes_approvals]
        again, _ = build_demo(ws.path, base_url=f"http://127.0.0.1:{free_port()}")  # idempotent
        with again.db.read() as s:
            assert len(queries.my_instructions(s, people["leader"])) == len(mine)
            assert len(queries.replies_awaiting_approval(s, people["spokesperson"])) == len(spokes_approvals)
        again.db.dispose()
    finally:
        ws.db.dispose()
