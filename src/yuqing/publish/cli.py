"""The `yuqing channels` and `yuqing publications` commands (R-PUBLISH). Every change acts as a named
account: `--as USERNAME`, else the workspace's operator, else (a new workspace without an administrator
yet) the installer. `channels check` (polling and checking every channel) is registered on `channels_app`
by the freshness module.

Contract (kept exactly; checks outside the test suite use it):
    yuqing -w W channels add --kind website|weibo|wechat|app|video --name N --unit U --url URL
                             [--feed URL] [--cadence daily|weekly]         → prints the channel id
    yuqing -w W channels list --json                                       → one JSON object per line
    yuqing -w W publications sign --channel ID --title T --text-file F     → prints the publication id
    yuqing -w W publications published ID --url URL                        → records it, runs the live check
`publications sign` signs the channel's draft with that title and text when someone else drafted one (起草 →
签发), else the leader's own text directly (直接签发, recorded as such); also:
    yuqing -w W publications draft --channel ID --title T --text-file F [--uploader U] → prints the publication id
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from yuqing.publish.states import ADMISSION_LABELS, CHANNEL_KINDS, LIVE_CHECK_LABELS

channels_app = typer.Typer(help="网站与新媒体账号（登记、准入、检查）", no_args_is_help=True)
publications_app = typer.Typer(help="发布稿件签发与一致性核对", no_args_is_help=True)

AsUser = Annotated[str | None, typer.Option("--as", help="以哪个账号操作（默认工作区的操作账号）")]


def _ctx_ws(ctx: typer.Context) -> Any:
    from yuqing.cli import ws_of

    return ws_of(ctx)


def _actor(ws: Any, as_user: str | None) -> Any:
    from yuqing.cli import setup_as

    return setup_as(ws, as_user)


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an action; a refusal is printed in Chinese on stderr with exit code 1 (2 for bad input)."""
    from yuqing.cli import fail
    from yuqing.domain.lifecycle import TransitionRefused
    from yuqing.domain.roles import PermissionDenied
    from yuqing.store.repositories.cases import NotFound

    try:
        return fn(*args, **kwargs)
    except (PermissionDenied, NotFound, TransitionRefused) as exc:
        raise fail(str(exc), 1) from None
    except ValueError as exc:
        raise fail(str(exc), 2) from None


def _read_text(path: Path) -> str:
    from yuqing.cli import fail

    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"无法读取正文文件 {path}：{exc}", 2) from None


@channels_app.command("add")
def channels_add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="website（政府网站）、weibo、wechat、app、video、leader（领导实名账号）")],
    name: Annotated[str, typer.Option(help="名称，如 区政府门户网站")],
    unit: Annotated[str, typer.Option(help="主办单位（名称或 id）")],
    url: Annotated[str, typer.Option(help="网址或账号主页")],
    feed: Annotated[str | None, typer.Option(help="订阅地址或文章列表页（用来检查更新和未经签发的发布）")] = None,
    cadence: Annotated[str, typer.Option(help="daily（每日，重要新闻）或 weekly（每周，一般新闻）")] = "weekly",
    responsible: Annotated[str, typer.Option(help="负责人")] = "",
    administrator: Annotated[str, typer.Option(help="管理员")] = "",
    as_user: AsUser = None,
) -> None:
    """登记一个网站或新媒体账号；只输出其 id。单位不存在时，有单位管理权限的账号会先建立该单位。"""
    from sqlalchemy import select

    from yuqing.accounts import create_unit
    from yuqing.cli import err, fail
    from yuqing.publish.registry import add_channel, check_url
    from yuqing.publish.states import CADENCES
    from yuqing.store.tables import Unit

    if kind not in CHANNEL_KINDS:  # checked before a missing unit is made
        raise fail("类型须为：" + "、".join(f"{k}（{v}）" for k, v in CHANNEL_KINDS.items()), 2)
    if cadence not in CADENCES:
        raise fail("更新频率须为 daily（每日）或 weekly（每周）", 2)
    _run(check_url, url, "网址")
    ws = _ctx_ws(ctx)
    actor = _actor(ws, as_user)
    text = unit.strip()
    with ws.db.read() as s:
        exists = text.isdigit() or s.execute(select(Unit.id).where(Unit.name == text)).first() is not None
    if text and not exists and actor.can("units.manage"):
        _run(create_unit, ws, actor, text)
        err.print(f"已建立单位“{text}”")
    ch = _run(add_channel, ws, actor, kind=kind, name=name, unit=text, url=url, feed_url=feed, cadence=cadence,
              responsible_person=responsible, administrator=administrator)
    typer.echo(ch.id)


@channels_app.command("list")
def channels_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="每行输出一个 JSON 对象")] = False,
    as_user: AsUser = None,
) -> None:
    """列出网站与新媒体账号：准入状态、最近更新、僵尸、未签发、不一致、失效链接、错词、未完成整改。"""
    from yuqing.publish.registry import channel_rows, sees_all

    ws = _ctx_ws(ctx)
    actor = _actor(ws, as_user)
    with ws.db.read() as s:
        rows = channel_rows(s, actor, all_units=sees_all(s, ws, actor))
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row.as_json(), ensure_ascii=False))
            continue
        flags = "、".join(row.cleanup)
        typer.echo(f"{row.id}\t{row.name}\t{CHANNEL_KINDS.get(row.kind, row.kind)}\t{row.unit or '无主办单位'}\t"
                   f"{ADMISSION_LABELS.get(row.admission, row.admission)}" + (f"\t清理整顿：{flags}" if flags else ""))


@channels_app.command("apply")
def channels_apply(
    ctx: typer.Context,
    channel_id: int,
    plan_file: Annotated[Path, typer.Option("--plan-file", help="建设方案（pdf/docx/txt…）")],
    rules_file: Annotated[Path, typer.Option("--rules-file", help="安全管理制度（pdf/docx/txt…）")],
    as_user: AsUser = None,
) -> None:
    """提交准入申请（附建设方案和安全管理制度）。"""
    from yuqing.publish.admission import apply_admission
    from yuqing.respond.uploads import Upload

    ws = _ctx_ws(ctx)
    files = {"construction_plan": Upload(plan_file.name, plan_file.read_bytes()),
             "security_rules": Upload(rules_file.name, rules_file.read_bytes())}
    app = _run(apply_admission, ws, _actor(ws, as_user), channel_id, files=files)
    typer.echo(app.id)


@channels_app.command("review")
def channels_review(
    ctx: typer.Context,
    channel_id: int,
    approve: Annotated[bool | None, typer.Option("--approve/--reject", help="准入或不予准入（必须明确给出）")] = None,
    note: Annotated[str, typer.Option(help="审核意见（不予准入时必填）")] = "",
    as_user: AsUser = None,
) -> None:
    """网宣办审核准入申请：--approve 准入，--reject 不予准入。"""
    from yuqing.cli import fail
    from yuqing.publish.admission import review_admission

    if approve is None:
        raise fail("请明确给出 --approve（准入）或 --reject（不予准入）", 2)
    ws = _ctx_ws(ctx)
    app = _run(review_admission, ws, _actor(ws, as_user), channel_id, approve=approve, note=note)
    typer.echo(ADMISSION_LABELS[app.state])


@channels_app.command("close")
def channels_close(ctx: typer.Context, channel_id: int,
                   reason: Annotated[str, typer.Option(help="关停理由")], as_user: AsUser = None) -> None:
    """关停一个网站或账号（清理整顿）。"""
    from yuqing.publish.admission import close_channel

    ws = _ctx_ws(ctx)
    _run(close_channel, ws, _actor(ws, as_user), channel_id, reason=reason)
    typer.echo(ADMISSION_LABELS["closed"])


@publications_app.command("draft")
def publications_draft(
    ctx: typer.Context,
    channel: Annotated[int, typer.Option(help="发布渠道 id（须已准入）")],
    title: Annotated[str, typer.Option(help="标题")],
    text_file: Annotated[Path, typer.Option("--text-file", help="稿件正文（UTF-8 文本文件）")],
    uploader: Annotated[str | None, typer.Option(help="指定上传发布人（用户名）；默认起草人本人")] = None,
    as_user: AsUser = None,
) -> None:
    """起草一篇稿件，等待单位领导签发；只输出稿件 id。"""
    from yuqing.publish.signoff import draft_publication

    ws = _ctx_ws(ctx)
    pub = _run(draft_publication, ws, _actor(ws, as_user), channel, title=title, text=_read_text(text_file),
               uploader=uploader)
    typer.echo(pub.id)


@publications_app.command("sign")
def publications_sign(
    ctx: typer.Context,
    channel: Annotated[int, typer.Option(help="发布渠道 id")],
    title: Annotated[str, typer.Option(help="标题")],
    text_file: Annotated[Path, typer.Option("--text-file", help="签发正文（UTF-8 文本文件，与待签发稿件一致）")],
    as_user: AsUser = None,
) -> None:
    """签发稿件；只输出稿件 id。有他人起草的同标题同正文待签发稿件时签发该稿件（起草人不能签发自己的稿件）；
    没有时为领导直接签发本人的稿件（起草与签发为同一人，记录在案）。正文冻结并记录哈希。"""
    from yuqing.cli import err
    from yuqing.publish.signoff import DIRECT_SIGN, sign_text
    from yuqing.store.tables_publish import Channel

    ws = _ctx_ws(ctx)
    pub = _run(sign_text, ws, _actor(ws, as_user), channel, title=title, text=_read_text(text_file))
    if pub.review_note == DIRECT_SIGN:
        err.print(f"已直接签发（{DIRECT_SIGN}）")
        with ws.db.read() as s:
            ch = s.get(Channel, channel)
            if ch is not None and ch.admission != "approved":
                err.print(f"注意：“{ch.name}”尚未准入（{ADMISSION_LABELS.get(ch.admission, ch.admission)}），"
                          "已列入清理整顿清单；检查发现其在运行时，在网站与新媒体账号年度考核中计为未经准入运行")
    typer.echo(pub.id)


@publications_app.command("published")
def publications_published(
    ctx: typer.Context,
    publication_id: int,
    url: Annotated[str, typer.Option(help="发布后的页面网址")],
    as_user: AsUser = None,
) -> None:
    """登记稿件的发布网址，并立即抓取页面与签发稿核对。"""
    from yuqing.publish.signoff import check_live, record_published

    ws = _ctx_ws(ctx)
    actor = _actor(ws, as_user)
    _run(record_published, ws, actor, publication_id, url=url)
    result = _run(check_live, ws, actor, publication_id)
    typer.echo(f"{result.outcome}\t{LIVE_CHECK_LABELS.get(result.outcome, result.outcome)}")
