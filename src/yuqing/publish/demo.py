"""The demo's own channels (fictional, R-PUBLISH-1, 2, 4): websites and new-media accounts in every admission
state (approved, awaiting review, rejected, closed, never applied — and one without an owner unit), so the
registry's 清理整顿清单 has rows; signed publications in every sign-off state; on the 区政府门户网站 one
article whose live page was edited after sign-off (the alert and the side-by-side diff), and on the 区融媒体中心
list page one article nobody signed; statements filed (申报备案) and approved, beside the case replies the
case desk filed when it released them. The findings go to the alert channels the office chose for them
(发布监管提醒渠道, `routes`): the leaders' inbox and the duty group's robot.

The demo has no internet: the live pages are local fixture pages (made here), read by the same extractor and
compared by the same action as a fetched page (`live.main_text` → `signoff.record_live_check`), the way the
direct-report demo records its evidence. Times are frozen around the demo's latest day; idempotent (nothing
happens once a channel exists).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from yuqing.accounts import actor_of
from yuqing.actions.actors import jobs_actor
from yuqing.clock import CHINA, frozen
from yuqing.domain.roles import Actor
from yuqing.publish import admission, filings, live, registry, signoff
from yuqing.reports.daily import latest_day
from yuqing.store.tables import Event, User
from yuqing.store.tables_publish import Channel
from yuqing.workspace import Workspace

SITE = "https://example.invalid/示例区"
PLAN = "栏目设置：要闻动态、政务公开、政策解读、互动交流；更新机制：重要新闻当日发布，一般新闻每周更新；人员：主编 1 名、编辑 2 名（演示）"
RULES = "三审三校制度；账号密码专人保管、定期更换；突发情况 30 分钟内报告区委网宣办（演示）"

# (key, kind, name, owner unit, cadence, responsible, administrator, applicant, admission story)
CHANNELS: list[tuple[str, str, str, str | None, str, str, str, str, str]] = [
    ("portal", "website", "示例区人民政府门户网站", "区政府办公室", "daily", "区政府办公室副主任（演示）", "信息科 王芳（演示）",
     "office", "approved"),
    ("media", "wechat", "示例区融媒体中心微信公众号", "区融媒体中心", "daily", "区融媒体中心主任（演示）", "新媒体部 陈静（演示）",
     "office", "approved"),
    ("binjiang", "weibo", "滨江街道政务微博", "滨江街道", "weekly", "滨江街道办主任 黄伟（演示）", "滨江街道 郑红（演示）",
     "binjiang", "approved"),
    ("leader", "leader", "区领导赵强实名账号", "区委宣传部", "weekly", "区领导 赵强（演示）", "区委宣传部 陈静（演示）",
     "office", "approved"),
    ("qingshi", "video", "青石镇短视频账号", "青石镇", "weekly", "青石镇镇长 周涛（演示）", "青石镇 刘洋（演示）",
     "qingshi", "applied"),
    ("market", "wechat", "示例区市场监管微信公众号", "市场监管局", "weekly", "市场监管局局长 韩梅（演示）", "市场监管局 冯涛（演示）",
     "market", "applied"),
    ("hekou", "wechat", "河口镇微信公众号", "河口镇", "weekly", "河口镇镇长 马丽（演示）", "河口镇 何军（演示）",
     "hekou", "rejected"),
    ("chengguan", "app", "城管随手拍客户端", "城管局", "weekly", "城管局（演示）", "城管局 邓超（演示）",
     "chengguan", "rejected"),
    ("tourism", "website", "原示例区旅游局网站", "区政府办公室", "weekly", "（机构改革前）", "（无）", "office", "closed"),
    ("chengxi_weibo", "weibo", "原城西街道团工委微博", "城西街道", "weekly", "城西街道（演示）", "（无）", "office", "closed"),
    ("liuwan", "app", "柳湾乡政务客户端", "柳湾乡", "weekly", "柳湾乡（演示）", "柳湾乡（演示）", "office", "none"),
    ("orphan", "wechat", "示例区生活服务号（主办单位不明）", None, "weekly", "", "", "office", "none"),
]

SIGNED_EDITED = ("11月20日，区政府召开第45次常务会议，研究部署今冬明春供暖保障工作。\n"
                 "会议要求，各供热企业要在12月1日前完成全部小区的供热管网检修，确保按时供热。\n"
                 "对群众反映的供热问题，要做到24小时内响应、48小时内解决。")
LIVE_EDITED = ("11月20日，区政府召开第45次常务会议，研究部署今冬明春供暖保障工作。\n"
               "会议要求，各供热企业要在12月15日前完成供热管网检修，确保按时供热。\n"
               "对群众反映的供热问题，要做到24小时内响应、48小时内解决。")
SIGNED_MATCH = ("示例区2026年冬季征兵工作已启动，报名截止时间为12月10日。\n"
                "适龄青年可登录全国征兵网报名，或到户籍所在地乡镇（街道）武装部咨询。")
MEDIA_TEXT = ("“滨江夜跑”健康活动将于本周六19时在滨江公园举行，全程5公里，设亲子组和个人组。\n"
              "活动免费，报名请关注本公众号并回复“夜跑”。")
BINJIANG_TEXT = "滨江街道提醒：本周三9时至17时，滨江路（文化路至解放路段）临时停水，请沿线居民提前储水。"


def page(title: str, body: str) -> bytes:
    """A fixture page as the district's CMS renders an article: navigation, title, date line, body, footer."""
    paras = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/ywdt/'>要闻动态</a></div><h1>{title}</h1>"
            f"<div class='info'>发布时间：2026-11-20 来源：区政府办公室（演示）</div><div id='zoom'>{paras}</div>"
            f"<div class='foot'>主办：示例区人民政府办公室（演示） 网站标识码 0000000000</div></body></html>").encode()


def _actor(ws: Workspace, username: str) -> Actor | None:
    with ws.db.read() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        return actor_of(user) if user is not None and user.active else None


def _at(day: date, days_before: int, hour: int, minute: int = 0) -> datetime:
    d = day - timedelta(days=days_before)
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=CHINA)


def _live(ws: Workspace, actor: Actor, pub_id: int, url: str, title: str, body: str) -> signoff.LiveResult:
    """Check a publication against its fixture page, read by the same extractor as a fetched page."""
    got_title, text = live.main_text(page(title, body), "text/html; charset=utf-8", url)
    return signoff.record_live_check(ws, actor, pub_id, live.LivePage(url, text=text, title=got_title, status=200))


# The leaders' inbox as a channel: they hear of the own channels' worst findings, which otherwise reach only the
# owner unit, the propaganda department and the office.
LEADERS_CHANNEL = ("区领导（站内通知）", "inapp", "leader")


def routes(ws: Workspace, office: Actor) -> None:
    """发布监管提醒渠道 as the office chose them (once, before any finding): a mismatch, an unsigned article, a
    zombie account and an overdue correction order to the leaders' inbox (sent); a mismatch and a zombie also to
    the duty group's WeCom robot (a placeholder on 127.0.0.1: the send fails and waits for its retry, the
    reason shown in 发送记录)."""
    from yuqing.alert.admin import add_channel
    from yuqing.alert.demo import WECOM
    from yuqing.publish.deliver import set_routes
    from yuqing.store.tables_alert import AlertChannel
    from yuqing.store.tables_publish import PublishRoute

    with ws.db.read() as s:
        if s.execute(select(PublishRoute.finding_kind).limit(1)).first() is not None:
            return
        ids = dict(s.execute(select(AlertChannel.name, AlertChannel.id)).all())
    if LEADERS_CHANNEL[0] not in ids:
        name, kind, target = LEADERS_CHANNEL
        ids[name] = add_channel(ws, office, kind, name, target)
    leaders, robot = ids[LEADERS_CHANNEL[0]], ids.get(WECOM[0])
    chosen = {(k, leaders) for k in ("mismatch", "unsigned", "zombie", "overdue")}
    if robot is not None:
        chosen |= {("mismatch", robot), ("zombie", robot)}
    set_routes(ws, office, chosen)


def demo_step(ws: Workspace, progress: Any = None) -> None:
    with ws.db.read() as s:
        if s.execute(select(Channel.id).limit(1)).first() is not None:
            return
        day = latest_day(s)
        flood = s.execute(select(Event.id).where(Event.title.like("%河口镇%")).order_by(Event.id).limit(1)).scalar()
    names = {"office", "leader", "spokesperson", "wangxuan", "binjiang", "binjiang_lead", "qingshi", "market", "hekou",
             "chengguan"}
    people = {n: _actor(ws, n) for n in names}
    if day is None or any(a is None for a in people.values()):
        return
    p: dict[str, Actor] = {k: v for k, v in people.items() if v is not None}
    routes(ws, p["office"])
    ids: dict[str, int] = {}
    with frozen(_at(day, 40, 9)):
        for key, kind, name, unit, cadence, responsible, admin, applicant, _story in CHANNELS:
            by = p["office"] if unit is None or applicant == "office" else p[applicant]
            ids[key] = registry.add_channel(ws, by, kind=kind, name=name, unit=unit,
                                            url=f"{SITE}/{key}/", feed_url=f"{SITE}/{key}/list.html",
                                            cadence=cadence, responsible_person=responsible, administrator=admin,
                                            fictional=True).id
    with frozen(_at(day, 38, 10)):
        for key, *_rest, applicant, story in CHANNELS:
            if story != "none":
                admission.apply_admission(ws, p[applicant], ids[key], construction_plan=PLAN, security_rules=RULES)
    with frozen(_at(day, 35, 15)):
        for key, *_rest, story in CHANNELS:
            if story in ("approved", "closed"):
                admission.review_admission(ws, p["wangxuan"], ids[key], approve=True, note="建设方案和安全管理制度齐全，同意开设")
            elif story == "rejected":
                admission.review_admission(ws, p["wangxuan"], ids[key], approve=False,
                                           note="安全管理制度未明确内容审核人员和应急处置流程，请补充后重新申请")
    with frozen(_at(day, 20, 11)):
        admission.close_channel(ws, p["office"], ids["tourism"], reason="机构改革撤并，职能并入区文化和旅游局网站栏目")
        admission.close_channel(ws, p["wangxuan"], ids["chengxi_weibo"], reason="长期未更新，清理整顿中关停")
    _publications(ws, p, ids, day)
    _filings(ws, p, day, flood)


def _publications(ws: Workspace, p: dict[str, Actor], ids: dict[str, int], day: date) -> None:
    office, leader = p["office"], p["leader"]
    checker = jobs_actor(ws)
    # The portal: one article edited after sign-off (12月1日 → 12月15日, 全部 dropped), one that matches.
    with frozen(_at(day, 3, 9)):
        edited = signoff.draft_publication(ws, office, ids["portal"], title="区政府召开第45次常务会议",
                                           text=SIGNED_EDITED, fictional=True)
        matched = signoff.draft_publication(ws, office, ids["portal"], title="示例区2026年冬季征兵工作启动",
                                            text=SIGNED_MATCH, fictional=True)
    with frozen(_at(day, 3, 10)):
        signoff.sign_publication(ws, leader, edited.id, approve=True)
        signoff.sign_publication(ws, leader, matched.id, approve=True)
    with frozen(_at(day, 3, 11)):
        url = f"{SITE}/portal/ywdt/{edited.id}.html"
        signoff.record_published(ws, office, edited.id, url=url)
        _live(ws, checker, edited.id, url, "区政府召开第45次常务会议", SIGNED_EDITED)
        url2 = f"{SITE}/portal/ywdt/{matched.id}.html"
        signoff.record_published(ws, office, matched.id, url=url2)
        _live(ws, checker, matched.id, url2, "示例区2026年冬季征兵工作启动", SIGNED_MATCH)
    with frozen(_at(day, 1, 16, 30)):  # the page was changed after it went live: the next check sees it
        _live(ws, checker, edited.id, url, "区政府召开第45次常务会议", LIVE_EDITED)
    # Awaiting sign-off, and signed but not yet up.
    with frozen(_at(day, 0, 9)):
        signoff.draft_publication(ws, office, ids["portal"], title="关于开展冬季安全生产大检查的通知",
                                  text="各乡镇（街道）、各部门：为做好冬季安全生产工作，定于12月开展大检查。（演示）",
                                  fictional=True)
        waiting = signoff.draft_publication(ws, p["spokesperson"], ids["media"], title="示例区入选省级文明城区（演示）",
                                            text="近日，示例区入选省级文明城区名单。（演示）", fictional=True)
        signoff.sign_publication(ws, leader, waiting.id, approve=True)
    # 区融媒体中心: a signed article that matches; on its list page an article nobody signed.
    with frozen(_at(day, 2, 18)):
        media = signoff.draft_publication(ws, p["spokesperson"], ids["media"], title="“滨江夜跑”本周六开跑",
                                          text=MEDIA_TEXT, fictional=True)
        signoff.sign_publication(ws, leader, media.id, approve=True)
        media_url = f"{SITE}/media/{media.id}.html"
        signoff.record_published(ws, p["spokesperson"], media.id, url=media_url)
        _live(ws, checker, media.id, media_url, "“滨江夜跑”本周六开跑", MEDIA_TEXT)
    with frozen(_at(day, 1, 8)):
        listing = (f"<html><body><ul><li><a href='{media_url}'>“滨江夜跑”本周六开跑</a></li>"
                   f"<li><a href='{SITE}/media/extra-1.html'>网传“滨江公园夜间封闭”？官方回应来了</a></li></ul></body></html>")
        entries = live.feed_entries(listing.encode(), "text/html; charset=utf-8", f"{SITE}/media/list.html")
        signoff.record_posts(ws, checker, ids["media"], [
            signoff.SeenArticle(url=e.url or "", title=e.title,
                                publication_id=media.id if e.url == media_url else None) for e in entries])
    # The leader's account: a repost nobody signed.
    with frozen(_at(day, 1, 21)):
        signoff.record_posts(ws, checker, ids["leader"], [signoff.SeenArticle(
            url=f"{SITE}/leader/repost-7.html", title="转发：某地网红打卡点推荐（未经签发）")])
    # 滨江街道: the street's own leader signs; a draft sent back for changes.
    with frozen(_at(day, 2, 9)):
        notice = signoff.draft_publication(ws, p["binjiang"], ids["binjiang"], title="滨江路临时停水通知",
                                           text=BINJIANG_TEXT, fictional=True)
        signoff.sign_publication(ws, p["binjiang_lead"], notice.id, approve=True)
        b_url = f"{SITE}/binjiang/{notice.id}"
        signoff.record_published(ws, p["binjiang"], notice.id, url=b_url)
        _live(ws, checker, notice.id, b_url, "滨江路临时停水通知", BINJIANG_TEXT)
    with frozen(_at(day, 1, 10)):  # the street's post was changed afterwards (another stretch of road, later end)
        _live(ws, checker, notice.id, b_url, "滨江路临时停水通知",
              BINJIANG_TEXT.replace("9时至17时", "9时至20时").replace("文化路至解放路段", "文化路至人民路段"))
        back = signoff.draft_publication(ws, p["binjiang"], ids["binjiang"], title="滨江街道开展垃圾分类宣传",
                                         text="滨江街道开展垃圾分类宣传活动，居民踊跃参与，效果显著。", fictional=True)
        signoff.sign_publication(ws, p["binjiang_lead"], back.id, approve=False,
                                 note="请补充活动时间、参与人数，删去“效果显著”等评价性表述")


def _filings(ws: Workspace, p: dict[str, Actor], day: date, flood: int | None) -> None:
    """A spokesperson release on the flooding event, approved; an official statement awaiting approval."""
    if flood is None:
        return
    with frozen(_at(day, 2, 20)):
        release = filings.file_statement(
            ws, p["spokesperson"], kind="spokesperson", title="新闻发言人就河口镇内涝处置情况答记者问（演示）",
            text="针对网民关注的河口镇内涝问题，区新闻发言人介绍：受强降雨影响，河口镇部分村组出现积水，"
                 "全镇已转移群众312人，无人员伤亡，排涝工作正在进行。（演示）",
            url="https://example.invalid/示例区/发布/河口镇内涝答记者问", event_ids=[flood], fictional=True)
    with frozen(_at(day, 2, 21)):
        filings.approve_filing(ws, p["leader"], release.id, approve=True, note="同意发布")
    with frozen(_at(day, 0, 10)):
        filings.file_statement(ws, p["office"], kind="statement", title="关于河口镇灾后重建进展的情况通报（演示）",
                               text="河口镇灾后重建工作有序推进，受损道路已全部抢通，受灾群众已妥善安置。（演示）",
                               event_ids=[flood], fictional=True)
