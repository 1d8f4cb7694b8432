"""A case desk on a real workspace (SQLite, or PostgreSQL with YUQING_TEST_DATABASE_URL): units, people, rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

import yuqing.store.tables_case  # noqa: F401  (until tables.py imports it)
from tests import factories
from yuqing.accounts import actor_of
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
from yuqing.respond import cases, casework, rules
from yuqing.workspace import Workspace

START = datetime(2026, 9, 29, 10, 0, tzinfo=CHINA)  # Tuesday before National Day 2026


@dataclass
class Desk:
    ws: Workspace
    town: int
    other_town: int
    labour: int
    office: Actor
    analyst: Actor
    handler: Actor  # 桃源镇 handler
    town_leader: Actor
    labour_handler: Actor
    other_handler: Actor
    leader: Actor
    spokesperson: Actor

    def event(self, title: str = "桃源镇某工地拖欠农民工工资", places=("桃源镇",), topics=("劳动保障/欠薪",),
              grade: str | None = "III") -> int:
        with self.ws.db.write() as s:
            return factories.event(s, title=title, places=list(places), topics=list(topics), grade=grade).id

    def case_to(self, state: str, *, grade: str | None = "III", event_id: int | None = None) -> int:
        """A case walked along the normal path up to `state` (found … in_progress, feedback drafted and approved
        by the unit leader, reviewed); the assisting unit signs with the lead."""
        ev = event_id if event_id is not None else self.event(grade=grade)
        case = cases.open_case(self.ws, self.analyst, title="拖欠工资", event_id=ev, grade=grade)
        steps = [
            ("assessed", lambda: cases.assess(self.ws, self.analyst, case.id)),
            ("reported", lambda: cases.report(self.ws, self.analyst, case.id)),
            ("assigned", lambda: cases.assign(self.ws, self.office, case.id)),
            ("signed", lambda: (casework.sign(self.ws, self.handler, case.id),
                                casework.sign(self.ws, self.labour_handler, case.id))),
            ("in_progress", lambda: casework.start(self.ws, self.handler, case.id)),
            ("feedback_drafted", lambda: casework.submit_feedback(self.ws, self.handler, case.id, "已督促支付")),
            ("feedback_submitted", lambda: casework.approve_feedback(self.ws, self.town_leader, case.id)),
            ("reviewed", lambda: casework.review(self.ws, self.office, case.id)),
        ]
        if state == "found":
            return case.id
        for name, step in steps:
            step()
            if name == state:
                return case.id
        raise ValueError(state)


@pytest.fixture
def desk(ws: Workspace) -> Iterator[Desk]:
    with frozen(START):
        with ws.db.write() as s:
            town = factories.unit(s, "桃源镇人民政府", kind="town", place="桃源镇")
            other = factories.unit(s, "青石镇人民政府", kind="town", place="青石镇")
            labour = factories.unit(s, "劳动保障局")
            office_unit = factories.unit(s, "区委办公室", kind="office")
            people = {
                "office": factories.user(s, "office", "office", office_unit, display_name="办公室王"),
                "analyst": factories.user(s, "analyst", "analyst", display_name="监测员李"),
                "handler": factories.user(s, "town_h", "unit_handler", town, display_name="桃源镇张"),
                "town_leader": factories.user(s, "town_l", "unit_leader", town, display_name="桃源镇镇长"),
                "labour_handler": factories.user(s, "labour_h", "unit_handler", labour, display_name="劳保局赵"),
                "other_handler": factories.user(s, "other_h", "unit_handler", other, display_name="青石镇孙"),
                "leader": factories.user(s, "leader", "leader", display_name="区长"),
                "spokesperson": factories.user(s, "spokes", "spokesperson", display_name="发言人"),
            }
            actors = {k: actor_of(u) for k, u in people.items()}
            ids = (town.id, other.id, labour.id)
        d = Desk(ws, *ids, **actors)
        rules.save_rule(ws, d.office, kind="place", pattern="桃源镇", lead="桃源镇人民政府")
        rules.save_rule(ws, d.office, kind="place", pattern="青石镇", lead="青石镇人民政府")
        rules.save_rule(ws, d.office, kind="matter", pattern="劳动保障/欠薪", lead="劳动保障局")
        yield d
