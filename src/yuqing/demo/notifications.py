"""The demo's inbox: after the wage-arrears story, what waits on each person shows in their 通知.

The failed spot check leaves work behind: the leader gives a second 批示 (open, so his queue shows one done
and one to follow), the town drafts a supplementary reply for its head to approve, the office drafts a
情况通报 for the spokesperson. The dead demo forum is fetched once, so the admin is told it is down.
Idempotent, like every demo step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of
from yuqing.clock import CHINA, frozen
from yuqing.respond import replies, supervision
from yuqing.store.tables import Case, Source, User
from yuqing.store.tables_case import Instruction, Reply
from yuqing.workspace import Workspace

AFTER_CHECK = datetime(2026, 10, 13, 16, 0, tzinfo=CHINA)
INSTRUCTION = "抽查发现仍有 5 名工人工资未结清，请青石镇三日内全部结清，劳动保障局跟踪督促，结果报我。"
REPLY = ("网友您好！针对您反映的锦江华府项目欠薪问题，经复核仍有 5 名工人工资未结清。青石镇已责成总包单位"
         "于 10 月 16 日前全部结清，劳动保障局全程跟踪。结果将在此公布，感谢您的监督。")
STATEMENT = ("关于青石工业园锦江华府项目农民工工资问题的情况通报\n\n近日，网上反映青石工业园锦江华府项目拖欠农民工工资。"
             "经青石镇会同区劳动保障局调查核实，涉及农民工 37 人，其中 32 人工资已于 10 月 9 日足额发放；"
             "其余 5 人的工资将于 10 月 16 日前结清。区委、区政府高度重视，将持续跟踪，欢迎社会各界监督。")


def _people(ws: Workspace) -> dict[str, Any]:
    with ws.db.read() as s:
        users = {u.username: actor_of(u) for u in s.execute(select(User)).scalars()}
    return users


def demo_step(ws: Workspace, progress: Any = None) -> None:
    """A `yuqing.demo.build.DEMO_STEPS` entry: open work after the story, each in someone's inbox."""
    from yuqing.respond.demo import STORY

    people = _people(ws)
    with ws.db.read() as s:
        case = next((c for c in s.execute(select(Case).order_by(Case.id)).scalars()
                     if (c.extra or {}).get("demo_story") == STORY), None)
        if case is None or not {"leader", "office", "qingshi"} <= set(people):
            return
        cid = case.id
        instructed = s.execute(select(Instruction.id).where(Instruction.case_id == cid,
                                                            Instruction.text == INSTRUCTION)).first()
        drafted = {k for (k,) in s.execute(select(Reply.kind).where(Reply.case_id == cid, Reply.status == "draft"))}
    with frozen(AFTER_CHECK):
        if not instructed:
            supervision.instruct(ws, people["leader"], cid, INSTRUCTION, due_at=AFTER_CHECK + timedelta(days=3))
    with frozen(AFTER_CHECK + timedelta(hours=1)):
        if "reply" not in drafted:
            replies.draft_reply(ws, people["qingshi"], cid, kind="reply", text=REPLY)
        if "statement" not in drafted:
            replies.draft_reply(ws, people["office"], cid, kind="statement", text=STATEMENT)


def dead_source_fetched(ws: Workspace, name: str) -> None:
    """Fetch the demo's dead forum once (127.0.0.1:9 refuses), so its failure is in the admin's inbox."""
    from yuqing.collect.sources import collect_once

    with ws.db.read() as s:
        src = s.execute(select(Source).where(Source.name == name)).scalar_one_or_none()
        if src is None or src.last_run_at is not None:
            return
        source_id = src.id
    collect_once(ws, [source_id])
