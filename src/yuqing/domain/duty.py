"""The duty roster (值班, R-ALERT-4) as policy: who is on duty when, the escalation chain, the signed
acknowledgement link. Pure: no database, no network.

- A shift is one person on duty from `starts` to `ends` at a place in the chain: level 1 is the duty officer
  (值班员), level 2 the shift leader (带班领导), and so on. Who is on duty at a moment is every shift covering
  it, lowest level first; that list is the escalation chain, and the office (领导小组办公室) comes after it.
- Emergency shifts (应急值班) count only while emergency mode or a planned monitoring window is on: offices
  plan a 24-hour roster for those days, and it takes over from the office-hours one when the window opens.
  During such a window quiet hours are suspended (24-hour duty: everything goes out at once).
- An alert paged to a person and not acknowledged within `duty_ack_minutes` goes to the next in the chain,
  then to the office; once per missed acknowledgement (the page's unique key decides).
- The acknowledgement link carries `<page id>.<expiry>.<HMAC>`: no login, valid until it expires, and of
  no use once the alert is acknowledged (single use).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from yuqing.clock import CHINA

SHIFT_KINDS: dict[str, str] = {"regular": "日常值班", "emergency": "应急值班（应急模式或重点时段生效）"}
LEVEL_LABELS: dict[int, str] = {1: "值班员", 2: "带班领导", 3: "第三顺位"}
OFFICE_STEP_LABEL = "领导小组办公室"
ACK_VIA_LABELS: dict[str, str] = {"link": "消息中的确认链接", "inbox": "站内通知", "centre": "预警中心"}
# An acknowledgement link stays valid this long after the page (then the person acknowledges in the inbox).
LINK_VALID = timedelta(hours=24)
MAX_LEVEL = 9
MAX_SHIFT = timedelta(days=7)


def level_label(level: int) -> str:
    return LEVEL_LABELS.get(level, f"第{level}顺位")


@dataclass(frozen=True, slots=True)
class Shift:
    id: int
    user_id: int
    starts: datetime
    ends: datetime
    level: int = 1
    kind: str = "regular"

    def covers(self, at: datetime) -> bool:
        return self.starts <= at < self.ends


def chain(shifts: Iterable[Shift], at: datetime, window_active: bool, arranged: Sequence[int] = ()) -> list[int]:
    """Who is on duty at `at`, in escalation order (lowest level first, then the earlier start); each person
    once. Emergency shifts count only while a monitoring window is active, and then come first at their level.
    A window that names a duty arrangement (`arranged`, 值班员 first) replaces the roster while it is on: the
    office planned those people for that window, so they, not whoever the roster has, are paged."""
    if arranged:
        return list(dict.fromkeys(arranged))
    live = [s for s in shifts if s.covers(at) and (s.kind == "regular" or window_active)]
    live.sort(key=lambda s: (s.level, 0 if s.kind == "emergency" else 1, s.starts, s.id))
    out: list[int] = []
    for s in live:
        if s.user_id not in out:
            out.append(s.user_id)
    return out


def gaps(shifts: Iterable[Shift], start: datetime, end: datetime, window_active: bool = False,
         ) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) nobody of level 1 is on duty (an alert then goes straight to the office)."""
    spans = sorted((max(s.starts, start), min(s.ends, end)) for s in shifts
                   if s.level == 1 and (s.kind == "regular" or window_active) and s.ends > start and s.starts < end)
    out, cursor = [], start
    for a, b in spans:
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end:
        out.append((cursor, end))
    return out


# ------------------------------------------------------------------ the roster as a spreadsheet
ROSTER_COLUMNS = ("开始时间", "结束时间", "值班人员", "顺位", "类型", "备注")
_HEADER_ALIASES = {
    "开始时间": "starts", "开始": "starts", "起始时间": "starts",
    "结束时间": "ends", "结束": "ends", "截止时间": "ends",
    "值班人员": "person", "值班人": "person", "姓名": "person", "用户名": "person", "人员": "person",
    "顺位": "level", "级别": "level", "升级顺序": "level",
    "类型": "kind", "班次类型": "kind",
    "备注": "note", "说明": "note",
}
_KIND_WORDS = {"": "regular", "日常": "regular", "日常值班": "regular", "regular": "regular",
               "应急": "emergency", "应急值班": "emergency", "emergency": "emergency", "24小时": "emergency"}
_LEVEL_WORDS = {"值班员": 1, "带班领导": 2, "带班": 2}


class RosterRowError(ValueError):
    """One row of a roster file cannot be used; the message names the line and the field (Chinese)."""


@dataclass(frozen=True, slots=True)
class RosterRow:
    line: int
    person: str
    starts: datetime
    ends: datetime
    level: int
    kind: str
    note: str


def header_map(cells: Sequence[Any]) -> dict[str, int]:
    """Column name → index from a header row; RosterRowError when a required column is missing."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = _HEADER_ALIASES.get(str(cell or "").strip())
        if key and key not in found:
            found[key] = i
    missing = [name for name, key in (("开始时间", "starts"), ("结束时间", "ends"), ("值班人员", "person"))
               if key not in found]
    if missing:
        raise RosterRowError("第 1 行（表头）缺少列：" + "、".join(missing) + "；表头应为 " + " | ".join(ROSTER_COLUMNS))
    return found


def parse_time(value: Any, line: int, field: str) -> datetime:
    """A cell as a moment in China time: a spreadsheet date-time, or text like 2026-12-01 08:30."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime.combine(value, time())
    else:
        text = str(value or "").strip().replace("/", "-").replace("T", " ")
        if not text:
            raise RosterRowError(f"第 {line} 行：{field}为空")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            raise RosterRowError(f"第 {line} 行：{field}“{text[:30]}”应写成 2026-12-01 08:30") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=CHINA)).astimezone(UTC)


def parse_row(cells: Sequence[Any], columns: dict[str, int], line: int) -> RosterRow:
    def cell(key: str) -> Any:
        i = columns.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    person = str(cell("person") or "").strip()
    if not person:
        raise RosterRowError(f"第 {line} 行：值班人员为空")
    starts, ends = parse_time(cell("starts"), line, "开始时间"), parse_time(cell("ends"), line, "结束时间")
    if ends <= starts:
        raise RosterRowError(f"第 {line} 行：结束时间须晚于开始时间")
    if ends - starts > MAX_SHIFT:
        raise RosterRowError(f"第 {line} 行：一个班次不能超过 7 天")
    raw_level = cell("level")
    text = str(raw_level if raw_level is not None else "").strip().removesuffix(".0")
    if text in _LEVEL_WORDS:
        level = _LEVEL_WORDS[text]
    elif not text:
        level = 1
    elif text.isdigit() and 1 <= int(text) <= MAX_LEVEL:
        level = int(text)
    else:
        raise RosterRowError(f"第 {line} 行：顺位应为 1–{MAX_LEVEL} 的数字，或“值班员”“带班领导”")
    kind_text = str(cell("kind") or "").strip()
    if kind_text not in _KIND_WORDS:
        raise RosterRowError(f"第 {line} 行：类型应为“日常值班”或“应急值班”")
    return RosterRow(line, person, starts, ends, level, _KIND_WORDS[kind_text], str(cell("note") or "").strip()[:200])


# ------------------------------------------------------------------ the signed acknowledgement link
def _mac(secret: str, page_id: int, expires: int) -> str:
    digest = hmac.new(secret.encode("utf-8"), f"duty-ack:{page_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def ack_token(secret: str, page_id: int, expires: datetime) -> str:
    ts = int(expires.timestamp())
    return f"{page_id}.{ts}.{_mac(secret, page_id, ts)}"


class TokenError(ValueError):
    """A link that is forged, garbled or expired (the message says which, in Chinese)."""


def read_token(secret: str, token: str, now: datetime) -> int:
    """The page id a link is for; TokenError when it is not ours or has expired."""
    try:
        page, ts, mac = token.split(".")
        page_id, expires = int(page), int(ts)
    except ValueError:
        raise TokenError("确认链接不完整，请从消息中完整复制") from None
    if not hmac.compare_digest(mac, _mac(secret, page_id, expires)):
        raise TokenError("确认链接无效")
    if now.timestamp() > expires:
        raise TokenError("确认链接已过期，请登录后在通知或预警中心确认")
    return page_id
