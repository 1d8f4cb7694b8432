"""Channels played by a real HTTP server on 127.0.0.1: routes answer GET and HEAD (or refuse HEAD). Fixtures `site`
and `link_client`, imported by the tests that use them."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from yuqing.collect.http import HttpClient
from yuqing.publish.links import LINK_POLICY


@dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    head_status: int | None = None  # e.g. 405: the server refuses HEAD
    delay: float = 0.0
    location: str | None = None


@dataclass
class ChannelServer:
    pages: dict[str, Page] = field(default_factory=dict)
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        server = self
        lock = threading.Lock()

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, method: str) -> None:
                with lock:
                    server.hits[(method, self.path)] += 1
                page = server.pages.get(self.path)
                if page is None:
                    page = Page(b"not found", 404, "text/plain")
                if page.delay:
                    time.sleep(page.delay)
                status = page.head_status if method == "HEAD" and page.head_status else page.status
                body = b"" if method == "HEAD" or status in (301, 302) else page.body
                self.send_response(status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body) if method == "HEAD" else len(body)))
                if page.location:
                    self.send_header("Location", page.location)
                self.end_headers()
                if body:
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer("GET")

            def do_HEAD(self) -> None:
                self._answer("HEAD")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: str | bytes = "", **kw: Any) -> str:
        self.pages[path] = Page(body.encode("utf-8") if isinstance(body, str) else body, **kw)
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site() -> Iterator[ChannelServer]:
    s = ChannelServer()
    yield s
    s.close()


def dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"


@pytest.fixture
def link_client() -> Iterator[HttpClient]:
    from dataclasses import replace

    with HttpClient(replace(LINK_POLICY, per_host_delay=0.0, connect_timeout=1.0, read_timeout=0.3,
                            total_timeout=0.6)) as c:
        yield c
