"""The demo's case desk beyond the wage-arrears story: several cases in every state a user should find.

New (已发现/已报送), assigned and overdue, waiting for a unit leader's approval of feedback, waiting for the
spokesperson's approval of a clarification, and closed; each tied to the demo's events where there is one
(night market, manhole, school expansion, food rumour) or opened by hand from a hotline call. The flooding
event of 河口镇 is left without a case, so that a visitor (and the browser test) can open one from its page.
Times are relative to the build, so deadlines read right on the day the demo is built. Everything is
fictional. Idempotent: each case is found again by `extra["demo_case"]`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of
from yuqing.actions.actors import seed_actor
from yuqing.clock import frozen, utcnow
from yuqing.domain.roles import Actor
from yuqing.respond import cases, casework, replies, rules, supervision
from yuqing.respond.demo import PIXEL_PNG
from yuqing.respond.errors import DuplicateOpenCase
from yuqing.respond.uploads import Upload
from yuqing.store.tables import Case, Event, Item, User
from yuqing.store.tables_case import ResponsibilityRule
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

# Matters the demo's responsibility list routes (beside every town/street by place, see respond.demo).
MATTER_RULES: list[tuple[str, str, int, str]] = [
    ("应急/灾害", "应急管理局", 0, "汛期内涝、灾害转移安置"),
    ("食品药品安全", "市场监管局", 1, "食品安全核查由市场监管局牵头"),
    ("夜市", "城管局", 0, "占道经营、夜间噪音"),
    ("井盖", "住建局", 0, "市政设施维修"),
    ("实验小学", "教育局", 1, "学校建设由教育局牵头"),
]


def ensure_matter_rules(ws: Workspace, admin: Actor) -> None:
    """The demo's matter rules, saved by `admin` (the office, else the demo's setup actor)."""
    with ws.db.read() as s:
        have = {(r.kind, r.pattern) for r in s.execute(select(ResponsibilityRule)).scalars()}
    for pattern, lead, priority, note in MATTER_RULES:
        if ("matter", pattern) not in have:
            rules.save_rule(ws, admin, kind="matter", pattern=pattern, lead=lead, priority=priority, note=note)


def _user(ws: Workspace, username: str) -> Actor | None:
    with ws.db.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        return actor_of(user) if user is not None and user.active else None


def _event(ws: Workspace, *words: str) -> int | None:
    """The largest event whose title, keywords or places carry one of `words` (analysis decides the grouping)."""
    with ws.db.read() as s:
        for ev in s.execute(select(Event).where(Event.merged_into_id.is_(None))
                            .order_by(Event.item_count.desc(), Event.id)).scalars():
            text = ev.title + " ".join(str(k) for k in [*(ev.keywords or []), *(ev.places or [])])
            if any(w in text for w in words):
                return ev.id
    return None


def _story_items(ws: Workspace, story: str) -> tuple[int | None, list[int]]:
    """The event most of a story's posts landed in (the posts carry `extra.story`), and those posts."""
    with ws.db.read() as s:
        rows = s.execute(select(Item.id, Item.event_id, Item.extra)).all()
    ids = [i for i, _, extra in rows if (extra or {}).get("story") == story]
    counts: dict[int, int] = {}
    for _, ev, extra in rows:
        if ev is not None and (extra or {}).get("story") == story:
            counts[ev] = counts.get(ev, 0) + 1
    return (max(counts, key=counts.__getitem__) if counts else None), ids


def _mark(ws: Workspace, case_id: int, key: str) -> None:
    with ws.db.write() as s:
        row = s.get(Case, case_id)
        assert row is not None
        row.extra = {**(row.extra or {}), "demo_case": key}


def _done(ws: Workspace) -> set[str]:
    with ws.db.read() as s:
        return {str((c.extra or {}).get("demo_case")) for c in s.execute(select(Case)).scalars()
                if (c.extra or {}).get("demo_case")}


def _draft(ws: Workspace, event_id: int) -> tuple[str, str, str | None]:
    from yuqing.respond.opening import draft_from_event

    with ws.db.read() as s:
        d = draft_from_event(s, event_id)
    return d.title, d.summary, d.grade


class Clock:
    """Steps of a story, hours after its start (relative to the build)."""

    def __init__(self, days_ago: float):
        self.start = utcnow() - timedelta(days=days_ago)

    def at(self, hours: float) -> Any:
        return frozen(self.start + timedelta(hours=hours))


def _night_market(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """滨江夜市噪音: signed, handled, feedback with a photo waiting for the 滨江街道 leader's approval."""
    eid = _event(ws, "夜市")
    if eid is None:
        return None
    _title, summary, _ = _draft(ws, eid)
    c = Clock(days_ago=2.5)
    with c.at(0):
        case = cases.open_case(ws, p["analyst"], title="滨江夜市夜间噪音扰民、占道经营", summary=summary,
                                 event_id=eid, grade="IV", working_days=5, then="report",
                                 note="多名江景社区居民连续反映，定为一般（IV级）")
    with c.at(1):
        cases.assign(ws, p["office"], case.id, note="按责任清单：属地滨江街道牵头，城管局协办")
    with c.at(3):
        casework.sign(ws, p["binjiang"], case.id)
    with c.at(5):
        casework.sign(ws, p["chengguan"], case.id)
    with c.at(20):
        casework.start(ws, p["binjiang"], case.id, "联合城管中队夜间巡查，约谈夜市管理方")
    with c.at(30):
        casework.contribute(ws, p["chengguan"], case.id,
                           "城管局已对夜市 12 个占道摊位下达整改通知，22:00 后禁止外放音响，夜间巡查持续两周。")
    with c.at(44):
        casework.submit_feedback(ws, p["binjiang"], case.id,
                                "滨江街道会同城管局夜间巡查 3 次，夜市收摊时间调整为 23:00，音响设备全部移除，"
                                "江景社区设置噪音监测点，近三晚监测值均在 55 分贝以下。",
                                attachments=[Upload("夜市整改现场.png", PIXEL_PNG)])
    return case.id


def _rumour(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """桃源镇食堂“过期食材”传言: verified false; the office drafted a clarification for the spokesperson."""
    eid, _ = _story_items(ws, "rumour")
    eid = eid or _event(ws, "食堂", "过期食材")
    if eid is None:
        return None
    title, summary, _ = _draft(ws, eid)
    c = Clock(days_ago=2)
    with c.at(0):
        case = cases.open_case(ws, p["analyst"], title=title, summary=summary, event_id=eid, grade="III",
                                 working_days=5, then="report", note="涉及学生食品安全，传播较快，定为较大（III级）")
    with c.at(0.5):
        cases.assign(ws, p["office"], case.id, note="属事：食品安全由市场监管局牵头，桃源镇协办")
    with c.at(2):
        casework.sign(ws, p["market"], case.id)
    with c.at(2.5):
        casework.sign(ws, p["taoyuan"], case.id)
    with c.at(26):
        casework.submit_feedback(ws, p["market"], case.id,
                                "市场监管局会同教育局对桃源中心小学食堂突击检查：库存食材 43 批次均在保质期内，"
                                "进货台账、留样记录完整，未发现过期食材。网传图片系外省 2019 年旧闻配图。",
                                attachments=[Upload("食堂检查记录.png", PIXEL_PNG)])
    with c.at(28):
        casework.approve_feedback(ws, p["market_lead"], case.id, "检查属实，同意报送")
    with c.at(30):
        casework.review(ws, p["office"], case.id, "核查结论清楚，请起草澄清说明")
    with c.at(32):
        replies.draft_reply(ws, p["office"], case.id, kind="clarification",
                            text="关于网传“桃源镇学校食堂使用过期食材”的情况说明：经区市场监管局会同区教育局现场"
                                 "核查，桃源中心小学食堂库存食材均在保质期内，进货和留样记录完整。网传图片系外地旧闻，"
                                 "与我区无关。欢迎家长和社会各界继续监督。")
    return case.id


def _manhole(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """西关路井盖下沉: assigned to 城西街道, not signed, overdue; the office has pressed it (督办)."""
    eid = _event(ws, "井盖")
    if eid is None:
        return None
    _title, summary, _ = _draft(ws, eid)
    c = Clock(days_ago=6)
    with c.at(0):
        case = cases.open_case(ws, p["office"], title="西关路花园社区段井盖下沉、路面开裂", summary=summary,
                                 event_id=eid, grade="IV", days=3, then="assign",
                                 note="公交线路经过，存在安全隐患")
    with c.at(100):
        supervision.supervise(ws, p["office"], case.id, "已超过办理期限仍未签收，请城西街道立即签收并设置警示")
    return case.id


def _school(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """第一实验小学扩建迟缓: assessed and reported, waiting for the office to assign."""
    eid = _event(ws, "实验小学")
    if eid is None:
        return None
    _title, summary, _ = _draft(ws, eid)
    with Clock(days_ago=0.3).at(0):
        case = cases.open_case(ws, p["analyst"], title="示例区第一实验小学扩建工程逾期未完工", summary=summary,
                                 event_id=eid, grade="III", working_days=5, then="report",
                                 note="家长集中反映，涉及学生就学，建议教育局牵头")
    return case.id


def _hotline_new(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """A hotline call entered by hand, not yet assessed."""
    with Clock(days_ago=0.1).at(0):
        case = cases.open_case(ws, p["analyst"], title="柳湾乡柳湾村自来水发黄有异味（12345 热线转来）",
                                 summary="12345 热线转来：柳湾村三组多户村民反映近一周自来水发黄、有异味，"
                                         "烧开后有沉淀，希望尽快检测水质。来电人已匿名。")
    return case.id


def _hotline_closed(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """敬老院取暖: handled by 青石镇 (grade IV), feedback approved, reviewed and closed."""
    c = Clock(days_ago=12)
    with c.at(0):
        case = cases.open_case(ws, p["analyst"], title="青石镇敬老院暖气不热，老人夜里受冻（领导留言板）",
                                 summary="领导留言板网友反映：青石镇敬老院近一周暖气时断时续，夜间室温不足 15 度。",
                                 grade="IV", lead="青石镇", assists=[], days=3, then="report")
    with c.at(1):
        cases.assign(ws, p["office"], case.id)
    with c.at(2):
        casework.sign(ws, p["qingshi"], case.id)
    with c.at(30):
        casework.submit_feedback(ws, p["qingshi"], case.id,
                                "镇民政办会同供暖公司检修锅炉循环泵，更换老化阀门 4 个，室温恢复至 20 度以上；"
                                "已为每间房增配电热毯。",
                                attachments=[Upload("锅炉检修.png", PIXEL_PNG)])
    with c.at(32):
        casework.approve_feedback(ws, p["qingshi_lead"], case.id, "同意")
    with c.at(34):
        casework.review(ws, p["office"], case.id, "已电话回访敬老院院长，情况属实")
    with c.at(35):
        cases.close(ws, p["office"], case.id, "单位报结，予以销号")
    return case.id


def _wage_courier_closed(ws: Workspace, p: dict[str, Actor]) -> int | None:
    """快递网点克扣工资: grade III, the reply drafted by the unit, approved by its leader, released, closed, then
    confirmed by the riders (满意)."""
    c = Clock(days_ago=9)
    with c.at(0):
        case = cases.open_case(ws, p["analyst"], title="城东某快递网点克扣骑手工资（网民留言）",
                                 summary="网民留言反映：城东街道某快递网点以“罚款”名义克扣 20 余名骑手上月工资。",
                                 grade="III", lead="劳动保障局", assists=[], days=5, then="report")
    with c.at(1):
        cases.assign(ws, p["office"], case.id)
    with c.at(3):
        casework.sign(ws, p["labour"], case.id)
    with c.at(50):
        casework.submit_feedback(ws, p["labour"], case.id,
                                "劳动保障监察大队约谈网点负责人，责令退还违规扣款 3.2 万元，已于本周发放到 23 名骑手；"
                                "网点已修改内部罚款制度。")
    with c.at(52):
        casework.approve_feedback(ws, p["labour_lead"], case.id, "同意上报")
    with c.at(54):
        casework.review(ws, p["office"], case.id, "同意")
    with c.at(55):
        rep = replies.draft_reply(ws, p["labour"], case.id, kind="reply")
    with c.at(58):
        replies.approve_reply(ws, p["labour_lead"], rep.id, approve=True, note="同意回复")
    with c.at(59):
        replies.release_reply(ws, p["labour_lead"], rep.id, url="https://example.invalid/留言板/2207#reply")
    with c.at(60):
        cases.close(ws, p["office"], case.id, "已回复网民，予以销号")
    with c.at(72):  # the riders' representative confirms on the return call (counts in the monthly 满意率)
        cases.confirm(ws, p["office"], case.id, by="骑手代表（电话回访）", note="23 名骑手均已收到退还款项",
                      satisfaction="满意")
    return case.id


STORIES: list[tuple[str, Callable[[Workspace, dict[str, Actor]], int | None]]] = [
    ("hotline_closed", _hotline_closed), ("courier_closed", _wage_courier_closed), ("manhole", _manhole),
    ("rumour", _rumour), ("night_market", _night_market), ("school", _school), ("hotline_new", _hotline_new),
]
PEOPLE = ("analyst", "office", "binjiang", "binjiang_lead", "chengguan", "market", "market_lead", "taoyuan",
          "qingshi", "qingshi_lead", "labour", "labour_lead")


def run_demo_cases(ws: Workspace) -> dict[str, int]:
    """Open the demo's other cases (idempotent). A story whose people or event are missing is skipped."""
    people = {name: a for name in PEOPLE if (a := _user(ws, name)) is not None}
    ensure_matter_rules(ws, people.get("office") or seed_actor(ws))
    done = _done(ws)
    out: dict[str, int] = {}
    for key, story in STORIES:
        if key in done:
            continue
        try:
            cid = story(ws, people)
        except KeyError as exc:  # a demo user is missing from users.json
            log.warning("演示案件 %s 缺少用户 %s，跳过", key, exc)
            continue
        except DuplicateOpenCase as exc:
            log.warning("演示案件 %s：%s", key, exc)
            continue
        if cid is not None:
            _mark(ws, cid, key)
            out[key] = cid
    return out


def demo_step(ws: Workspace, progress: Any = None) -> None:
    """A `yuqing.demo.build.DEMO_STEPS` entry, after the wage-arrears story."""
    run_demo_cases(ws)

