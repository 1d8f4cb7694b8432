"""The responsibility list as an XLSX workbook: export (audited) and import (all rows or none)."""

from __future__ import annotations

import io

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.routing import EXPORT_COLUMNS, Rule, row_to_rule, rule_to_row
from yuqing.respond.errors import CaseError
from yuqing.respond.rules import load_rules
from yuqing.respond.steps import unit_ids
from yuqing.store.tables_case import ResponsibilityRule


@action("rule.export", permission="rules.manage")
def export_rules_xlsx(tx: Tx) -> bytes:
    """The responsibility list as an XLSX workbook (columns: routing.EXPORT_COLUMNS); the export is audited."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "责任清单"
    sheet.append(list(EXPORT_COLUMNS))
    for rule in load_rules(tx.session):
        sheet.append(rule_to_row(rule))
    tx.audit("rule.export", "responsibility_rule", None)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parse_rules_xlsx(data: bytes) -> list[Rule]:
    """The rules of a workbook (first sheet, header row first); CaseError naming the bad row."""
    from yuqing.collect.files import XlsxError, open_workbook, sheet_rows

    parsed: list[Rule] = []
    try:
        wb = open_workbook(data)  # bounded: the same checked reader as `yuqing import`
        for n, cells in sheet_rows(wb):
            if n == 1 or not any(c not in (None, "") for c in cells):
                continue
            parsed.append(row_to_rule(cells, line=n))
    except XlsxError as exc:
        raise CaseError(f"无法读取 XLSX 文件：{exc}") from None
    except ValueError as exc:
        raise CaseError(str(exc)) from None
    return parsed


@action("rule.import", permission="rules.manage")
def import_rules_xlsx(tx: Tx, data: bytes, *, replace: bool = False) -> int:
    """Read rules from an XLSX workbook. Rows with an id that exists are updated; others are added. With
    `replace`, rules not in the file are deleted. All or nothing (one transaction)."""
    parsed = parse_rules_xlsx(data)
    s = tx.session
    keep: set[int] = set()
    for rule in parsed:
        lead_id = unit_ids(tx, [rule.lead_unit])[0]
        assist_ids = [u for u in unit_ids(tx, rule.assist_units) if u != lead_id]
        row = s.get(ResponsibilityRule, rule.id) if rule.id else None
        if row is None:
            row = ResponsibilityRule(created_at=utcnow())
            s.add(row)
        row.kind, row.pattern, row.lead_unit_id, row.assist_unit_ids = rule.kind, rule.pattern, lead_id, assist_ids
        row.priority, row.active, row.note, row.updated_at = rule.priority, rule.active, rule.note, utcnow()
        s.flush()
        keep.add(row.id)
    if replace:
        from sqlalchemy import select

        for old in s.execute(select(ResponsibilityRule)).scalars():
            if old.id not in keep:
                s.delete(old)
    tx.audit("rule.import", "responsibility_rule", None, rows=len(parsed), replace=replace)
    return len(parsed)
