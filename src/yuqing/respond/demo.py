"""The demo's case story: the wage-arrears event becomes a case and goes round the whole disposal loop.

Routed by rule to the town (属地) and the labour bureau (属事); the town signs, misses a deadline that runs
across National Day 2026, gets a reminder and a 督办, feeds back late with a written explanation; the
reply is approved and released; the office closes it; the weekly spot check fails and reopens it.
Every step is in the case history and the audit log. Times are frozen, so the story is the same each run.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of, create_unit, create_user
from yuqing.actions.actors import jobs_actor, seed_actor
from yuqing.clock import CHINA, frozen
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import Actor
from yuqing.respond import cases, casework, jobs, replies, rules, spotchecks, supervision
from yuqing.respond.routing import propose_units
from yuqing.respond.steps import open_case_for_event
from yuqing.respond.uploads import Upload
from yuqing.store.tables import Case, Event, Item, Unit, User
from yuqing.store.tables_case import Instruction, ResponsibilityRule, SpotCheck
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

STORY = "wages"
TOWN = "青石镇"
LABOUR = "劳动保障局"
OFFICE_UNIT = "区委办公室"
EVENT_TITLE = "青石工业园锦江华府项目拖欠农民工工资"
TOPIC = "劳动保障/欠薪"

# The story's clock (China time). Tue 09-29 + 3 days = Fri 10-02, a holiday → due Thu 10-08 (民法典 第203条).
T = {
    "open": datetime(2026, 9, 29, 9, 30, tzinfo=CHINA),
    "assess": datetime(2026, 9, 29, 9, 40, tzinfo=CHINA),
    "report": datetime(2026, 9, 29, 9, 45, tzinfo=CHINA),
    "assign": datetime(2026, 9, 29, 10, 0, tzinfo=CHINA),
    "sign": datetime(2026, 9, 29, 11, 15, tzinfo=CHINA),
    "sign_assist": datetime(2026, 9, 29, 14, 0, tzinfo=CHINA),
    "start": datetime(2026, 9, 30, 9, 0, tzinfo=CHINA),
    "remind_before": datetime(2026, 10, 7, 11, 0, tzinfo=CHINA),
    "remind_overdue": datetime(2026, 10, 8, 11, 0, tzinfo=CHINA),
    "instruct": datetime(2026, 10, 8, 15, 0, tzinfo=CHINA),
    "supervise": datetime(2026, 10, 9, 11, 0, tzinfo=CHINA),
    "feedback": datetime(2026, 10, 9, 16, 30, tzinfo=CHINA),
    "approve_feedback": datetime(2026, 10, 9, 16, 45, tzinfo=CHINA),
    "review": datetime(2026, 10, 9, 17, 0, tzinfo=CHINA),
    "draft": datetime(2026, 10, 9, 17, 20, tzinfo=CHINA),
    "approve": datetime(2026, 10, 10, 9, 0, tzinfo=CHINA),
    "release": datetime(2026, 10, 10, 9, 30, tzinfo=CHINA),
    "close": datetime(2026, 10, 10, 10, 0, tzinfo=CHINA),
    "draw": datetime(2026, 10, 12, 8, 0, tzinfo=CHINA),
    "check": datetime(2026, 10, 13, 15, 0, tzinfo=CHINA),
}

# A 1×1 PNG: the "photo" attached to the feedback.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def _unit(ws: Workspace, name: str, kind: str, place: str | None = None) -> int:
    with ws.db.read() as s:
        unit_id = s.execute(select(Unit.id).where(Unit.name == name)).scalar_one_or_none()
    return unit_id if unit_id is not None else create_unit(ws, seed_actor(ws), name, kind, place=place).id


def _person(ws: Workspace, role: str, unit: str | None, username: str, display: str) -> Actor:
    """The first active user with this role (and unit), else a new one (random password, demo only)."""
    with ws.db.read() as s:
        stmt = select(User).where(User.role_code == role, User.active.is_(True)).order_by(User.id)
        if unit is not None:
            stmt = stmt.join(Unit, Unit.id == User.unit_id).where(Unit.name == unit)
        user = s.execute(stmt.limit(1)).scalar_one_or_none()
        if user is not None:
            return actor_of(user)
        name = username
        n = 1
        while s.execute(select(User.id).where(User.username == name)).first():
            n += 1
            name = f"{username}{n}"
    return actor_of(create_user(ws, seed_actor(ws), name, display, secrets.token_urlsafe(12), role, unit))


def ensure_rules(ws: Workspace, admin: Actor) -> None:
    """The demo's responsibility list: every town/street by place, wage arrears to the labour bureau."""
    with ws.db.read() as s:
        have = {(r.kind, r.pattern) for r in s.execute(select(ResponsibilityRule)).scalars()}
        places = [(u.name, u.place) for u in s.execute(select(Unit).where(
            Unit.kind.in_(("town", "street")), Unit.place.is_not(None))).scalars()]
    wanted: list[tuple[str, str, str]] = [("place", place or name, name) for name, place in places]
    wanted += [("place", "青石工业园", TOWN), ("matter", TOPIC, LABOUR), ("matter", "欠薪", LABOUR)]
    for kind, pattern, lead in wanted:
        if (kind, pattern) not in have:
            rules.save_rule(ws, admin, kind=kind, pattern=pattern, lead=lead,
                            note="演示数据" if kind == "matter" else "属地管理")
            have.add((kind, pattern))


def _event(ws: Workspace) -> int:
    """The wage-arrears event from analysis if there is one, else one made from the wage posts."""
    with ws.db.write() as s:
        for ev in s.execute(select(Event).order_by(Event.item_count.desc(), Event.id)).scalars():
            if TOPIC in (ev.topics or []) or "欠薪" in ev.title or "锦江华府" in ev.title:
                return ev.id
        items = list(s.execute(select(Item).where(Item.text.contains("欠薪")).order_by(Item.id)).scalars())
        first = min((i.published_at or i.captured_at for i in items), default=None)
        ev = Event(title=EVENT_TITLE, keywords=["欠薪", "锦江华府", "农民工工资"], places=[TOWN, "青石工业园"],
                   topics=[TOPIC], item_count=len(items), grade="III",
                   grade_factors={"演示": "群众切身利益，涉及人数较多"})
        if first is not None:
            ev.first_seen_at = first
        s.add(ev)
        s.flush()
        for item in items:
            if item.event_id is None:
                item.event_id = ev.id
        return ev.id


def run_demo_case_story(ws: Workspace) -> int:
    """Play the wage-arrears story on a demo workspace (idempotent: a second run returns the same case)."""
    with ws.db.read() as s:
        for case in s.execute(select(Case).order_by(Case.id)).scalars():
            if (case.extra or {}).get("demo_story") == STORY:
                return case.id
    _unit(ws, OFFICE_UNIT, "office")
    _unit(ws, TOWN, "town", TOWN)
    _unit(ws, LABOUR, "department")
    analyst = _person(ws, "analyst", None, "analyst", "舆情监测员（演示）")
    office = _person(ws, "office", OFFICE_UNIT, "office", "区委办（演示）")
    town = _person(ws, "unit_handler", TOWN, "qingshi", "青石镇经办人（演示）")
    town_lead = _person(ws, "unit_leader", TOWN, "qingshi_lead", "青石镇镇长（演示）")
    labour = _person(ws, "unit_handler", LABOUR, "labour", "劳动保障局经办人（演示）")
    leader = _person(ws, "leader", None, "leader", "区领导（演示）")
    ensure_rules(ws, office)
    event_id = _event(ws)
    with ws.db.read() as s:
        busy = open_case_for_event(s, event_id)
    if busy is not None:
        log.warning("事件 %s 已有未办结案件 #%s，演示故事不再重复开案", event_id, busy.id)
        return busy.id

    with frozen(T["open"]):
        case = cases.open_case(ws, analyst, title=EVENT_TITLE, event_id=event_id, grade="III",
                                 summary="多名网友反映青石工业园锦江华府项目包工头失联，拖欠农民工工资数十万元，"
                                         "工友聚集讨薪，希望劳动保障部门介入。")
        cid = case.id
        with ws.db.write() as s:
            row = s.get(Case, cid)
            assert row is not None
            row.extra = {**(row.extra or {}), "demo_story": STORY}
    with frozen(T["assess"]):
        cases.assess(ws, analyst, cid, grade="III", note="涉及群众切身利益，人数较多，定为较大（III级）")
    with frozen(T["report"]):
        cases.report(ws, analyst, cid, "报区委办公室交办")
    with frozen(T["assign"]):
        proposal = propose_units(ws, office, cid)
        log.info("交办建议：%s", proposal.explain())
        cases.assign(ws, office, cid, note="按责任清单交办：属地青石镇牵头，劳动保障局协办")
    with frozen(T["sign"]):
        casework.sign(ws, town, cid)
    with frozen(T["sign_assist"]):
        casework.sign(ws, labour, cid)
    with frozen(T["start"]):
        casework.start(ws, town, cid, "已联系项目总包单位核实欠薪人数和金额")
    with frozen(T["remind_before"]):
        jobs.remind_due(ws, jobs_actor(ws))
    with frozen(T["remind_overdue"]):
        jobs.remind_due(ws, jobs_actor(ws))
    with frozen(T["instruct"]):
        supervision.instruct(ws, leader, cid, "请青石镇会同劳动保障局尽快核实，确保农民工工资足额发放，结果报区委办。")
    with frozen(T["supervise"]):
        jobs.remind_due(ws, jobs_actor(ws))  # a day past the deadline: automatic 督办 to the office and leaders
    with frozen(T["feedback"]):
        casework.submit_feedback(
            ws, town, cid,
            "经核实，锦江华府项目劳务分包负责人失联，涉及农民工 37 人、工资 41.6 万元。镇政府会同劳动保障局"
            "约谈总包单位，已由总包单位先行垫付全部工资，于 10 月 9 日发放到位。",
            explanation="国庆假期期间总包单位财务人员无法到岗，未能在 10 月 8 日前完成发放核对。",
            attachments=[Upload("工资发放现场.png", PIXEL_PNG),
                         Upload("工资发放明细说明.txt", "37 人，合计 416000 元，已全部签字领取。".encode())])
    with frozen(T["approve_feedback"]):
        casework.approve_feedback(ws, town_lead, cid, "情况属实，同意报区委办")
    with frozen(T["review"]):
        casework.review(ws, office, cid, "反馈内容属实，同意")
        with ws.db.read() as s:
            ins_id = s.execute(select(Instruction.id).where(Instruction.case_id == cid)).scalar_one()
        supervision.complete_instruction(ws, office, ins_id, "工资已于 10 月 9 日全额发放，已报区领导")
    with frozen(T["draft"]):
        reply = replies.draft_reply(ws, town, cid, kind="reply")
    with frozen(T["approve"]):
        replies.approve_reply(ws, town_lead, reply.id, approve=True, note="同意发布")
    with frozen(T["release"]):
        replies.release_reply(ws, town_lead, reply.id, url="https://example.invalid/区长留言板/113#reply")
    with frozen(T["close"]):
        cases.close(ws, office, cid, "单位报结，予以销号")
    with frozen(T["draw"]):
        draw = jobs.spot_check(ws, jobs_actor(ws), share=0.2, seed="2026-W42-demo")
    with frozen(T["check"]):
        with ws.db.read() as s:
            check = s.execute(select(SpotCheck).where(SpotCheck.case_id == cid, SpotCheck.result == "pending")
                              ).scalar_one_or_none()
        if check is None:  # not in this week's random draw: the office picks it by hand (logged)
            log.info("抽查未抽中演示案件（%s），办公室指定复核", draw)
            check = spotchecks.request_spot_check(ws, office, cid, "领导批示案件，指定复核")
        spotchecks.record_spot_check(ws, office, check.id, passed=False,
                                  note="电话回访工友代表：仍有 5 名工人的工资未结清，反馈与实际不符")
    return cid


def demo_step(ws: Workspace, progress: Any = None) -> None:
    """A `yuqing.demo.build.DEMO_STEPS` entry."""
    run_demo_case_story(ws)


def story_state(ws: Workspace, case_id: int) -> str:
    with ws.db.read() as s:
        case = s.get(Case, case_id)
        return case.state if case else lc.FOUND
