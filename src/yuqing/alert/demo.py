"""Demo: an e-mail channel and a WeCom robot (both pointing at 127.0.0.1 placeholders, so nothing leaves the
machine) and one rule for grade II and above. Nothing is sent while the demo is built (fast, offline); the
alert job sends once the service runs — point the channels at real servers with `alerts channel update`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from yuqing.actions.actors import seed_actor
from yuqing.alert.admin import add_channel, add_rule
from yuqing.store.tables_alert import AlertChannel
from yuqing.workspace import Workspace

EMAIL = ("值班室邮箱", "email", "duty@shili-district.example")
WECOM = ("舆情值班群（企业微信机器人）", "wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=demo-placeholder")
RULE = "重大及以上舆情（II级及以上）"


def demo_step(ws: Workspace, progress: Any = None) -> None:
    with ws.db.read() as s:
        if s.execute(select(AlertChannel.id).limit(1)).first() is not None:
            return
    actor = seed_actor(ws)
    ids = [add_channel(ws, actor, kind, name, target) for name, kind, target in (EMAIL, WECOM)]
    add_rule(ws, actor, RULE, "II", ids)
