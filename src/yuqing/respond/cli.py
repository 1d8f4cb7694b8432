"""Functions behind the case-desk CLI commands; `yuqing.cli` wires them to typer and prints the result."""

from __future__ import annotations

import sys
import warnings
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

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


def remind_command(workspace: Path | None) -> str:
    """`yuqing cases remind`: run the hourly reminder/督办 job now; prints what was sent."""
    from yuqing.respond.jobs import remind_due

    r = remind_due(_open(workspace))
    return (f"到期前催办 {len(r['before_due'])} 件，超期催办 {len(r['overdue'])} 件，"
            f"自动督办 {len(r['supervised'])} 件")


def spotcheck_run_command(workspace: Path | None, share: float = 0.2, seed: str | None = None) -> str:
    """`yuqing spotcheck run [--share 0.2] [--seed 2026-W41]`: draw this week's spot checks (reproducible)."""
    from yuqing.respond.jobs import spot_check

    if not 0 <= share <= 1:
        raise CommandError("--share 须在 0 到 1 之间")
    r = spot_check(_open(workspace), share=share, seed=seed)
    drawn = "、".join(f"#{c}" for c in r["drawn"]) or "无"
    again = "" if r["new"] else "（本种子已抽过，显示原结果）"
    return (f"抽查批次 #{r['run_id']} 种子 {r['seed']} 比例 {r['share']:.0%}：已销号 {len(r['population'])} 件，"
            f"抽中 {drawn}{again}")


def board_command(workspace: Path | None) -> str:
    """`yuqing cases board`: the office board as text — open cases by state, overdue first."""
    from yuqing.domain import lifecycle as lc
    from yuqing.domain.roles import SYSTEM
    from yuqing.respond.queries import board

    ws = _open(workspace)
    lines: list[str] = []
    with ws.db.read() as s:
        for state, rows in board(s, SYSTEM).items():
            lines.append(f"【{lc.label(state)}】{len(rows)} 件")
            for r in rows:
                flag = "⚠ " if r.overdue else "  "
                lines.append(f"{flag}#{r.id} {r.title}｜{r.lead_unit or '未交办'}｜{r.countdown or '—'}")
    return "\n".join(lines) or "没有在办案件"


def rules_export_command(workspace: Path | None, path: Path) -> str:
    """`yuqing rules export FILE.xlsx`: write the responsibility list to an XLSX file."""
    from yuqing.domain.roles import SYSTEM
    from yuqing.respond.actions import export_rules_xlsx

    data = export_rules_xlsx(_open(workspace), SYSTEM)
    path.write_bytes(data)
    return f"已导出责任清单到 {path}"


def rules_import_command(workspace: Path | None, path: Path, replace: bool = False) -> str:
    """`yuqing rules import FILE.xlsx [--replace]`: read the responsibility list (all rows or none)."""
    from yuqing.domain.roles import SYSTEM
    from yuqing.respond.actions import import_rules_xlsx

    n = import_rules_xlsx(_open(workspace), SYSTEM, path.read_bytes(), replace=replace)
    return f"已导入 {n} 条责任规则" + ("（文件之外的规则已删除）" if replace else "")
