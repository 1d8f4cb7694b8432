"""Alert rules as data: which events a rule fires for, quiet hours, the retry schedule, the message text.

Pure: no database, no network. The evaluation (yuqing.alert.run) reads rules and events and asks here.
Policy (R-ALERT-2): no alert is sent twice; a grade rising to a higher level is a new alert, the same
level (or a lower one after a higher was sent) is not; quiet hours hold back everything below grade II.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, ClassVar

from yuqing.domain.grading import GRADE_LABELS, GRADES
from yuqing.domain.messages import ALERT, Message

# Grade → level: I = 1 (most severe) … IV = 4. A lower number is a higher grade.
LEVELS: dict[str, int] = {g: i + 1 for i, g in enumerate(GRADES)}
# Chinese spellings an event's grade may arrive in (a grade written by hand or by another tool).
_CHINESE = {"特别重大": "I", "重大": "II", "较大": "III", "一般": "IV", "Ⅰ": "I", "Ⅱ": "II", "Ⅲ": "III", "Ⅳ": "IV"}

# Quiet hours hold back grades below II: III and IV wait until the quiet hours end (R-ALERT-2).
QUIET_PASSES_LEVEL = LEVELS["II"]

# A failed send is retried after these delays (then given up, status failed); the admin is warned when a
# channel has failed this many sends in a row.
BACKOFF_SECONDS: tuple[int, ...] = (60, 300, 900, 3600)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
FAILING_AFTER = 3
# Events not seen for this long before the newest activity are history: a new rule does not fire for
# last year's events.
LOOKBACK = timedelta(days=7)

CHANNEL_KINDS: dict[str, str] = {
    "email": "电子邮件",
    "wecom": "企业微信群机器人",
    "dingtalk": "钉钉群机器人",
    "webhook": "通用 Webhook",
    "sms": "短信网关",
    "inapp": "站内通知",
}
STATUS_LABELS: dict[str, str] = {
    "sending": "发送中",
    "sent": "已发送",
    "retrying": "发送失败，等待重试",
    "failed": "发送失败，已放弃",
}


def normalise_grade(grade: str | None) -> str | None:
    """"II", "ii", "II级", "重大", "重大（II级）" → "II"; anything else → None."""
    if not grade:
        return None
    text = grade.strip()
    for word, code in sorted(_CHINESE.items(), key=lambda kv: -len(kv[0])):
        if text.startswith(word):
            return code
    text = text.upper().removesuffix("级")
    return text if text in LEVELS else None


def level(grade: str | None) -> int | None:
    code = normalise_grade(grade)
    return LEVELS[code] if code else None


# The sent-log's grade of an early warning (预警: a spike, an emergency keyword), which has no grade.
WARNING_GRADE = "W"


def grade_label(grade: str | None) -> str:
    if grade == WARNING_GRADE:
        return "预警信号"
    code = normalise_grade(grade)
    return GRADE_LABELS[code] if code else "未定级"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a rule asks of an event; empty criteria match everything."""

    min_grade: str
    topic: str | None = None
    place: str | None = None
    keyword: str | None = None
    source: str | None = None
    unit_id: int | None = None


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What a rule can look at in an event (its sources by name, as "#id" too; the units it concerns: by
    their place named in the event, or a case about it assigned to them)."""

    id: int
    title: str
    grade: str | None
    topics: Sequence[str] = ()
    places: Sequence[str] = ()
    keywords: Sequence[str] = ()
    sources: frozenset[str] = field(default_factory=frozenset)
    units: frozenset[int] = field(default_factory=frozenset)


def _contains(values: Iterable[str], wanted: str) -> bool:
    return any(wanted == v or wanted in v for v in values)


def matches(rule: RuleSpec, event: EventFacts) -> bool:
    """Whether the rule fires for the event as it is now."""
    have, need = level(event.grade), level(rule.min_grade)
    if have is None or need is None or have > need:
        return False
    return matches_criteria(rule, event)


def matches_criteria(rule: RuleSpec, event: EventFacts) -> bool:
    """Whether the event (or an early warning's facts) meets the rule's criteria other than the grade."""
    if rule.topic and not _contains(event.topics, rule.topic):
        return False
    if rule.place and not _contains(event.places, rule.place):
        return False
    if rule.keyword and not (rule.keyword in event.title or _contains(event.keywords, rule.keyword)):
        return False
    if rule.unit_id is not None and rule.unit_id not in event.units:
        return False
    return not (rule.source and rule.source not in event.sources)


def is_new_level(grade: str, sent_grades: Iterable[str]) -> bool:
    """A new alert only when the grade is higher than every grade already alerted for (rule, event, recipient)."""
    now = level(grade)
    before = [lv for lv in (level(g) for g in sent_grades) if lv is not None]
    return now is not None and all(now < lv for lv in before)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window in the district's local time, e.g. 22:00–07:00 (may wrap past midnight)."""

    start: time
    end: time

    def covers(self, local: datetime) -> bool:
        t = local.timetz().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


def parse_quiet_hours(text: str) -> QuietHours | None:
    """"22:00-07:00" → QuietHours; empty → None. Raises ValueError (in Chinese) on anything else."""
    text = (text or "").strip().replace("–", "-").replace("～", "-").replace("~", "-")
    if not text:
        return None
    try:
        a, b = (part.strip() for part in text.split("-"))
        start, end = time.fromisoformat(a), time.fromisoformat(b)
    except ValueError:
        raise ValueError(f"静默时段须写成 22:00-07:00 的形式，而不是“{text}”") from None
    return QuietHours(start, end)


def held_back(grade: str, quiet: QuietHours | None, local_now: datetime) -> bool:
    """During quiet hours everything below grade II waits (grades I and II always go out at once)."""
    lv = level(grade)
    return quiet is not None and lv is not None and lv > QUIET_PASSES_LEVEL and quiet.covers(local_now)


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


@dataclass(frozen=True, slots=True)
class AlertMessage(Message):
    """One alert as the channels render it (plain text, markdown)."""

    kind: ClassVar[str] = ALERT
    delivery_id: int
    rule_name: str
    event_id: int
    event_title: str
    grade: str
    item_count: int = 0
    places: Sequence[str] = ()
    topics: Sequence[str] = ()
    first_seen: str = ""
    link: str = ""
    ack_link: str = ""  # to the person on duty: acknowledge without logging in (signed, single use)
    warning_kind: str = ""  # an early warning (预警): its kind in words, e.g. 事件声量突增
    warning_reason: str = ""  # e.g. 近1小时 23 条，基线中位数 3 条
    # A forward package (上报) rather than an alert: its own subject and body; the webhook carries the package.
    subject: str = ""
    body: str = ""
    package: Mapping[str, Any] | None = None
    delivery_key: str = ""  # the webhook's X-Yuqing-Delivery when not the sent-log id

    @property
    def key(self) -> str:
        return self.delivery_key or str(self.delivery_id)

    @property
    def title(self) -> str:
        if self.subject:
            return self.subject[:200]
        if self.warning_kind:
            return f"【舆情预警·{self.warning_kind}】{self.event_title}"[:200]
        return f"【{grade_label(self.grade)}舆情预警】{self.event_title}"[:200]

    def lines(self) -> list[tuple[str, str]]:
        head = [("预警", self.warning_kind), ("原因", self.warning_reason)] if self.warning_kind else \
            [("等级", grade_label(self.grade))]
        rows = [*head, ("事件", self.event_title), ("信息条数", str(self.item_count))]
        if self.places:
            rows.append(("地点", "、".join(self.places)))
        if self.topics:
            rows.append(("领域", "、".join(self.topics)))
        if self.first_seen:
            rows.append(("首次发现", self.first_seen))
        rows.append(("预警规则", self.rule_name))
        return rows

    def text(self) -> str:
        if self.body:
            return f"{self.title}\n{self.body}"
        body = "\n".join(f"{k}：{v}" for k, v in self.lines())
        return (f"{self.title}\n{body}" + (f"\n查看：{self.link}" if self.link else "")
                + (f"\n确认收到（无需登录）：{self.ack_link}" if self.ack_link else ""))

    def markdown(self) -> str:
        if self.body:
            return f"### {self.title}\n{self.body}"
        body = "\n".join(f"> {k}：**{v}**" if k in ("等级", "原因") else f"> {k}：{v}" for k, v in self.lines())
        link = f"\n\n[查看事件]({self.link})" if self.link else ""
        if self.ack_link:
            link += f"\n\n[确认收到]({self.ack_link})"
        return f"### {self.title}\n{body}{link}"

    def short(self) -> str:
        """For SMS: one line, no links to tap blindly."""
        return f"{self.title}（{self.item_count} 条信息）请登录舆情平台查看"[:300]
