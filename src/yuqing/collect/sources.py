"""The sources service: the actions that add, change and delete sources and switch monitoring windows
(each `fn(ws, actor, ...)`, audited), and the plain reads and the collection round behind the pages and the
commands (`yuqing.cli` wires them into typer):

yuqing sources add --kind rss|web|board|file|account|push --url URL [--name NAME] [--interval S]
                   [--official] [--config JSON] [--as USERNAME]  → prints the new source id
yuqing sources list [--json]
yuqing collect --once [--source ID]...                  → exit 0 when the round ran
yuqing items list --json [--limit N]                    → one JSON object per line
yuqing emergency on --sources 1,2 --keywords 爆炸,火灾 --interval 60 [--as USERNAME]
yuqing emergency off [--as USERNAME]
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.collect import ALL_KINDS, health, schedule
from yuqing.collect.http import HttpPolicy
from yuqing.collect.runner import CollectSummary
from yuqing.collect.runner import collect_once as _collect_once
from yuqing.store.references import delete_owned, references
from yuqing.store.references import describe as describe_refs
from yuqing.store.tables import FetchRun, Item, Source, User
from yuqing.workspace import Workspace

DEFAULT_INTERVALS = {"rss": 1800, "web": 1800, "account": 1800, "board": 3600, "file": 3600, "push": 0}


class SourceError(ValueError):
    """A source that cannot be added as given; the message says why (in Chinese, for UI and CLI)."""


def _check_url(kind: str, url: str | None) -> str | None:
    url = (url or "").strip() or None
    if kind == "push":
        return url
    if not url:
        raise SourceError("请填写信息源的网址")
    scheme = urlsplit(url).scheme.lower()
    if kind in ("rss", "web", "account"):
        if scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise SourceError(f"这类信息源需要以 http:// 或 https:// 开头的网址：{url}")
    elif scheme not in ("http", "https", "file", ""):
        raise SourceError(f"不支持的地址：{url}")
    return url


def _check_config(kind: str, config: dict[str, Any] | None) -> None:
    if kind == "web" or (kind == "account" and (config or {}).get("via") == "web"):
        from yuqing.collect.base import SourceConfigError
        from yuqing.collect.web import validate_config

        try:
            validate_config(config or {})
        except SourceConfigError as exc:
            raise SourceError(str(exc)) from exc


NAME_MAX = 100


def _refuse_duplicate(s: Any, kind: str, url: str | None, name: str) -> None:
    """One source per address (and per name): a second one would collect every post twice."""
    if url:
        same = s.execute(select(Source).where(Source.url == url)).scalars().first()
        if same is not None:
            raise SourceError(f"该网址已有信息源“{same.name}”（#{same.id}），不能重复添加")
    same_name = s.execute(select(Source).where(Source.name == name)).scalars().first()
    if same_name is not None:
        raise SourceError(f"已有同名信息源“{name}”（#{same_name.id}），请换一个名称")


def _free_name(s: Any, name: str) -> str:
    """A generated name made unique by a number (推送接口 2), so only names people typed can clash."""
    taken = set(s.execute(select(Source.name).where(Source.name.startswith(name))).scalars())
    n, candidate = 1, name
    while candidate in taken:
        n += 1
        candidate = f"{name} {n}"
    return candidate


KIND_WORDS = {"rss": "RSS 订阅", "web": "网页", "account": "政务号", "board": "留言板", "file": "文件导入",
              "push": "推送接口"}


def _default_name(kind: str, url: str | None) -> str:
    if not url:
        return KIND_WORDS.get(kind, "信息源")
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return f"{parts.hostname}{parts.path if parts.path not in ('', '/') else ''}"[:NAME_MAX]
    return (Path(parts.path or url).name or url)[:NAME_MAX]


@action("source.create", permission="sources.manage")
def sources_add(
    tx: Tx,
    kind: str,
    url: str | None,
    name: str | None = None,
    *,
    official: bool = False,
    interval: int | None = None,
    config: dict[str, Any] | None = None,
    enabled: bool = True,
) -> int:
    """Add a source (audited) and return its id. `account` sources are official by definition."""
    kind = (kind or "").strip().lower()
    if kind not in ALL_KINDS:
        raise SourceError(f"未知的来源类型 {kind!r}；可选：{', '.join(ALL_KINDS)}")
    url = _check_url(kind, url)
    if config is not None and not isinstance(config, dict):
        raise SourceError("高级配置必须是 JSON 对象")
    _check_config(kind, config)
    if interval is not None and interval < 0:
        raise SourceError("间隔不能为负")
    given = (name or "").strip()
    name = given or _default_name(kind, url)
    if len(name) > NAME_MAX:
        raise SourceError(f"名称太长：最多 {NAME_MAX} 个字（现在 {len(name)} 个）")
    s = tx.session
    if not given:
        name = _free_name(s, name)
    _refuse_duplicate(s, kind, url, name)
    source = Source(
        name=name,
        kind=kind,
        url=url,
        config=dict(config or {}),
        official=official or kind == "account",
        enabled=enabled,
        interval_seconds=DEFAULT_INTERVALS[kind] if interval is None else interval,
        created_at=utcnow(),
    )
    s.add(source)
    s.flush()
    tx.audit(
        "source.create",
        "source",
        source.id,
        name=source.name,
        kind=kind,
        url=url,
        official=source.official,
        interval=source.interval_seconds,
    )
    return source.id


@action("source.update", permission="sources.manage")
def sources_update(tx: Tx, source_id: int, **changes: Any) -> None:
    """Change name, url, config, interval_seconds, enabled or official of a source (audited)."""
    allowed = {"name", "url", "config", "interval_seconds", "enabled", "official"}
    bad = set(changes) - allowed
    if bad:
        raise SourceError(f"不能修改：{', '.join(sorted(bad))}")
    s = tx.session
    source = s.get(Source, source_id)
    if source is None:
        raise SourceError(f"没有编号为 {source_id} 的信息源")
    if "url" in changes:
        changes["url"] = _check_url(source.kind, changes["url"])
        if changes["url"] and s.execute(select(Source.id).where(
                Source.url == changes["url"], Source.id != source_id)).first():
            raise SourceError("该网址已有信息源，不能重复")
    if "name" in changes:
        changes["name"] = str(changes["name"] or "").strip()
        if not changes["name"]:
            raise SourceError("名称不能为空")
        if len(changes["name"]) > NAME_MAX:
            raise SourceError(f"名称太长：最多 {NAME_MAX} 个字（现在 {len(changes['name'])} 个）")
        if s.execute(select(Source.id).where(Source.name == changes["name"], Source.id != source_id)).first():
            raise SourceError(f"已有同名信息源“{changes['name']}”，请换一个名称")
    if "interval_seconds" in changes and changes["interval_seconds"] < 0:
        raise SourceError("间隔不能为负")
    if "config" in changes:
        _check_config(source.kind, changes["config"])
    before = {k: getattr(source, k) for k in changes}
    for k, v in changes.items():
        setattr(source, k, v)
    tx.audit("source.update", "source", source.id, before=before, after=changes)


@action("source.delete", permission="sources.manage")
def delete_source(tx: Tx, source_id: int) -> str:
    """Delete a source that never collected anything (no items, no runs); else refuse: disable it instead,
    since its items are evidence."""
    s = tx.session
    source = s.get(Source, source_id)
    if source is None:
        raise SourceError(f"没有编号为 {source_id} 的信息源")
    found = references(s, "sources", source_id)
    if found:
        raise SourceError(f"信息源“{source.name}”已有 {describe_refs(found)}，不能删除；可以停用")
    name = source.name
    delete_owned(s, "sources", source_id)
    s.delete(source)
    tx.audit("source.delete", "source", source_id, name=name)
    return name


def sources_list(ws: Workspace) -> list[dict[str, Any]]:
    """One row per source with its health, for `yuqing sources list` and the sources page."""
    with ws.db.read() as s:
        rows = []
        for src in s.execute(select(Source).order_by(Source.id)).scalars():
            rows.append(
                {
                    "id": src.id,
                    "name": src.name,
                    "kind": src.kind,
                    "url": src.url,
                    "enabled": src.enabled,
                    "official": src.official,
                    "interval_seconds": src.interval_seconds,
                    "health": src.health,
                    "health_label": health.LABELS.get(src.health, src.health),
                    "consecutive_failures": src.consecutive_failures,
                    "last_run_at": _iso(src.last_run_at),
                    "last_new_item_at": _iso(src.last_new_item_at),
                }
            )
        return rows


def recent_runs(ws: Workspace, source_id: int, limit: int = 20) -> list[dict[str, Any]]:
    with ws.db.read() as s:
        runs = s.execute(
            select(FetchRun).where(FetchRun.source_id == source_id).order_by(FetchRun.id.desc()).limit(limit)
        ).scalars()
        return [
            {
                "id": r.id,
                "started_at": _iso(r.started_at),
                "finished_at": _iso(r.finished_at),
                "status": r.status,
                "http_status": r.http_status,
                "new_items": r.new_items,
                "updated_items": r.updated_items,
                "bytes": r.bytes,
                "duration_ms": r.duration_ms,
                "error": r.error,
            }
            for r in runs
        ]


def collect_once(
    ws: Workspace,
    source_ids: Sequence[int] | None = None,
    *,
    policy: HttpPolicy | None = None,
    workers: int = 4,
) -> CollectSummary:
    """`yuqing collect --once [--source ID]`: one round; per-source errors are recorded, not raised."""
    summary = _collect_once(ws, list(source_ids) if source_ids else None, policy=policy, workers=workers)
    with ws.db.write() as s:
        health.sweep(s)
    return summary


def format_summary(summary: CollectSummary) -> Iterator[str]:
    """Human-readable lines for the CLI."""
    for r in summary.results:
        line = f"#{r.source_id} {r.name}: {r.status} 新增 {r.new} 更新 {r.updated} 未变 {r.unchanged} ({r.duration_ms} ms)"
        if r.error:
            line += f" — {r.error}"
        yield line
    yield f"共 {len(summary.results)} 个来源，新增 {summary.new}，更新 {summary.updated}，失败 {summary.failed}"


def items_list_json(ws: Workspace, limit: int = 100, source_id: int | None = None) -> Iterator[str]:
    """Newest items first, one JSON object per line."""
    with ws.db.read() as s:
        q = select(Item, Source.name).join(Source, Source.id == Item.source_id)
        if source_id is not None:
            q = q.where(Item.source_id == source_id)
        rows = s.execute(q.order_by(Item.id.desc()).limit(max(0, limit))).all()
    for item, source_name in rows:
        yield json.dumps(
            {
                "id": item.id,
                "source": source_name,
                "source_id": item.source_id,
                "url": item.url,
                "title": item.title,
                "text": item.text,
                "published_at": _iso(item.published_at),
                "captured_at": _iso(item.captured_at),
                "content_hash": item.content_hash,
                "raw_sha256": item.raw_sha256,
                "external_id": item.external_id,
                "version": item.version,
            },
            ensure_ascii=False,
        )


@action("collect.emergency_on", permission="sources.manage")
def emergency_on(tx: Tx, sources: Sequence[int], keywords: Sequence[str], interval: int = 60) -> int:
    """`yuqing emergency on`: raise polling for the sources (all when none given); returns the window id."""
    return schedule.open_window.within(tx, source_ids=sources, keywords=keywords, interval=interval).id


@action("collect.planned_on", permission="sources.manage")
def plan_window(tx: Tx, name: str, starts_at: datetime, ends_at: datetime, sources: Sequence[int] = (),
                keywords: Sequence[str] = (), interval: int = 300, duty: Sequence[str] = ()) -> int:
    """Plan heightened monitoring ahead for a sensitive date (重要时间节点: exams, holidays, big events), with
    its duty arrangement: the people (user names or names, 值班员 first) paged while it is on.

    Naive times are China time. Returns the window id; audited as collect.planned_on."""
    from yuqing.alert.duty import RosterError, resolve_people
    from yuqing.clock import CHINA

    def local(dt: datetime) -> datetime:
        return dt if dt.tzinfo else dt.replace(tzinfo=CHINA)

    try:
        people = resolve_people(tx.session, duty)
    except RosterError as exc:
        raise schedule.ScheduleError(f"值班安排：{exc}") from None
    return schedule.open_window.within(tx, source_ids=sources, keywords=keywords, interval=interval, name=name,
                                       starts_at=local(starts_at), ends_at=local(ends_at), kind="planned",
                                       duty_user_ids=people).id


@action("collect.emergency_off", permission="sources.manage")
def emergency_off(tx: Tx) -> int:
    """`yuqing emergency off`: end emergency mode; returns how many windows were ended."""
    return schedule.close_windows.within(tx)


def emergency_status(ws: Workspace) -> list[dict[str, Any]]:
    with ws.db.read() as s:
        return [
            {
                "id": w.id,
                "kind": w.kind,
                "name": w.name,
                "sources": list(w.source_ids or []),
                "keywords": list(w.keywords or []),
                "interval_seconds": w.interval_seconds,
                "starts_at": _iso(w.starts_at),
                "ends_at": _iso(w.ends_at),
                "created_by": w.created_by,
            }
            for w in schedule.active_windows(s)
        ]


WINDOW_STATES = {"upcoming": "未开始", "active": "进行中", "ended": "已结束"}


def windows_list(ws: Workspace, *, include_ended: bool = False, kind: str | None = "planned") -> list[dict[str, Any]]:
    """Monitoring windows by start time: the planned ones (重要时间节点) by default, with their state now
    (未开始 / 进行中 / 已结束); ended ones only when asked."""
    from sqlalchemy import select

    from yuqing.clock import aware, utcnow
    from yuqing.store.tables_collect import MonitoringWindow

    now = utcnow()
    with ws.db.read() as s:
        stmt = select(MonitoringWindow).order_by(MonitoringWindow.starts_at, MonitoringWindow.id)
        if kind is not None:
            stmt = stmt.where(MonitoringWindow.kind == kind)
        rows = list(s.execute(stmt).scalars())
        names = dict(s.execute(select(Source.id, Source.name)).all())
        people = {u.id: u for u in s.execute(select(User).where(User.id.in_(
            {int(i) for w in rows for i in w.duty_user_ids or []}))).scalars()}
    out = []
    for w in rows:
        starts, ends = aware(w.starts_at), aware(w.ends_at) if w.ends_at else None
        state = "upcoming" if starts > now else ("ended" if ends is not None and ends <= now else "active")
        if state == "ended" and not include_ended:
            continue
        out.append({"id": w.id, "kind": w.kind, "name": w.name, "state": state, "state_label": WINDOW_STATES[state],
                    "sources": list(w.source_ids or []),
                    "source_names": [names.get(int(i), f"#{i}") for i in w.source_ids or []],
                    "keywords": list(w.keywords or []), "interval_seconds": w.interval_seconds,
                    "starts_at": _iso(w.starts_at), "ends_at": _iso(w.ends_at), "created_by": w.created_by,
                    # 值班安排: who is paged while the window is on, in escalation order
                    "duty": [{"user_id": int(i), "username": people[int(i)].username if int(i) in people else "",
                              "name": people[int(i)].display_name if int(i) in people else "已删除的账号"}
                             for i in w.duty_user_ids or []]})
    return out


HISTORY_LABELS = {"collect.planned_on": "已计划", "collect.window_started": "已开启",
                  "collect.window_ended": "已结束", "collect.planned_off": "已提前结束"}


def window_history(ws: Workspace, window_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Each window's history from the audit chain: planned, switched on (with each source's interval going up),
    switched off (and back), or ended early; oldest first."""
    from sqlalchemy import select

    from yuqing.clock import aware
    from yuqing.store.tables import AuditEntry

    out: dict[int, list[dict[str, Any]]] = {int(i): [] for i in window_ids}
    if not out:
        return out
    with ws.db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.object_type == "monitoring_window",
                                                  AuditEntry.action.in_(list(HISTORY_LABELS)),
                                                  AuditEntry.object_id.in_([str(i) for i in out]))
                         .order_by(AuditEntry.at, AuditEntry.id)).scalars()
        for e in rows:
            changes = (e.detail or {}).get("intervals") or []
            detail = "；".join(f"{c['source']} {c['before']} 秒→{c['after']} 秒" for c in changes)
            if e.action == "collect.window_started" and not changes:
                detail = "所涉信息源的采集间隔没有变化"
            out[int(str(e.object_id))].append({"action": e.action, "label": HISTORY_LABELS[e.action],
                                               "at": aware(e.at), "by": e.actor_name, "detail": detail})
    return out


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    from yuqing.clock import aware

    return str(aware(value).isoformat())
