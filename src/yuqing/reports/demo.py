"""The demo's reports: the last two days' daily reports (the jobs account), this month's statistics, this
quarter's bulletin (per-unit rates with formulas) and this year's assessment so far (units, and the own websites
and accounts scored from what the channel checks found), and a special report for the flooding event drafted by
the analyst, revised once, approved by the district leader (separation of duties) and sent by the office.

报告发送渠道: the office chose the daily report for the duty-room mailbox (the default) and the spokesperson's
inbox, special reports for the WeCom duty group and the spokesperson, the monthly statistics for the mailbox.
The latest daily report and the special report went out through them: the spokesperson's inbox received both
(已发送); the mailbox and the WeCom robot are 127.0.0.1 placeholders, so those sends show as 发送失败，等待重试
with their reasons in 发送记录, and go out once the channels point at real servers. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of
from yuqing.actions.actors import jobs_actor
from yuqing.clock import now_local
from yuqing.domain.roles import Actor
from yuqing.reports.daily import latest_day
from yuqing.reports.periodic import MONTHLY, QUARTERLY, YEARLY, parse_period
from yuqing.reports.special_store import (
    APPROVED,
    approve_special,
    deliver_special,
    draft_special,
    list_special,
    revise_special,
)
from yuqing.reports.store import generate_daily, generate_period, get_report
from yuqing.store.tables import Item, User
from yuqing.store.tables_case import CaseHistory
from yuqing.workspace import Workspace

FLOOD_SUGGESTION = (
    "一、河口镇会同应急管理局继续做好渡口村、河口村积水点排涝和群众转移安置，当日向社会发布安置点和绕行信息；\n"
    "二、水务部门对渡口村排水沟开展清淤，并就“每年下大雨都淹”的问题作出整治时间表，在区长留言板统一回复；\n"
    "三、区舆情办每日跟踪舆情走势，对“老人被困”等说法及时核实，必要时发布澄清说明。")


def _actor(ws: Workspace, username: str) -> Actor | None:
    with ws.db.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        return actor_of(user) if user is not None and user.active else None


def _flood_event(ws: Workspace) -> int | None:
    """The event holding most of the flooding story's posts."""
    counts: dict[int, int] = {}
    with ws.db.read() as s:
        for event_id, extra in s.execute(select(Item.event_id, Item.extra).where(Item.event_id.is_not(None))):
            if (extra or {}).get("story") == "flood":
                counts[event_id] = counts.get(event_id, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _periods(ws: Workspace, analyst: Actor) -> None:
    today = now_local().date()
    month = parse_period(MONTHLY, f"{today.year}-{today.month:02d}")
    previous = parse_period(MONTHLY, (month.start - timedelta(days=1)).strftime("%Y-%m"))
    quarter = parse_period(QUARTERLY, f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    with ws.db.read() as s:
        busy_before = s.execute(select(CaseHistory.id).where(CaseHistory.at >= previous.start,
                                                             CaseHistory.at < previous.end).limit(1)).first()
        wanted = [p for p in (quarter, previous if busy_before else None, month)
                  if p is not None and get_report(s, p.key, p.kind) is None]
    for p in wanted:
        generate_period(ws, analyst, p.kind, p.key)


def _special(ws: Workspace, analyst: Actor, leader: Actor, office: Actor | None) -> None:
    event_id = _flood_event(ws)
    if event_id is None:
        return
    with ws.db.read() as s:
        existing = list_special(s, event_id, limit=1)
    if existing:
        if office is not None and existing[0].status == APPROVED:
            deliver_special(ws, office, existing[0].id)
        return
    row = draft_special(ws, analyst, event_id)
    with ws.db.read() as s:
        view = list_special(s, event_id, limit=1)[0]
    summary = view.get().summary + "网民集中反映积水、车辆熄火和排水沟堵塞，也有网民感谢镇干部连夜转移群众。"
    revise_special(ws, analyst, row.id, summary=summary, suggestion=FLOOD_SUGGESTION, note="补充网民关注点和处置建议")
    approve_special(ws, leader, row.id, version=2, note="同意。请河口镇、应急管理局抓紧落实，区舆情办跟踪。")
    if office is not None:  # 报送: the inbox of the leaders and the office, and the channels chosen for it
        deliver_special(ws, office, row.id)


# The spokesperson's inbox as a channel: the reports reach them there, each opening its report page.
SPOKESPERSON_CHANNEL = ("新闻发言人（站内通知）", "inapp", "spokesperson")


def _routes(ws: Workspace, office: Actor) -> None:
    """报告发送渠道 as the office chose them (once): see the module docstring."""
    from yuqing.alert.admin import add_channel
    from yuqing.alert.demo import EMAIL, WECOM
    from yuqing.reports.deliver import set_routes
    from yuqing.store.tables_alert import AlertChannel
    from yuqing.store.tables_report import ReportRoute

    with ws.db.read() as s:
        if s.execute(select(ReportRoute.report_type).limit(1)).first() is not None:
            return
        ids = dict(s.execute(select(AlertChannel.name, AlertChannel.id)).all())
    if SPOKESPERSON_CHANNEL[0] not in ids:
        name, kind, target = SPOKESPERSON_CHANNEL
        ids[name] = add_channel(ws, office, kind, name, target)
    mail, robot, spokes = ids.get(EMAIL[0]), ids.get(WECOM[0]), ids[SPOKESPERSON_CHANNEL[0]]
    chosen = {("daily", spokes), ("special", spokes)}
    if mail is not None:
        chosen |= {("daily", mail), ("monthly", mail)}
    if robot is not None:
        chosen.add(("special", robot))
    set_routes(ws, office, chosen)


def assessment_step(ws: Workspace, progress: Any = None) -> None:
    """This year's assessment so far, made after the own channels were checked (their findings and correction
    orders are what the sites and accounts are scored on). Once."""
    analyst = _actor(ws, "analyst")
    year = parse_period(YEARLY, str(now_local().year))
    with ws.db.read() as s:
        done = get_report(s, year.key, YEARLY) is not None
    if analyst is not None and not done:
        generate_period(ws, analyst, YEARLY, year.key)


def demo_step(ws: Workspace, progress: Any = None) -> None:
    from yuqing.reports.deliver import send_due

    office = _actor(ws, "office")
    if office is not None:
        _routes(ws, office)
    with ws.db.read() as s:
        last = latest_day(s)
        days = [] if last is None else [d for d in (last - timedelta(days=1), last)
                                        if get_report(s, d.isoformat()) is None]
    for day in days:
        # The latest one is announced, as the 16:30 job would: leaders, office and analysts see it in their inbox.
        generate_daily(ws, jobs_actor(ws), day, notify=day == last)
    send_due(ws)  # the latest daily report to its channels, as the 16:30 job sends it
    analyst, leader = _actor(ws, "analyst"), _actor(ws, "leader")
    if analyst is not None:
        _periods(ws, analyst)
        if leader is not None:
            _special(ws, analyst, leader, office)
