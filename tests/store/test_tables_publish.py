"""The publishing tables (migration 0024): the migration matches the models and goes down and up again,
every entity has a factory, and a finding is kept once per (channel, kind, key)."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from yuqing.store.migrate import alembic_config, include_object
from yuqing.store.tables import Base
from yuqing.store.tables_publish import Channel, ChannelFinding, StatementLink

PUBLISH_TABLES = {"channels", "channel_applications", "publications", "channel_posts", "channel_findings",
                  "correction_orders", "statement_filings", "statement_links", "wrong_words"}


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection")
def test_migration_creates_the_publish_tables_as_modelled_and_goes_down_and_up(ws):
    def diff_of_mine() -> list[object]:
        with ws.db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= PUBLISH_TABLES
            diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}),
                                    Base.metadata)
        return [d for d in diff if any(t in str(d) for t in PUBLISH_TABLES)]

    assert diff_of_mine() == []
    cfg = alembic_config(ws.db.url)
    with ws.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0023_venue_contacts")
    with ws.db.engine.connect() as conn:
        assert not set(inspect(conn).get_table_names()) & PUBLISH_TABLES
    with ws.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    assert diff_of_mine() == []


def test_every_entity_has_a_factory_and_the_rows_link_up(ws):
    with ws.db.write() as s:
        owner = f.unit(s, "区政府办公室")
        ch = f.channel(s, "区政府门户网站", owner=owner, feed_url="http://127.0.0.1/feed.xml", cadence="daily")
        f.channel_application(s, ch, state="approved", reviewer_name="网宣办审核人")
        pub = f.publication(s, ch, state="approved", signed_by_name="王主任")
        f.channel_post(s, ch, publication_id=pub.id, signed=True)
        finding = f.channel_finding(s, ch, kind="mismatch", key=str(pub.id), publication_id=pub.id)
        f.correction_order(s, ch, finding)
        filing = f.statement_filing(s, channel_id=ch.id, unit_id=owner.id)
        f.statement_link(s, filing, ev=f.event(s), c=f.case(s))
        f.wrong_word(s, "区长助理", suggestion="区长", kind="outdated")
    with ws.db.read() as s:
        row = s.execute(select(Channel)).scalar_one()
        assert (row.admission, row.closed, row.zombie, row.answering) == ("none", False, False, None)
        assert s.execute(select(StatementLink)).scalar_one().case_id is not None


def test_a_finding_is_kept_once_per_channel_kind_and_key(ws):
    with ws.db.write() as s:
        ch = f.channel(s)
        f.channel_finding(s, ch, kind="broken_link", key="http://127.0.0.1/x")
        f.channel_finding(s, ch, kind="wrong_word", key="http://127.0.0.1/x")
    with pytest.raises(IntegrityError), ws.db.write() as s:
        f.channel_finding(s, s.get(Channel, ch.id), kind="broken_link", key="http://127.0.0.1/x")
    with ws.db.read() as s:
        assert len(s.execute(select(ChannelFinding)).all()) == 2
