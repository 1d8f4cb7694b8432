"""案例库 (R-CASE-11): evaluated cases written up for training and experience exchange — the event's timeline,
the reasons of its grade, the response, the released replies, the lessons and the contacts with the venues;
searchable by words, filterable by topic, place, grade and year; exported as DOCX and XLSX (watermarked,
each export audited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.clock import CHINA, aware, now_local
from yuqing.domain import lifecycle as lc
from yuqing.domain.grading import FACTOR_LABELS, GRADE_LABELS
from yuqing.domain.records import case_step_label
from yuqing.exports import watermark, xlsx
from yuqing.store.repositories.cases import visible
from yuqing.store.tables import Case, Event
from yuqing.store.tables_case import CaseHistory, Evaluation, Feedback, Reply, VenueContact

SECTIONS = {**lc.EVALUATION_SECTIONS_V1, **lc.EVALUATION_SECTIONS}
# History steps worth a line in a write-up (views and downloads are not).
_QUIET_STEPS = {"view", "attachment_download", "time_to_sign", "time_to_feedback"}


def _name(v: Any) -> str:
    raw = str(v.get("name", "")) if isinstance(v, dict) else str(v)
    return TOPIC_LABELS.get(raw, raw)


def _local(dt: datetime | None) -> str:
    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if dt else ""


@dataclass
class LibraryFilter:
    q: str = ""
    topic: str = ""
    place: str = ""
    grade: str = ""
    year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in {"q": self.q, "topic": self.topic, "place": self.place, "grade": self.grade,
                                  "year": self.year}.items() if v}


@dataclass
class Entry:
    """One case of the library with everything a write-up needs (all labels in Chinese)."""

    case_id: int
    title: str
    grade: str | None
    grade_label: str
    year: int
    closed_at: str
    topics: list[str]
    places: list[str]
    units: list[str]
    grade_reasons: list[str]
    timeline: list[tuple[str, str, str]]  # (time, step, note)
    response: list[str]  # the unit's accepted feedback
    replies: list[tuple[str, str, str, str]]  # (kind, released at, text, url)
    sections: list[tuple[str, str]]  # evaluation heading, text
    contacts: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # time, venue, who, what, outcome

    def words(self) -> str:
        parts = [self.title, *self.topics, *self.places, *self.units, *self.grade_reasons, *self.response]
        parts += [t for s in self.sections for t in s] + [" ".join(r) for r in self.replies]
        parts += [" ".join(c) for c in self.contacts]
        return " ".join(parts)


def _reasons(event: Event | None) -> list[str]:
    if event is None:
        return []
    factors = sorted((event.grade_factors or {}).get("factors", []), key=lambda f: -float(f.get("contribution", 0)))
    out = []
    for f in factors:
        if float(f.get("contribution", 0)) <= 0:
            continue
        label = FACTOR_LABELS.get(f.get("name", ""), f.get("label") or "其他因素")
        detail = f.get("detail") or ""
        out.append(f"{label}（得分 {float(f['contribution']):.1f}）" + (f"：{detail}" if detail else ""))
    if event.grade_overridden:
        out.append("等级由研判人员人工确定")
    return out[:6]


def _entry(s: Session, case: Case, ev: Evaluation) -> Entry:
    event = s.get(Event, case.event_id) if case.event_id is not None else None
    hist = s.execute(select(CaseHistory).where(CaseHistory.case_id == case.id)
                     .order_by(CaseHistory.at, CaseHistory.id)).scalars()
    fb = s.execute(select(Feedback.text).where(Feedback.case_id == case.id, Feedback.status == "accepted")
                   .order_by(Feedback.id)).scalars()
    reps = s.execute(select(Reply).where(Reply.case_id == case.id, Reply.status == "released")
                     .order_by(Reply.released_at, Reply.id)).scalars()
    kinds = {"reply": "点对点回复", "statement": "权威发布（通稿）", "clarification": "澄清不实传言"}
    vcs = s.execute(select(VenueContact).where(VenueContact.case_id == case.id)).scalars()
    closed = aware(case.closed_at or ev.written_at).astimezone(CHINA)
    return Entry(
        case_id=case.id, title=case.title, grade=case.grade, grade_label=GRADE_LABELS.get(case.grade or "", "未定级"),
        year=closed.year, closed_at=closed.strftime("%Y-%m-%d"),
        topics=[_name(t) for t in (event.topics if event else [])],
        places=[_name(p) for p in (event.places if event else [])],
        units=[(a.unit.name + ("（牵头）" if a.role == "lead" else "（协办）")) for a in case.assignments if a.unit],
        grade_reasons=_reasons(event),
        timeline=[(_local(h.at), case_step_label(h.action), h.reason or "") for h in hist
                  if h.action not in _QUIET_STEPS],
        response=list(fb),
        replies=[(kinds.get(r.kind, "回复"), _local(r.released_at), r.released_text or r.text, r.released_url or "")
                 for r in reps],
        sections=[(SECTIONS.get(k, "其他"), str(v)) for k, v in (ev.sections or {}).items()],
        contacts=[(_local(c.contacted_at), c.venue, c.explained_by, c.content, c.outcome)
                  for c in sorted(vcs, key=lambda c: (aware(c.contacted_at), c.id))],
    )


def entries(s: Session, actor: Any, flt: LibraryFilter | None = None) -> list[Entry]:
    """The evaluated cases the actor may see that match the filter, newest closing first."""
    flt = flt or LibraryFilter()
    latest: dict[int, Evaluation] = {}
    for ev in s.execute(select(Evaluation).order_by(Evaluation.id)).scalars():
        latest[ev.case_id] = ev
    if not latest:
        return []
    found = s.execute(visible(select(Case).where(Case.id.in_(latest)), actor)).scalars()
    out = []
    words = [w for w in flt.q.replace("，", " ").replace(",", " ").split() if w]
    for case in found:
        e = _entry(s, case, latest[case.id])
        if flt.grade and e.grade != flt.grade:
            continue
        if flt.year and e.year != flt.year:
            continue
        if flt.topic and not any(flt.topic in t for t in e.topics):
            continue
        if flt.place and not any(flt.place in p for p in e.places):
            continue
        text = e.words()
        if any(w not in text for w in words):
            continue
        out.append(e)
    return sorted(out, key=lambda e: (e.closed_at, e.case_id), reverse=True)


def choices(s: Session, actor: Any) -> dict[str, list[Any]]:
    """What the filters offer: the topics, places, grades and years of the library."""
    all_ = entries(s, actor)
    return {"topics": sorted({t for e in all_ for t in e.topics}), "places": sorted({p for e in all_ for p in e.places}),
            "grades": [(g, GRADE_LABELS[g]) for g in GRADE_LABELS if any(e.grade == g for e in all_)],
            "years": sorted({e.year for e in all_}, reverse=True)}


def to_xlsx(rows: list[Entry], who: str) -> bytes:
    headers = ["案件", "标题", "等级", "定级理由", "领域", "地点", "责任单位", "销号日期", "办理经过", "处置反馈",
               "发布的回复", *lc.EVALUATION_SECTIONS.values(), "与信息发布平台沟通"]
    out = []
    for e in rows:
        sec = dict(e.sections)
        out.append([f"#{e.case_id}", e.title, e.grade_label, "；".join(e.grade_reasons), "、".join(e.topics),
                    "、".join(e.places), "、".join(e.units), e.closed_at,
                    "\n".join(f"{t} {step} {note}".strip() for t, step, note in e.timeline),
                    "\n".join(e.response), "\n".join(f"{k} {t}：{x} {u}".strip() for k, t, x, u in e.replies),
                    *[sec.get(h, "") for h in lc.EVALUATION_SECTIONS.values()],
                    "\n".join(f"{t} {who_}向{v}说明：{w}；结果：{o}" for t, v, who_, w, o in e.contacts)])
    return xlsx("案例库", headers, out, who, widths=[7, 28, 10, 30, 12, 12, 20, 11, 50, 30, 40, 30, 30, 30, 30, 40])


def to_docx(rows: list[Entry], who: str, flt: LibraryFilter) -> bytes:
    from yuqing.reports.docx import (
        H1_FONT,
        H2_FONT,
        TITLE_FONT,
        TITLE_SIZE,
        _para,
        _table,
        finish,
        new_document,
    )

    mark = watermark(who)
    doc = new_document(mark)
    _para(doc, "网络舆情处置案例汇编", TITLE_FONT, TITLE_SIZE, align=1)
    cond = "；".join(f"{ {'q': '关键词', 'topic': '领域', 'place': '地点', 'grade': '等级', 'year': '年份'}[k]}：{v}"
                    for k, v in flt.as_dict().items())
    _para(doc, f"共 {len(rows)} 个案例" + (f"（筛选条件：{cond}）" if cond else ""))
    for n, e in enumerate(rows, start=1):
        _para(doc, f"案例{n}　{e.title}", H1_FONT)
        _para(doc, f"等级：{e.grade_label}；领域：{'、'.join(e.topics) or '—'}；地点：{'、'.join(e.places) or '—'}；"
                   f"责任单位：{'、'.join(e.units) or '—'}；销号：{e.closed_at}")
        if e.grade_reasons:
            _para(doc, "定级理由", H2_FONT)
            _para(doc, "；".join(e.grade_reasons) + "。")
        for heading, text in e.sections:
            _para(doc, heading, H2_FONT)
            _para(doc, text)
        if e.response:
            _para(doc, "处置反馈", H2_FONT)
            for t in e.response:
                _para(doc, t)
        if e.replies:
            _para(doc, "公开回应", H2_FONT)
            for kind, at, text, url in e.replies:
                _para(doc, f"{kind}（{at}）：{text}" + (f" {url}" if url else ""))
        if e.contacts:
            _para(doc, "与信息发布平台沟通", H2_FONT)
            _table(doc, ["时间", "平台", "沟通人", "沟通内容", "结果"], [list(c) for c in e.contacts])
        _para(doc, "办理经过", H2_FONT)
        _table(doc, ["时间", "环节", "说明"], [list(t) for t in e.timeline])
    return finish(doc, issuer="", date_line=now_local().strftime("%Y年%-m月%-d日"), title="网络舆情处置案例汇编",
                  watermark=mark)


@action("export.case_library", permission=("cases.read_all", "cases.read_own"))
def record_export(tx: Tx, *, fmt: str, rows: int, filters: dict[str, Any]) -> None:
    """Who exported which part of the case library, in which format (an export is a sensitive read)."""
    tx.audit("export.case_library", "case", None, format=fmt, rows=rows, **filters)
