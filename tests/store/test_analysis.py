"""Claims on pending items: exclusive while the lease holds, taken again after it expires."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests import factories
from yuqing.clock import CHINA, frozen
from yuqing.store import analysis
from yuqing.store.tables import AnalysisState, Item
from yuqing.workspace import Workspace

T0 = datetime(2026, 11, 20, 8, tzinfo=CHINA)
LEASE = timedelta(minutes=5)


def test_claims_do_not_overlap_and_expire(ws: Workspace) -> None:
    with ws.db.write() as s:
        src = factories.source(s)
        ids = [factories.item(s, f"第{i}条", src=src, published_at=T0 + timedelta(minutes=i)).id for i in range(5)]
    with frozen(T0):
        a = analysis.claim(ws.db, 3, LEASE, "a")
        b = analysis.claim(ws.db, 3, LEASE, "b")
        c = analysis.claim(ws.db, 3, LEASE, "c")
    assert a.item_ids == ids[:3] and b.item_ids == ids[3:] and c.item_ids == []  # oldest first, no overlap
    with frozen(T0 + timedelta(minutes=1)), ws.db.read() as s:
        assert analysis.earlier_claimed(s, b) and not analysis.earlier_claimed(s, a)
    with frozen(T0 + LEASE + timedelta(seconds=1)):
        with ws.db.read() as s:
            assert not analysis.earlier_claimed(s, b)  # a's claim expired: b need not wait for it
        d = analysis.claim(ws.db, 10, LEASE, "d")
    assert d.item_ids == ids  # every expired claim is free again
    with ws.db.read() as s:
        assert analysis.still_held(s, a) == set() and analysis.still_held(s, d) == set(ids)
        assert {i.claimed_by for i in s.execute(select(Item)).scalars()} == {d.token}


def test_a_decision_moves_the_rebuild_version(ws: Workspace) -> None:
    with ws.db.write() as s:
        before = analysis.lock_state(s)
        version, rebuild = before.version, before.rebuild_version
    with ws.db.write() as s:
        analysis.decided(s)
    with ws.db.write() as s:
        analysis.profile_edited(s)
    with ws.db.read() as s:
        state = s.get(AnalysisState, analysis.STATE_ID)
    assert state is not None and (state.version, state.rebuild_version) == (version + 2, rebuild + 2)
    assert state.profile_version == 1


def test_the_queue_status_counts_the_backlog_the_batches_in_hand_and_the_expired_ones(ws: Workspace) -> None:
    with ws.db.write() as s:
        src = factories.source(s)
        ids = [factories.item(s, f"第{i}条", src=src, published_at=T0 + timedelta(minutes=i)).id for i in range(6)]
    with frozen(T0):
        dead = analysis.claim(ws.db, 2, LEASE, "host:101:1")
    with frozen(T0 + LEASE - timedelta(minutes=1)):
        live = analysis.claim(ws.db, 3, LEASE, "host:202:1")
    with frozen(T0 + LEASE + timedelta(seconds=1)), ws.db.read() as s:
        status = analysis.queue_status(s)
    assert (status.pending, status.free, status.version, status.recent) == (6, 3, 0, [])  # 2 expired + 1 unclaimed
    assert [(b.worker, b.items, b.expired) for b in status.in_hand] == [("host:101:1", 2, True), ("host:202:1", 3, False)]
    assert dead.item_ids == ids[:2] and live.item_ids == ids[2:5]
