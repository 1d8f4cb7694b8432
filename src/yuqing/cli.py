"""The `yuqing` command. Every subcommand works on one workspace (--workspace DIR or $YUQING_WORKSPACE)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yuqing.domain.roles import ROLE_NAMES, SYSTEM
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
) -> None:
    """启动网页服务和后台任务（采集、分析、提醒）。"""
    ws = ws_of(ctx, migrate=True)
    serve(ws, host, port)


def serve(ws: Workspace, host: str, port: int) -> None:
    import uvicorn

    from yuqing.jobs.runner import make_runner
    from yuqing.web.app import create_app

    runner = make_runner(ws)
    runner.start()
    try:
        out.print(f"Yuqing 已启动：http://{host}:{port}/  （工作区 {ws.path}，按 Ctrl+C 停止）")
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
        ws, passwords = build_demo(directory, progress=bar)
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
) -> None:
    """从 JSONL/CSV 文件导入信息；重复导入不会重复入库，坏行按行号报告。"""
    from yuqing.importer import import_file, read_rows

    if not file.exists():
        raise fail(f"文件不存在：{file}")
    ws = ws_of(ctx, migrate=True)
    total = sum(1 for _ in read_rows(file))
    with progress_bar() as bar:
        task = bar.add_task("导入", total=total)
        result = import_file(ws.db.write, SYSTEM, file, ws.settings.author_salt, source_name=source,
                             progress=lambda n: bar.advance(task, n))
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
) -> None:
    """添加用户。"""
    from yuqing.accounts import AccountError, create_user

    ws = ws_of(ctx, migrate=True)
    pw = password or typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        with ws.db.write() as s:
            user = create_user(s, SYSTEM, username, name or username, pw, role, unit)
    except AccountError as exc:
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
) -> None:
    """添加单位。"""
    from yuqing.accounts import AccountError, create_unit

    ws = ws_of(ctx, migrate=True)
    try:
        with ws.db.write() as s:
            unit = create_unit(s, SYSTEM, name, kind, parent, place)
    except AccountError as exc:
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
    """校验审计日志哈希链；有记录被改动或删除时以非零状态退出，并指出第一条坏记录。"""
    from yuqing.store import audit

    ws = ws_of(ctx)
    with ws.db.read() as s:
        result = audit.verify(s)
    if not result.ok:
        err.print(f"[red]审计链校验失败：[/red]{result.reason}（记录 id {result.bad_id}）")
        raise typer.Exit(2)
    out.print(f"审计链完好：共 {result.checked} 条记录")


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(help="并发数")] = 2,
    queues: Annotated[str | None, typer.Option(help="队列（逗号分隔）")] = None,
) -> None:
    """启动 Celery 工作进程（YUQING_BROKER_URL 指定 Redis 或 RabbitMQ）。"""
    from yuqing.jobs.celery_app import make_app

    ws = ws_of(ctx, migrate=True)
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=threads"]
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
