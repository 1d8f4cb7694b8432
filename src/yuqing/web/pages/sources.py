"""Sources page: health at a glance (red/orange/green) with recent fetch runs, adding an RSS feed or a
forum list page, "collect now", and the emergency-mode switch (突发事件24小时监测)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy import func, select

from yuqing.collect import health, sources
from yuqing.collect.schedule import ScheduleError
from yuqing.store.references import describe as describe_refs
from yuqing.store.references import references
from yuqing.store.tables import FetchRun, Item, Source
from yuqing.web.deps import (
    DbSession,
    Viewer,
    WorkspaceDep,
    check_csrf,
    redirect_with_flash,
    render,
    require_permission,
)

router = APIRouter(prefix="/sources")
SourceAdmin = Annotated[Viewer, require_permission("sources.manage")]
KIND_NAMES = {"rss": "RSS/Atom 订阅", "web": "网页（列表页+详情页）", "account": "本区政务号（订阅地址）",
              "board": "留言板导出（CSV/XLSX）", "file": "文件（JSONL/CSV）", "push": "推送接口"}
RECENT = 8


def _overview(session: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    every = list(session.execute(select(Source).order_by(Source.id)).scalars())
    counts = dict(session.execute(select(Item.source_id, func.count()).group_by(Item.source_id)).all())
    for src in every:
        runs = list(session.execute(select(FetchRun).where(FetchRun.source_id == src.id)
                                    .order_by(FetchRun.id.desc()).limit(RECENT)).scalars())
        rows.append({"source": src, "runs": runs, "items": counts.get(src.id, 0),
                         "colour": health.COLOURS.get(src.health, "grey"),
                         "label": health.LABELS.get(src.health, src.health)})
    return rows


def _page(request: Request, session: Any, status: int = 200, *, error: str | None = None,
          form: dict[str, str] | None = None) -> Any:
    return render(request, "sources/list.html", status, rows=_overview(session), kinds=KIND_NAMES,
                  windows=sources.emergency_status(request.app.state.ws), error=error, form=form or {})


@router.get("")
def sources_page(request: Request, viewer: SourceAdmin, session: DbSession) -> object:
    return _page(request, session)


def _web_config(links: str, title: str, body: str, time: str, author: str, id_regex: str) -> dict[str, Any]:
    selectors = {k: v.strip() for k, v in (("title", title), ("body", body), ("time", time), ("author", author))
                 if v.strip()}
    config: dict[str, Any] = {}
    if links.strip():
        config["links"] = links.strip()
    if selectors:
        config["selectors"] = selectors
    if id_regex.strip():
        config["id_regex"] = id_regex.strip()
    return config


@router.post("", dependencies=[Depends(check_csrf)])
def sources_create(
    request: Request, viewer: SourceAdmin, ws: WorkspaceDep,
    kind: Annotated[str, Form()], url: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
    interval_minutes: Annotated[str, Form()] = "", links: Annotated[str, Form()] = "",
    sel_title: Annotated[str, Form()] = "", sel_body: Annotated[str, Form()] = "",
    sel_time: Annotated[str, Form()] = "", sel_author: Annotated[str, Form()] = "",
    id_regex: Annotated[str, Form()] = "", config_json: Annotated[str, Form()] = "",
) -> object:
    form = {"kind": kind, "url": url, "name": name, "interval_minutes": interval_minutes, "links": links,
            "sel_title": sel_title, "sel_body": sel_body, "sel_time": sel_time, "sel_author": sel_author,
            "id_regex": id_regex, "config_json": config_json}
    try:
        interval = int(float(interval_minutes) * 60) if interval_minutes.strip() else None
        config = _web_config(links, sel_title, sel_body, sel_time, sel_author, id_regex) if kind == "web" else {}
        if config_json.strip():
            extra = json.loads(config_json)
            if not isinstance(extra, dict):
                raise sources.SourceError("高级配置必须是 JSON 对象")
            config.update(extra)
        sid = sources.sources_add(ws, viewer.actor, kind, url, name or None, interval=interval, config=config)
    except (sources.SourceError, ValueError) as exc:
        message = (f"高级配置不是合法 JSON（第 {exc.lineno} 行第 {exc.colno} 列附近有误）"
                   if isinstance(exc, json.JSONDecodeError) else str(exc))
        with ws.db.read() as s:
            return _page(request, s, 400, error=message, form=form)
    runner = getattr(request.app.state, "runner", None)
    if runner is not None and kind != "push":
        runner.submit("collect.source", source_id=sid)  # the first items arrive without waiting a cycle
    first = "，正在进行首次采集" if runner is not None and kind != "push" else ""
    return redirect_with_flash(f"/sources/{sid}", f"已新增信息源{first}")


@router.get("/{source_id}")
def source_page(request: Request, source_id: int, viewer: SourceAdmin, session: DbSession) -> object:
    return _source_page(request, session, source_id)


def _source_page(request: Request, session: Any, source_id: int, status: int = 200, error: str | None = None,
                 form: dict[str, str] | None = None) -> object:
    src = session.get(Source, source_id)
    if src is None:
        raise HTTPException(404, "信息源不存在")
    runs = list(session.execute(select(FetchRun).where(FetchRun.source_id == source_id)
                                .order_by(FetchRun.id.desc()).limit(30)).scalars())
    items = list(session.execute(select(Item).where(Item.source_id == source_id)
                                 .order_by(Item.id.desc()).limit(20)).scalars())
    total = session.execute(select(func.count()).select_from(Item).where(Item.source_id == source_id)).scalar()
    refs = references(session, "sources", source_id)
    form = form or {"name": src.name, "url": src.url or "",
                    "interval_minutes": f"{src.interval_seconds / 60:g}" if src.interval_seconds else ""}
    return render(request, "sources/detail.html", status, src=src, runs=runs, items=items, total=total,
                  kinds=KIND_NAMES, colour=health.COLOURS.get(src.health, "grey"),
                  label=health.LABELS.get(src.health, src.health), error=error, form=form,
                  refs=describe_refs(refs) if refs else "",
                  config=json.dumps(src.config or {}, ensure_ascii=False, indent=2))


@router.post("/{source_id}/collect", dependencies=[Depends(check_csrf)])
def source_collect(request: Request, source_id: int, viewer: SourceAdmin, ws: WorkspaceDep) -> object:
    """Collect one source now: through the job runner when there is one, else in this request."""
    with ws.db.read() as s:
        src = s.get(Source, source_id)
        if src is None:
            raise HTTPException(404, "信息源不存在")
        if src.kind == "push":
            raise HTTPException(400, "推送来源由对方系统推送，不能主动抓取")
    runner = getattr(request.app.state, "runner", None)
    if runner is not None:
        runner.submit("collect.source", source_id=source_id)
        return redirect_with_flash(f"/sources/{source_id}", "已开始采集，稍后刷新本页查看结果")
    sources.collect_once(ws, [source_id])
    return redirect_with_flash(f"/sources/{source_id}", "已完成一次采集")


@router.post("/emergency", dependencies=[Depends(check_csrf)])
def emergency_switch(
    request: Request, viewer: SourceAdmin, ws: WorkspaceDep, action: Annotated[str, Form()],
    source_ids: Annotated[list[int] | None, Form()] = None, keywords: Annotated[str, Form()] = "",
    interval: Annotated[int, Form()] = 60,
) -> object:
    try:
        if action == "on":
            words = [w for w in keywords.replace("，", ",").replace(" ", ",").split(",") if w.strip()]
            sources.emergency_on(ws, viewer.actor, source_ids or [], words, interval)
        else:
            sources.emergency_off(ws, viewer.actor)
    except ScheduleError as exc:
        with ws.db.read() as s:
            return _page(request, s, 400, error=str(exc))
    return redirect_with_flash("/sources", "已开启突发事件24小时监测" if action == "on" else "已结束突发事件24小时监测")


@router.post("/{source_id}/change", dependencies=[Depends(check_csrf)])
def source_change(request: Request, source_id: int, viewer: SourceAdmin, ws: WorkspaceDep,
                  op: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                  url: Annotated[str, Form()] = "", interval_minutes: Annotated[str, Form()] = "",
                  confirm: Annotated[str, Form()] = "") -> object:
    """Edit name, address and interval; disable or enable collection; delete a source that never collected."""
    form = {"name": name, "url": url, "interval_minutes": interval_minutes} if op == "save" else None
    try:
        if op == "save":
            changes: dict[str, Any] = {"name": name}
            with ws.db.read() as s:
                src = s.get(Source, source_id)
                if src is not None and src.kind != "push":
                    changes["url"] = url
            if interval_minutes.strip():
                try:
                    changes["interval_seconds"] = int(float(interval_minutes) * 60)
                except ValueError:
                    raise sources.SourceError("轮询间隔应为分钟数，如 30") from None
            sources.sources_update(ws, viewer.actor, source_id, **changes)
            return redirect_with_flash(f"/sources/{source_id}", "已保存信息源设置")
        if op in ("disable", "enable"):
            sources.sources_update(ws, viewer.actor, source_id, enabled=op == "enable")
            return redirect_with_flash(f"/sources/{source_id}", "已恢复采集" if op == "enable" else "已停用：不再采集，已采集的信息保留")
        if op == "delete":
            if confirm != "yes":
                raise sources.SourceError("删除前请勾选“确认删除”")
            gone = sources.delete_source(ws, viewer.actor, source_id)
            return redirect_with_flash("/sources", f"已删除信息源“{gone}”")
        raise sources.SourceError("请选择要执行的操作")
    except sources.SourceError as exc:
        with ws.db.read() as s:
            return _source_page(request, s, source_id, 400, str(exc), form)
