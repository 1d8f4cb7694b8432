"""The demo workspace: built idempotently, and its two live sources behave as the demo promises."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.servers import free_port, serve
from yuqing.demo.build import DEAD_SOURCE, DEMO_FEED, RUMOUR_TITLE, build_demo
from yuqing.store.tables import Case, Event, Item, Source


@pytest.fixture
def demo(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    port = free_port()
    ws, passwords = build_demo(tmp_path / "demo", base_url=f"http://127.0.0.1:{port}")
    yield ws, passwords, port
    ws.db.dispose()


def test_demo_has_people_posts_events_and_the_case_story(demo) -> None:  # type: ignore[no-untyped-def]
    ws, passwords, port = demo
    assert {p[0] for p in passwords} >= {"admin", "analyst", "office", "leader", "spokesperson", "qingshi"}
    with ws.db.read() as s:
        assert s.execute(select(func.count(Item.id))).scalar_one() >= 300
        assert s.execute(select(func.count(Item.id)).where(Item.analysed_at.is_(None))).scalar_one() == 0
        titles = " ".join(s.execute(select(Event.title)).scalars())
        assert s.execute(select(func.count(Case.id))).scalar_one() == 1
    for word in ("河口", "工资", "夜市", "食堂"):
        assert word in titles, word
    with ws.db.read() as s:  # the analyst retitled the food-rumour event (pinned, audited)
        pinned = s.execute(select(Event).where(Event.title_pinned.is_(True))).scalar_one()
        assert pinned.title == RUMOUR_TITLE
    again, _ = build_demo(ws.path, base_url=f"http://127.0.0.1:{port}")
    with again.db.read() as s:
        assert s.execute(select(func.count(Item.id))).scalar_one() >= 300
        assert s.execute(select(func.count(Case.id))).scalar_one() == 1
        assert s.execute(select(func.count(Source.id)).where(Source.name == DEMO_FEED)).scalar_one() == 1


def test_demo_feed_is_collected_and_the_dead_source_turns_red(demo) -> None:  # type: ignore[no-untyped-def]
    from yuqing.collect.cli import collect_once
    from yuqing.web.app import create_app

    ws, _, port = demo
    with serve(create_app(ws), port):
        with ws.db.read() as s:
            ids = list(s.execute(select(Source.id).where(Source.name.in_([DEMO_FEED, DEAD_SOURCE]))).scalars())
        collect_once(ws, ids)
    with ws.db.read() as s:
        feed = s.execute(select(Source).where(Source.name == DEMO_FEED)).scalar_one()
        dead = s.execute(select(Source).where(Source.name == DEAD_SOURCE)).scalar_one()
        news = list(s.execute(select(Item).where(Item.source_id == feed.id)).scalars())
    assert len(news) == 8 and any("情况说明" in i.title for i in news)  # GB2312 decoded
    assert feed.health == "ok" and dead.health in ("down", "blocked")


def test_every_audit_entry_of_the_demo_reads_in_chinese(demo) -> None:  # type: ignore[no-untyped-def]
    """Scan the demo's audit log: every action code and every detail field has a Chinese label."""
    from yuqing.domain import records
    from yuqing.store.tables import AuditEntry

    ws, _, _ = demo
    with ws.db.read() as s:
        entries = list(s.execute(select(AuditEntry)).scalars())
    assert len(entries) > 20
    unlabelled = sorted({e.action for e in entries if not records.has_label(e.action)})
    assert not unlabelled, f"add Chinese labels in yuqing/domain/records.py for: {unlabelled}"
    fields = sorted({k for e in entries for k in e.detail if k not in records.DETAIL_LABELS})
    assert not fields, f"add Chinese labels for these detail fields in yuqing/domain/records.py: {fields}"
    objects = sorted({e.object_type for e in entries if e.object_type not in records.OBJECT_LABELS})
    assert not objects, f"add Chinese labels for these object types in yuqing/domain/records.py: {objects}"
