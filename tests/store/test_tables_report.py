"""The reports' delivery tables (migration 0025): a factory each; the sent-log's unique key (type, report,
channel) refuses a second row, which is what makes a report go to a channel once however often it is queued."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from yuqing.workspace import Workspace


def test_a_report_is_logged_once_per_channel(ws: Workspace) -> None:
    with ws.db.write() as s:
        rep = f.report(s)
        mail, robot = f.alert_channel(s, "email", "a@district.example"), f.alert_channel(s, "wecom", "http://127.0.0.1/r")
        f.report_route(s, robot, "special", enabled=False)
        f.report_delivery(s, rep, mail)
        f.report_delivery(s, rep, robot)
        f.report_delivery(s, f.report(s, "2026-11-21"), mail)  # another day's report: another row
    with pytest.raises(IntegrityError), ws.db.write() as s:
        f.report_delivery(s, rep, mail)
