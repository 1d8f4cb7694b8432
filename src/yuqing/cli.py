"""The `yuqing` command. Every subcommand works on one workspace (--workspace DIR or $YUQING_WORKSPACE)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yuqing.domain.roles import ROLE_NAMES, Actor
from yuqing.workspace import Workspace, WorkspaceError, init_workspace, open_workspace

app = typer.Typer(help="Yuqing 舆情：网络舆情监测、交办、回应与考核。", no_args_is_help=True,
                  pretty_exceptions_enable=False)
users_app = typer.Typer(help="用户管理", no_args_is_help=True)
units_app = typer.Typer(help="单位管理（乡镇/街道/部门）", no_args_is_help=True)
profile_app = typer.Typer(help="辖区档案", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(units_app, name="units")
app.add_typer(profile_app, name="profile")
app.add_typer(audit_app, name="audit")

err = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]错误：[/red]{message}")
    return typer.Exit(code)


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="工作区目录（默认 $YUQING_WORKSPACE 或当前目录）")] = None,
) -> None:
    ctx.obj = {"workspace": workspace}


AsUser = Annotated[str | None, typer.Option("--as", help="以哪个账号操作（默认工作区的操作账号）")]


def setup_as(ws: Workspace, as_user: str | None) -> Actor:
    """The named account a command acts as (--as, else the workspace's operator); on a new workspace without
    an administrator yet, the installer, so the first units, administrator and sources can be made."""
    from yuqing.actions.actors import OperatorRequired, setup_actor

    try:
        return setup_actor(ws, as_user)
    except OperatorRequired as exc:
        raise fail(str(exc), 2) from None


def ws_of(ctx: typer.Context, migrate: bool = False) -> Workspace:
    try:
        return open_workspace(ctx.obj.get("workspace") if ctx.obj else None, migrate=migrate)
    except WorkspaceError as exc:
        raise fail(str(exc)) from None


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, disable=not err.is_terminal)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="新工作区目录")],
    district: Annotated[str | None, typer.Option(help="区县名称，如 章贡区、兴庆区、平昌县、合作市")] = None,
    city: Annotated[str | None, typer.Option(help="所属地市（同名区县时用来区分）")] = None,
    province: Annotated[str | None, typer.Option(help="所属省份（同名区县时用来区分）")] = None,
) -> None:
    """创建工作区；给出 --district 时从地名库生成辖区档案（乡镇街道、村社区）。"""
    from yuqing.gazetteer import AmbiguousDistrict, UnknownDistrict, build_profile, find_county

    profile = None
    if district:
        try:
            county = find_county(district, city=city, province=province)
        except AmbiguousDistrict as exc:
            if not sys.stdin.isatty():
                raise fail(str(exc)) from None
            err.print(str(exc))
            choice = typer.prompt("请输入所属地市或省份")
            try:
                county = find_county(district, city=choice) if any(
                    choice in c.city for c in exc.candidates) else find_county(district, province=choice)
            except LookupError as again:
                raise fail(str(again)) from None
        except UnknownDistrict as exc:
            raise fail(str(exc)) from None
        profile = build_profile(county)
    ws = init_workspace(directory, profile)
    out.print(f"已创建工作区 {ws.path}")
    if profile:
        out.print(f"辖区：{profile.province} {profile.city} {profile.district}，"
                  f"乡镇街道 {len(profile.towns())} 个，村社区 {len(profile.villages())} 个")
    out.print(f"下一步：yuqing --workspace {ws.path} users add admin --role admin --name 管理员")


@profile_app.command("show")
def profile_show(ctx: typer.Context) -> None:
    """以 JSON 输出辖区档案（区县、地市、省份、各级地名）。"""
    ws = ws_of(ctx)
    profile = ws.profile()
    if profile is None:
        raise fail("工作区没有辖区档案：用 yuqing init DIR --district 区县名 创建")
    typer.echo(json.dumps(profile.to_dict(), ensure_ascii=False, indent=1))


@app.command()
def up(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, envvar="YUQING_WEB_WORKERS",
                                         help="网页服务进程数（建议与 CPU 核数相同）")] = 1,
) -> None:
    """启动网页服务和后台任务（采集、分析、提醒）。"""
    ws = ws_of(ctx, migrate=True)
    serve(ws, host, port, workers)


def serve(ws: Workspace, host: str, port: int, workers: int = 1) -> None:
    """The web app, and the periodic jobs in this process (never in the web workers, so they run once)."""
    import uvicorn

    from yuqing.jobs.runner import make_runner
    from yuqing.settings import WORKSPACE_ENV
    from yuqing.web.app import create_app

    runner = make_runner(ws)
    runner.start()
    try:
        out.print(f"Yuqing 已启动：http://{host}:{port}/  （工作区 {ws.path}，{workers} 个网页进程，按 Ctrl+C 停止）")
        if workers > 1:
            os.environ[WORKSPACE_ENV] = str(ws.path)  # each worker process opens the same workspace
            uvicorn.run("yuqing.web.app:app_from_environment", factory=True, workers=workers, host=host,
                        port=port, log_level="warning")
        else:
            uvicorn.run(create_app(ws, runner=runner), host=host, port=port, log_level="warning")
    finally:
        runner.shutdown()


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="演示工作区目录")] = Path("demo-workspace"),
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="只准备演示数据，不启动服务")] = False,
) -> None:
    """创建（或复用）演示工作区“示例区”并启动服务。数据均为虚构。"""
    from yuqing.demo.build import build_demo

    with progress_bar() as bar:
        ws, passwords = build_demo(directory, progress=bar, base_url=f"http://{host}:{port}")
    table = Table(title="演示账号（虚构数据，仅供试用）")
    for col in ("用户名", "密码", "角色", "单位"):
        table.add_column(col)
    for row in passwords:
        table.add_row(*row)
    out.print(table)
    if not no_serve:
        serve(ws, host, port)


@app.command("import")
def import_items(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="JSONL 或 CSV 文件")],
    source: Annotated[str | None, typer.Option(help="来源名称（默认按文件名）")] = None,
    as_user: AsUser = None,
) -> None:
    """从 JSONL/CSV 文件导入信息；重复导入不会重复入库，坏行按行号报告。"""
    from yuqing.domain.roles import PermissionDenied
    from yuqing.importer import import_file, read_rows

    if not file.exists():
        raise fail(f"文件不存在：{file}")
    ws = ws_of(ctx, migrate=True)
    actor = setup_as(ws, as_user)
    total = sum(1 for _ in read_rows(file))
    try:
        with progress_bar() as bar:
            task = bar.add_task("导入", total=total)
            result = import_file(ws, actor, file, source_name=source, progress=lambda n: bar.advance(task, n))
    except PermissionDenied as exc:
        raise fail(str(exc)) from None
    for message in result.errors:
        err.print(f"[yellow]{message}[/yellow]")
    out.print(f"新增 {result.new}，更新 {result.updated}，未变 {result.unchanged}，错误 {len(result.errors)}")
    if result.errors:
        raise typer.Exit(1)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    username: str,
    role: Annotated[str, typer.Option(help="角色：" + "、".join(f"{k}（{v}）" for k, v in ROLE_NAMES.items()))],
    name: Annotated[str | None, typer.Option(help="姓名")] = None,
    unit: Annotated[str | None, typer.Option(help="所属单位名称")] = None,
    password: Annotated[str | None, typer.Option(help="密码（不给则提示输入）")] = None,
    as_user: AsUser = None,
) -> None:
    """添加用户（新工作区的第一个管理员不需要 --as）。"""
    from yuqing.accounts import AccountError, create_user
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    actor = setup_as(ws, as_user)
    pw = password or typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(ws, actor, username, name or username, pw, role, unit)
    except (AccountError, PermissionDenied) as exc:
        raise fail(str(exc)) from None
    out.print(f"已添加用户 {user.username}（id {user.id}）")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """列出用户。"""
    from sqlalchemy import select

    from yuqing.store.tables import User

    ws = ws_of(ctx)
    table = Table("id", "用户名", "姓名", "角色", "单位", "启用")
    with ws.db.read() as s:
        for u in s.execute(select(User).order_by(User.id)).scalars():
            table.add_row(str(u.id), u.username, u.display_name, ROLE_NAMES.get(u.role_code, u.role_code),
                          u.unit.name if u.unit else "", "是" if u.active else "否")
    out.print(table)


@units_app.command("add")
def units_add(
    ctx: typer.Context,
    name: str,
    kind: Annotated[str, typer.Option(help="town（乡镇）、street（街道）、department（部门）、office（办公室）")] = "department",
    parent: Annotated[str | None, typer.Option(help="上级单位名称")] = None,
    place: Annotated[str | None, typer.Option(help="负责的地名（属地）")] = None,
    as_user: AsUser = None,
) -> None:
    """添加单位（新工作区在有管理员之前不需要 --as）。"""
    from yuqing.accounts import AccountError, create_unit
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    actor = setup_as(ws, as_user)
    try:
        unit = create_unit(ws, actor, name, kind, parent, place)
    except (AccountError, PermissionDenied) as exc:
        raise fail(str(exc)) from None
    out.print(f"已添加单位 {unit.name}（id {unit.id}）")


@units_app.command("list")
def units_list(ctx: typer.Context) -> None:
    """按层级列出单位。"""
    from yuqing.accounts import UNIT_KINDS, unit_tree

    ws = ws_of(ctx)
    with ws.db.read() as s:
        for unit, depth in unit_tree(s):
            out.print(f"{'  ' * depth}{unit.name}（{UNIT_KINDS.get(unit.kind, unit.kind)}，id {unit.id}）")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """校验审计日志：哈希链（审计密钥签名）与工作区中的检查点；有记录被改动、删除、清空或整链重算时以非零状态退出，并说明是哪一种。"""
    from yuqing.store import audit

    ws = ws_of(ctx)
    with ws.db.read() as s:
        result = audit.verify(s)
    if not result.ok:
        kind = AUDIT_FAILURES.get(result.kind, "校验失败")
        where = f"（记录 id {result.bad_id}）" if result.bad_id is not None else ""
        err.print(f"[red]审计链校验失败：{kind}。[/red]{result.reason}{where}")
        raise typer.Exit(2)
    note = f"；注意：{result.reason}" if result.reason else ""
    out.print(f"审计链完好：共 {result.checked} 条记录，与检查点一致{note}")


AUDIT_FAILURES = {
    "edited": "记录被改动",
    "relinked": "链接断开（有记录被删除或改动）",
    "recomputed": "记录被改动后整链重算",
    "tail_deleted": "最新的记录被删除",
    "truncated": "审计表被清空",
}


@app.command()
def retention(ctx: typer.Context) -> None:
    """按 retention_days 清除过期信息的原始快照和个人信息（作者哈希、联系方式）；正文和证据哈希保留，操作记入审计。

    立即执行每日的清理任务，以“系统任务”账号操作（与定时任务相同）。"""
    from yuqing.actions.actors import jobs_actor
    from yuqing.collect.retention import purge_expired

    ws = ws_of(ctx, migrate=True)
    r = purge_expired(ws, jobs_actor(ws))
    out.print(f"保存期限 {ws.settings.retention_days} 天：清除了 {r.items} 条信息、{r.versions} 个历史版本、"
              f"{r.bodies} 个原始响应的快照和个人信息"
              + (f"；为 {r.legacy_redacted} 个早先保存的快照补做了发帖人脱敏" if r.legacy_redacted else ""))


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(help="并发数")] = 2,
    queues: Annotated[str | None, typer.Option(help="队列（逗号分隔）：collect, analyse, alert, report；默认全部")] = None,
    pool: Annotated[str, typer.Option(help="threads（采集等等待网络的任务）或 prefork/solo（分析，每核一个进程）")] = "threads",
) -> None:
    """启动 Celery 工作进程（YUQING_BROKER_URL 指定 Redis 或 RabbitMQ）。"""
    from yuqing.jobs.celery_app import make_app

    if pool not in ("threads", "prefork", "solo"):
        raise fail("--pool 只能是 threads、prefork 或 solo")
    ws = ws_of(ctx, migrate=True)
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", f"--pool={pool}"]
    if queues:
        argv.append(f"--queues={queues}")
    make_app(ws.settings.broker_url, str(ws.path)).worker_main(argv)


@app.command()
def beat(ctx: typer.Context) -> None:
    """启动 Celery beat，按计划提交周期任务。"""
    from yuqing.jobs.celery_app import make_app

    ws = ws_of(ctx, migrate=True)
    schedule = ws.path / "celerybeat-schedule"
    make_app(ws.settings.broker_url, str(ws.path)).start(["beat", "--loglevel=INFO", f"--schedule={schedule}"])


# ---------------------------------------------------------------- collection (R-COLLECT)
sources_app = typer.Typer(help="信息源管理", no_args_is_help=True)
items_app = typer.Typer(help="信息查询", no_args_is_help=True)
emergency_app = typer.Typer(help="突发事件24小时监测（应急模式）", no_args_is_help=True)
windows_app = typer.Typer(help="重要时间节点的计划监测时段（到点自动开启和结束）", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(items_app, name="items")
app.add_typer(emergency_app, name="emergency")
app.add_typer(windows_app, name="windows")


def _split(values: list[str] | None) -> list[str]:
    """Values given repeatedly or comma-separated: --sources 1,2 --sources 3 → [1, 2, 3]."""
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.replace("，", ",").split(",") if x.strip())
    return out


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="rss | web | board | file | account | push")],
    url: Annotated[str | None, typer.Option(help="地址（文件类为路径）")] = None,
    name: Annotated[str | None, typer.Option(help="名称")] = None,
    interval: Annotated[int | None, typer.Option(help="采集间隔（秒）")] = None,
    official: Annotated[bool, typer.Option("--official", help="本区官方账号/网站")] = False,
    config: Annotated[str | None, typer.Option(help="JSON 配置（如网页选择器）")] = None,
    as_user: AsUser = None,
) -> None:
    """添加信息源，输出新信息源的编号。"""
    from yuqing.collect.sources import SourceError
    from yuqing.collect.sources import sources_add as add
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    actor = setup_as(ws, as_user)
    try:
        cfg = json.loads(config) if config else None
        source_id = add(ws, actor, kind, url, name, official=official, interval=interval, config=cfg)
    except (SourceError, json.JSONDecodeError) as exc:
        raise fail(str(exc), 2) from None
    except PermissionDenied as exc:
        raise fail(str(exc)) from None
    typer.echo(source_id)


@sources_app.command("list")
def sources_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON 输出")] = False) -> None:
    """列出信息源及其健康状态。"""
    from yuqing.collect.sources import sources_list as rows_of

    rows = rows_of(ws_of(ctx, migrate=True))
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    table = Table("id", "名称", "类型", "地址", "间隔", "状态", "最近采集")
    for r in rows:
        table.add_row(str(r["id"]), str(r["name"]), str(r["kind"]), str(r.get("url") or ""),
                      str(r.get("interval_seconds", "")), str(r.get("health", "")), str(r.get("last_run_at") or ""))
    out.print(table)


@sources_app.command("token")
def sources_token(ctx: typer.Context, source_id: Annotated[int, typer.Argument(help="推送来源编号")],
                  as_user: AsUser = None) -> None:
    """为推送来源（kind=push）签发新令牌（只显示一次，旧令牌作废）。"""
    from yuqing.collect.push import PushError, issue_push_token
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    actor = setup_as(ws, as_user)
    try:
        token = issue_push_token(ws, actor, source_id)
    except (PushError, LookupError, ValueError) as exc:
        raise fail(str(exc), 2) from None
    except PermissionDenied as exc:
        raise fail(str(exc)) from None
    typer.echo(token)


@app.command()
def collect(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="只采集一轮后退出")] = False,
    source: Annotated[list[int] | None, typer.Option("--source", help="只采集这些信息源（可重复）")] = None,
) -> None:
    """采集一轮（各来源的错误会被记录，不会中断）。不加 --once 时按计划持续采集。"""
    from yuqing.collect.sources import collect_once, format_summary

    ws = ws_of(ctx, migrate=True)
    if not once:
        from yuqing.jobs.runner import InProcessRunner

        runner = InProcessRunner(ws)
        runner.start()
        out.print("按计划持续采集中（Ctrl+C 停止）")
        try:
            import time

            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            runner.shutdown()
        return
    summary = collect_once(ws, source or None)
    for line in format_summary(summary):
        out.print(line)


@items_app.command("list")
def items_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="每行一个 JSON 对象")] = False,
    limit: Annotated[int, typer.Option(help="最多条数")] = 100,
    source: Annotated[int | None, typer.Option(help="信息源编号")] = None,
) -> None:
    """列出最新信息。"""
    from yuqing.collect.sources import items_list_json

    ws = ws_of(ctx, migrate=True)
    for line in items_list_json(ws, limit, source):
        if as_json:
            typer.echo(line)
        else:
            row = json.loads(line)
            typer.echo(f"#{row['id']} [{row['source']}] {(row['title'] or row['text'])[:60]}")


@emergency_app.command("on")
def emergency_on(
    ctx: typer.Context,
    sources: Annotated[list[str] | None, typer.Option("--sources", help="信息源编号，逗号分隔或重复；不给则全部")] = None,
    keywords: Annotated[list[str] | None, typer.Option("--keywords", help="关注关键词，逗号分隔或重复")] = None,
    interval: Annotated[int, typer.Option(help="采集间隔（秒）")] = 60,
    as_user: AsUser = None,
) -> None:
    """开启应急模式：提高所选信息源的采集频率，直到关闭。"""
    from yuqing.collect.schedule import ScheduleError
    from yuqing.collect.sources import emergency_on as on
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    try:
        ids = [int(x) for x in _split(sources)]
    except ValueError:
        raise fail("--sources 须为信息源编号", 2) from None
    actor = setup_as(ws, as_user)
    try:
        window = on(ws, actor, ids, _split(keywords), interval)
    except ScheduleError as exc:
        raise fail(str(exc), 2) from None
    except PermissionDenied as exc:
        raise fail(str(exc)) from None
    out.print(f"应急模式已开启（#{window}），间隔 {interval} 秒")


@emergency_app.command("off")
def emergency_off(ctx: typer.Context, as_user: AsUser = None) -> None:
    """关闭应急模式。"""
    from yuqing.collect.sources import emergency_off as off
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    try:
        ended = off(ws, setup_as(ws, as_user))
    except PermissionDenied as exc:
        raise fail(str(exc)) from None
    out.print(f"已关闭 {ended} 个应急监测窗口")


@emergency_app.command("status")
def emergency_status(ctx: typer.Context) -> None:
    """查看生效中的应急监测窗口。"""
    from yuqing.collect.sources import emergency_status as status

    rows = status(ws_of(ctx, migrate=True))
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))
    if not rows:
        out.print("应急模式未开启")


def _window_time(text: str, option: str) -> datetime:
    """A window's start or end: 2027-06-07 08:00 (China time unless an offset is given)."""
    try:
        return datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise fail(f"{option} 应写成 2027-06-07 08:00（北京时间），收到 {text!r}", 2) from None


@windows_app.command("add")
def windows_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="名称，如 2027年高考")],
    start: Annotated[str, typer.Option("--from", help="开始时间，如 2027-06-07 00:00（北京时间）")],
    end: Annotated[str, typer.Option("--to", help="结束时间，如 2027-06-09 00:00（北京时间）")],
    sources: Annotated[list[str] | None, typer.Option("--sources", help="信息源编号，逗号分隔或重复；不给则全部")] = None,
    keywords: Annotated[list[str] | None, typer.Option("--keywords", help="关注关键词，逗号分隔或重复")] = None,
    interval: Annotated[int, typer.Option(help="监测期间的采集间隔（秒）")] = 300,
    duty: Annotated[list[str] | None, typer.Option(
        "--duty", help="值班安排：监测期间接收预警的人（用户名或姓名，逗号分隔，值班员在前）；不给则按值班表")] = None,
    as_user: AsUser = None,
) -> None:
    """计划一个重点时段监测：到开始时间自动提高采集频率，到结束时间自动恢复。"""
    from yuqing.collect.schedule import ScheduleError
    from yuqing.collect.sources import plan_window
    from yuqing.domain.roles import PermissionDenied

    ws = ws_of(ctx, migrate=True)
    if not name.strip():
        raise fail("--name 不能为空", 2)
    starts_at, ends_at = _window_time(start, "--from"), _window_time(end, "--to")
    try:
        ids = [int(x) for x in _split(sources)]
    except ValueError:
        raise fail("--sources 须为信息源编号", 2) from None
    actor = setup_as(ws, as_user)
    try:
        window = plan_window(ws, actor, name.strip(), starts_at, ends_at, ids, _split(keywords), interval,
                             _split(duty))
    except ScheduleError as exc:
        raise fail(str(exc), 2) from None
    except PermissionDenied as exc:
        raise fail(str(exc)) from None
    from yuqing.collect.sources import windows_list as rows_of

    people: list[dict[str, Any]] = next((r["duty"] for r in rows_of(ws, include_ended=True) if r["id"] == window), [])
    on_duty = f"，值班安排：{' → '.join(p['name'] for p in people)}" if people else ""
    out.print(f"已计划重点时段监测（#{window}）：{name.strip()}，{start} 至 {end}，间隔 {interval} 秒{on_duty}")


def _china(iso: str | None) -> str:
    from yuqing.clock import CHINA

    return datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if iso else "（无）"


@windows_app.command("list")
def windows_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="每行一个 JSON 对象")] = False,
    include_ended: Annotated[bool, typer.Option("--all", help="也列出已结束的")] = False,
) -> None:
    """列出计划的重点时段监测（未开始和进行中的；--all 含已结束的）。"""
    from yuqing.collect.sources import windows_list as rows_of

    rows = rows_of(ws_of(ctx, migrate=True), include_ended=include_ended)
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            where = "、".join(row["source_names"]) or "全部信息源"
            typer.echo(f"#{row['id']} {row['name']} [{row['state_label']}] {_china(row['starts_at'])} 至 {_china(row['ends_at'])}"
                       f" · {where} · 每 {row['interval_seconds']} 秒"
                       + (f" · 关键词：{'、'.join(row['keywords'])}" if row["keywords"] else "")
                       + (f" · 值班：{'、'.join(p['name'] for p in row['duty'])}" if row["duty"] else ""))
    if not rows and not as_json:
        out.print("没有计划中的重点时段监测")


# ---------------------------------------------------------------- analysis (R-ANALYSE)
@app.command()
def analyze(ctx: typer.Context) -> None:
    """分析标准输入的 JSONL，逐行输出情感、领域、涉区、地点、重复与事件。"""
    from yuqing.analyse.cli import run_analyze
    from yuqing.settings import resolve_workspace

    folder = resolve_workspace(ctx.obj.get("workspace") if ctx.obj else None)
    profile = None
    if (folder / "yuqing.toml").exists():
        profile = ws_of(ctx).profile()
    elif ctx.obj and ctx.obj.get("workspace"):
        raise fail(f"{folder} 不是 Yuqing 工作区（缺少 yuqing.toml）")
    code = run_analyze(profile, sys.stdin, sys.stdout, sys.stderr)
    raise typer.Exit(code)


@app.command("analyze-pending")
def analyze_pending(ctx: typer.Context) -> None:
    """分析工作区里尚未分析的信息，并把结果和事件写回数据库。"""
    from sqlalchemy import func, select

    from yuqing.analysis_service import analyse_pending
    from yuqing.store.tables import Item

    ws = ws_of(ctx, migrate=True)
    with ws.db.read() as s:
        todo = s.execute(select(func.count(Item.id)).where(Item.analysed_at.is_(None))).scalar_one()
    with progress_bar() as bar:
        task = bar.add_task("分析", total=todo)
        result = analyse_pending(ws, progress=lambda n: bar.advance(task, n))
    out.print(f"已分析 {result.get('analysed', 0)} 条，涉区 {result.get('relevant', 0)} 条，"
              f"转发/重复 {result.get('duplicates', 0)} 条，更新事件 {result.get('events_changed', 0)} 个")
    if result:  # as the job runner does: a grade this batch raised alerts at once (the sent-log sends it once)
        from yuqing.jobs.tasks import alerts_after_analysis

        alerts_after_analysis(ws)


# ---------------------------------------------------------------- events (R-ANALYSE-7)
events_app = typer.Typer(help="事件", no_args_is_help=True)
app.add_typer(events_app, name="events")


@events_app.command("grade")
def events_grade(
    ctx: typer.Context,
    event_id: Annotated[int, typer.Argument(help="事件编号")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出")] = False,
) -> None:
    """显示事件的等级（I–IV）、得分和各因素的贡献及证据信息。"""
    from yuqing.domain.grading import FACTOR_LABELS, GRADE_LABELS
    from yuqing.event_grading import report
    from yuqing.store.tables import Event

    ws = ws_of(ctx)
    with ws.db.read() as s:
        event = s.get(Event, event_id)
        if event is None:
            raise fail(f"事件 {event_id} 不存在")
        data = report(event)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    label = GRADE_LABELS.get(data["grade"] or "", "未分级")
    out.print(f"事件 #{event_id}：{label}，得分 {data['score'] or 0:.1f}" + ("（人工认定）" if data["overridden"] else ""))
    table = Table("因素", "取值", "贡献", "证据信息")
    for f in data["factors"]:
        table.add_row(FACTOR_LABELS.get(f["name"], f["name"]), f"{f['value']:.2f}", f"{f['contribution']:.1f}",
                      " ".join(f"#{i}" for i in f["evidence_item_ids"][:5]))
    out.print(table)


# ---------------------------------------------------------------- case desk (R-CASE)
cases_app = typer.Typer(help="案件办理", no_args_is_help=True)
spotcheck_app = typer.Typer(help="抽查复核", no_args_is_help=True)
rules_app = typer.Typer(help="责任清单（属地/属事/属人）", no_args_is_help=True)
app.add_typer(cases_app, name="cases")
app.add_typer(spotcheck_app, name="spotcheck")
app.add_typer(rules_app, name="rules")

# ---------------------------------------------------------------- own channels (R-PUBLISH)
from yuqing.publish import check_cli  # noqa: E402,F401  (registers `channels check` on channels_app)
from yuqing.publish.cli import channels_app, publications_app  # noqa: E402

app.add_typer(channels_app, name="channels")
app.add_typer(publications_app, name="publications")


def _respond(fn: Any, *args: Any, **kwargs: Any) -> None:
    from yuqing.actions.actors import OperatorRequired
    from yuqing.respond.cli import CommandError

    try:
        typer.echo(fn(*args, **kwargs))
    except (CommandError, OperatorRequired) as exc:
        raise fail(str(exc), 2) from None
    except WorkspaceError as exc:
        raise fail(str(exc)) from None


def _ws_path(ctx: typer.Context) -> Path | None:
    return ctx.obj.get("workspace") if ctx.obj else None


@app.command()
def deadline(
    ctx: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="起算日 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM")],
    days: Annotated[int | None, typer.Option("--days", help="自然日天数")] = None,
    working_days: Annotated[int | None, typer.Option("--working-days", help="工作日天数")] = None,
) -> None:
    """按办理期限规则计算截止日（起算日不计入；期末遇节假日顺延；含工作区的节假日调整）。"""
    from yuqing.respond.cli import deadline_command

    _respond(deadline_command, _ws_path(ctx), from_, days, working_days)


@cases_app.command("remind")
def cases_remind(ctx: typer.Context, as_user: AsUser = None) -> None:
    """立即执行催办/督办检查（以操作账号执行）。"""
    from yuqing.respond.cli import remind_command

    _respond_case(remind_command, _ws_path(ctx), as_user=as_user or _global_as(ctx))


@cases_app.command("open")
def cases_open(
    ctx: typer.Context,
    event: Annotated[int, typer.Option("--event", help="事件编号")],
    title: Annotated[str | None, typer.Option("--title", help="案件标题（默认取事件标题）")] = None,
    assign: Annotated[bool, typer.Option("--assign", help="立案后立即按交办建议交办（期限开始计算）")] = False,
    due: Annotated[str | None, typer.Option("--due", help="办理期限日期 YYYY-MM-DD")] = None,
    days: Annotated[int | None, typer.Option("--days", help="办理期限：自然日天数")] = None,
    working_days: Annotated[int | None, typer.Option("--working-days", help="办理期限：工作日天数")] = None,
    second: Annotated[bool, typer.Option("--second", help="事件已有未办结案件时，确认再立一案")] = False,
    as_user: AsUser = None,
) -> None:
    """从事件立案（可立即交办）；最后一行输出新案件编号。"""
    from yuqing.respond.cli import open_command

    _respond_case(open_command, _ws_path(ctx), event, title=title, assign=assign, due=due, days=days,
                  working_days=working_days, as_user=as_user or _global_as(ctx), second=second)


@cases_app.command("show")
def cases_show(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="案件编号")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON 输出")] = False,
    as_user: AsUser = None,
) -> None:
    """显示一个案件：状态、责任单位、交办建议、期限和办理记录。"""
    from yuqing.respond.cli import show_command

    _respond_case(show_command, _ws_path(ctx), case_id, as_user=as_user or _global_as(ctx), as_json=as_json)


def _global_as(ctx: typer.Context) -> str | None:
    return ctx.obj.get("as") if ctx.obj else None


def _respond_case(fn: Any, *args: Any, **kwargs: Any) -> None:
    """Like `_respond`, and a refused case-desk action (no right, wrong state, bad input) exits 1 in Chinese."""
    from yuqing.domain.roles import PermissionDenied

    try:
        _respond(fn, *args, **kwargs)
    except (PermissionDenied, ValueError) as exc:
        raise fail(str(exc)) from None


@cases_app.command("board")
def cases_board(ctx: typer.Context, as_user: AsUser = None) -> None:
    """按状态列出在办案件，超期在前。"""
    from yuqing.respond.cli import board_command

    _respond_case(board_command, _ws_path(ctx), as_user=as_user or _global_as(ctx))


@spotcheck_app.command("run")
def spotcheck_run(
    ctx: typer.Context,
    share: Annotated[float | None, typer.Option(help="抽查比例（0–1），默认取设置 spot_check_share")] = None,
    seed: Annotated[str | None, typer.Option(help="随机种子（默认本周，如 2026-W48），可复现")] = None,
    as_user: AsUser = None,
) -> None:
    """抽取本周已销号案件进行复核（以操作账号执行）。"""
    from yuqing.respond.cli import spotcheck_run_command

    _respond_case(spotcheck_run_command, _ws_path(ctx), share, seed, as_user=as_user or _global_as(ctx))


@rules_app.command("export")
def rules_export(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="XLSX 文件")],
                 as_user: AsUser = None) -> None:
    """导出责任清单为 XLSX（导出记入审计）。"""
    from yuqing.respond.cli import rules_export_command

    _respond_case(rules_export_command, _ws_path(ctx), file, as_user=as_user or _global_as(ctx))


@rules_app.command("import")
def rules_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="XLSX 文件")],
    replace: Annotated[bool, typer.Option("--replace", help="删除文件之外的规则")] = False,
    as_user: AsUser = None,
) -> None:
    """从 XLSX 导入责任清单（全部成功或全部不导入，以操作账号执行）。"""
    from yuqing.respond.cli import rules_import_command

    _respond_case(rules_import_command, _ws_path(ctx), file, replace, as_user=as_user or _global_as(ctx))


# ---------------------------------------------------------------- alerts (R-ALERT)
alerts_app = typer.Typer(help="预警：规则、渠道、发送与发送记录", no_args_is_help=True)
alert_channel_app = typer.Typer(help="预警渠道（邮件、企业微信、钉钉、Webhook、短信、站内）", no_args_is_help=True)
alert_rule_app = typer.Typer(help="预警规则", no_args_is_help=True)
alert_silence_app = typer.Typer(help="预警静默（到期前暂缓匹配的预警，到期后仍需发送的照常发送）", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")
alerts_app.add_typer(alert_channel_app, name="channel")
alerts_app.add_typer(alert_rule_app, name="rule")
alerts_app.add_typer(alert_silence_app, name="silence")
alert_duty_app = typer.Typer(help="值班表：导入、当前值班人员", no_args_is_help=True)
alerts_app.add_typer(alert_duty_app, name="duty")


def _alert_change(ctx: typer.Context, as_user: str | None, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an alert action as --as / the operator; refusals exit 1 (rights) or 2 (input), in Chinese."""
    from yuqing.actions.actors import OperatorRequired, acting_user
    from yuqing.domain.roles import PermissionDenied
    from yuqing.store.repositories.cases import NotFound

    ws = ws_of(ctx, migrate=True)
    try:
        return fn(ws, acting_user(ws, as_user), *args, **kwargs)
    except (OperatorRequired, NotFound, ValueError) as exc:
        raise fail(str(exc), 2) from None
    except PermissionDenied as exc:
        raise fail(str(exc)) from None


@alert_channel_app.command("add")
def alert_channel_add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help="email | wecom | dingtalk | webhook | sms | inapp")],
    name: Annotated[str, typer.Option("--name", help="渠道名称")],
    target: Annotated[str, typer.Option("--target", help="收件地址 / 机器人网址 / Webhook 网址 / 短信网关地址模板 / 角色代码")],
    secret: Annotated[str | None, typer.Option("--secret", help="签名密钥（钉钉加签、Webhook 签名、短信 {secret}）")] = None,
    config: Annotated[str | None, typer.Option("--config", help="JSON 配置（短信网关：method、body、headers、ok_contains）")] = None,
    as_user: AsUser = None,
) -> None:
    """添加预警渠道，输出渠道编号。"""
    from yuqing.alert.admin import add_channel

    try:
        cfg = json.loads(config) if config else None
    except json.JSONDecodeError:
        raise fail("--config 须为 JSON 对象", 2) from None
    typer.echo(_alert_change(ctx, as_user, add_channel, kind, name, target, secret, cfg))


@alert_channel_app.command("update")
def alert_channel_update(
    ctx: typer.Context,
    channel_id: Annotated[int, typer.Argument(help="渠道编号")],
    target: Annotated[str | None, typer.Option("--target", help="新的目标")] = None,
    secret: Annotated[str | None, typer.Option("--secret", help="新的密钥")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="启用或停用")] = None,
    as_user: AsUser = None,
) -> None:
    """修改预警渠道的目标、密钥或启用状态。"""
    from yuqing.alert.admin import update_channel

    _alert_change(ctx, as_user, update_channel, channel_id, target=target, secret=secret, active=active)
    out.print(f"已更新预警渠道 {channel_id}")


@alert_channel_app.command("list")
def alert_channel_list(ctx: typer.Context) -> None:
    """每行一个 JSON 对象：渠道及其状态（不含密钥）。"""
    from yuqing.alert.queries import channel_rows

    for row in channel_rows(ws_of(ctx, migrate=True)):
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))


@alert_rule_app.command("add")
def alert_rule_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="规则名称")],
    min_grade: Annotated[str, typer.Option("--min-grade", help="最低等级：I、II、III 或 IV")],
    channel: Annotated[list[int] | None, typer.Option("--channel", help="渠道编号（可重复）")] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="领域")] = None,
    place: Annotated[str | None, typer.Option("--place", help="地点")] = None,
    keyword: Annotated[str | None, typer.Option("--keyword", help="关键词")] = None,
    source: Annotated[str | None, typer.Option("--source", help="信息源名称或 #编号")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="站内通知的角色代码（可重复）")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单位名称或编号（事件涉及其属地，或有交办给它的案件）")] = None,
    to_duty: Annotated[bool, typer.Option("--duty", help="发给当时的值班人员（未按时确认则升级）")] = False,
    warnings: Annotated[bool, typer.Option("--warnings", help="也发送符合条件的预警信号（声量突增、应急关键词），不论等级")] = False,
    as_user: AsUser = None,
) -> None:
    """添加预警规则，输出规则编号。"""
    from yuqing.alert.admin import add_rule

    typer.echo(_alert_change(ctx, as_user, add_rule, name, min_grade, list(channel or []), topic=topic,
                             place=place, keyword=keyword, source=source, roles=list(role or []),
                             unit=unit, to_duty=to_duty, early_warning=warnings))


@alert_rule_app.command("list")
def alert_rule_list(ctx: typer.Context) -> None:
    """每行一个 JSON 对象：预警规则、条件和发往的渠道。"""
    from yuqing.alert.queries import rule_rows

    for row in rule_rows(ws_of(ctx, migrate=True)):
        typer.echo(json.dumps(row, ensure_ascii=False))


@alert_rule_app.command("disable")
def alert_rule_disable(ctx: typer.Context, rule_id: Annotated[int, typer.Argument(help="规则编号")],
                       enable: Annotated[bool, typer.Option("--enable", help="改为重新启用")] = False,
                       as_user: AsUser = None) -> None:
    """停用（或 --enable 重新启用）一条预警规则。"""
    from yuqing.alert.admin import set_rule_active

    _alert_change(ctx, as_user, set_rule_active, rule_id, enable)
    out.print(f"已{'启用' if enable else '停用'}预警规则 {rule_id}")


@alerts_app.command("ack")
def alerts_ack(ctx: typer.Context, delivery_id: Annotated[int, typer.Argument(help="发送记录编号（alerts log 的 id）")],
               as_user: AsUser = None) -> None:
    """确认收到一条预警（同一规则、事件、等级的各渠道消息一并确认）。"""
    from yuqing.alert.admin import acknowledge

    marked = _alert_change(ctx, as_user, acknowledge, delivery_id)
    out.print(f"已确认 {marked} 条预警消息")


@alerts_app.command("run")
def alerts_run(
    ctx: typer.Context,
    retry: Annotated[bool, typer.Option("--retry", help="发送失败的预警不等重试间隔，立即重试（以 --as 账号操作）")] = False,
    as_user: AsUser = None,
) -> None:
    """按规则评估当前事件，立即发送到期的预警（含到期的重试）；重复运行不会重复发送。"""
    from yuqing.alert.admin import retry_now
    from yuqing.alert.run import run_alerts

    if retry:
        _alert_change(ctx, as_user, retry_now)
    result = run_alerts(ws_of(ctx, migrate=True))
    out.print(f"已发送 {result.get('sent', 0)} 条，待重试 {result.get('retrying', 0)} 条，"
              f"失败 {result.get('failed', 0)} 条，静默时段或静默中暂缓 {result.get('held', 0)} 条")


@alert_silence_app.command("add")
def alert_silence_add(
    ctx: typer.Context,
    until: Annotated[str, typer.Option("--until", help="结束时间（北京时间）YYYY-MM-DD HH:MM")],
    reason: Annotated[str, typer.Option("--reason", help="理由")],
    rule: Annotated[int | None, typer.Option("--rule", help="规则编号")] = None,
    channel: Annotated[int | None, typer.Option("--channel", help="渠道编号")] = None,
    event: Annotated[int | None, typer.Option("--event", help="事件编号")] = None,
    as_user: AsUser = None,
) -> None:
    """设置预警静默，输出静默编号。"""
    from datetime import datetime

    from yuqing.alert.admin import add_silence
    from yuqing.clock import CHINA

    try:
        ends = datetime.fromisoformat(until.strip().replace("T", " "))
    except ValueError:
        raise fail("--until 须为 YYYY-MM-DD HH:MM（北京时间）", 2) from None
    ends = ends if ends.tzinfo else ends.replace(tzinfo=CHINA)
    typer.echo(_alert_change(ctx, as_user, add_silence, ends, reason, rule_id=rule, channel_id=channel, event_id=event))


@alert_silence_app.command("end")
def alert_silence_end(ctx: typer.Context, silence_id: Annotated[int, typer.Argument(help="静默编号")],
                      as_user: AsUser = None) -> None:
    """立即结束一项静默。"""
    from yuqing.alert.admin import end_silence

    _alert_change(ctx, as_user, end_silence, silence_id)
    out.print(f"已结束静默 {silence_id}")


@alert_silence_app.command("list")
def alert_silence_list(ctx: typer.Context) -> None:
    """每行一个 JSON 对象：生效中的静默。"""
    from yuqing.alert.queries import silence_rows

    for row in silence_rows(ws_of(ctx, migrate=True)):
        typer.echo(json.dumps(row, ensure_ascii=False, default=str))


@alert_duty_app.command("import")
def alert_duty_import(ctx: typer.Context, file: Annotated[Path, typer.Argument(help="值班表 XLSX 文件")],
                      as_user: AsUser = None) -> None:
    """导入值班表（表头：开始时间 | 结束时间 | 值班人员 | 顺位 | 类型 | 备注）；有误的行逐行列出，其余照常导入。"""
    from yuqing.alert.duty import MAX_ROSTER_BYTES, import_roster

    try:
        with file.open("rb") as fh:
            data = fh.read(MAX_ROSTER_BYTES + 1)
    except OSError:
        raise fail(f"无法读取文件 {file}", 2) from None
    result = _alert_change(ctx, as_user, import_roster, data, file.name)
    for line in result.errors:
        err.print(line)
    out.print(f"已导入 {result.added} 个班次，已在值班表中 {result.skipped} 个，有误 {len(result.errors)} 行")
    if result.errors:
        raise typer.Exit(1)


@alert_duty_app.command("now")
def alert_duty_now(ctx: typer.Context) -> None:
    """现在的值班人员，按升级顺序（最后是领导小组办公室）。"""
    from yuqing.alert.duty import on_duty
    from yuqing.clock import utcnow
    from yuqing.store.tables import User

    ws = ws_of(ctx, migrate=True)
    with ws.db.read() as s:
        names = [s.get(User, u).display_name for u in on_duty(s, utcnow())]  # type: ignore[union-attr]
    out.print(" → ".join([*names, "领导小组办公室"]) if names else "现在没有人值班：预警直接通知领导小组办公室")


@alerts_app.command("log")
def alerts_log(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="每行一个 JSON 对象")] = False,
) -> None:
    """发送记录：每条消息一行（规则、渠道、事件、等级、发送时间、状态）。"""
    from yuqing.alert.run import log_rows
    from yuqing.domain.alerts import STATUS_LABELS, grade_label

    for row in log_rows(ws_of(ctx, migrate=True)):
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            typer.echo(f"#{row['id']} 规则 {row['rule_id']} 事件 {row['event_id']} {grade_label(row['grade'])} "
                       f"→ {row['recipient']}：{STATUS_LABELS.get(row['status'], row['status'])} {row['sent_at'] or ''}")


report_app = typer.Typer(help="报告：网络舆情日报告表、舆情专报、月统计、季通报、年度考核", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("daily")
def report_daily(
    ctx: typer.Context,
    day: Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD（北京时间；默认有数据的最近一天）")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="文件格式：html | docx | xlsx | pdf（PDF 需 LibreOffice）")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以一个 JSON 对象输出报告的全部数字")] = False,
    as_user: AsUser = None,
) -> None:
    """网络舆情日报告表：--json 输出数字，--format 与 --out 写出文件（带导出人与时间水印，记入审计）。"""
    from yuqing.domain.roles import PermissionDenied
    from yuqing.reports.daily import daily_report, latest_day
    from yuqing.reports.render import FORMATS, render_daily
    from yuqing.reports.store import ReportError, parse_day, record_download

    if not as_json and fmt is None:
        raise fail("请给出 --json，或 --format 与 --out", 2)
    if fmt is not None and (fmt not in FORMATS or out_file is None):
        raise fail(f"--format 可选 {'、'.join(FORMATS)}，且须同时给出 --out", 2)
    ws = ws_of(ctx, migrate=True)
    try:
        with ws.db.read() as s:
            when = parse_day(day) if day else latest_day(s)
            if when is None:
                raise fail("还没有任何信息，无法生成日报", 1)
            figures = daily_report(s, when).figures()
    except ReportError as exc:
        raise fail(str(exc), 2) from None
    if fmt is not None and out_file is not None:
        from yuqing.actions.actors import OperatorRequired, acting_user

        try:
            actor = acting_user(ws, as_user)
        except (OperatorRequired, ValueError) as exc:
            raise fail(str(exc), 2) from None
        if not actor.can("reports.read"):
            raise fail(f"{actor.name} 无权阅读报告")
        from yuqing.reports.pdf import PdfUnavailable

        try:
            body = render_daily(fmt, figures, who=actor.name, district=ws.settings.district_name)
        except PdfUnavailable as exc:
            raise fail(str(exc)) from None
        out_file.write_bytes(body)
        try:
            record_download(ws, actor, None, figures["day"], fmt, via="cli")
        except PermissionDenied as exc:
            raise fail(str(exc)) from None
        if not as_json:
            out.print(f"已写出 {out_file}（{figures['title']} {figures['day']}）")
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))


def _write_report_file(ws: Any, as_user: str | None, fmt: str, out_file: Path, render: Any, kind: str,
                       period: str) -> None:
    """Write a report file as the acting user (watermarked with their name), and audit the download."""
    from yuqing.actions.actors import OperatorRequired, acting_user
    from yuqing.domain.roles import PermissionDenied
    from yuqing.reports.pdf import PdfUnavailable
    from yuqing.reports.store import record_download

    try:
        actor = acting_user(ws, as_user)
    except (OperatorRequired, ValueError) as exc:
        raise fail(str(exc), 2) from None
    if not actor.can("reports.read"):
        raise fail(f"{actor.name} 无权阅读报告")
    try:
        body = render(fmt, who=actor.name, district=ws.settings.district_name)
    except PdfUnavailable as exc:
        raise fail(str(exc)) from None
    out_file.write_bytes(body)
    try:
        record_download(ws, actor, None, period, fmt, via="cli", kind=kind)
    except PermissionDenied as exc:
        raise fail(str(exc)) from None


def _report_period(ctx: typer.Context, kind: str, period: str | None, fmt: str | None, out_file: Path | None,
                   as_json: bool, as_user: str | None) -> None:
    from yuqing.clock import now_local
    from yuqing.reports.periodic import PeriodError, parse_period, previous_period
    from yuqing.reports.render import FORMATS, render_period
    from yuqing.reports.store import ReportError, compute_period

    if not as_json and fmt is None:
        raise fail("请给出 --json，或 --format 与 --out", 2)
    if fmt is not None and (fmt not in FORMATS or out_file is None):
        raise fail(f"--format 可选 {'、'.join(FORMATS)}，且须同时给出 --out", 2)
    ws = ws_of(ctx, migrate=True)
    try:
        p = parse_period(kind, period) if period else previous_period(kind, now_local().date())
        with ws.db.read() as s:
            figures = compute_period(s, ws.path, p)
    except (PeriodError, ReportError) as exc:
        raise fail(str(exc), 2) from None
    if fmt is not None and out_file is not None:
        _write_report_file(ws, as_user, fmt, out_file,
                           lambda f, **kw: render_period(f, figures, **kw), kind, p.key)
        if not as_json:
            out.print(f"已写出 {out_file}（{figures['title']}）")
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))


@report_app.command("monthly")
def report_monthly(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option("--period", help="月份 YYYY-MM（默认上一个月）")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="文件格式：html | docx | xlsx | pdf（PDF 需 LibreOffice）")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以一个 JSON 对象输出全部数字")] = False,
    as_user: AsUser = None,
) -> None:
    """月统计：各单位收到交办、按期签收、按期反馈、三种办结状态、满意度、催办、督办、逾期、抽查未通过、发现时滞，比率带公式与原始数。"""
    _report_period(ctx, "monthly", period, fmt, out_file, as_json, as_user)


@report_app.command("quarterly")
def report_quarterly(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option("--period", help="季度 YYYY-Qn（默认上一个季度）")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="文件格式：html | docx | xlsx | pdf（PDF 需 LibreOffice）")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以一个 JSON 对象输出全部数字")] = False,
    as_user: AsUser = None,
) -> None:
    """季通报：与月统计同样的数字与公式，按季度统计，附表扬与通报名单。"""
    _report_period(ctx, "quarterly", period, fmt, out_file, as_json, as_user)


@report_app.command("yearly")
def report_yearly(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option("--period", help="年度 YYYY（默认上一年）")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="文件格式：html | docx | xlsx | pdf（PDF 需 LibreOffice）")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以一个 JSON 对象输出全部数字与得分")] = False,
    as_user: AsUser = None,
) -> None:
    """年度考核：按工作区评分表（assessment.json，未设置时用默认表）给各单位打分，每一分附公式与对应案件。"""
    _report_period(ctx, "yearly", period, fmt, out_file, as_json, as_user)


@report_app.command("special")
def report_special(
    ctx: typer.Context,
    event: Annotated[int, typer.Option("--event", help="事件编号")],
    version: Annotated[int | None, typer.Option("--version", help="专报版本（默认当前版本）")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="文件格式：html | docx | xlsx | pdf（PDF 需 LibreOffice）")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以一个 JSON 对象输出专报的全部内容")] = False,
    as_user: AsUser = None,
) -> None:
    """舆情专报：该事件最新一份专报（尚未起草时为按当前数据生成的未审批稿）；起草、审批、报送在报告页面进行。"""
    from yuqing.reports.render import FORMATS, render_special
    from yuqing.reports.special import SpecialReportError, default_texts, special_figures
    from yuqing.reports.special_store import document, list_special

    if not as_json and fmt is None:
        raise fail("请给出 --json，或 --format 与 --out", 2)
    if fmt is not None and (fmt not in FORMATS or out_file is None):
        raise fail(f"--format 可选 {'、'.join(FORMATS)}，且须同时给出 --out", 2)
    ws = ws_of(ctx, migrate=True)
    try:
        with ws.db.read() as s:
            stored = list_special(s, event, limit=1)
            if stored:
                figures = document(stored[0], version)
            else:
                live = special_figures(s, event)
                summary, suggestion = default_texts(live)
                figures = {**live, "report_id": None, "version": 0, "status": "none", "status_label": "未起草（未经审批）",
                           "summary": summary, "suggestion": suggestion, "author": "系统生成",
                           "written_at": live["as_of"], "approved_by": None, "approved_at": "", "sent_at": ""}
    except SpecialReportError as exc:
        raise fail(str(exc), 2) from None
    if fmt is not None and out_file is not None:
        _write_report_file(ws, as_user, fmt, out_file, lambda f, **kw: render_special(f, figures, **kw), "special",
                           f"{event}-v{figures['version']}")
        if not as_json:
            out.print(f"已写出 {out_file}（舆情专报：{figures['event_title']}，第 {figures['version']} 版）")
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
