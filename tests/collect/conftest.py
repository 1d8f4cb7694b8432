"""A real HTTP server on 127.0.0.1 serving fixtures, and a fast but complete HTTP policy."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from yuqing.collect.http import HttpClient, HttpPolicy

Handler = Callable[["Request"], tuple[int, dict[str, str], bytes | Iterator[bytes]]]


@dataclass
class Route:
    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    handler: Handler | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class FixtureServer:
    """Routes by path (with query); counts hits, records request headers, tracks concurrency."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[Request] = []
        self.sent: Counter[str] = Counter()  # bytes written per path
        self.active = 0
        self.max_active = 0
        self.start_times: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        server = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._serve(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str | Callable[[], bytes] = b"", **kw: Any) -> str:
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **kw)
        return self.url(path)

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.hits[h.path] += 1
            self.requests.append(Request(h.path, {k.lower(): v for k, v in h.headers.items()}))
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.start_times.append((h.path, time.monotonic()))
        try:
            self._respond(h)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with self._lock:
                self.active -= 1

    def _respond(self, h: BaseHTTPRequestHandler) -> None:
        route = self.routes.get(h.path) or self.routes.get(h.path.split("?")[0])
        if route is None:
            self._send(h, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        if route.delay:
            time.sleep(route.delay)
        if route.handler is not None:
            status, headers, body = route.handler(
                Request(h.path, {k.lower(): v for k, v in h.headers.items()})
            )
            self._send(h, status, headers, body)
            return
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
            if h.headers.get("If-None-Match") == route.etag:
                self._send(h, 304, headers, b"")
                return
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
            if h.headers.get("If-Modified-Since") == route.last_modified:
                self._send(h, 304, headers, b"")
                return
        body = route.body() if callable(route.body) else route.body
        self._send(h, route.status, headers, body)

    def _send(
        self, h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes | Iterator[bytes]
    ) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if isinstance(body, bytes):
            if "Content-Length" not in headers:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if status != 304:
                h.wfile.write(body)
                self.sent[h.path] += len(body)
            return
        # A streamed body: no length, the connection closes at the end.
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        for chunk in body:
            h.wfile.write(chunk)
            self.sent[h.path] += len(chunk)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    yield srv
    srv.close()


FAST = HttpPolicy(
    connect_timeout=2,
    read_timeout=2,
    total_timeout=10,
    max_bytes=2 * 1024 * 1024,
    max_redirects=5,
    retries=2,
    backoff_base=0.01,
    backoff_max=0.05,
    per_host_delay=0.0,
    per_host_concurrency=8,
)


@pytest.fixture
def policy() -> HttpPolicy:
    return FAST


@pytest.fixture
def client(policy: HttpPolicy) -> Iterator[HttpClient]:
    c = HttpClient(policy)
    yield c
    c.close()
