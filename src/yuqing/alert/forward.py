"""Reporting upward (上报, R-ALERT-3): an analyst or the office marks an event as belonging to a higher level;
a forward package goes to the city-level recipient through the channel named by the `report_up_channel`
setting, once per event and recipient.

The package (kept on the event as sent, with its SHA-256): the summary (title, time span, posts, places,
topics, link); the grade with each factor's contribution, detail and evidence posts; the key posts (most
reach first) each with its source, address, excerpt, evidence link and content/raw hashes; the handling so
far (each case of the event, its state and lead/assisting units, its last steps); who reported it and why.

`report_up` is one audited action (event.report_up) that records the forward and writes a case-history step
on every case of the event (case.report_up); the package is then sent through the channel adapter and the
outcome kept on the forward. The unique key (event, channel) makes it once per recipient: a second report is
refused (已上报) unless the first send failed, which is then retried with the same package.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import lifecycle as lc
from yuqing.domain.grading import FACTOR_LABELS, GRADE_LABELS
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Assignment, Case, Event, Item, Source, Unit
from yuqing.store.tables_alert import AlertChannel, EventForward
from yuqing.store.tables_case import CaseHistory
from yuqing.workspace import Workspace

KEY_POSTS = 10
STATUS_LABELS = {"sending": "发送中", "sent": "已送达", "failed": "发送失败"}


class ForwardError(ValueError):
    """Reporting upward refused or impossible; the message says why, in Chinese."""


def _t(value: Any) -> str:
    return aware(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def _place(value: Any) -> str:
    return str(value.get("name", "")) if isinstance(value, dict) else str(value)


def channel_of(s: Session, ws: Workspace) -> AlertChannel:
    """The channel named by `report_up_channel` (name or id), active."""
    wanted = (ws.settings.report_up_channel or "").strip()
    if not wanted:
        raise ForwardError("尚未设置上报渠道（设置项 report_up_channel：市级接收方所用的预警渠道名称或编号）")
    row = s.execute(select(AlertChannel).where(or_(
        AlertChannel.name == wanted, AlertChannel.id == (int(wanted) if wanted.isdigit() else -1)))).scalars().first()
    if row is None or not row.active:
        raise ForwardError(f"上报渠道“{wanted}”不存在或已停用")
    return row


def build_package(s: Session, ws: Workspace, event: Event, reason: str, by: str) -> dict[str, Any]:
    from yuqing.analyse.topics import TOPIC_LABELS

    base = ws.settings.public_url.rstrip("/")
    items = list(s.execute(select(Item, Source.name).join(Source, Source.id == Item.source_id)
                           .where(Item.event_id == event.id)).all())
    items.sort(key=lambda r: (-(r[0].reposts + r[0].comments + r[0].likes), r[0].id))
    factors = (event.grade_factors or {}).get("factors", []) if isinstance(event.grade_factors, dict) else []
    posts = [{"id": it.id, "source": source, "url": it.url, "title": it.title,
              "excerpt": (it.text or it.title or "")[:200], "published_at": _t(it.published_at),
              "reach": it.reposts + it.comments + it.likes, "content_hash": it.content_hash,
              "raw_sha256": it.raw_sha256, "evidence": f"{base}/items/{it.id}" if base else f"/items/{it.id}"}
             for it, source in items[:KEY_POSTS]]
    cases = list(s.execute(select(Case).where(Case.event_id == event.id).order_by(Case.id)).scalars())
    handling = []
    for c in cases:
        units = s.execute(select(Unit.name, Assignment.role).join(Unit, Unit.id == Assignment.unit_id)
                          .where(Assignment.case_id == c.id)).all()
        steps = list(s.execute(select(CaseHistory).where(CaseHistory.case_id == c.id)
                               .order_by(CaseHistory.id.desc()).limit(5)).scalars())
        handling.append({"case_id": c.id, "title": c.title, "state": lc.label(c.state),
                         "lead_units": [n for n, r in units if r == "lead"],
                         "assisting_units": [n for n, r in units if r != "lead"],
                         "steps": [{"at": _t(h.at), "by": h.actor_name, "step": h.action,
                                    "to_state": lc.label(h.to_state) if h.to_state else None}
                                   for h in reversed(steps)]})
    return {
        "kind": "yuqing.forward", "version": 1, "district": ws.settings.district_name,
        "reported_by": by, "reported_at": _t(utcnow()), "reason": reason,
        "event": {"id": event.id, "title": event.title, "first_seen": _t(event.first_seen_at),
                  "last_seen": _t(event.last_seen_at), "posts": event.item_count or len(items),
                  "places": [_place(p) for p in event.places or []][:10],
                  "topics": [TOPIC_LABELS.get(str(t), str(t)) for t in event.topics or []][:5],
                  "link": f"{base}/events/{event.id}" if base else f"/events/{event.id}"},
        "grade": {"grade": event.grade, "label": GRADE_LABELS.get(event.grade or "", "未定级"),
                  "score": event.grade_score, "overridden": bool(event.grade_overridden),
                  "reasons": [{"factor": FACTOR_LABELS.get(str(f.get("name")), str(f.get("name"))),
                               "contribution": f.get("contribution"), "detail": f.get("detail", ""),
                               "evidence_item_ids": list(f.get("evidence_item_ids") or [])[:10]}
                              for f in factors if f.get("contribution")]},
        "key_posts": posts,
        "handling": handling,
    }


def package_text(p: dict[str, Any]) -> str:
    """The package for people (e-mail, robots): summary, grade reasons, key posts, handling."""
    ev, grade = p["event"], p["grade"]
    lines = [f"报送单位：{p['district']}（{p['reported_by']}，{p['reported_at']}）", f"上报理由：{p['reason']}",
             f"事件：{ev['title']}", f"时间：{ev['first_seen']} 至 {ev['last_seen']}，信息 {ev['posts']} 条",
             f"地点：{'、'.join(ev['places']) or '未识别'}；领域：{'、'.join(ev['topics']) or '未识别'}",
             f"等级：{grade['label']}" + ("（人工认定）" if grade["overridden"] else ""), "定级依据："]
    lines += [f"- {r['factor']}：+{r['contribution']}（{r['detail']}）" for r in grade["reasons"]] or ["- 无"]
    lines.append("关键信息（附证据链接与哈希）：")
    lines += [f"- [{k['source']}] {k['excerpt'][:80]} {k['published_at']} 证据：{k['evidence']} "
              f"内容哈希 {k['content_hash'][:16]}…" + (f" 原始哈希 {k['raw_sha256'][:16]}…" if k["raw_sha256"] else "")
              for k in p["key_posts"]] or ["- 无"]
    lines.append("处置情况：")
    lines += [f"- 案件 #{c['case_id']}“{c['title']}”：{c['state']}；牵头 {'、'.join(c['lead_units']) or '未交办'}"
              + (f"；协办 {'、'.join(c['assisting_units'])}" if c["assisting_units"] else "") for c in p["handling"]] \
        or ["- 尚未立案"]
    lines.append(f"查看：{ev['link']}")
    return "\n".join(lines)


def digest(package: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(package, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


@action("event.report_up", permission=("events.edit", "cases.dispatch"))
def mark_higher_level(tx: Tx, event_id: int, reason: str) -> int:
    """Mark the event as belonging to a higher level (reason required): record its forward package for the
    configured recipient and a step on each of its cases. Returns the forward's id; refused when it was
    already sent to that recipient (a failed one is handed back to be sent again)."""
    s = tx.session
    if not reason.strip():
        raise ForwardError("请填写上报理由（为什么属于上级处置）")
    event = s.get(Event, event_id)
    if event is None:
        raise NotFound(f"事件 {event_id} 不存在")
    channel = channel_of(s, tx.ws)
    existing = s.execute(select(EventForward).where(EventForward.event_id == event_id,
                                                    EventForward.channel_id == channel.id)).scalar_one_or_none()
    if existing is not None and existing.status != "failed":
        raise ForwardError(f"该事件已于 {_t(existing.created_at)} 上报至“{existing.recipient}”，不再重复上报")
    if existing is not None:
        tx.audit("event.report_up", "event", event_id, recipient=channel.name, forward_id=existing.id, retry=True)
        return existing.id
    package = build_package(s, tx.ws, event, reason.strip(), tx.actor.name)
    row = EventForward(event_id=event_id, channel_id=channel.id, recipient=channel.name, reason=reason.strip(),
                       package=package, package_sha256=digest(package), status="sending",
                       created_by_id=tx.actor.user_id, created_by_name=tx.actor.name, created_at=utcnow())
    s.add(row)
    s.flush()  # the unique key: a racing second report fails here and rolls back
    from yuqing.respond.steps import log as case_log

    for case in s.execute(select(Case).where(Case.event_id == event_id)).scalars():
        case_log(tx, case, "report_up", reason.strip(), recipient=channel.name, forward_id=row.id)
    tx.audit("event.report_up", "event", event_id, recipient=channel.name, forward_id=row.id,
             package_sha256=row.package_sha256)
    return row.id


def send_forward(ws: Workspace, forward_id: int) -> str:
    """Send a recorded forward through its channel's adapter; returns "" when delivered, else the reason."""
    from yuqing.alert.channels import ChannelSpec, SendError, make_channel
    from yuqing.domain.alerts import AlertMessage

    with ws.db.read() as s:
        row = s.get(EventForward, forward_id)
        channel = s.get(AlertChannel, row.channel_id) if row is not None else None
        if row is None or channel is None or row.status == "sent":
            return "" if row is not None and row.status == "sent" else "上报记录或渠道不存在"
        spec = ChannelSpec(channel.id, channel.name, channel.kind, channel.target, channel.secret,
                           dict(channel.config or {}))
        package = dict(row.package)
    message = AlertMessage(delivery_id=forward_id, rule_name="上报", event_id=package["event"]["id"],
                           event_title=package["event"]["title"], grade=package["grade"]["grade"] or "",
                           subject=f"【舆情上报】{package['district']}：{package['event']['title']}",
                           body=package_text(package), package=package, delivery_key=f"forward-{forward_id}")
    try:
        make_channel(spec, ws).send(message)
        error = ""
    except SendError as exc:
        error = str(exc)
    except Exception as exc:  # an adapter's bug is a failed send, kept on the forward
        error = f"发送时程序出错（{type(exc).__name__}）"
    with ws.db.write() as s:
        row = s.get(EventForward, forward_id, with_for_update=True)
        if row is not None:
            row.attempts = (row.attempts or 0) + 1
            row.status, row.error = ("failed", error) if error else ("sent", "")
            row.sent_at = None if error else utcnow()
    return error


def report_up(ws: Workspace, actor: Any, event_id: int, reason: str) -> tuple[int, str]:
    """Mark (audited) and send; returns (forward id, "" or why the send failed)."""
    forward_id = mark_higher_level(ws, actor, event_id, reason)
    return forward_id, send_forward(ws, forward_id)


@dataclass
class ForwardView:
    id: int
    recipient: str
    reason: str
    status_label: str
    sent: bool
    by: str
    created_at: Any
    sent_at: Any
    error: str
    package_sha256: str


def forwards_of(s: Session, event_id: int) -> list[ForwardView]:
    return [ForwardView(f.id, f.recipient, f.reason, STATUS_LABELS.get(f.status, "未知"), f.status == "sent",
                        f.created_by_name, f.created_at, f.sent_at, f.error, f.package_sha256)
            for f in s.execute(select(EventForward).where(EventForward.event_id == event_id)
                               .order_by(EventForward.id)).scalars()]
