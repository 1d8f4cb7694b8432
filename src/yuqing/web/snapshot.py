"""A raw capture made readable for a person: a pushed or imported record as labelled fields, a feed as
the entry the item came from, a page as sanitised HTML, anything else as wrapped text. The bytes stay
untouched in the database (their SHA-256 is the evidence); only the view is shaped."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import nh3

from yuqing.collect.encoding import decode

# Field names that pushes, imports and feeds use, in the words of the item page.
FIELD_LABELS = {
    "id": "编号", "guid": "编号", "title": "标题", "text": "正文", "content": "正文", "body": "正文",
    "summary": "摘要", "description": "摘要", "author": "作者", "nickname": "昵称", "url": "链接",
    "link": "链接", "published_at": "发布时间", "published": "发布时间", "pubDate": "发布时间",
    "updated": "更新时间", "created_at": "创建时间", "time": "时间", "date": "日期", "source": "来源",
    "source_id": "信息源", "reposts": "转发", "comments": "评论", "likes": "点赞", "views": "阅读",
    "place": "地点", "places": "地点", "tags": "标签", "category": "分类", "fictional": "虚构",
    "official": "官方账号", "phone": "电话", "reply": "回复", "status": "状态", "items": "条目",
}
MAX_TEXT = 200_000  # characters shown; a larger capture is cut with a note (the bytes stay whole)


@dataclass(slots=True)
class Field:
    key: str
    label: str
    value: str = ""
    children: list[Field] = field(default_factory=list)


@dataclass(slots=True)
class View:
    """What the snapshot page shows: `kind` is record | feed | html | text."""

    kind: str
    fields: list[Field] = field(default_factory=list)
    html: str = ""
    text: str = ""
    note: str = ""
    full_text: str = ""  # the whole feed or record as text, folded away under the readable part


def _fields(value: Any, depth: int = 0) -> list[Field]:
    if isinstance(value, dict):
        return [_field(str(k), v, depth) for k, v in value.items()]
    if isinstance(value, list):
        return [_field(str(i + 1), v, depth) for i, v in enumerate(value)]
    return [Field("", "", _scalar(value))]


def _field(key: str, value: Any, depth: int) -> Field:
    label = FIELD_LABELS.get(key, "")
    if isinstance(value, dict | list) and value and depth < 6:
        return Field(key, label, children=_fields(value, depth + 1))
    return Field(key, label, _scalar(value))


def _scalar(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return "（空）" if not value else json.dumps(value, ensure_ascii=False)
    return str(value)


def _feed_entry(text: str, url: str | None, external_id: str | None) -> list[Field] | None:
    import feedparser

    parsed = feedparser.parse(text)
    if not parsed.entries:
        return None
    for entry in parsed.entries:
        if (url and entry.get("link") == url) or (external_id and entry.get("id") == external_id):
            out = []
            for key in ("title", "link", "published", "author", "summary"):
                value = entry.get(key)
                if value:
                    plain = nh3.clean(str(value), tags=set()) if key == "summary" else str(value)
                    out.append(Field(key, FIELD_LABELS.get(key, key), plain))
            return out
    return []


def _looks_html(text: str, ctype: str) -> bool:
    head = text.lstrip()[:500].lower()
    return "html" in ctype or (not ctype and head.startswith("<") and "<rss" not in head and "<feed" not in head)


def readable(raw: bytes, content_type: str | None, *, url: str | None = None,
             external_id: str | None = None) -> View:
    """Shape a raw capture for reading; never raises on odd bytes."""
    text = decode(raw, content_type).text
    note = ""
    if len(text) > MAX_TEXT:
        text, note = text[:MAX_TEXT], f"快照较大，仅显示前 {MAX_TEXT:,} 个字符（原始字节完整保存）。"
    ctype = (content_type or "").lower()
    stripped = text.strip()
    if "json" in ctype or stripped[:1] in ("{", "["):
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict | list):
            return View("record", fields=_fields(data), note=note)
    if "xml" in ctype or "rss" in ctype or "atom" in ctype or stripped[:5] in ("<?xml", "<rss ", "<feed"):
        entry = _feed_entry(text, url, external_id)
        if entry is not None:
            if not entry:
                note = (note + " " if note else "") + "在该订阅源快照中没有找到本条（可能已滚出订阅源）。"
            return View("feed", fields=entry, note=note, full_text=text)
    if _looks_html(text, ctype):
        clean = nh3.clean(text, tags=nh3.ALLOWED_TAGS - {"img", "a"}, url_schemes=set())
        return View("html", html=clean, note=note)
    if "csv" in ctype:
        rows = list(csv.reader(io.StringIO(text)))
        if len(rows) == 2 and len(rows[0]) == len(rows[1]):  # a header and the item's own row
            return View("record", fields=[_field(k, v, 0) for k, v in zip(rows[0], rows[1], strict=True)],
                        note=note)
    return View("text", text=text, note=note)
