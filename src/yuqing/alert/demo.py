"""Demo: an e-mail channel and a WeCom robot (both pointing at 127.0.0.1 placeholders, so nothing leaves the
machine) and one rule for grade II and above. Nothing is sent to them while the demo is built (fast, offline);
the alert job sends once the service runs — point the channels at real servers with `alerts channel update`.

The duty roster (值班): day shifts 08:30–17:30 (值班员 宋佳, with 区委办 王芳 as 带班领导) and night shifts
17:30–08:30 (值班员 彭磊 alone) from the day before the flooding to a week ahead, and a rule sending grade III
and above to the person on duty. The flooding reached 彭磊 at 23:40 that night; he did not acknowledge it
within the acknowledgement time, so it was escalated once, to the office (the end of the night's chain).

Early warning (预警): a rule sending spikes and emergency keywords to the office and the analysts (in-app). At
02:50 on the flooding's second night the posts about it in the last hour were far above the same hour on the
days before: one spike warning (事件声量突增), with its reason, sent to their inboxes and shown in 预警中心.

Reporting upward (上报市级): the office reported the flooding to the city (the river's flood control is the city's)
the next morning; the city's receiving platform is a webhook placeholder on 127.0.0.1 (report_up_channel), so the
package is kept on the event with its hash and the send shows as failed with its reason — pointed at a real
receiver, 上报市级 on the event page sends the same package again."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.actions.actors import seed_actor
from yuqing.alert.admin import add_channel, add_rule
from yuqing.clock import CHINA, aware, frozen, utcnow
from yuqing.store.tables import Event, Item
from yuqing.store.tables_alert import AlertChannel, DutyShift
from yuqing.workspace import Workspace

EMAIL = ("值班室邮箱", "email", "duty@shili-district.example")
WECOM = ("舆情值班群（企业微信机器人）", "wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=demo-placeholder")
RULE = "重大及以上舆情（II级及以上）"
DUTY_RULE = "较大及以上舆情发值班人员（III级及以上）"
DAY, NIGHT, LEADER = "zhiban_song", "zhiban_peng", "office"
WARNING_RULE = "声量突增与应急关键词预警（站内通知）"
CITY = ("市网信办舆情接收平台（演示）", "webhook", "http://127.0.0.1:9/city/receive")
CITY_REASON = "河口镇内涝涉及沙河跨区河段防汛调度和群众转移安置，需市级统筹"


def demo_step(ws: Workspace, progress: Any = None) -> None:
    _channels(ws)
    _duty(ws)
    _warning(ws)
    _report_up(ws)


def _report_up(ws: Workspace) -> None:
    """The flooding reported to the city the morning after its second night (once: the forward's unique key)."""
    from yuqing.alert.forward import report_up
    from yuqing.store.tables_alert import EventForward

    toml = ws.path / "yuqing.toml"
    if "report_up_channel" not in toml.read_text(encoding="utf-8"):
        with toml.open("a", encoding="utf-8") as f:
            f.write(f'report_up_channel = "{CITY[0]}"  # 上报市级 (demo: a placeholder on 127.0.0.1)\n')
    ws.settings.report_up_channel = CITY[0]
    with ws.db.read() as s:
        if s.execute(select(EventForward.id).limit(1)).first() is not None:
            return
        have = s.execute(select(AlertChannel.id).where(AlertChannel.name == CITY[0])).first() is not None
        flood = next((e for e in s.execute(select(Event).where(Event.merged_into_id.is_(None))
                                           .order_by(Event.id)).scalars() if "河口" in e.title), None)
    if not have:
        add_channel(ws, seed_actor(ws), CITY[1], CITY[0], CITY[2], secret="demo-city-secret")
    if flood is None or flood.last_seen_at is None:
        return
    at = datetime.combine(aware(flood.last_seen_at).astimezone(CHINA).date(), time(9, 10), CHINA)
    from yuqing.accounts import actor_of
    from yuqing.store.tables import User

    with ws.db.read() as s:
        office = s.execute(select(User).where(User.username == LEADER)).scalar_one_or_none()
        actor = actor_of(office) if office is not None else seed_actor(ws)
    with frozen(at):
        report_up(ws, actor, flood.id, CITY_REASON)

def _warning(ws: Workspace) -> None:
    """The spike of the flooding's second night (02:50, the posts of 01:50–02:50), warned in-app."""
    from yuqing.alert.run import claim_new, evaluate, send_one, worker_name
    from yuqing.alert.warnings import detect
    from yuqing.store.tables_alert import AlertRule

    with ws.db.read() as s:
        if s.execute(select(AlertRule.id).where(AlertRule.name == WARNING_RULE)).first() is not None:
            return
        flood = next((e for e in s.execute(select(Event).where(Event.merged_into_id.is_(None))
                                           .order_by(Event.id)).scalars() if "河口" in e.title), None)
    rule_id = add_rule(ws, seed_actor(ws), WARNING_RULE, "I", [], roles=["office", "analyst"], early_warning=True)
    if flood is None:
        return
    with ws.db.read() as s:  # the flooding's busiest hour (the second night), a minute after its last post
        times = sorted(aware(t) for t in s.execute(select(Item.published_at).where(
            Item.event_id == flood.id, Item.published_at.is_not(None))).scalars() if t is not None)
    if not times:
        return
    busiest = max(times, key=lambda t: sum(1 for u in times if t - timedelta(hours=1) < u <= t))
    at = busiest + timedelta(minutes=1)
    with frozen(at):
        detect(ws, at)
        due, _ = evaluate(ws, at, [rule_id])
        worker = worker_name()
        for delivery_id in claim_new(ws, due, worker, at):
            send_one(ws, delivery_id, worker)


def _channels(ws: Workspace) -> None:
    with ws.db.read() as s:
        if s.execute(select(AlertChannel.id).limit(1)).first() is not None:
            return
    actor = seed_actor(ws)
    ids = [add_channel(ws, actor, kind, name, target) for name, kind, target in (EMAIL, WECOM)]
    add_rule(ws, actor, RULE, "II", ids)


def _duty(ws: Workspace) -> None:
    from yuqing.alert.duty import add_shift, escalate_due
    from yuqing.alert.run import claim_new, evaluate, send_one, worker_name

    with ws.db.read() as s:
        if s.execute(select(DutyShift.id).limit(1)).first() is not None:
            return
        flood = next((e for e in s.execute(select(Event).where(Event.merged_into_id.is_(None))
                                           .order_by(Event.id)).scalars() if "河口" in e.title), None)
        seen = aware(flood.last_seen_at) if flood is not None else utcnow()
    actor = seed_actor(ws)
    first = seen.astimezone(CHINA).date() - timedelta(days=1)
    last = max(utcnow().astimezone(CHINA).date(), first) + timedelta(days=7)
    day = first
    while day <= last:
        morning = datetime.combine(day, time(8, 30), CHINA)
        evening = datetime.combine(day, time(17, 30), CHINA)
        add_shift(ws, actor, DAY, morning, evening, 1, "regular", "白班")
        add_shift(ws, actor, LEADER, morning, evening, 2, "regular", "带班")
        add_shift(ws, actor, NIGHT, evening, morning + timedelta(days=1), 1, "regular", "夜班")
        day += timedelta(days=1)
    rule_id = add_rule(ws, actor, DUTY_RULE, "III", [], to_duty=True)
    if flood is None:
        return
    night = datetime.combine(seen.astimezone(CHINA).date(), time(23, 40), CHINA)
    night = night if night >= seen else night + timedelta(days=1)
    with frozen(night):  # the flooding pages the person on duty that night (in-app)
        due, _ = evaluate(ws, night, [rule_id])
        worker = worker_name()
        for delivery_id in claim_new(ws, [d for d in due if d.event_id == flood.id], worker, night):
            send_one(ws, delivery_id, worker)
    with frozen(night + timedelta(minutes=ws.settings.duty_ack_minutes, seconds=1)):
        escalate_due(ws)  # not acknowledged in time: once, to the office (nobody else on the night shift)
