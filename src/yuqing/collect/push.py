"""The push endpoint's action (POST /api/items): other systems send items to a push source.

Authenticated by a per-source token (only its SHA-256 is stored) before any item is looked at,
idempotent by external id (`id` is required in every item), at most 1,000 items and MAX_BODY_BYTES per
batch, one transaction per batch. Bad items are reported by index and skipped; good ones are kept:
text is cleaned of NUL and lone surrogates, counts are clamped, out-of-range times refuse their item.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.collect import health
from yuqing.collect.base import FetchedItem, clean_text, clean_value, parse_count, parse_time
from yuqing.collect.store import save_items
from yuqing.store.tables import FetchRun, Source
from yuqing.workspace import Workspace

MAX_BATCH = 1000
MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_TEXT = 200_000
FIELDS = {"id", "title", "text", "url", "published_at", "author", "reposts", "comments", "likes", "extra"}


class PushError(Exception):
    """The whole batch is refused; `status` is the HTTP status the endpoint should answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class PushResult:
    received: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # {"index": i, "id": ..., "error": "..."}
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@action("source.push_token", permission="sources.manage")
def issue_push_token(tx: Tx, source_id: int) -> str:
    """A new token for a push source (replacing any earlier one); shown once, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    source = tx.session.get(Source, source_id)
    if source is None:
        raise PushError(404, f"没有编号为 {source_id} 的信息源")
    if source.kind != "push":
        raise PushError(422, f"信息源 {source_id} 的类型是 {source.kind}，不是 push")
    source.push_token_hash = hash_token(token)
    tx.audit("source.push_token", "source", source.id)
    return token


def push_source_of(ws: Workspace, token: str) -> int | None:
    """The id of the push source this token belongs to, else None (checked before the body is parsed)."""
    if not token:
        return None
    digest = hash_token(token)
    with ws.db.read() as s:
        source_id = s.execute(select(Source.id).where(Source.kind == "push", Source.push_token_hash == digest)
                              ).scalar_one_or_none()
    return source_id


def _item_id(raw: Any) -> Any:
    """The item's id as it can be echoed back in a JSON answer (cleaned, or None)."""
    ext = raw.get("id") if isinstance(raw, dict) else None
    return clean_value(ext) if isinstance(ext, str | int) and not isinstance(ext, bool) else None


def _validate(index: int, raw: Any) -> tuple[FetchedItem | None, str | None]:
    if not isinstance(raw, dict):
        return None, "不是 JSON 对象"
    counts = {name: parse_count(raw.get(name)) for name in ("reposts", "comments", "likes")}  # clamped
    raw = clean_value(raw)
    ext = raw.get("id")
    if ext is None or isinstance(ext, bool) or not isinstance(ext, str | int) or not str(ext).strip():
        return None, "缺少 id（外部编号，用于去重）"
    if len(str(ext)) > 300:
        return None, "id 超过 300 个字符"
    title, text = raw.get("title") or "", raw.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        return None, "title 和 text 必须是字符串"
    if not (title.strip() or text.strip()):
        return None, "缺少 title 或 text"
    if len(text) > MAX_TEXT or len(title) > 2000:
        return None, f"text 超过 {MAX_TEXT} 个字符或 title 超过 2000 个字符"
    url = raw.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return None, "url 必须是 http(s) 地址"
    published = raw.get("published_at")
    when = parse_time(published) if published not in (None, "") else None
    if published not in (None, "") and when is None:
        return None, f"published_at 无法识别或超出 1970–2100 年：{str(published)[:50]}"
    extra = raw.get("extra") or {}
    if not isinstance(extra, dict):
        return None, "extra 必须是对象"
    unknown = {k: v for k, v in raw.items() if k not in FIELDS}
    author = raw.get("author")
    body = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    return FetchedItem(
        title=title.strip(),
        text=text.strip(),
        external_id=str(ext).strip(),
        url=url,
        author=clean_text(str(author)) if author not in (None, "") else None,
        published_at=when,
        reposts=counts["reposts"],
        comments=counts["comments"],
        likes=counts["likes"],
        raw=body,
        content_type="application/json",
        extra={**extra, **unknown, "pushed": True},
    ), None


def ingest_push(ws: Workspace, source_id: int, token: str, payload_items: Sequence[Any]) -> PushResult:
    """Store a pushed batch. Raises PushError (401, 403, 413, 422) when the whole batch is refused.

    The token is checked first: nothing of the batch is looked at for a caller who is not the source."""
    now = utcnow()
    with ws.db.write() as s:
        source = s.get(Source, source_id)
        # One answer for "no such source" and "wrong token", so tokens cannot be probed per source.
        if (
            source is None
            or not source.push_token_hash
            or not token
            or not hmac.compare_digest(source.push_token_hash, hash_token(token))
        ):
            raise PushError(401, "推送令牌无效")
        if not source.enabled:
            raise PushError(403, "该信息源已停用")
        if not isinstance(payload_items, list | tuple):
            raise PushError(422, "items 必须是数组")
        if len(payload_items) > MAX_BATCH:
            raise PushError(413, f"一批最多 {MAX_BATCH} 条，收到 {len(payload_items)} 条")
        result = PushResult(received=len(payload_items))
        good = _good_items(payload_items, result)
        counts = save_items(s, source.id, bool(source.official), good, ws.settings.author_salt, now=now)
        run = FetchRun(
            source_id=source.id,
            started_at=now,
            finished_at=now,
            status="ok",
            new_items=counts.new,
            updated_items=counts.updated,
            bytes=sum(len(i.raw or b"") for i in good),
            duration_ms=0,
            error=f"{len(result.rejected)} 条被拒绝" if result.rejected else None,
        )
        s.add(run)
        s.flush()
        health.after_run(s, source, run, now)
        result.run_id = run.id
    result.new, result.updated, result.unchanged = counts.new, counts.updated, counts.unchanged
    return result


def _good_items(payload_items: Sequence[Any], result: PushResult) -> list[FetchedItem]:
    """The items that pass validation; every other one is reported in `result.rejected` by index."""
    good: list[FetchedItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(payload_items):
        try:
            item, error = _validate(index, raw)
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # never lose the batch for one item
            item, error = None, f"无法处理：{type(exc).__name__}"
        if error or item is None:
            result.rejected.append({"index": index, "id": _item_id(raw), "error": error})
            continue
        if item.external_id in seen:
            result.rejected.append({"index": index, "id": item.external_id, "error": "同一批中 id 重复"})
            continue
        seen.add(item.external_id or "")
        good.append(item)
    return good
