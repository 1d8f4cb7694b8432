"""Hypothesis: any JSON body (or none, or not JSON) sent to the write endpoints gets a 2xx or a 4xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.factories import ADMIN
from tests.web.conftest import login
from yuqing.collect import sources
from yuqing.collect.push import issue_push_token
from yuqing.web.app import create_app
from yuqing.workspace import Workspace

scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                   st.floats(allow_nan=False), st.text(max_size=20))
body = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                        max_size=4), max_leaves=10)
ENDPOINTS = ["/api/units", "/api/users", "/api/cases/1/actions/assign", "/api/cases/1/feedback",
             "/api/cases/1/extensions", "/api/cases/1/replies", "/api/cases/1/evaluation"]


@pytest.fixture
def office(ws: Workspace) -> Iterator[tuple[TestClient, dict[str, str], int, str]]:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        factories.user(s, "office1", role="office")
        factories.case(s, "欠薪", units=[town])
    sid = sources.sources_add(ws, ADMIN, "push", None, "12345 热线")
    token = issue_push_token(ws, ADMIN, sid)
    with TestClient(create_app(ws), base_url="http://127.0.0.1", raise_server_exceptions=False,
                    headers={"accept": "application/json"}) as client:
        csrf = login(client, "office1")
        yield client, {"x-csrf-token": csrf}, sid, token


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(ENDPOINTS), payload=body,
       ctype=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
def test_any_body_to_a_write_endpoint_is_a_client_error_at_worst(
    office: tuple[TestClient, dict[str, str], int, str], endpoint: str, payload: Any, ctype: str
) -> None:
    client, headers, _sid, _token = office
    r = client.post(endpoint, content=json.dumps(payload), headers={**headers, "content-type": ctype})
    assert r.status_code < 500, (endpoint, payload, ctype, r.text[:200])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(body, max_size=4), raw=st.one_of(st.none(), st.binary(max_size=40)))
def test_any_push_body_is_answered_without_a_500(
    office: tuple[TestClient, dict[str, str], int, str], items: list[Any], raw: bytes | None
) -> None:
    client, _headers, sid, token = office
    content = raw if raw is not None else json.dumps({"source_id": sid, "items": items}).encode()
    r = client.post("/api/items", content=content,
                    headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
    assert r.status_code in (200, 400, 413, 415, 422), (items, raw, r.status_code, r.text[:200])
    if raw is None:
        assert r.status_code == 200 and r.json()["received"] == len(items)
