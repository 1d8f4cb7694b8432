"""POST /api/items: other systems push items in (per-source token, idempotent by external id).

The token is checked before the body is read or parsed; the body is limited to MAX_BODY_BYTES (413) and
must be JSON (415 otherwise). Bad items never lose the batch: they come back in `rejected`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from yuqing.collect.push import MAX_BATCH, MAX_BODY_BYTES, PushError, ingest_push, push_source_of
from yuqing.web.deps import WorkspaceDep

router = APIRouter(prefix="/api", tags=["push"])

BODY_SCHEMA = {
    "type": "object",
    "required": ["source_id", "items"],
    "properties": {
        "source_id": {"type": "integer", "description": "推送来源的编号"},
        "items": {
            "type": "array",
            "maxItems": MAX_BATCH,
            "description": "最多 1,000 条：id、text 必填，title、url、published_at、author 等可选",
            "items": {"type": "object"},
        },
    },
}
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "请求体不是合法 JSON"},
    401: {"description": "推送令牌无效"},
    403: {"description": "该信息源已停用"},
    413: {"description": "请求体或条数超过上限"},
    415: {"description": "请求体必须是 application/json"},
    422: {"description": "请求体结构不对"},
}


async def _read_body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes MAX_BODY_BYTES (declared or streamed)."""
    too_big = HTTPException(413, f"请求体超过 {MAX_BODY_BYTES // (1024 * 1024)} MB，请分批推送")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


@router.post(
    "/items",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": BODY_SCHEMA}}}},
    responses=RESPONSES,
)
async def push_items(
    request: Request,
    ws: WorkspaceDep,
    authorization: Annotated[str, Header(description="Bearer <来源令牌>")] = "",
) -> dict[str, Any]:
    """Push up to 1,000 items for one push source. Re-sending an item with the same id never duplicates it."""
    token = authorization.removeprefix("Bearer ").strip() if authorization.startswith("Bearer ") else ""
    source_id = await run_in_threadpool(push_source_of, ws, token)
    if source_id is None:
        raise HTTPException(401, "推送令牌无效")
    if not _is_json(request.headers.get("content-type", "")):
        raise HTTPException(415, "请求体必须是 JSON（Content-Type: application/json）")
    body = await _read_body(request)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise HTTPException(400, "请求体不是合法 JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise HTTPException(422, "请求体应为 {\"source_id\": 编号, \"items\": [...]}")
    claimed = payload.get("source_id")
    if claimed is None:
        raise HTTPException(422, "缺少 source_id")
    if isinstance(claimed, bool) or not isinstance(claimed, int) or claimed != source_id:
        raise HTTPException(401, "推送令牌无效")  # the token belongs to another source: same answer
    try:
        result = await run_in_threadpool(ingest_push, ws, source_id, token, payload["items"])
    except PushError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return result.to_dict()
