"""后期跟踪 (R-CASE-10): after closing, a case is watched for `case_watch_days` days; the follow-up posts
attached to it meanwhile (`respond.followups`) are counted per China day with their sentiment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware, utcnow
from yuqing.store.tables import Case, Item
from yuqing.store.tables_case import CaseItem

SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面", None: "未分析"}


@dataclass
class WatchDay:
    day: date
    total: int = 0
    by_sentiment: dict[str, int] = field(default_factory=dict)  # sentiment label → count

    @property
    def label(self) -> str:
        return f"{self.day.month}月{self.day.day}日"


@dataclass
class TrendWatch:
    """The watch of one closed case: its window, the posts per day and the sentiment shares."""

    start: datetime
    end: datetime
    watching: bool  # the window is still running
    days: list[WatchDay]
    sentiment: dict[str, int]  # label → count over the window
    total: int
    peak: int

    def pct(self, n: int) -> int:
        """Width of a bar relative to the busiest day (0–100)."""
        return round(100 * n / self.peak) if self.peak else 0


def trend_watch(s: Session, case: Case, watch_days: int, now: datetime | None = None) -> TrendWatch | None:
    """The follow-up volume and sentiment of a closed case (None while it is not closed)."""
    if case.closed_at is None:
        return None
    now = aware(now or utcnow())
    start = aware(case.closed_at)
    end = start + timedelta(days=watch_days)
    rows = s.execute(select(Item.published_at, Item.captured_at, Item.sentiment, CaseItem.attached_at)
                     .join(CaseItem, CaseItem.item_id == Item.id)
                     .where(CaseItem.case_id == case.id, CaseItem.after_close.is_(True))).all()
    first, last = start.astimezone(CHINA).date(), min(end, max(now, start)).astimezone(CHINA).date()
    days = {first + timedelta(days=i): WatchDay(first + timedelta(days=i)) for i in range((last - first).days + 1)}
    sentiment: dict[str, int] = {}
    total = 0
    for published, captured, senti, attached in rows:
        at = aware(published or captured or attached)
        at = max(at, start)  # a post published before closing but seen after counts on the closing day
        if at > end:
            continue
        d = at.astimezone(CHINA).date()
        day = days.setdefault(d, WatchDay(d))
        label = SENTIMENT_LABELS.get(senti, "未分析")
        day.total += 1
        day.by_sentiment[label] = day.by_sentiment.get(label, 0) + 1
        sentiment[label] = sentiment.get(label, 0) + 1
        total += 1
    ordered = [days[k] for k in sorted(days)]
    return TrendWatch(start=start, end=end, watching=now < end, days=ordered, sentiment=sentiment, total=total,
                      peak=max((d.total for d in ordered), default=0))
