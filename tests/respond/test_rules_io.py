"""The responsibility list as XLSX (respond.rules_io): round trip, a hostile workbook read quickly."""

from __future__ import annotations

import pytest

from yuqing.domain.roles import PermissionDenied
from yuqing.respond import rules, rules_io
from yuqing.respond.errors import CaseError


def test_rules_xlsx_round_trip(desk):
    data = rules_io.export_rules_xlsx(desk.ws, desk.office)
    before = rules.list_rules(desk.ws)
    n = rules_io.import_rules_xlsx(desk.ws, desk.office, data, replace=True)
    assert n == 3 and rules.list_rules(desk.ws) == before
    with pytest.raises(PermissionDenied):
        rules_io.export_rules_xlsx(desk.ws, desk.handler)
    with pytest.raises(CaseError):
        rules_io.import_rules_xlsx(desk.ws, desk.office, b"not a workbook")


def test_rules_upload_reads_a_hostile_workbook_quickly(desk):
    """Found by a probe: the rules upload used the same unbounded parser as `yuqing import` (minutes)."""
    import time

    from tests.test_importer import hostile_xlsx

    before = rules.list_rules(desk.ws)
    started = time.monotonic()
    with pytest.raises(CaseError):  # its rows are not rules: refused with a clear error, in seconds
        rules_io.import_rules_xlsx(desk.ws, desk.office, hostile_xlsx())
    assert time.monotonic() - started < 60  # a hang guard: it took > 10 minutes
    assert rules.list_rules(desk.ws) == before
