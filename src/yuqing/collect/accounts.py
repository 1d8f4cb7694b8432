"""The district's own official accounts (政务号): a feed (or a web list page) per account.

An account is collected like any rss/web source, but its rows are marked `official`, so its author
names are kept in the clear (`Item.author_public`) rather than hashed.
"""

from __future__ import annotations

from yuqing.collect.base import FetchOutcome, SourceSpec
from yuqing.collect.http import HttpClient
from yuqing.collect.rss import RssFetcher
from yuqing.collect.web import WebFetcher


class AccountFetcher:
    """config["via"] is "rss" (default) or "web"; the rest of the config is that fetcher's."""

    kind = "account"

    def fetch(self, source: SourceSpec, client: HttpClient) -> FetchOutcome:
        via = str(source.config.get("via") or "rss")
        if via == "web":
            return WebFetcher().fetch(source, client)
        return RssFetcher().fetch(source, client)
