"""Readable records: every audit action code the code base writes has a Chinese label, and details
read as labelled fields (states, units, times, flags), never as JSON."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests import source_tree
from yuqing.domain import lifecycle as lc
from yuqing.domain import records

SRC = Path(__file__).resolve().parents[2] / "src" / "yuqing"


def _strings(node: ast.AST) -> list[str]:
    """String constants and f-string patterns (as regexes) inside an argument expression."""
    if isinstance(node, ast.JoinedStr):
        parts = [re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z_]+" for v in node.values]
        return ["re:" + "".join(parts)]
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else []
    return [s for child in ast.iter_child_nodes(node) for s in _strings(child)]


def written_codes() -> set[str]:
    """Audit action codes written anywhere under src/yuqing: `audit.append(s, actor, CODE, …)`,
    `tx.audit(CODE, …)` in actions, and the case-desk steps `_log(s, actor, case, STEP, …)` / `_move(…, STEP, …)` audited as `case.STEP`."""
    codes: set[str] = set()
    for _path, tree in source_tree.trees():
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            fn = call.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            owner = fn.value.id if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) else ""
            if name == "append" and owner == "audit" and len(call.args) >= 3:
                codes.update(_strings(call.args[2]))
            elif name == "audit" and isinstance(fn, ast.Attribute) and call.args:  # tx.audit(CODE, …)
                codes.update(_strings(call.args[0]))
            elif name in ("_log", "_move"):  # the step is the first literal after the session/actor/case
                for arg in call.args[2:4]:
                    steps = _strings(arg)
                    if steps:
                        codes.update("case." + c if not c.startswith("re:") else c for c in steps)
                        break
    return codes


def test_every_audit_code_written_by_the_code_base_has_a_chinese_label() -> None:
    codes = written_codes()
    literal = {c for c in codes if not c.startswith("re:")}
    assert len(literal) >= 30, f"the scan found too few codes to be trusted: {sorted(literal)}"
    missing = sorted(c for c in literal if not records.has_label(c))
    assert not missing, f"add Chinese labels in yuqing/domain/records.py for: {missing}"
    known = [c for c, _ in records.action_choices()]
    for pattern in (c[3:] for c in codes if c.startswith("re:")):
        if pattern == r"case\.[a-z_]+":  # `_move` and `_log` write case.<lifecycle action>
            continue
        assert any(re.fullmatch(pattern, k) for k in known), f"no label matches the code pattern {pattern}"


def test_every_lifecycle_action_reads_as_its_table_label() -> None:
    for code, act in lc.ACTIONS.items():
        assert records.has_label(f"case.{code}")
        assert records.action_label(f"case.{code}") == f"案件·{act.label}"
        assert records.case_step_label(code) == act.label


def test_details_are_labelled_fields_with_names_not_codes_or_json() -> None:
    detail = {"from_state": "reported", "to_state": "assigned", "reason": "按责任清单交办",
              "lead_unit_id": 8, "assist_unit_ids": [11], "due_at": "2026-10-08 02:00:00+00:00",
              "followed_proposal": True, "grade": "III", "routing": {"explain": "属地青石镇"}}
    fields = dict(records.describe(detail, units={8: "青石镇", 11: "劳动保障局"}))
    assert fields["原状态"] == "已报送" and fields["新状态"] == "已交办"
    assert fields["牵头单位"] == "青石镇" and fields["协办单位"] == "劳动保障局"
    assert fields["办理期限"] == "2026-10-08 10:00"  # China time
    assert fields["按责任清单建议"] == "是" and fields["等级"] == "较大（III级）"
    text = " ".join(f"{k} {v}" for k, v in fields.items())
    assert "{" not in text and "\\u" not in text and "_id" not in text
    assert records.describe({"reason": "", "to_state": None}) == []


def test_a_graded_response_task_reads_by_its_name() -> None:
    from yuqing.domain.records import format_value

    assert format_value("task", "investigation") == "责任单位调查核实并反馈"
    assert format_value("task", "official_reply").startswith("正式回复网民")
