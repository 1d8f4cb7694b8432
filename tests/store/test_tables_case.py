"""The case-desk tables: the migration matches the models, and one open case per event holds in the database."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

import yuqing.store.tables_case as tc
from yuqing.domain import lifecycle as lc
from yuqing.store.tables import Base, Case, Event

CASE_TABLES = {t.name for t in Base.metadata.sorted_tables if t.name in {
    "responsibility_rules", "case_details", "case_history", "case_tasks", "feedback", "attachments", "reminders",
    "supervisions", "extension_requests", "instructions", "replies", "spot_check_runs", "spot_checks",
    "evaluations", "case_items", "unit_marks", "venue_contacts"}}


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_migration_creates_every_case_table_as_modelled(ws):
    assert len(CASE_TABLES) == 17
    with ws.db.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        assert names >= CASE_TABLES
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diff if any(t in str(d) for t in CASE_TABLES | {"uq_cases_open_event"})]
    assert mine == []


def test_partial_unique_index_allows_finished_cases_only(ws):
    with ws.db.write() as s:
        ev = Event(title="e")
        s.add(ev)
        s.flush()
        for state in sorted(lc.FINISHED_STATES):
            s.add(Case(title=state, state=state, event_id=ev.id, extra={}))
        s.add(Case(title="open", state=lc.ASSIGNED, event_id=ev.id, extra={}))
        s.add(Case(title="no event 1", state=lc.FOUND, extra={}))
        s.add(Case(title="no event 2", state=lc.FOUND, extra={}))
        event_id = ev.id
    with pytest.raises(IntegrityError), ws.db.write() as s:
        s.add(Case(title="second open", state=lc.FOUND, event_id=event_id, extra={}))
    assert tc.OPEN_CASE_PER_EVENT.unique
