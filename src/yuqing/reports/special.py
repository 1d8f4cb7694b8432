"""The special report (舆情专报) of one event: its figures as of a moment (R-REPORT-2).

`special_figures(session, event_id)` gathers what the report shows: the event, an automatic summary, the
timeline (first post, grade changes, case steps), the spread by day, the key posts with their evidence
(URL, capture time, content hash), the sentiment, the grade with its reasons (event_grading's factors) and
the handling status of the event's cases. The summary and the suggested response are editable text kept
in each version (`reports.special_store`); the defaults come from `default_texts()`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware, utcnow
from yuqing.domain import grading
from yuqing.domain import lifecycle as lc
from yuqing.domain.grading import GRADE_LABELS
from yuqing.store.tables import Assignment, Case, Event, EventGrade, Item, Source, Unit
from yuqing.store.tables_case import CaseHistory, CaseItem

TITLE = "舆情专报"
KEY_POSTS = 10
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
# Case steps worth a line in the timeline (the others stay on the case page).
TIMELINE_STEPS = {"open", "assess", "report", "assign", "reassign", "sign", "submit_feedback", "review", "reply",
                  "reply_released", "close", "confirm", "pass_check", "fail_check", "reopen", "supervise",
                  "escalate", "instruction"}
# The suggested response by grade (an editable template; 实施意见: tiered response).
SUGGESTIONS = {
    "I": "建议立即启动特别重大舆情应急响应：报请区舆情工作领导小组召开联席会议，由牵头单位会同相关部门核查事实，"
         "在 1 小时内通过官方渠道发布权威信息，并持续跟踪处置进展，适时召开新闻发布会。",
    "II": "建议启动重大舆情响应：由牵头单位当日核查事实并提出处置意见，起草官方回应经审核后及时发布，"
          "区舆情办每日跟踪舆情走势并督办落实。",
    "III": "建议由牵头单位核查事实、依法处置，对网民关切进行点对点回复或发布情况说明，区舆情办跟踪督办。",
    "IV": "建议由属地或主管单位核实情况、及时处置，必要时点对点回复网民，区舆情办持续关注。",
}


class SpecialReportError(ValueError):
    """A special report cannot be made or changed as asked (the message, in Chinese, says why)."""


def _cst(dt: datetime | None) -> str:
    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if dt else ""


def _when(published: datetime | None, captured: datetime) -> datetime:
    return aware(published) if published is not None else aware(captured)


def special_figures(session: Session, event_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Everything the special report of `event_id` shows, as of `now`."""
    now = aware(now or utcnow())
    event = session.get(Event, event_id)
    if event is None:
        raise SpecialReportError(f"事件 {event_id} 不存在")
    rows = session.execute(
        select(Item.id, Item.title, Item.text, Item.url, Item.published_at, Item.captured_at, Item.content_hash,
               Item.raw_sha256, Item.sentiment, Item.reposts, Item.comments, Item.likes, Item.duplicate_of_id,
               Source.name)
        .join(Source, Source.id == Item.source_id)
        .where(Item.event_id == event_id, Item.captured_at <= now)
    ).all()
    sentiments = Counter(SENTIMENT_LABELS.get(r.sentiment or "", "未分析") for r in rows)
    by_day = Counter(_when(r.published_at, r.captured_at).astimezone(CHINA).strftime("%Y-%m-%d") for r in rows)
    sources = Counter(r.name for r in rows)
    key = sorted((r for r in rows if r.duplicate_of_id is None),
                 key=lambda r: (-(r.reposts + r.comments + r.likes), _when(r.published_at, r.captured_at), r.id))
    key_posts = [{
        "id": r.id, "title": (r.title or r.text or "")[:80], "source": r.name, "published": _cst(r.published_at),
        "url": r.url or "", "captured": _cst(r.captured_at), "content_hash": r.content_hash,
        "raw_sha256": r.raw_sha256 or "", "sentiment": SENTIMENT_LABELS.get(r.sentiment or "", "未分析"),
        "engagement": r.reposts + r.comments + r.likes} for r in key[:KEY_POSTS]]
    first = min(rows, key=lambda r: (_when(r.published_at, r.captured_at), r.id)) if rows else None

    timeline: list[dict[str, Any]] = []
    if first is not None:
        timeline.append({"at": _cst(_when(first.published_at, first.captured_at)), "what": "网上首发",
                         "detail": f"{first.name}：{(first.title or first.text or '')[:60]}"})
    timeline.append({"at": _cst(event.first_seen_at), "what": "系统发现", "detail": f"聚合为事件“{event.title}”"})
    for g in session.execute(select(EventGrade).where(EventGrade.event_id == event_id, EventGrade.at <= now)
                             .order_by(EventGrade.at, EventGrade.id)).scalars():
        kind = {"override": "人工定级", "lift": "取消人工定级"}.get(g.kind, "自动定级")
        timeline.append({"at": _cst(g.at), "what": f"{kind}：{GRADE_LABELS.get(g.to_grade or '', '未定级')}",
                         "detail": g.why or ""})
    cases = list(session.execute(
        select(Case).where(or_(Case.event_id == event_id,
                               Case.id.in_(select(CaseItem.case_id).join(Item, Item.id == CaseItem.item_id)
                                           .where(Item.event_id == event_id))),
                           Case.created_at <= now).order_by(Case.id)).scalars())
    labels = {a.code: a.label for a in lc.ACTIONS.values()}
    labels.update({"open": "立案", "reply_released": "回复发布", "supervise": "督办", "instruction": "领导批示"})
    for h in session.execute(select(CaseHistory).where(CaseHistory.case_id.in_([c.id for c in cases]),
                                                       CaseHistory.at <= now,
                                                       CaseHistory.action.in_(TIMELINE_STEPS))
                             .order_by(CaseHistory.at, CaseHistory.id)).scalars():
        timeline.append({"at": _cst(h.at), "what": f"案件 #{h.case_id} {labels.get(h.action, h.action)}",
                         "detail": h.reason or ""})
    timeline.sort(key=lambda x: x["at"])

    units: dict[int, list[str]] = {}
    for case_id, name, role in session.execute(
            select(Assignment.case_id, Unit.name, Assignment.role).join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.case_id.in_([c.id for c in cases])).order_by(Assignment.role.desc(), Unit.name)):
        units.setdefault(case_id, []).append(name if role == "lead" else f"{name}（协办）")
    handling = [{"id": c.id, "title": c.title, "state": lc.label(c.state), "units": "、".join(units.get(c.id, [])),
                 "due": _cst(c.due_at), "overdue": bool(lc.is_open(c.state) and c.due_at is not None
                                                         and aware(c.due_at) < now)} for c in cases]
    factors = (event.grade_factors or {}).get("factors", [])
    reasons = [{"label": f.get("label") or grading.FACTOR_LABELS.get(f.get("name", ""), f.get("name", "")),
                "contribution": f.get("contribution", 0), "detail": f.get("detail", ""),
                "evidence_item_ids": list(f.get("evidence_item_ids", []))}
               for f in factors if f.get("contribution", 0) > 0]
    return {
        "title": TITLE, "event_id": event.id, "event_title": event.title, "as_of": _cst(now),
        "first_seen": _cst(event.first_seen_at), "last_seen": _cst(event.last_seen_at),
        "grade": event.grade, "grade_label": GRADE_LABELS.get(event.grade or "", "未定级"),
        "grade_score": event.grade_score, "grade_overridden": bool(event.grade_overridden), "grade_reasons": reasons,
        "places": [p.get("name") if isinstance(p, dict) else p for p in event.places or []],
        "topics": [p.get("name") if isinstance(p, dict) else p for p in event.topics or []],
        "totals": {"items": len(rows), "sources": len(sources), "negative": sentiments.get("负面", 0),
                   "engagement": sum(r.reposts + r.comments + r.likes for r in rows)},
        "sentiment": [{"name": n, "count": sentiments.get(n, 0)} for n in ("负面", "中性", "正面", "未分析")],
        "spread": [{"name": day, "count": by_day[day]} for day in sorted(by_day)],
        "by_source": [{"name": n, "count": c} for n, c in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))],
        "key_posts": key_posts, "timeline": timeline, "handling": handling,
    }


def default_texts(figures: dict[str, Any]) -> tuple[str, str]:
    """The summary and the suggested response a new draft starts with (both editable)."""
    t = figures["totals"]
    places = "、".join(p for p in figures["places"] if p) or "本区"
    open_cases = [h for h in figures["handling"] if h["state"] not in (lc.label(s) for s in lc.FINISHED_STATES)]
    cases = (f"已立案 {len(figures['handling'])} 件（在办 {len(open_cases)} 件）" if figures["handling"]
             else "尚未立案")
    summary = (f"{figures['first_seen']}，监测发现涉及{places}的网络舆情“{figures['event_title']}”。截至 "
               f"{figures['as_of']}，共监测到相关信息 {t['items']} 条，涉及来源 {t['sources']} 个，其中负面 "
               f"{t['negative']} 条，互动量合计 {t['engagement']}。目前定级为{figures['grade_label']}，{cases}。")
    return summary, SUGGESTIONS.get(figures["grade"] or "IV", SUGGESTIONS["IV"])
