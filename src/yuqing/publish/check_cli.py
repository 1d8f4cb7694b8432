"""`yuqing -w W channels check [--once]` (registered on the `channels` sub-app): poll and check every channel —
last update, zombie (14 quiet days), closed channels still answering, broken links, wrong words, articles
never signed — and issue the correction orders the findings call for. A progress bar on stderr when it is a
terminal; `--once` runs one round and exits, without it a round runs every `channel_check_minutes`.
"""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.progress import TaskID

from yuqing.publish.cli import AsUser, channels_app


@channels_app.command("check")
def channels_check(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="只检查一轮后退出（默认按 channel_check_minutes 循环）")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="每轮输出一个 JSON 对象")] = False,
    as_user: AsUser = None,
) -> None:
    """检查全部网站与新媒体账号：最近更新与僵尸账号、已关停仍可访问、失效链接、错敏词、未经签发的发布，并下达整改通知。"""
    from yuqing.cli import err, progress_bar, setup_as, ws_of
    from yuqing.domain.roles import PermissionDenied
    from yuqing.publish.check import run_checks
    from yuqing.publish.deliver import STATUS_LABELS

    ws = ws_of(ctx, migrate=True)
    actor = setup_as(ws, as_user)
    if not actor.can("channels.check"):
        err.print(f"[red]错误：[/red]{actor.name} 无权检查网站与新媒体账号")
        raise typer.Exit(1)
    while True:
        with progress_bar() as bar:
            task = bar.add_task("检查网站与账号", total=None)

            def step(done: int, total: int, name: str, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total, description=f"检查：{name}" if name else "完成")

            try:
                summary = run_checks(ws, actor, progress=step)
            except PermissionDenied as exc:
                err.print(f"[red]错误：[/red]{exc}")
                raise typer.Exit(1) from None
        if as_json:
            typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False))
        else:
            typer.echo(f"已检查 {summary.checked} 个（无法访问 {summary.unreachable}），僵尸账号 {summary.zombies} 个"
                       f"（新增 {summary.new_zombies}），已关停仍可访问 {summary.closed_live} 个，新发现问题 "
                       f"{summary.new_findings} 处、已消除 {summary.resolved} 处，下达整改通知 {summary.orders_issued} 份，"
                       f"未经签发 {summary.unsigned} 篇，用时 {summary.seconds:g} 秒")
            if summary.delivered:  # the findings sent through the alert channels (发布监管提醒渠道)
                typer.echo("发布监管提醒：" + "，".join(f"{STATUS_LABELS.get(k, k)} {n} 条"
                                                 for k, n in sorted(summary.delivered.items())))
        for line in summary.errors:
            err.print(f"[yellow]{line}[/yellow]")
        if once:
            return
        time.sleep(ws.settings.channel_check_minutes * 60)
