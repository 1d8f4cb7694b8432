"""Re-fetching one finding's page to see whether it is gone (the recheck of a correction order)."""

from __future__ import annotations

from typing import Any

from yuqing.collect.http import HttpClient
from yuqing.workspace import Workspace


def still_there(ws: Workspace, actor: Any, finding: Any, *, policy: Any = None) -> tuple[bool, str]:
    """(present, what was seen) for a broken link or a wrong word (the page fetched now); for a mismatch, the
    publication's live page compared with its signed text again."""
    from yuqing.publish.check import fetch_page, policies, words_of
    from yuqing.publish.links import LinkChecker

    page_policy, link_policy = policy or policies(ws)
    data = finding.data or {}
    if finding.kind == "mismatch":
        return _mismatch_still_there(ws, actor, finding, page_policy)
    if not finding.page_url:
        return True, "没有页面地址，无法复查"
    words = [w for w in words_of(ws) if w.word == data.get("word")] if finding.kind == "wrong_word" else []
    with HttpClient(page_policy) as client, HttpClient(link_policy) as link_client:
        checker = LinkChecker(link_client)
        must = frozenset([str(data["link"])]) if finding.kind == "broken_link" and data.get("link") else frozenset()
        page = fetch_page(finding.page_url, client, words, checker, must=must)
    if not page.fetched:
        return True, f"页面无法访问（{page.error or page.status}），不能确认已整改"
    if finding.kind == "wrong_word":
        hit = next((h for h in page.words if h.word == data.get("word")), None)
        return (True, f"页面仍有“{hit.word}”：{hit.snippet}") if hit else (False, "页面已无该错敏词")
    if finding.kind == "broken_link":
        link = next((r for r in page.links if r.url == data.get("link")), None)
        if link is None:
            return False, "页面已删除该链接"
        return (True, f"链接仍然失效：{link.label}") if link.broken else (False, f"链接已恢复：{link.label}")
    return True, "此类问题不能自动复查"


def _mismatch_still_there(ws: Workspace, actor: Any, finding: Any, page_policy: Any) -> tuple[bool, str]:
    """The publication's live page compared with its signed text again (publish.signoff's live check)."""
    from yuqing.publish import signoff

    if not finding.publication_id:
        return True, "找不到对应的签发稿"
    with HttpClient(page_policy) as client:
        result = signoff.check_live(ws, actor, finding.publication_id, http=client)
    if result.outcome == "match":
        return False, "页面正文与签发稿一致"
    if result.outcome == "unreachable":
        return True, "页面无法访问，不能确认已整改"
    return True, "页面正文与签发稿仍不一致"
