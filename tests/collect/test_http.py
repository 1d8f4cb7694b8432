"""The HTTP client against a real server on 127.0.0.1: retries, limits, redirects, conditional GET."""

from __future__ import annotations

import gzip
import itertools
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace

import pytest

from yuqing.collect.http import USER_AGENT, FetchError, HttpClient, HttpPolicy

from .conftest import FixtureServer, Request


def test_get_sends_user_agent_and_returns_body(server: FixtureServer, client: HttpClient) -> None:
    url = server.add("/a", "你好", headers={"Content-Type": "text/plain; charset=utf-8"})
    resp = client.get(url)
    assert resp.status == 200 and resp.content.decode() == "你好"
    assert server.requests[0].headers["user-agent"] == USER_AGENT


def test_gzip_body_is_decoded(server: FixtureServer, client: HttpClient) -> None:
    url = server.add("/gz", gzip.compress("压缩".encode()), headers={"Content-Encoding": "gzip"})
    assert client.get(url).content.decode() == "压缩"


def test_5xx_is_retried_then_succeeds(server: FixtureServer, client: HttpClient) -> None:
    calls = {"n": 0}

    def flaky(_: Request) -> tuple[int, dict[str, str], bytes]:
        calls["n"] += 1
        return (503, {}, b"busy") if calls["n"] < 3 else (200, {}, b"ok")

    url = server.add("/flaky", handler=flaky)
    resp = client.get(url)
    assert resp.content == b"ok" and resp.attempts == 3


def test_persistent_500_fails_after_retries(server: FixtureServer, client: HttpClient) -> None:
    url = server.add("/down", b"boom", status=500)
    with pytest.raises(FetchError) as info:
        client.get(url)
    assert info.value.kind == "http" and info.value.status == 500
    assert server.hits["/down"] == 3  # first try + 2 retries


@pytest.mark.parametrize("status", [403, 418, 429])
def test_blocking_statuses_are_blocked_and_not_retried(
    server: FixtureServer, client: HttpClient, status: int
) -> None:
    url = server.add("/no", b"go away", status=status)
    with pytest.raises(FetchError) as info:
        client.get(url)
    assert info.value.blocked and info.value.status == status
    assert server.hits["/no"] == 1


def test_404_is_not_retried(server: FixtureServer, client: HttpClient) -> None:
    with pytest.raises(FetchError) as info:
        client.get(server.url("/missing"))
    assert info.value.kind == "http" and info.value.status == 404
    assert server.hits["/missing"] == 1


def test_backoff_grows_and_has_jitter() -> None:
    c = HttpClient(HttpPolicy(backoff_base=1.0, backoff_max=30.0))
    try:
        waits = [c.backoff(a) for a in range(4)]
        assert [0.5 <= waits[0] <= 1, 1 <= waits[1] <= 2, 2 <= waits[2] <= 4, 4 <= waits[3] <= 8] == [
            True
        ] * 4
        assert len({round(c.backoff(3), 6) for _ in range(10)}) > 1
    finally:
        c.close()


def test_slow_server_times_out_quickly(server: FixtureServer, policy: HttpPolicy) -> None:
    url = server.add("/slow", b"late", delay=3.0)
    with HttpClient(replace(policy, read_timeout=0.3, retries=1)) as c:
        t0 = time.monotonic()
        with pytest.raises(FetchError) as info:
            c.get(url)
        elapsed = time.monotonic() - t0
    assert info.value.kind == "timeout"
    assert server.hits["/slow"] == 2  # timeouts are retried
    assert elapsed < 2.0


def test_dripping_server_is_cut_by_total_timeout(server: FixtureServer, policy: HttpPolicy) -> None:
    def drip(_: Request) -> tuple[int, dict[str, str], Iterator[bytes]]:
        def body() -> Iterator[bytes]:
            for _i in range(100):
                time.sleep(0.05)
                yield b"x" * 10

        return 200, {}, body()

    url = server.add("/drip", handler=drip)
    with HttpClient(replace(policy, total_timeout=0.5, retries=0)) as c, pytest.raises(FetchError) as info:
        c.get(url)
    assert info.value.kind == "timeout"


def test_redirect_loop_is_detected(server: FixtureServer, client: HttpClient) -> None:
    server.add("/loop/a", status=302, headers={"Location": "/loop/b"})
    server.add("/loop/b", status=302, headers={"Location": "/loop/a"})
    with pytest.raises(FetchError) as info:
        client.get(server.url("/loop/a"))
    assert info.value.kind == "redirects"
    assert server.hits["/loop/a"] == 1 and server.hits["/loop/b"] == 1


def test_redirects_are_bounded_and_followed(server: FixtureServer, client: HttpClient) -> None:
    for i in range(8):
        server.add(f"/r{i}", status=301, headers={"Location": f"/r{i + 1}"})
    server.add("/r8", b"end")
    with pytest.raises(FetchError) as info:
        client.get(server.url("/r0"))
    assert info.value.kind == "redirects"
    resp = client.get(server.url("/r4"))  # 4 hops: within the limit of 5
    assert resp.content == b"end" and resp.url == server.url("/r8")


def test_redirect_to_other_scheme_is_refused(server: FixtureServer, client: HttpClient) -> None:
    url = server.add("/to-file", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(FetchError) as info:
        client.get(url)
    assert info.value.kind == "scheme"


def test_50mb_body_streams_and_aborts_at_the_cap(server: FixtureServer, client: HttpClient) -> None:
    total = 50 * 1024 * 1024
    chunk = b"0" * 65536

    def huge(_: Request) -> tuple[int, dict[str, str], Iterator[bytes]]:
        return 200, {"Content-Type": "application/xml"}, (chunk for _ in range(total // len(chunk)))

    url = server.add("/huge", handler=huge)
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(FetchError) as info:
            client.get(url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == "too_large"
    assert time.monotonic() - t0 < 5
    assert peak < 12 * 1024 * 1024  # cap is 2 MiB: never buffered the 50 MB
    time.sleep(0.2)
    assert server.sent["/huge"] < total / 2  # the server was cut off long before the end


def test_declared_oversize_is_refused_before_reading(server: FixtureServer, client: HttpClient) -> None:
    def declared(_: Request) -> tuple[int, dict[str, str], Iterator[bytes]]:
        return 200, {"Content-Length": str(50 * 1024 * 1024)}, iter([b"x" * 1024])

    url = server.add("/declared", handler=declared)
    with pytest.raises(FetchError) as info:
        client.get(url)
    assert info.value.kind == "too_large"


def test_conditional_get_with_etag_and_last_modified(server: FixtureServer, client: HttpClient) -> None:
    lm = "Tue, 24 Nov 2026 01:00:00 GMT"
    url = server.add("/feed", b"<rss/>", etag='"v1"', last_modified=lm)
    first = client.get(url)
    assert first.etag == '"v1"' and first.last_modified == lm
    again = client.get(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.content == b""
    assert server.requests[-1].headers["if-none-match"] == '"v1"'
    assert server.requests[-1].headers["if-modified-since"] == lm


def test_per_host_politeness_delay(server: FixtureServer, policy: HttpPolicy) -> None:
    server.add("/p", b"x")
    with HttpClient(replace(policy, per_host_delay=0.2)) as c:
        for _ in range(3):
            c.get(server.url("/p"))
    starts = [t for p, t in server.start_times if p == "/p"]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(g >= 0.18 for g in gaps), gaps


def test_per_host_concurrency_limit(server: FixtureServer, policy: HttpPolicy) -> None:
    from concurrent.futures import ThreadPoolExecutor

    server.add("/c", b"x", delay=0.15)
    with HttpClient(replace(policy, per_host_concurrency=2)) as c, ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: c.get(server.url("/c")), range(6)))
    assert server.max_active == 2


def test_connection_refused_is_a_network_error(policy: HttpPolicy) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with HttpClient(replace(policy, retries=1)) as c, pytest.raises(FetchError) as info:
        c.get(f"http://127.0.0.1:{port}/")
    assert info.value.kind == "network"
    # What a person reads on the source page and in the admin's notice: words, not the exception.
    assert str(info.value) == f"连接失败：对方拒绝连接（http://127.0.0.1:{port}/）"


def test_network_reasons_read_as_words() -> None:
    import httpx

    from yuqing.collect.http import network_reason

    assert network_reason(httpx.ConnectError("[Errno -2] Name or service not known")) == "域名无法解析"
    assert network_reason(httpx.ConnectError("[Errno 101] Network is unreachable")) == "网络不可达"
    assert network_reason(httpx.ReadError("[Errno 104] Connection reset by peer")) == "连接被对方重置"
    assert network_reason(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED]")) == "加密连接（证书）出错"
    assert network_reason(httpx.RemoteProtocolError("Server disconnected")) == "对方中途断开或答复不合规范"
    assert network_reason(httpx.ReadError("")) == "网络连接出错"
    assert str(FetchError("blocked", "被拒绝访问 HTTP 403", url="http://x/")) == "被拒绝访问 HTTP 403（http://x/）"
    assert str(FetchError("timeout", "等待答复超时")) == "超时：等待答复超时"
