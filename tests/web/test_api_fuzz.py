"""Robustness over the whole OpenAPI schema: schemathesis-generated requests, as the office and as a unit
handler, never get a 500. Bounded so it stays in the suite: a few derandomised examples per operation,
plus for every operation the two probes that used to answer 500 (integers above 2^63 in the path and the
query, a JSON body sent as another content type)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from tests import factories
from tests.web.conftest import login
from yuqing.web.app import create_app
from yuqing.workspace import Workspace

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the test extra")

EXAMPLES = int(os.environ.get("YUQING_FUZZ_EXAMPLES", "3"))
SKIP = {("POST", "/logout"), ("POST", "/login")}  # would end the session the run is authenticated with
HUGE = 2**64


@pytest.fixture
def fuzz_app(ws: Workspace) -> Iterator[Any]:
    with ws.db.write() as s:
        town = factories.unit(s, "青石镇", "town")
        factories.user(s, "office1", role="office")
        factories.user(s, "handler1", role="unit_handler", unit=town)
        src = factories.source(s, "本地论坛")
        factories.item(s, "河口镇暴雨内涝，渡口村进水", src=src)
        factories.case(s, "欠薪", units=[town])
    yield create_app(ws)


def _session(app: Any, username: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app, base_url="http://127.0.0.1", headers={"accept": "application/json"})
    csrf = login(client, username)
    return client, {"x-csrf-token": csrf, "cookie": f"yuqing_session={client.cookies.get('yuqing_session')}"}


def _run(app: Any, username: str) -> None:
    _client, auth = _session(app, username)
    raw = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False,
                     headers={"accept": "application/json", **auth})
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        op = result.ok()
        method, path = op.method.upper(), op.path
        if (method, path) in SKIP:
            continue

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def generated(case: Any) -> None:
            response = case.call(headers={**(case.headers or {}), **auth})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} → {response.status_code}")

        try:
            generated()
        except Exception as exc:  # the server raising is a failure like a 500
            failures.append(f"{method} {path}: {type(exc).__name__}: {str(exc)[:200]}")
        # The probes that found 500s before, on every operation.
        params = {p.name: p for p in op.path_parameters}
        concrete = path
        for name in params:
            concrete = concrete.replace("{" + name + "}", str(HUGE))
        probes = [raw.request(method, concrete, params={q.name: HUGE for q in op.query})]
        if op.body and method in ("POST", "PUT", "PATCH"):
            probes.append(raw.request(method, concrete.replace(str(HUGE), "1"), content=b"x=1",
                                      headers={"content-type": "text/plain"}))
        failures.extend(f"{method} {r.request.url} → {r.status_code}" for r in probes if r.status_code >= 500)
    assert not failures, "\n".join(failures)


def test_no_500_as_the_office(fuzz_app: Any) -> None:
    _run(fuzz_app, "office1")


def test_no_500_as_a_unit_handler(fuzz_app: Any) -> None:
    _run(fuzz_app, "handler1")
