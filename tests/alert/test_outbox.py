"""The shared delivery outbox (reports and publishing findings alike): one runner wins each due row, a claim
holds for its lease, a failing channel is retried on the alerts' backoff and then given up; routes default as
each outbox says. Run over both outboxes, since the code is one."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tests.servers import free_port
from yuqing.actions import Tx, action
from yuqing.alert.outbox import DeliveryView, Outbox
from yuqing.alert.run import LEASE
from yuqing.clock import CHINA, frozen
from yuqing.domain.alerts import BACKOFF_SECONDS, MAX_ATTEMPTS
from yuqing.domain.roles import Actor
from yuqing.publish.deliver import FINDING_OUTBOX
from yuqing.reports.deliver import REPORT_OUTBOX
from yuqing.store.tables_alert import AlertChannel
from yuqing.workspace import Workspace

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)
OFFICE = Actor(None, "办公室王", "office")
OUTBOXES = pytest.mark.parametrize("outbox", [REPORT_OUTBOX, FINDING_OUTBOX], ids=["report", "publish"])


def _due_row(ws: Workspace, outbox: Outbox, target: str) -> tuple[int, int]:
    """One queued row of `outbox`, due at T0, for a webhook channel at `target`: (row id, channel id)."""
    with ws.db.write() as s:
        channel = factories.alert_channel(s, "webhook", target, name="市平台", secret="k1")
        if outbox is REPORT_OUTBOX:
            row = factories.report_delivery(s, factories.report(s, "2026-11-29"), channel, status="queued",
                                            next_attempt_at=T0)
        else:
            row = factories.publish_delivery(s, factories.channel(s, "区政府门户网站"), channel, status="queued",
                                             next_attempt_at=T0)
        return row.id, channel.id


def _log(ws: Workspace, outbox: Outbox) -> list[DeliveryView]:
    with ws.db.read() as s:
        return outbox.sent_log(s)


@OUTBOXES
def test_runners_racing_for_one_due_row_one_wins_and_the_claim_holds_for_its_lease(ws: Workspace,
                                                                                   outbox: Outbox) -> None:
    row_id, _ = _due_row(ws, outbox, "http://127.0.0.1:9/hook")
    barrier = threading.Barrier(4)
    won: dict[str, list[int]] = {}

    def run(worker: str) -> None:
        barrier.wait()
        won[worker] = outbox.claim(ws, worker, T0)

    threads = [threading.Thread(target=run, args=(f"runner-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(won.values()) == [[], [], [], [row_id]]
    (winner,) = (w for w, ids in won.items() if ids)
    assert outbox.claim(ws, "late", T0 + LEASE - timedelta(seconds=1)) == []  # its runner may still be sending
    assert outbox.send_one(ws, row_id, "late") == "skipped"  # a runner without the claim sends nothing
    assert outbox.claim(ws, "late", T0 + LEASE) == [row_id]  # the lease is over: taken over once
    assert outbox.send_one(ws, row_id, winner) == "skipped"  # the first runner, come back, finds it taken


@OUTBOXES
def test_a_channel_that_stays_down_is_retried_on_the_backoff_then_given_up(ws: Workspace, outbox: Outbox) -> None:
    row_id, channel_id = _due_row(ws, outbox, f"http://127.0.0.1:{free_port()}/hook")  # nobody listens
    at = T0
    for attempt in range(1, MAX_ATTEMPTS):
        with frozen(at):
            assert outbox.send_due(ws) == {"retrying": 1}
        (row,) = _log(ws, outbox)
        assert (row.status, row.status_label, row.attempts) == ("retrying", "发送失败，等待重试", attempt)
        assert row.last_error.startswith("无法连接")
        retry_at = at + timedelta(seconds=BACKOFF_SECONDS[attempt - 1])
        assert row.next_attempt_at == retry_at
        with frozen(retry_at - timedelta(seconds=1)):
            assert outbox.send_due(ws) == {}  # not yet
        at = retry_at
    with frozen(at):
        assert outbox.send_due(ws) == {"failed": 1}
    with frozen(at + timedelta(days=1)):
        assert outbox.send_due(ws) == {}  # given up: never again
    (row,) = _log(ws, outbox)
    assert (row.id, row.status_label, row.attempts, row.next_attempt_at) == (row_id, "发送失败，已放弃", MAX_ATTEMPTS,
                                                                             None)
    with ws.db.read() as s:
        channel = s.get(AlertChannel, channel_id)
        assert channel is not None and channel.consecutive_failures == MAX_ATTEMPTS


@action("test.routes", permission="alerts.manage")
def _set_routes(tx: Tx, outbox: Outbox, chosen: set[tuple[str, int]]) -> list[str]:
    return outbox.set_routes(tx, chosen)


def test_routes_follow_each_outboxs_default_and_unticking_a_default_keeps_it_off(ws: Workspace) -> None:
    with ws.db.write() as s:
        mail = factories.alert_channel(s, "email", "office@district.example", name="办公室邮箱").id
    with ws.db.read() as s:
        assert [c.id for c in REPORT_OUTBOX.routed(s, "daily")] == [mail]  # the daily report: every e-mail channel
        assert FINDING_OUTBOX.routed(s, "zombie") == []  # findings: nowhere until the office chooses
    assert _set_routes(ws, OFFICE, REPORT_OUTBOX, set()) == ["网络舆情日报告表不再发往“办公室邮箱”"]
    assert _set_routes(ws, OFFICE, FINDING_OUTBOX, {("zombie", mail)}) == ["僵尸账号发往“办公室邮箱”"]
    with ws.db.read() as s:
        assert REPORT_OUTBOX.routed(s, "daily") == []
        assert [c.id for c in FINDING_OUTBOX.routed(s, "zombie")] == [mail]
        # reports pin every pair shown (a default unticked stays off); findings keep rows for what is on only
        assert len(list(s.execute(select(REPORT_OUTBOX.route)).scalars())) == len(REPORT_OUTBOX.kinds)
        assert len(list(s.execute(select(FINDING_OUTBOX.route)).scalars())) == 1
