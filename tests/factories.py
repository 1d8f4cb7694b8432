"""One factory per entity. Each takes a session, fills sensible defaults and flushes."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from yuqing.accounts import hash_password
from yuqing.clock import utcnow
from yuqing.domain.roles import Actor
from yuqing.store.search import search_text
from yuqing.store.tables import Assignment, Case, Event, EventGrade, FetchRun, Item, Source, Unit, User
from yuqing.store.tables_alert import AlertChannel, AlertRule, AlertRuleChannel
from yuqing.store.tables_case import CaseHistory
from yuqing.store.tables_publish import (
    Channel,
    ChannelApplication,
    ChannelFinding,
    ChannelPost,
    CorrectionOrder,
    Publication,
    PublishDelivery,
    StatementFiling,
    StatementLink,
    WrongWord,
)
from yuqing.store.tables_report import Report, ReportDelivery, ReportRoute

_seq = itertools.count(1)

# An administrator with no account row, for calling actions in tests that need no people.
ADMIN = Actor(user_id=None, name="测试管理员", role="admin")
PASSWORD = "correct-horse-9"
_PASSWORD_HASH = hash_password(PASSWORD)


def unit(session: Session, name: str | None = None, kind: str = "department", **kw: Any) -> Unit:
    row = Unit(name=name or f"测试单位{next(_seq)}", kind=kind, **kw)
    session.add(row)
    session.flush()
    return row


def user(session: Session, username: str | None = None, role: str = "analyst", unit: Unit | None = None,
         **kw: Any) -> User:
    name = username or f"user{next(_seq)}"
    row = User(username=name, display_name=kw.pop("display_name", f"测试用户{name}"),
               password_hash=_PASSWORD_HASH, role_code=role, unit_id=unit.id if unit else None, **kw)
    session.add(row)
    session.flush()
    return row


def source(session: Session, name: str | None = None, kind: str = "file", **kw: Any) -> Source:
    row = Source(name=name or f"来源{next(_seq)}", kind=kind, **kw)
    session.add(row)
    session.flush()
    return row


def item(session: Session, text: str = "西关路路面塌陷", title: str = "", src: Source | None = None,
         published_at: datetime | None = None, **kw: Any) -> Item:
    src = src or source(session)
    n = next(_seq)
    row = Item(source_id=src.id, item_key=kw.pop("item_key", f"k{n}"), title=title, text=text,
               content_hash=kw.pop("content_hash", f"h{n}"), search_text=search_text(title, text),
               published_at=published_at or utcnow(), **kw)
    session.add(row)
    session.flush()
    return row


def event(session: Session, title: str = "测试事件", **kw: Any) -> Event:
    row = Event(title=title, **kw)
    session.add(row)
    session.flush()
    return row


def case(session: Session, title: str = "测试案件", units: list[Unit] | None = None, **kw: Any) -> Case:
    row = Case(title=title, **kw)
    session.add(row)
    session.flush()
    for i, u in enumerate(units or []):
        session.add(Assignment(case_id=row.id, unit_id=u.id, role="lead" if i == 0 else "assist"))
    session.flush()
    return row


def fetch_run(session: Session, src: Source, status: str = "ok", **kw: Any) -> FetchRun:
    row = FetchRun(source_id=src.id, status=status, **kw)
    session.add(row)
    session.flush()
    return row


def alert_channel(session: Session, kind: str = "inapp", target: str = "office", **kw: Any) -> AlertChannel:
    row = AlertChannel(kind=kind, name=kw.pop("name", f"渠道{next(_seq)}"), target=target, **kw)
    session.add(row)
    session.flush()
    return row


def alert_rule(session: Session, min_grade: str = "II", channels: list[AlertChannel] | None = None,
               **kw: Any) -> AlertRule:
    row = AlertRule(name=kw.pop("name", f"预警规则{next(_seq)}"), min_grade=min_grade, **kw)
    session.add(row)
    session.flush()
    session.add_all([AlertRuleChannel(rule_id=row.id, channel_id=c.id) for c in channels or []])
    session.flush()
    return row


def event_grade(session: Session, ev: Event, to_grade: str | None, at: datetime, kind: str = "computed",
                **kw: Any) -> EventGrade:
    row = EventGrade(event_id=ev.id, to_grade=to_grade, at=at, kind=kind, **kw)
    session.add(row)
    session.flush()
    return row


def case_history(session: Session, c: Case, to_state: str | None, at: datetime, action: str = "test",
                 **kw: Any) -> CaseHistory:
    row = CaseHistory(case_id=c.id, to_state=to_state, at=at, action=action,
                      actor_name=kw.pop("actor_name", "测试"), **kw)
    session.add(row)
    session.flush()
    return row


def report(session: Session, period: str = "2026-11-20", kind: str = "daily", **kw: Any) -> Report:
    row = Report(kind=kind, period=period, generated_by=kw.pop("generated_by", "测试"),
                 figures=kw.pop("figures", {}), **kw)
    session.add(row)
    session.flush()
    return row


# --- publishing governance (store/tables_publish.py) ---

def channel(session: Session, name: str | None = None, kind: str = "website", owner: Unit | None = None,
            **kw: Any) -> Channel:
    n = next(_seq)
    row = Channel(kind=kind, name=name or f"测试渠道{n}", owner_unit_id=owner.id if owner else None,
                  url=kw.pop("url", f"http://127.0.0.1/channel{n}/"), **kw)
    session.add(row)
    session.flush()
    return row


def report_route(session: Session, channel: AlertChannel, report_type: str = "daily", enabled: bool = True) -> ReportRoute:
    row = ReportRoute(report_type=report_type, channel_id=channel.id, enabled=enabled)
    session.add(row)
    session.flush()
    return row


def report_delivery(session: Session, rep: Report, channel: AlertChannel, **kw: Any) -> ReportDelivery:
    row = ReportDelivery(report_type=kw.pop("report_type", rep.kind), report_id=rep.id,
                         title=kw.pop("title", f"{rep.kind} {rep.period}"), channel_id=channel.id,
                         channel_name=channel.name, next_attempt_at=kw.pop("next_attempt_at", utcnow()), **kw)
    session.add(row)
    session.flush()
    return row


def publish_delivery(session: Session, ch: Channel, channel: AlertChannel, finding_kind: str = "zombie",
                     **kw: Any) -> PublishDelivery:
    row = PublishDelivery(finding_kind=finding_kind, subject=kw.pop("subject", f"finding:{next(_seq)}"),
                          own_channel_id=ch.id, title=kw.pop("title", f"僵尸账号：{ch.name}"),
                          link=kw.pop("link", f"/channels/{ch.id}"), data=kw.pop("data", {"channel": ch.name}),
                          channel_id=channel.id, channel_name=channel.name,
                          next_attempt_at=kw.pop("next_attempt_at", utcnow()), **kw)
    session.add(row)
    session.flush()
    return row


def channel_application(session: Session, ch: Channel, state: str = "applied", **kw: Any) -> ChannelApplication:
    row = ChannelApplication(channel_id=ch.id, state=state,
                             construction_plan_text=kw.pop("construction_plan_text", "建设方案（测试）"),
                             security_rules_text=kw.pop("security_rules_text", "安全管理制度（测试）"),
                             applicant_name=kw.pop("applicant_name", "测试申请人"), **kw)
    session.add(row)
    session.flush()
    return row


def publication(session: Session, ch: Channel, text: str = "区政府召开常务会议，研究部署冬季供暖工作。",
                state: str = "draft", **kw: Any) -> Publication:
    from yuqing.publish.normalise import content_sha256

    row = Publication(channel_id=ch.id, state=state, title=kw.pop("title", f"测试稿件{next(_seq)}"), text=text,
                      content_sha256=content_sha256(text), uploader_name=kw.pop("uploader_name", "测试上传人"),
                      **kw)
    session.add(row)
    session.flush()
    return row


def channel_post(session: Session, ch: Channel, url: str | None = None, **kw: Any) -> ChannelPost:
    row = ChannelPost(channel_id=ch.id, url=url or f"{ch.url}a{next(_seq)}.html", **kw)
    session.add(row)
    session.flush()
    return row


def channel_finding(session: Session, ch: Channel, kind: str = "wrong_word", key: str | None = None,
                    **kw: Any) -> ChannelFinding:
    row = ChannelFinding(channel_id=ch.id, kind=kind, key=key or f"k{next(_seq)}", **kw)
    session.add(row)
    session.flush()
    return row


def correction_order(session: Session, ch: Channel, finding: ChannelFinding | None = None, **kw: Any) -> CorrectionOrder:
    row = CorrectionOrder(channel_id=ch.id, finding_id=finding.id if finding else None,
                          unit_id=kw.pop("unit_id", ch.owner_unit_id), detail=kw.pop("detail", "请更正"), **kw)
    session.add(row)
    session.flush()
    return row


def statement_filing(session: Session, text: str = "关于某路段施工的情况通报", kind: str = "statement",
                     **kw: Any) -> StatementFiling:
    from yuqing.publish.normalise import content_sha256

    row = StatementFiling(kind=kind, title=kw.pop("title", f"测试通稿{next(_seq)}"), text=text,
                          content_sha256=content_sha256(text), **kw)
    session.add(row)
    session.flush()
    return row


def statement_link(session: Session, filing: StatementFiling, ev: Event | None = None, c: Case | None = None
                   ) -> StatementLink:
    row = StatementLink(filing_id=filing.id, event_id=ev.id if ev else None, case_id=c.id if c else None)
    session.add(row)
    session.flush()
    return row


def wrong_word(session: Session, word: str | None = None, suggestion: str = "", **kw: Any) -> WrongWord:
    row = WrongWord(word=word or f"错词{next(_seq)}", suggestion=suggestion, **kw)
    session.add(row)
    session.flush()
    return row
