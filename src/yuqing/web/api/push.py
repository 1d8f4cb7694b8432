"""POST /api/items: other systems push items in (per-source token, idempotent by external id)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException

from yuqing.collect.push import PushError, ingest_push
from yuqing.web.deps import WorkspaceDep

router = APIRouter(prefix="/api", tags=["push"])


@router.post("/items")
def push_items(
    ws: WorkspaceDep,
    source_id: Annotated[int, Body(description="推送来源的编号")],
    items: Annotated[list[Any], Body(description="最多 1,000 条：id、text 必填，title、url、published_at、author 等可选")],
    authorization: Annotated[str, Header(description="Bearer <来源令牌>")] = "",
) -> dict[str, Any]:
    """Push up to 1,000 items for one push source. Re-sending an item with the same id never duplicates it."""
    token = authorization.removeprefix("Bearer ").strip()
    try:
        return ingest_push(ws, source_id, token, items).to_dict()
    except PushError as exc:
        raise HTTPException(exc.status, str(exc)) from None
