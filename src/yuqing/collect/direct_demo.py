"""The demo's 舆情直报 (fictional): the office names 应急管理局, 区委网宣办 and 公安分局网安大队 as units that report
daily by 17:00; on the demo's latest day 应急管理局 reports pasted text (紧急) and then a forum thread by its link,
区委网宣办 a screenshot (made here with Pillow); 网安大队 submits nothing, and at 17:05 the cut-off job reminds it
and tells the office. Times are frozen so the story is the same each run; idempotent.

The link is really fetched: the demo has no internet, so the thread is served for the moment of the report by
a small HTTP server on 127.0.0.1 in this process, and the report goes through the same fetch (collection
client, limits, extraction) and keeps the page as evidence like any collected item.

Planned windows (重要时间节点): the admin plans 元旦假期 and 2027年高考 ahead, and an exam day inside the demo's
week (艺术类专业统考, part of 高考) that the window job switched on at its start and off at its end with the clock
set, so its history shows 已开启 then 已结束 and the sources' intervals going down and back up.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
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


THREAD_TITLE = "河口镇渡口村排涝泵站停电了？积水还在涨"
THREAD = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{THREAD_TITLE} - 示例区论坛</title>
<meta name="publishdate" content="%s"></head><body><div class="post"><h1>{THREAD_TITLE}</h1>
<p class="author">楼主：渡口村民（演示虚构）</p>
<p>渡口村排涝泵站从下午开始停电，泵不转了，村口积水又涨了二十公分。村里还有几户老人没转移，打镇上电话说在协调。
有没有人知道什么时候来电？今晚还要下雨。</p><p>回复 37 · 浏览 2164</p></div></body></html>"""
LINK_NOTE = "本地论坛帖子，称泵站停电、积水上涨，与镇里通报不一致；回复较快增长"


def _serve_thread(published: datetime) -> tuple[Any, str]:
    """A one-page forum on 127.0.0.1 (a free port, this process) for the demo's link report; (server, url)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = (THREAD % published.isoformat()).encode("utf-8")

    class Thread(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = self.path.startswith("/forum/thread-2046.html")
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Thread)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/forum/thread-2046.html"


def link_step(ws: Workspace, day: date) -> None:
    """应急管理局 reports the forum thread by its link at 15:10 (fetched from the local page, kept as evidence)."""
    with ws.db.read() as s:
        if s.execute(select(DirectReport.id).where(DirectReport.kind == "link").limit(1)).first() is not None:
            return
    yingji = _actor(ws, "yingji")
    if yingji is None:
        return
    server, url = _serve_thread(_at(day, 14, 36))
    try:
        with frozen(_at(day, 15, 10)):
            direct.report_item(ws, yingji, direct.Draft(url=url, note=LINK_NOTE, urgency="urgent"),
                               allow_internal=True)  # the demo's own page on 127.0.0.1
    finally:
        server.shutdown()
        server.server_close()


def demo_step(ws: Workspace, progress: Any = None) -> None:
    with ws.db.read() as s:
        day = latest_day(s)
        done = s.execute(select(DirectReport.id).limit(1)).first() is not None
    if done:
        if day is not None:
            link_step(ws, day)  # a workspace built before the link report was in the demo
            _fictional(ws)
        return
    with ws.db.read() as s:
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
    link_step(ws, day)
    with frozen(_at(day, 17, 5)):  # the cut-off job: 网安大队 has not submitted
        direct_duty.check_cutoffs(ws, jobs_actor(ws))
    _fictional(ws)


def _fictional(ws: Workspace) -> None:
    with ws.db.write() as s:  # demo set-up: what the units reported is as fictional as the rest of the district
        s.execute(update(Item).where(Item.id.in_(select(DirectReport.item_id))).values(fictional=True))
    from yuqing.analysis_service import analyse_pending

    analyse_pending(ws)  # the reported items go through analysis like collected ones


# 重要时间节点 planned ahead (fictional district, real exam dates): they show in /windows and switch on by themselves;
# each names its duty arrangement (值班安排): the people paged while it is on.
PLANNED = (("元旦假期", "2026-12-31 18:00", "2027-01-03 23:59", ["元旦", "跨年", "踩踏", "烟花"], 300,
            ["zhiban_song", "zhiban_peng"]),
           ("2027年高考", "2027-06-07 00:00", "2027-06-10 23:59", ["高考", "考场", "泄题", "交通管制"], 120,
            ["zhiban_peng", "zhiban_song"]))
EXAM = "2027年高考艺术类专业统考（本区考点）"  # an exam day inside the demo's week: switched on and off by the job
EXAM_WORDS = ["艺考", "考点", "高考", "泄题"]


def windows_step(ws: Workspace, progress: Any = None) -> None:
    """The admin plans heightened monitoring for New Year, the national exam and, in the demo's week, the art
    exam day; the window job runs at the exam day's start and end (clock set), so it shows 已开启 and 已结束."""
    from yuqing.collect.schedule import switch_windows
    from yuqing.collect.sources import plan_window, windows_list

    admin = _actor(ws, "admin")
    with ws.db.read() as s:
        day = latest_day(s)
    if admin is None or day is None:
        return
    have = {w["name"] for w in windows_list(ws, include_ended=True)}
    for name, start, end, words, interval, people in PLANNED:
        if name not in have:
            plan_window(ws, admin, name, datetime.fromisoformat(start), datetime.fromisoformat(end), [], words,
                        interval, people)
    if EXAM in have:
        return
    exam_day = day - timedelta(days=2)
    starts, ends = _at(exam_day, 7, 30), _at(exam_day, 18, 0)
    with frozen(_at(exam_day - timedelta(days=4), 10, 0)):  # planned ahead, for every collected source
        plan_window(ws, admin, EXAM, starts, ends, [], EXAM_WORDS, 60, ["zhiban_song", "zhiban_peng"])
    jobs = jobs_actor(ws)
    for moment in (starts, ends):
        with frozen(moment + timedelta(seconds=40)):  # the window job's next run after the start, then the end
            switch_windows(ws, jobs)
