"""The demo's 舆情直报 (fictional): the office names 应急管理局, 区委网宣办 and 公安分局网安大队 as units that report
daily by 17:00; on the demo's latest day 应急管理局 reports pasted text (紧急) and 区委网宣办 a screenshot (made
here with Pillow); 网安大队 submits nothing, and at 17:05 the cut-off job reminds it and tells the office.
Times are frozen so the story is the same each run; idempotent (nothing happens once a report exists).

A link report is not in the demo: the only local page the demo has is served by the running demo app, which
is not up while the demo is built.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from yuqing.accounts import actor_of
from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, frozen
from yuqing.collect import direct, direct_duty
from yuqing.domain.roles import Actor
from yuqing.reports.daily import latest_day
from yuqing.store.tables import Item, Unit, User
from yuqing.store.tables_direct import DirectReport
from yuqing.workspace import Workspace

DUTY_UNITS = ("应急管理局", "区委网宣办", "公安分局网安大队")
TEXT = ("有网友在本地业主群转发称：河口镇渡口村排涝泵站夜里停电，积水可能再涨，村里还有老人没转移，"
        "“镇上没人管”。该说法与镇里通报的转移情况不一致，转发较快，请核实并及时回应。")
TEXT_NOTE = "业主群截图已由群成员提供，发帖人未公开身份"
SHOT_NOTE = "公众号“示例区生活圈”文章《夜市占道何时休？》截图：称城西街道夜市油烟扰民、占道经营，阅读量已过万"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def screenshot_png() -> bytes:
    """A fictional phone screenshot of an article (Chinese when the WenQuanYi font is installed)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (390, 780), (247, 247, 247))
    draw = ImageDraw.Draw(img)
    try:
        big: Any = ImageFont.truetype(FONT, 22)
        small: Any = ImageFont.truetype(FONT, 15)
        lines = ["夜市占道何时休？", "示例区生活圈 · 演示虚构", "城西街道夜市每晚油烟弥漫，", "摊位占满人行道，居民出行困难……",
                 "阅读 1.2万  在看 356"]
    except OSError:  # no CJK font: a plain mock-up
        big = small = ImageFont.load_default()
        lines = ["Night market article", "(fictional demo)", "", "", "reads 12k"]
    draw.rectangle((0, 0, 390, 56), fill=(255, 255, 255))
    draw.text((16, 84), lines[0], fill=(20, 20, 20), font=big)
    draw.text((16, 122), lines[1], fill=(90, 110, 160), font=small)
    draw.rectangle((16, 160, 374, 360), fill=(205, 190, 160))  # the article's photo
    for n, line in enumerate(lines[2:4]):
        draw.text((16, 380 + 30 * n), line, fill=(40, 40, 40), font=small)
    draw.text((16, 740), lines[4], fill=(120, 120, 120), font=small)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _actor(ws: Workspace, username: str) -> Actor | None:
    with ws.db.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        return actor_of(user) if user is not None and user.active else None


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def demo_step(ws: Workspace, progress: Any = None) -> None:
    with ws.db.read() as s:
        if s.execute(select(DirectReport.id).limit(1)).first() is not None:
            return
        day = latest_day(s)
        units = dict(s.execute(select(Unit.name, Unit.id).where(Unit.name.in_(DUTY_UNITS))).all())
    office, yingji, wangxuan = _actor(ws, "office"), _actor(ws, "yingji"), _actor(ws, "wangxuan")
    if day is None or office is None or yingji is None or wangxuan is None or len(units) != len(DUTY_UNITS):
        return
    with frozen(_at(day, 8, 30)):
        for name in DUTY_UNITS:
            direct_duty.set_duty(ws, office, units[name])
    with frozen(_at(day, 10, 20)):
        direct.report_item(ws, yingji, direct.Draft(text=TEXT, note=TEXT_NOTE, urgency="urgent"))
    with frozen(_at(day, 14, 45)):
        direct.report_item(ws, wangxuan, direct.Draft(
            note=SHOT_NOTE, screenshots=[direct.Screenshot("公众号文章截图.png", screenshot_png())]))
    with frozen(_at(day, 17, 5)):  # the cut-off job: 网安大队 has not submitted
        direct_duty.check_cutoffs(ws, jobs_actor(ws))
    with ws.db.write() as s:  # demo set-up: what the units reported is as fictional as the rest of the district
        s.execute(update(Item).where(Item.id.in_(select(DirectReport.item_id))).values(fictional=True))
    from yuqing.analysis_service import analyse_pending

    analyse_pending(ws)  # the reported items go through analysis like collected ones


# 重要时间节点 planned ahead (fictional district, real exam dates): they show in /windows and switch on by themselves.
PLANNED = (("元旦假期", "2026-12-31 18:00", "2027-01-03 23:59", ["元旦", "跨年", "踩踏", "烟花"], 300),
           ("2027年高考", "2027-06-07 00:00", "2027-06-10 23:59", ["高考", "考场", "泄题", "交通管制"], 120))


def windows_step(ws: Workspace, progress: Any = None) -> None:
    """The admin plans heightened monitoring for New Year and the national exam (idempotent)."""
    from yuqing.collect.sources import plan_window, windows_list

    admin = _actor(ws, "admin")
    if admin is None or windows_list(ws, include_ended=True):
        return
    for name, start, end, words, interval in PLANNED:
        plan_window(ws, admin, name, datetime.fromisoformat(start), datetime.fromisoformat(end), [], words, interval)
