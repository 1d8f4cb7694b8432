"""Functions behind the case-desk CLI commands; `yuqing.cli` wires them to typer and prints the result.

Every command that changes something acts as a named account: `--as USERNAME`, else the workspace's
`operator` (`acting_user`); never as an anonymous actor.
"""

from __future__ import annotations

import sys
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yuqing.actions.actors import acting_user
from yuqing.domain.deadlines import CalendarGapWarning
from yuqing.respond.calendar import load_calendar
from yuqing.settings import resolve_workspace

if TYPE_CHECKING:
    from yuqing.workspace import Workspace


class CommandError(ValueError):
    """Bad arguments; the CLI prints the message and exits 2."""


def deadline_command(workspace: Path | None, from_: str, days: int | None, working_days: int | None) -> str:
    """`yuqing [--workspace DIR] deadline --from YYYY-MM-DD[THH:MM] (--days N | --working-days N)`.

    Prints the due date as YYYY-MM-DD, followed by " HH:MM" when the start had a time. Same calendar as
    the cases: chinese-calendar's holidays and make-up workdays plus the workspace's calendar.toml; the
    start day is not counted and a calendar-day period ending on a day off moves to the next working day.
    Exactly one of days / working_days; N ≥ 0. Without --workspace, $YUQING_WORKSPACE or the current
    folder is used for the overrides (no database is needed).
    """
    if (days is None) == (working_days is None):
        raise CommandError("须且只能给出 --days 或 --working-days 之一")
    if (days or 0) < 0 or (working_days or 0) < 0:
        raise CommandError("天数不能为负数")
    text = from_.strip()
    try:
        start: date | datetime = datetime.fromisoformat(text) if "T" in text or " " in text \
            else date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--from 须为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM，而不是“{from_}”") from None
    cal = load_calendar(resolve_workspace(workspace))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarGapWarning)
        due = cal.due(start, days=days, working_days=working_days)
    for w in caught:  # tell the user on stderr, keep stdout to the one line of the contract
        print(f"警告：{w.message}", file=sys.stderr)
    if isinstance(due, datetime):
        return due.strftime("%Y-%m-%d %H:%M")
    return due.isoformat()


def _open(workspace: Path | None) -> Workspace:
    import yuqing.store.tables_case  # noqa: F401  (until tables.py imports it)
    from yuqing.workspace import open_workspace

    return open_workspace(workspace)


def _run_job(ws: Workspace, name: str, **kwargs: Any) -> dict[str, Any]:
    """Run a case-desk job now, as the job does (same settings), acting as the named operator."""
    from yuqing.jobs.tasks import run_task

    return dict(run_task(ws, name, **kwargs))


def remind_command(workspace: Path | None, as_user: str | None = None) -> str:
    """`yuqing cases remind [--as USERNAME]`: run the hourly reminder/督办 job now, with the job's own settings
    (`reminder_before_hours`, `supervise_after_hours`), as the named operator; prints what was sent."""
    ws = _open(workspace)
    r = _run_job(ws, "case.remind_due", actor=acting_user(ws, as_user))
    return (f"到期前催办 {len(r['before_due'])} 件，超期催办 {len(r['overdue'])} 件，"
            f"自动督办 {len(r['supervised'])} 件")


def spotcheck_run_command(workspace: Path | None, share: float | None = None, seed: str | None = None,
                          as_user: str | None = None) -> str:
    """`yuqing spotcheck run [--share 0.2] [--seed 2026-W41] [--as USERNAME]`: draw this week's spot checks
    (reproducible), as the named operator; the share is the weekly job's setting `spot_check_share` unless
    given."""
    if share is not None and not 0 <= share <= 1:
        raise CommandError("--share 须在 0 到 1 之间")
    ws = _open(workspace)
    r = _run_job(ws, "case.spot_check", share=share, seed=seed, actor=acting_user(ws, as_user))
    drawn = "、".join(f"#{c}" for c in r["drawn"]) or "无"
    again = "" if r["new"] else "（本种子已抽过，显示原结果）"
    return (f"抽查批次 #{r['run_id']} 种子 {r['seed']} 比例 {r['share']:.0%}：已销号 {len(r['population'])} 件，"
            f"抽中 {drawn}{again}")


def board_command(workspace: Path | None, as_user: str | None = None) -> str:
    """`yuqing cases board [--as USERNAME]`: the office board as text — open cases by state, overdue first,
    as the named operator sees them."""
    from yuqing.domain import lifecycle as lc
    from yuqing.respond.queries import board

    ws = _open(workspace)
    actor = acting_user(ws, as_user)
    lines: list[str] = []
    with ws.db.read() as s:
        for state, rows in board(s, actor).items():
            lines.append(f"【{lc.label(state)}】{len(rows)} 件")
            for r in rows:
                flag = "⚠ " if r.overdue else "  "
                lines.append(f"{flag}#{r.id} {r.title}｜{r.lead_unit or '未交办'}｜{r.countdown or '—'}")
    return "\n".join(lines) or "没有在办案件"


def rules_export_command(workspace: Path | None, path: Path, as_user: str | None = None) -> str:
    """`yuqing rules export FILE.xlsx [--as USERNAME]`: write the responsibility list to an XLSX file (the
    export is audited under the named operator)."""
    from yuqing.respond.rules_io import export_rules_xlsx

    ws = _open(workspace)
    data = export_rules_xlsx(ws, acting_user(ws, as_user))
    path.write_bytes(data)
    return f"已导出责任清单到 {path}"


def rules_import_command(workspace: Path | None, path: Path, replace: bool = False,
                         as_user: str | None = None) -> str:
    """`yuqing rules import FILE.xlsx [--replace] [--as USERNAME]`: read the responsibility list (all rows or
    none), as the named operator."""
    from yuqing.respond.rules_io import import_rules_xlsx

    ws = _open(workspace)
    n = import_rules_xlsx(ws, acting_user(ws, as_user), path.read_bytes(), replace=replace)
    return f"已导入 {n} 条责任规则" + ("（文件之外的规则已删除）" if replace else "")


def open_command(workspace: Path | None, event_id: int, *, title: str | None = None, assign: bool = False,
                 due: str | None = None, days: int | None = None, working_days: int | None = None,
                 as_user: str | None = None, second: bool = False) -> str:
    """`yuqing -w W cases open --event ID [--title T] [--assign] [--due D | --days N | --working-days N]`.

    Opens a case from the event, prefilled as the page does (title, summary with key posts, grade, routing
    proposal); `--assign` assigns the proposed units at once so the deadline starts. The new case id is
    alone on the last stdout line.
    """
    from yuqing.respond import opening
    from yuqing.respond.cases import open_case
    from yuqing.respond.deadlines import due_from_date
    from yuqing.respond.display import fmt
    from yuqing.respond.errors import NotFound
    from yuqing.respond.routing import proposal_of
    from yuqing.store.tables import Case

    if sum(x is not None for x in (due, days, working_days)) > 1:
        raise CommandError("--due、--days、--working-days 只能给出一个")
    ws = _open(workspace)
    actor = acting_user(ws, as_user)
    with ws.db.read() as s:
        try:
            draft = opening.draft_from_event(s, event_id)
        except NotFound as exc:
            raise CommandError(str(exc)) from None
    due_at = due_from_date(opening.parse_due_date(due)) if due is not None else None
    case = open_case(ws, actor, title=(title or draft.title), summary=draft.summary, event_id=event_id,
                     grade=draft.grade, item_ids=draft.item_ids, due_at=due_at, days=days,
                     working_days=working_days, then="assign" if assign else "", second_case=second)
    lines = []
    with ws.db.read() as s:
        row = s.get(Case, case.id)
        assert row is not None
        lines.append(f"已立案 #{row.id}：{row.title}（{lc_label(row.state)}）")
        for u in proposal_of(s, row):
            lines.append(f"  {'牵头' if u['role'] == 'lead' else '协办'}：{u['unit']}（{u['reason']}）")
        if row.due_at is not None:
            lines.append(f"  办理期限：{fmt(row.due_at)}")
    lines.append(str(case.id))
    return "\n".join(lines)


def lc_label(state: str) -> str:
    from yuqing.domain import lifecycle as lc

    return lc.label(state)


def show_command(workspace: Path | None, case_id: int, *, as_user: str | None = None, as_json: bool = True) -> str:
    """`yuqing -w W cases show ID --json`: the case as one JSON object."""
    import json

    from yuqing.respond.errors import NotFound
    from yuqing.respond.queries import case_json

    ws = _open(workspace)
    actor = acting_user(ws, as_user)
    try:
        data = case_json(ws, actor, case_id)
    except NotFound:
        raise CommandError(f"案件 {case_id} 不存在或无权查看") from None
    if as_json:
        return json.dumps(data, ensure_ascii=False)
    units = "、".join(f"{u['name']}（{'牵头' if u['role'] == 'lead' else '协办'}）" for u in data["units"])
    lines = [f"#{data['id']} {data['title']}（{data['state_label']}）", f"责任单位：{units or '尚未交办'}",
             f"办理期限：{data['due_at'] or '—'}"]
    lines += [f"{h['at']} {h['actor']} {h['action']} {h['reason']}".rstrip() for h in data["history"]]
    return "\n".join(lines)
