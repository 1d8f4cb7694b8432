"""Own channels played by a real HTTP server on 127.0.0.1 (pages from tests/publish/pages.py), and a small district:
units and people."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests import factories
from tests.collect.conftest import FixtureServer
from tests.publish.pages import FAST
from yuqing.accounts import actor_of
from yuqing.collect.http import HttpClient
from yuqing.domain.roles import Actor
from yuqing.workspace import Workspace


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    yield srv
    srv.httpd.shutdown()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(FAST) as c:
        yield c


@dataclass
class District:
    ws: Workspace
    gov: int  # 区政府办公室 (owns the portal)
    street: int  # 凤凰街道
    propaganda: int  # 区委网宣办
    office: Actor
    gov_handler: Actor
    gov_leader: Actor
    street_handler: Actor
    reviewer: Actor  # 网宣办 staff


@pytest.fixture
def district(ws: Workspace) -> District:
    with ws.db.write() as s:
        gov = factories.unit(s, "区政府办公室", kind="office")
        street = factories.unit(s, "凤凰街道办事处", kind="street")
        prop = factories.unit(s, "区委网宣办", kind="office")
        people = {
            "office": factories.user(s, "office", "office", display_name="办公室王"),
            "gov_handler": factories.user(s, "gov_h", "unit_handler", gov, display_name="政府办信息员刘"),
            "gov_leader": factories.user(s, "gov_l", "unit_leader", gov, display_name="政府办主任陈"),
            "street_handler": factories.user(s, "street_h", "unit_handler", street, display_name="街道信息员孙"),
            "reviewer": factories.user(s, "wx", "unit_handler", prop, display_name="网宣办林"),
        }
        actors = {k: actor_of(u) for k, u in people.items()}
        ids = gov.id, street.id, prop.id
    return District(ws, *ids, **actors)


def admit(d: District, channel_id: int) -> None:
    """准入 as it happens: the office applies with the two documents, 网宣办 approves (drafting needs it)."""
    from yuqing.publish import admission

    admission.apply_admission(d.ws, d.office, channel_id, construction_plan="栏目与更新机制", security_rules="三审三校")
    admission.review_admission(d.ws, d.reviewer, channel_id, approve=True, note="同意")
