"""Demo: the 河口镇 flooding handled to the end — a case opened on the event, the grade's tier tasks done, the
unit's feedback approved, the public statement or reply released, two contacts with outlets logged, closed and
evaluated (总结评估), so it appears in the case library (案例库). Everything is fictional. Idempotent (the case
is found again by `extra["demo_case"] == "flood_library"`). Times follow the flooding's last post and never
pass the build's "now".
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of
from yuqing.clock import aware, frozen, utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.roles import Actor
from yuqing.respond import cases, casework, replies, venues
from yuqing.store.tables import Case, Event, User
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)
KEY = "flood_library"
SPAN_HOURS = 80.0

EVALUATION = {
    "overview": "连续两夜强降雨致河口镇沙河沿岸渡口村、河湾村多处进水，网民发布积水、转移视频并质疑排涝迟缓，"
                "信息量第二夜达到高峰，经研判定级后立案交河口镇牵头、应急管理局协办，并上报市级。",
    "handling": "区委成立防汛舆情处置领导小组，召开镇、应急、水务联席会议；河口镇连夜转移安置群众 126 人，"
                "应急管理局调派排涝泵车 4 台；区政府新闻办发布权威通报，说明转移安置、排涝进展和求助电话。",
    "practices": "通报在高峰后 12 小时内发出，附安置点照片和求助电话，网民质疑明显减少；"
                 "主动向报道媒体和本地论坛说明进展，避免旧视频被当作新情况转发。",
    "lessons": "夜间首条求助帖到立案间隔偏长，值班研判应对“暴雨+进水”类信息即时提级；"
               "沿河村组的预警短信覆盖不全，已要求河口镇更新群众联系名单并在汛前演练。",
}
CONTACTS = [
    {"venue": "某市晚报（记者热线）", "explained_by": "区委网宣办 李明（演示）",
     "content": "说明转移安置人数、安置点位置和排涝进展，提供权威通报链接",
     "outcome": "报道采用权威通报数据，更正了“无人救援”的说法", "hours": 40},
    {"venue": "本地论坛“沙河人家”版块", "explained_by": "河口镇党政办 何军（演示）",
     "content": "说明网传“堤坝决口”视频为 2020 年旧视频，附当日现场照片",
     "outcome": "版主将原帖标注“旧视频”并置顶官方说明", "hours": 44},
]


def _people(ws: Workspace) -> dict[str, Actor]:
    with ws.db.read() as s:
        return {u.username: actor_of(u) for u in s.execute(select(User).where(User.username.in_(
            ("analyst", "office", "hekou", "hekou_lead", "yingji", "spokesperson")))).scalars()}


def run(ws: Workspace) -> int | None:
    """Handle the flooding to the end and evaluate it (once). Returns the case id, or None when skipped."""
    with ws.db.read() as s:
        done = [c.id for c in s.execute(select(Case)).scalars() if (c.extra or {}).get("demo_case") == KEY]
        if done:
            return done[0]
        flood = s.execute(select(Event).where(Event.title.contains("河口"), Event.merged_into_id.is_(None))
                          .order_by(Event.item_count.desc())).scalars().first()
    p = _people(ws)
    if flood is None or flood.last_seen_at is None or not {"analyst", "office", "hekou", "hekou_lead"} <= set(p):
        log.warning("演示案例库：缺少河口镇内涝事件或演示用户，跳过")
        return None
    start = aware(flood.last_seen_at) + timedelta(minutes=30)
    latest = utcnow() - timedelta(minutes=5)
    scale = min(1.0, max((latest - start).total_seconds() / 3600 / SPAN_HOURS, 0.01))

    def at(hours: float) -> Any:
        return frozen(start + timedelta(hours=hours * scale))

    with at(0):
        case = cases.open_case(ws, p["analyst"], event_id=flood.id, title="河口镇强降雨内涝、群众转移安置",
                               summary="连续两夜强降雨，河口镇沙河沿岸多村进水，网民集中发帖求助并质疑排涝迟缓。",
                               lead="河口镇", assists=["应急管理局"] if "yingji" in p else [], days=3, then="report")
    cid = case.id
    with ws.db.write() as s:
        row = s.get(Case, cid)
        assert row is not None
        row.extra = {**(row.extra or {}), "demo_case": KEY}
        grade = row.grade
    tasks = grading.TIER_TASKS.get(grade or "IV", ())
    with at(1):
        cases.assign(ws, p["office"], cid)
    with at(1.5):
        casework.sign(ws, p["hekou"], cid)
        if "yingji" in p:
            casework.sign(ws, p["yingji"], cid)
        casework.start(ws, p["hekou"], cid)
    if grading.TASK_LEADING_GROUP in tasks:
        with at(2):
            casework.complete_task(ws, p["office"], cid, grading.TASK_LEADING_GROUP,
                                   "成立防汛舆情处置领导小组，分管副区长任组长")
    if grading.TASK_JOINT_MEETING in tasks:
        with at(3):
            casework.complete_task(ws, p["office"], cid, grading.TASK_JOINT_MEETING,
                                   "河口镇、应急管理局、水务局联席会议，明确转移安置和排涝分工")
    with at(30):
        casework.submit_feedback(ws, p["hekou"], cid,
                                 "已转移安置群众 126 人（渡口村 78 人、河湾村 48 人），安置点供餐供水正常；"
                                 "应急管理局调派排涝泵车 4 台，村内积水已于今日 14 时基本排除，无人员伤亡。")
    with at(31):
        casework.approve_feedback(ws, p["hekou_lead"], cid, "同意上报")
    with at(32):
        casework.review(ws, p["office"], cid, "情况属实")
    kind = "statement" if grading.TASK_STATEMENT in tasks and "spokesperson" in p else "reply"
    with at(33):
        rep = replies.draft_reply(ws, p["office"] if kind == "statement" else p["hekou"], cid, kind=kind)
    approver = p["spokesperson"] if kind == "statement" else p["hekou_lead"]
    with at(34):
        replies.approve_reply(ws, approver, rep.id, approve=True, note="同意发布")
    with at(35):
        replies.release_reply(ws, approver, rep.id, url="https://example.invalid/区政府网/通报/河口镇内涝")
    for c in CONTACTS:
        with at(float(c["hours"])):  # type: ignore[arg-type]
            venues.log_contact(ws, p["office"], cid, venue=str(c["venue"]), explained_by=str(c["explained_by"]),
                               content=str(c["content"]), contacted_at=utcnow(), outcome=str(c["outcome"]))
    with at(48):
        cases.close(ws, p["office"], cid, "积水排除、群众返家，予以销号")
    with at(SPAN_HOURS):
        cases.evaluate(ws, p["office"], cid, EVALUATION)
    return cid


# A second entry of another kind: the couriers' wage case, closed by the demo with the complainant's
# confirmation, evaluated a day after closing (the library has more than one example).
WAGES_TITLE = "快递网点克扣骑手工资"
WAGES_EVALUATION = {
    "overview": "网民在区长留言板反映城东某快递网点克扣骑手工资、拖延结算，帖子被转到本地论坛后讨论增多；"
                "经研判交劳动保障局办理。",
    "handling": "劳动保障局约谈网点负责人，逐一核对骑手考勤与结算记录，督促补发被扣工资；"
                "在留言板公开答复处理结果并留下投诉电话。",
    "practices": "接件当天联系留言人核实情况，答复写明补发金额和投诉渠道，留言人确认问题解决。",
    "lessons": "平台类用工纠纷涉及总部与加盟网点，责任主体不清时应同步联系平台区域负责人；"
               "已将此类网点纳入劳动保障日常巡查名单。",
}


def evaluate_wages(ws: Workspace) -> int | None:
    """总结评估 of the closed wage case (once), so the library holds two cases. None when it is not there."""
    with ws.db.read() as s:
        case = s.execute(select(Case).where(Case.title.contains(WAGES_TITLE))).scalars().first()
        office = s.execute(select(User).where(User.username == "office")).scalar_one_or_none()
    if case is None or office is None or (case.state, "evaluate") not in lc.TRANSITIONS or case.closed_at is None:
        return None
    when = min(aware(case.closed_at) + timedelta(days=1), utcnow() - timedelta(minutes=1))
    with frozen(when):
        cases.evaluate(ws, actor_of(office), case.id, WAGES_EVALUATION)
    return case.id


def demo_step(ws: Workspace, progress: Any = None) -> None:
    """A `yuqing.demo.build.DEMO_STEPS` entry: the evaluated flooding and wage cases in the case library."""
    run(ws)
    evaluate_wages(ws)
