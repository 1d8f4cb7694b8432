"""Every notification kind the code base writes has a Chinese name (the inbox never shows 通知 for want of one)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests import source_tree
from yuqing.domain.notifications import KINDS

SRC = Path(__file__).resolve().parents[2] / "src" / "yuqing"
KIND = re.compile(r"[a-z_]+\.[a-z_]+")


def written_kinds() -> set[str]:
    """Kinds passed to any `notify…(…)` call under src/yuqing: a dotted literal among the first three
    arguments (audience and kind come first in every notify helper) or the `kind=` keyword."""
    kinds: set[str] = set()
    for _path, tree in source_tree.trees():
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            fn = call.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if not name.startswith("notify"):
                continue
            args = [*call.args[:3], *(k.value for k in call.keywords if k.arg == "kind")]
            kinds.update(a.value for a in args
                         if isinstance(a, ast.Constant) and isinstance(a.value, str) and KIND.fullmatch(a.value))
    return kinds


def test_every_notification_kind_written_has_a_chinese_name() -> None:
    kinds = written_kinds()
    assert {"case.assigned", "case.overdue", "report.daily"} <= kinds, "the scan no longer finds the notify calls"
    missing = sorted(kinds - set(KINDS))
    assert not missing, f"add Chinese names in yuqing/domain/notifications.py KINDS for: {missing}"
