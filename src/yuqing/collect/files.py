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
import re
import zipfile
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
    clean_text,
    clean_value,
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
    """(record number, record or None, error or None) for a JSONL, JSON array, CSV or XLSX body.

    A bad record never costs the good ones: lines that are not UTF-8 in an otherwise UTF-8 file, an
    unterminated CSV quote, a record nested too deep are each reported by line and skipped."""
    if body.startswith(b"PK\x03\x04"):
        yield from _xlsx_records(body)
        return
    text, bad_lines = _decode_text(body, content_type)
    for n in bad_lines:
        yield n, None, f"第 {n} 行不是合法 UTF-8 编码，已跳过"
    text = text.lstrip("\ufeff")
    head = text.lstrip()[:1]
    lower = name.lower()
    if head == "[" and not lower.endswith(".csv"):
        yield from _json_array_records(text)
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
            except RecursionError:
                yield n, None, f"第 {n} 行嵌套过深，已跳过"
                continue
            yield (n, row, None) if isinstance(row, dict) else (n, None, f"第 {n} 行不是 JSON 对象")
        return
    yield from _csv_records(text)


def _decode_text(body: bytes, content_type: str | None) -> tuple[str, list[int]]:
    """The text of a file and the numbers of lines dropped because they are not UTF-8.

    A UTF-8 file with a few broken lines keeps its other lines (a guess of another charset would turn the
    whole file into mojibake); a file that is mostly not UTF-8 (GBK exports) is decoded as a whole."""
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines = body.split(b"\n")
    bad: list[int] = []
    non_ascii = 0
    for n, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        non_ascii += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(n)
    if len(bad) * 2 >= non_ascii:
        return decode(body, content_type).text, []
    dropped = set(bad)
    return "\n".join("" if n in dropped else line.decode("utf-8") for n, line in enumerate(lines, start=1)), bad


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},]')


def _json_array_records(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """The objects of a JSON array; when the whole cannot be parsed (a record nested too deep, one broken
    record), each element is parsed on its own so the good ones are kept."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        data = None
    if isinstance(data, list):
        for n, row in enumerate(data, start=1):
            yield (n, row, None) if isinstance(row, dict) else (n, None, f"第 {n} 条不是 JSON 对象")
        return
    elements = list(_array_elements(text))
    if not elements:
        yield 1, None, "JSON 无法解析：不是一个数组"
        return
    for n, chunk in enumerate(elements, start=1):
        try:
            row = json.loads(chunk)
        except json.JSONDecodeError as exc:
            yield n, None, f"第 {n} 条不是合法 JSON：{exc.msg}"
            continue
        except RecursionError:
            yield n, None, f"第 {n} 条嵌套过深，已跳过"
            continue
        yield (n, row, None) if isinstance(row, dict) else (n, None, f"第 {n} 条不是 JSON 对象")


def _array_elements(text: str) -> Iterator[str]:
    """The source text of each top-level element of a JSON array, found without recursion."""
    begin = text.find("[")
    if begin < 0:
        return
    depth, start = 0, begin + 1
    for m in _JSON_TOKEN.finditer(text, begin + 1):
        token = m.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            if depth == 0:
                if text[start : m.start()].strip():
                    yield text[start : m.start()].strip()
                return
            depth -= 1
        elif token == "," and depth == 0:
            yield text[start : m.start()].strip()
            start = m.end()
    if text[start:].strip():
        yield text[start:].strip()


def _csv_records(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """CSV rows as dicts by the header, numbered by the line each row starts on.

    A quote that is never closed would swallow every following row into one field: the row where it
    starts is reported and reading resumes on the next line. Rows with more cells than the header (a
    stray quote merged lines) are reported too."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    lines = text.splitlines(keepends=True)
    headers: list[str] | None = None
    first = 0  # index in `lines` where the next pass starts
    while first < len(lines):
        reader = csv.reader(io.StringIO("".join(lines[first:]), newline=""), dialect)
        rows: list[tuple[int, int, list[str]]] = []  # (first line, last line, cells), 1-based
        failed_at: int | None = None
        reason = ""
        end = 0
        while True:
            begin = first + end + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                failed_at, reason = begin, f"CSV 格式错误：{exc}"
                break
            end = reader.line_num
            rows.append((begin, first + end, cells))
        if failed_at is None and rows and rows[-1][1] > rows[-1][0] and _unclosed_quote(lines, rows[-1][0], dialect):
            failed_at, reason = rows.pop()[0], "引号没有闭合（已跳过该行，从下一行继续读取）"
        for begin, _last, cells in rows:
            if not any(c.strip() for c in cells):
                continue
            if headers is None:
                headers = [c.strip() for c in cells]
                continue
            if len(cells) > len(headers):
                yield begin, None, f"第 {begin} 行有 {len(cells)} 列，多于表头的 {len(headers)} 列（可能有未闭合的引号）"
                continue
            yield begin, dict(zip(headers, cells, strict=False)), None
        if failed_at is None:
            return
        yield failed_at, None, f"第 {failed_at} 行：{reason}"
        first = failed_at  # `failed_at` is 1-based: the next pass starts on the line after it


def _unclosed_quote(lines: list[str], begin: int, dialect: Any) -> bool:
    """True when the row starting on line `begin` (1-based) runs to the end of the file inside a quote."""
    try:
        for _ in csv.reader(io.StringIO("".join(lines[begin - 1 :]), newline=""), dialect, strict=True):
            break
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


MAX_XLSX_PART = 200 * 1024 * 1024  # unpacked bytes of one part of the workbook
MAX_XLSX_PARTS = 2000
MAX_XLSX_COLUMNS = 200
MAX_XLSX_ROWS = 1_000_000


class XlsxError(ValueError):
    """An XLSX file that cannot be read safely; the message says why (Chinese, for people)."""


def open_workbook(body: bytes) -> Any:
    """An openpyxl read-only workbook over a checked and cleaned copy of the file.

    Bounded in memory and time: part count and unpacked sizes are checked from the zip directory
    before anything is unpacked, and every XML part is re-parsed by libxml2 with its default limits
    (no huge text nodes) and without comments or processing instructions, which Python's XML parser
    otherwise reads in quadratic time (a sheet carrying a 100 MB comment took minutes)."""
    import openpyxl
    from lxml import etree

    try:
        src = zipfile.ZipFile(io.BytesIO(body))
        infos = src.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise XlsxError(f"XLSX 无法打开：{exc}") from None
    if len(infos) > MAX_XLSX_PARTS:
        raise XlsxError(f"XLSX 文件包含 {len(infos)} 个部件，超过上限")
    if any(i.file_size > MAX_XLSX_PART for i in infos):
        raise XlsxError(f"XLSX 文件中有部件解压后超过 {MAX_XLSX_PART // (1024 * 1024)} MB")
    parser = etree.XMLParser(remove_comments=True, remove_pis=True, resolve_entities=False, no_network=True,
                             huge_tree=False)
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            for info in infos:
                data = src.read(info)
                if info.filename.endswith((".xml", ".rels", ".vml")):
                    data = etree.tostring(etree.fromstring(data, parser), xml_declaration=True, encoding="UTF-8")
                dst.writestr(info.filename, data)
        wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, lxml and openpyxl raise many types for a broken file
        raise XlsxError(f"XLSX 无法打开：{type(exc).__name__}: {str(exc)[:200]}") from None
    return wb


def sheet_rows(wb: Any) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the first sheet, by its real cells: a sheet claiming A1:XFD1048576 is
    not padded to 16,384 columns, and at most MAX_XLSX_COLUMNS cells and MAX_XLSX_ROWS rows are read."""
    sheet = wb.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    for n, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if n > MAX_XLSX_ROWS:
            raise XlsxError(f"XLSX 超过 {MAX_XLSX_ROWS} 行，请分文件导入")
        yield n, list(values[:MAX_XLSX_COLUMNS])


def _xlsx_records(body: bytes) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    try:
        wb = open_workbook(body)
    except XlsxError as exc:
        yield 0, None, str(exc)
        return
    try:
        headers: list[str] | None = None
        for n, values in sheet_rows(wb):
            cells = ["" if v is None else v for v in values]
            if headers is None:
                if sum(1 for c in cells if str(c).strip()) >= 2:
                    headers = [str(c).strip() for c in cells]
                continue
            if not any(str(c).strip() for c in cells):
                continue
            yield n, dict(zip(headers, cells, strict=False)), None
    except XlsxError as exc:
        yield 0, None, str(exc)
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
    counts = {name: parse_count(_cell(row, cols, name)) for name in ("reposts", "comments", "likes")}  # clamped
    row = {clean_text(str(k)) if isinstance(k, str) else k: clean_value(v) for k, v in row.items()}
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
        reposts=counts["reposts"],
        comments=counts["comments"],
        likes=counts["likes"],
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
