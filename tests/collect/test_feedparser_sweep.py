"""Hostile input: feedparser's 2,107 test feeds (vendored in tests/data/feedparser, read from the archive).

Each yields items, or a valid empty feed, or a clear parse error; none crashes or hangs, and no markup
survives into stored text."""

from __future__ import annotations

import random
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from sqlalchemy import select

from tests.factories import ADMIN
from yuqing.collect import sources
from yuqing.collect.base import FetchedItem
from yuqing.collect.http import FetchError, HttpPolicy
from yuqing.collect.rss import parse_feed
from yuqing.collect.runner import collect_once
from yuqing.store.tables import FetchRun, Item
from yuqing.workspace import Workspace

from .conftest import FixtureServer

ARCHIVE = Path(__file__).parents[1] / "data" / "feedparser" / "feeds.tar.xz"


@dataclass(frozen=True)
class Feed:
    """One test feed from the archive: its path inside it and its bytes."""

    path: PurePosixPath
    body: bytes

    @property
    def parts(self) -> tuple[str, ...]:
        return self.path.parts

    @property
    def name(self) -> str:
        return self.path.name

    def read_bytes(self) -> bytes:
        return self.body


def _load() -> list[Feed]:
    feeds = []
    with tarfile.open(ARCHIVE, "r:xz") as tar:
        for member in tar.getmembers():
            if member.isfile() and PurePosixPath(member.name).name != "LICENSE":
                data = tar.extractfile(member)
                assert data is not None
                feeds.append(Feed(PurePosixPath(member.name), data.read()))
    return sorted(feeds, key=lambda f: f.path)


FILES = _load()
MARKUP = re.compile(
    r"<\s*(script|iframe|img|object|embed|style|svg)\b|\bon[a-z]+\s*=\s*['\"]|javascript:", re.I
)
HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.M)


def test_the_vendored_corpus_is_complete() -> None:
    assert len(FILES) == 2107
    assert {f.parts[1] for f in FILES} == {"encoding", "entities", "illformed", "json", "wellformed"}


def test_every_file_parses_or_fails_clearly() -> None:
    outcomes = {"items": 0, "empty": 0, "error": 0}
    for path in FILES:
        started = time.monotonic()
        try:
            items, _warnings = parse_feed(path.read_bytes(), None, "http://127.0.0.1/feed")
        except FetchError as exc:
            assert exc.kind == "parse" and str(exc), path
            outcomes["error"] += 1
            continue
        outcomes["items" if items else "empty"] += 1
        for item in items:
            for text in (item.title, item.text):
                assert not MARKUP.search(text), (path, text[:200])
        assert time.monotonic() - started < 10, f"{path} took too long"  # a hang guard, not a speed target
    assert sum(outcomes.values()) == len(FILES) > 2000
    assert outcomes["items"] > 500


def test_sample_through_server_runner_and_database(
    ws: Workspace, server: FixtureServer, policy: HttpPolicy
) -> None:
    rng = random.Random(20261124)
    wanted = [p for p in FILES if "encoding" in p.parts or "sanitize" in p.parts or "illformed" in p.parts]
    sample = rng.sample(wanted, 30) + rng.sample(FILES, 20)
    ids = []
    for n, path in enumerate(sample):
        body = path.read_bytes()
        headers = {k.decode(): v.decode("latin-1") for k, v in HEADER.findall(body[:2000])}
        headers.setdefault("Content-Type", "application/xml")
        ids.append(sources.sources_add(ws, ADMIN, "rss", server.add(f"/f/{n}.xml", body, headers=headers), path.name))
    summary = collect_once(ws, ids, policy=policy)
    assert len(summary.results) == len(sample)
    with ws.db.read() as s:
        runs = {r.source_id: r for r in s.execute(select(FetchRun)).scalars()}
        texts = list(s.execute(select(Item.title, Item.text)).all())
    for result in summary.results:
        run = runs[result.source_id]
        assert run.status in ("ok", "error") and run.finished_at is not None
        if run.status == "error":  # a clear, expected failure — not a crash inside our code
            assert (run.error or "").startswith("无法解析："), run.error
    for title, text in texts:
        assert not MARKUP.search(title) and not MARKUP.search(text)


def test_fast_rss_path_agrees_with_feedparser(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain RSS 2.0 is parsed with lxml for speed; on every test feed where that path fires, the items
    must equal feedparser's (id, link, title, text, time, author, tags)."""
    from yuqing.collect import rss as rss_module

    fast = rss_module._fast_rss
    fired: list[int] = []

    def counting(data: bytes, base_url: str) -> list[FetchedItem] | None:
        out = fast(data, base_url)
        if out:
            fired.append(1)
        return out

    def no_fast(data: bytes, base_url: str) -> None:
        return None

    def key(items: list[FetchedItem]) -> list[tuple[object, ...]]:
        return [(i.external_id, i.url, i.title, i.text, i.published_at, i.author, i.extra) for i in items]

    for path in FILES:
        body = path.read_bytes()
        monkeypatch.setattr(rss_module, "_fast_rss", counting)
        before = len(fired)
        try:
            with_fast, _ = parse_feed(body, None, "http://127.0.0.1/feed")
        except FetchError:
            continue
        if len(fired) == before:
            continue
        monkeypatch.setattr(rss_module, "_fast_rss", no_fast)
        slow, _ = parse_feed(body, None, "http://127.0.0.1/feed")
        assert key(with_fast) == key(slow), path
    assert len(fired) > 100  # the fast path really was exercised
