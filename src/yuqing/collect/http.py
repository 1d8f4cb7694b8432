"""The one HTTP client every fetcher uses: timeouts, a size cap, bounded redirects, conditional GET,
per-host politeness and concurrency, retries with backoff and jitter on 5xx and timeouts (never on 4xx).

Sites answer robots and crawlers badly when hammered; a district government must be a polite visitor,
so one host never sees more than `per_host_concurrency` requests at once nor two starts within
`per_host_delay` seconds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

log = logging.getLogger(__name__)

USER_AGENT = "YuqingBot/0.1 (+public-opinion monitoring for a district government; polite, low-rate)"

# 403 Forbidden, 418 I'm a teapot (some WAFs), 429 Too Many Requests: the site is refusing us.
BLOCKED_STATUSES = frozenset({403, 418, 429})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # a server dripping bytes under the read timeout is cut here
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first, on 5xx / timeouts / connection errors
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    per_host_delay: float = 1.0
    per_host_concurrency: int = 2
    user_agent: str = USER_AGENT
    proxy: str | None = None


KIND_LABELS = {"timeout": "超时", "network": "连接失败", "http": "HTTP 错误", "blocked": "被拒绝访问",
               "too_large": "内容过大", "redirects": "重定向过多", "scheme": "地址无效", "parse": "无法解析"}


class FetchError(Exception):
    """A fetch that failed; `kind` says how: timeout, network, http, blocked, too_large, redirects, scheme."""

    def __init__(self, kind: str, message: str, *, url: str = "", status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.url = url
        self.status = status

    @property
    def blocked(self) -> bool:
        return self.kind == "blocked"

    @property
    def kind_label(self) -> str:
        """How it failed, in Chinese (for pages that show a link's or a channel's state)."""
        return KIND_LABELS.get(self.kind, self.kind)

    def __str__(self) -> str:
        """How it failed, for people: 连接失败：对方拒绝连接（http://…） (never an exception's class or errno)."""
        message, label = str(self.args[0]), self.kind_label
        where = f"（{self.url}）" if self.url else ""
        return f"{message}{where}" if message.startswith(label) else f"{label}：{message}{where}"


TIMEOUTS = {"ConnectTimeout": "连接超时", "ReadTimeout": "等待答复超时", "WriteTimeout": "发送超时",
            "PoolTimeout": "等待空闲连接超时"}


def network_reason(exc: Exception) -> str:
    """A network error in words a person reads (the exception itself goes to the log)."""
    text = str(exc).lower()
    if isinstance(exc, httpx.InvalidURL):
        return "地址无效"
    if isinstance(exc, httpx.ProxyError):
        return "代理服务器出错"
    for needles, reason in (
        (("refused",), "对方拒绝连接"),
        (("name or service not known", "nodename nor servname", "getaddrinfo", "no address associated",
          "temporary failure in name resolution", "name resolution"), "域名无法解析"),
        (("unreachable",), "网络不可达"),
        (("reset",), "连接被对方重置"),
        (("ssl", "certificate", "tls"), "加密连接（证书）出错"),
    ):
        if any(n in text for n in needles):
            return reason
    if isinstance(exc, httpx.RemoteProtocolError):
        return "对方中途断开或答复不合规范"
    return "网络连接出错"


@dataclass(slots=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: dict[str, str]
    content: bytes = b""
    elapsed: float = 0.0
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


@dataclass
class _Host:
    sem: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0


class HttpClient:
    """A thread-safe client; share one per collect round so politeness holds across sources."""

    def __init__(self, policy: HttpPolicy | None = None, *, sleep: object = None):
        self.policy = policy or HttpPolicy()
        p = self.policy
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                connect=p.connect_timeout, read=p.read_timeout, write=p.read_timeout, pool=p.total_timeout
            ),
            follow_redirects=False,
            headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
            proxy=p.proxy,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._sleep = sleep if callable(sleep) else time.sleep

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- politeness -------------------------------------------------------------------------------
    @contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        with self._hosts_lock:
            h = self._hosts.get(host)
            if h is None:
                h = self._hosts[host] = _Host(threading.Semaphore(max(1, self.policy.per_host_concurrency)))
        h.sem.acquire()
        try:
            with h.lock:
                now = time.monotonic()
                wait = h.next_start - now
                h.next_start = max(now, h.next_start) + self.policy.per_host_delay
            if wait > 0:
                self._sleep(wait)
            yield
        finally:
            h.sem.release()

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform in [base/2, min(max, base·2^attempt)]."""
        cap = min(self.policy.backoff_max, self.policy.backoff_base * (2**attempt))
        return random.uniform(cap / 2, cap)

    # -- requests ---------------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> Response:
        """GET with retries. Returns 2xx or 304; raises FetchError for everything else."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                resp = self._once(url, headers)
            except FetchError as exc:
                if exc.kind in ("timeout", "network") and not last:
                    self._sleep(self.backoff(attempt))
                    continue
                raise
            resp.attempts = attempt + 1
            if resp.status >= 500:
                if not last:
                    self._sleep(self.backoff(attempt))
                    continue
                raise FetchError(
                    "http",
                    f"服务器错误 HTTP {resp.status}（已重试 {attempt} 次）",
                    url=url,
                    status=resp.status,
                )
            if resp.status in BLOCKED_STATUSES:
                raise FetchError("blocked", f"被拒绝访问 HTTP {resp.status}", url=url, status=resp.status)
            if resp.status >= 400:
                raise FetchError("http", f"HTTP {resp.status}", url=url, status=resp.status)
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    def probe(self, url: str, method: str = "HEAD") -> Response:
        """One request that only asks whether a link answers: `method` (HEAD, or GET when a server refuses
        HEAD), redirects followed within the policy, no retries, the body never read (a GET is closed at once).
        Returns any status, 4xx and 5xx included; raises FetchError on timeouts, network errors, loops."""
        p = self.policy
        started = time.monotonic()
        seen: set[str] = set()
        current = url
        for _hop in range(p.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError("scheme", f"不支持的地址：{current[:200]}", url=url)
            seen.add(current)
            with self._host_slot(parts.netloc.lower()):
                try:
                    with self._client.stream(method, current) as r:
                        if r.status_code in REDIRECT_STATUSES and r.headers.get("location"):
                            nxt = urljoin(current, r.headers["location"])
                            if nxt in seen:
                                raise FetchError("redirects", "重定向循环", url=url, status=r.status_code)
                            current = nxt
                            continue
                        return Response(url=current, status=r.status_code,
                                        headers={k.lower(): v for k, v in r.headers.items()},
                                        elapsed=time.monotonic() - started)
                except httpx.TimeoutException as exc:
                    raise FetchError("timeout", TIMEOUTS.get(type(exc).__name__, "超时"), url=url) from exc
                except (httpx.TransportError, httpx.InvalidURL) as exc:
                    log.info("probe %s: %r", url, exc)
                    raise FetchError("network", network_reason(exc), url=url) from exc
        raise FetchError("redirects", f"重定向超过 {p.max_redirects} 次", url=url)

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        """One attempt: follow at most `max_redirects` redirects by hand, stream the body up to the cap."""
        p = self.policy
        started = time.monotonic()
        deadline = started + p.total_timeout
        seen: set[str] = set()
        current = url
        for _hop in range(p.max_redirects + 1):
            parts = urlsplit(current)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError("scheme", f"不支持的地址：{current[:200]}", url=url)
            seen.add(current)
            with self._host_slot(parts.netloc.lower()):
                try:
                    with self._client.stream("GET", current, headers=headers) as r:
                        if r.status_code in REDIRECT_STATUSES and r.headers.get("location"):
                            nxt = urljoin(current, r.headers["location"])
                            if nxt in seen:
                                raise FetchError("redirects", "重定向循环", url=url, status=r.status_code)
                            current = nxt
                            continue
                        hdrs = {k.lower(): v for k, v in r.headers.items()}
                        declared = hdrs.get("content-length", "")
                        if declared.isdigit() and int(declared) > p.max_bytes:
                            raise FetchError(
                                "too_large",
                                f"响应体 {int(declared)} 字节，超过上限 {p.max_bytes}",
                                url=url,
                                status=r.status_code,
                            )
                        chunks: list[bytes] = []
                        size = 0
                        for chunk in r.iter_bytes():
                            size += len(chunk)
                            if size > p.max_bytes:
                                raise FetchError(
                                    "too_large",
                                    f"响应体超过上限 {p.max_bytes} 字节，已中止",
                                    url=url,
                                    status=r.status_code,
                                )
                            if time.monotonic() > deadline:
                                raise FetchError("timeout", f"下载超过 {p.total_timeout:g} 秒", url=url)
                            chunks.append(chunk)
                        return Response(
                            url=current,
                            status=r.status_code,
                            headers=hdrs,
                            content=b"".join(chunks),
                            elapsed=time.monotonic() - started,
                        )
                except httpx.TimeoutException as exc:
                    raise FetchError("timeout", TIMEOUTS.get(type(exc).__name__, "超时"), url=url) from exc
                except httpx.DecodingError as exc:
                    raise FetchError("network", f"内容解压失败：{exc}", url=url) from exc
                except (httpx.TransportError, httpx.InvalidURL) as exc:
                    log.info("fetch %s: %r", url, exc)
                    raise FetchError("network", network_reason(exc), url=url) from exc
        raise FetchError("redirects", f"重定向超过 {p.max_redirects} 次", url=url)
