"""File sources: JSONL, CSV or XLSX files (a local path, file:// or http(s) URL), re-read on schedule.

Fields per record (English or the usual Chinese column names): id, title, text, url, published_at,
author, reposts, comments, likes; other columns are kept in `extra`. Bad records are reported by
number and skipped; good ones are kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

from yuqing.collect.base import (
    FetchedItem,
    FetchOutcome,
    SourceConfigError,
    SourceSpec,
    clean_whitespace,
    parse_count,
    parse_time,
)
from yuqing.collect.encoding import decode
from yuqing.collect.http import FetchError, HttpClient

# field → accepted column names (compared case-insensitively, spaces removed)
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "external_id", "编号", "留言编号", "留言id", "信件编号", "帖子id", "ID"),
    "title": ("title", "标题", "留言标题", "留言主题", "主题", "信件标题"),
    "text": ("text", "content", "body", "内容", "留言内容", "正文", "诉求内容", "信件内容", "问题描述"),
    "url": ("url", "link", "链接", "网址", "原文链接", "地址链接"),
    "published_at": (
        "published_at",
        "time",
        "date",
        "留言时间",
        "发布时间",
        "时间",
        "日期",
        "提交时间",
        "来信时间",
    ),
    "author": ("author", "user", "留言人", "网友", "作者", "昵称", "用户", "来信人"),
    "reposts": ("reposts", "转发", "转发数"),
    "comments": ("comments", "评论", "评论数", "回复数"),
    "likes": ("likes", "点赞", "点赞数", "赞"),
}
MAX_FILE_BYTES = 200 * 1024 * 1024


def _norm(name: Any) -> str:
    return str(name or "").strip().lower().replace(" ", "").replace("\ufeff", "")


def column_map(
    headers: list[str], aliases: dict[str, tuple[str, ...]], overrides: dict[str, str]
) -> dict[str, str]:
    """field → header actually present, from explicit overrides first, then aliases."""
    present = {_norm(h): h for h in headers if h is not None}
    out: dict[str, str] = {}
    for field, header in overrides.items():
        if _norm(header) in present:
            out[field] = present[_norm(header)]
    for field, names in aliases.items():
        if field in out:
            continue
        for name in names:
            if _norm(name) in present:
                out[field] = present[_norm(name)]
                break
    return out


def read_source_bytes(source: SourceSpec, client: HttpClient) -> tuple[bytes, str | None, int | None]:
    """The file's bytes: over HTTP for http(s) URLs, else from the local path (or file:// URL)."""
    url = source.url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        resp = client.get(url)
        return resp.content, resp.content_type, resp.status
    path = Path(unquote(urlsplit(url).path)) if scheme == "file" else Path(url).expanduser()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FetchError("too_large", f"文件 {size} 字节，超过上限 {MAX_FILE_BYTES}", url=url)
        return path.read_bytes(), None, None
    except FileNotFoundError as exc:
        raise FetchError("missing", f"找不到文件：{path}", url=url) from exc
    except OSError as exc:
        raise FetchError("io", f"无法读取文件：{exc}", url=url) from exc


def records(
    body: bytes, content_type: str | None = None, name: str = ""
) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(record number, record or None, error or None) for a JSONL, JSON array, CSV or XLSX body."""
    if body.startswith(b"PK\x03\x04"):
        yield from _xlsx_records(body)
        return
    text = decode(body, content_type).text.lstrip("\ufeff")
    head = text.lstrip()[:1]
    lower = name.lower()
    if head == "[" and not lower.endswith(".csv"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield 1, None, f"JSON 无法解析：{exc.msg}（第 {exc.lineno} 行）"
            return
        for n, row in enumerate(data, start=1):
            yield (n, row, None) if isinstance(row, dict) else (n, None, f"第 {n} 条不是 JSON 对象")
        return
    if head == "{" or lower.endswith((".jsonl", ".ndjson")):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, None, f"第 {n} 行不是合法 JSON：{exc.msg}"
                continue
            yield (n, row, None) if isinstance(row, dict) else (n, None, f"第 {n} 行不是 JSON 对象")
        return
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        for n, row in enumerate(reader, start=2):
            yield n, {k: v for k, v in row.items() if k is not None}, None
    except csv.Error as exc:
        yield reader.line_num, None, f"CSV 格式错误：{exc}"


def _xlsx_records(body: bytes) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        yield 0, None, f"XLSX 无法打开：{type(exc).__name__}: {exc}"
        return
    try:
        ws = wb.worksheets[0]
        headers: list[str] | None = None
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else v for v in values]
            if headers is None:
                if sum(1 for c in cells if str(c).strip()) >= 2:
                    headers = [str(c).strip() for c in cells]
                continue
            if not any(str(c).strip() for c in cells):
                continue
            yield n, dict(zip(headers, cells, strict=False)), None
    finally:
        wb.close()


def _cell(row: dict[str, Any], cols: dict[str, str], field: str) -> Any:
    header = cols.get(field)
    value = row.get(header) if header else None
    return value.strip() if isinstance(value, str) else value


def row_item(
    row: dict[str, Any], cols: dict[str, str], extra_fields: dict[str, str] | None = None
) -> FetchedItem:
    """One item from a record; raises ValueError when it has neither title nor text."""
    title = clean_whitespace(str(_cell(row, cols, "title") or ""))
    text = clean_whitespace(str(_cell(row, cols, "text") or ""))
    if not (title or text):
        raise ValueError("缺少标题或内容")
    ext = _cell(row, cols, "id")
    if isinstance(ext, float) and ext.is_integer():
        ext = int(ext)
    used = set(cols.values())
    extra = {k: _json_value(v) for k, v in row.items() if k not in used and v not in (None, "")}
    for field, header in (extra_fields or {}).items():
        if header in row and row[header] not in (None, ""):
            extra[field] = _json_value(row[header])
            extra.pop(header, None)
    raw = json.dumps({str(k): _json_value(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)
    published = _cell(row, cols, "published_at")
    return FetchedItem(
        title=title,
        text=text,
        external_id=str(ext) if ext not in (None, "") else None,
        url=str(_cell(row, cols, "url") or "") or None,
        author=str(_cell(row, cols, "author") or "") or None,
        published_at=parse_time(published),
        reposts=parse_count(_cell(row, cols, "reposts")),
        comments=parse_count(_cell(row, cols, "comments")),
        likes=parse_count(_cell(row, cols, "likes")),
        raw=raw.encode("utf-8"),
        content_type="application/json",
        extra=extra,
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


class FileFetcher:
    kind = "file"
    aliases = ALIASES
    extra_aliases: ClassVar[dict[str, tuple[str, ...]]] = {}

    def fetch(self, source: SourceSpec, client: HttpClient) -> FetchOutcome:
        if not source.url:
            raise SourceConfigError("文件来源缺少路径或 URL")
        body, ctype, status = read_source_bytes(source, client)
        out = FetchOutcome(http_status=status, nbytes=len(body))
        if source.last_body_sha256 == hashlib.sha256(body).hexdigest():
            out.not_modified = True
            return out
        out.body, out.body_url, out.body_content_type = body, source.url, ctype
        out.items = self._items(body, ctype, source, out)
        return out

    def _items(
        self, body: bytes, ctype: str | None, source: SourceSpec, out: FetchOutcome
    ) -> Iterator[FetchedItem]:
        overrides = dict(source.config.get("columns") or {})
        cols: dict[str, str] = {}
        extras: dict[str, str] = {}
        last_headers: tuple[str, ...] | None = None
        for n, row, error in records(body, ctype, source.url):
            if error or row is None:
                out.errors.append(error or f"第 {n} 条为空")
                continue
            headers = tuple(str(k) for k in row)
            if headers != last_headers:  # JSONL records may differ in their keys
                last_headers = headers
                cols = column_map(list(headers), self.aliases, overrides)
                extras = column_map(list(headers), self.extra_aliases, {})
            try:
                yield row_item(row, cols, extras)
            except (ValueError, TypeError) as exc:
                out.errors.append(f"第 {n} 条：{exc}")
