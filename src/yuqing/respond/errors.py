"""What a case-desk action raises when it cannot be done (every message in Chinese, for the UI).

`PermissionDenied` → 403, `NotFound` → 404 (also for a case outside the actor's unit), `TransitionRefused`
and `DuplicateOpenCase` → 409, `CaseError` (a `ValueError`) → 400 on the API and a message on the page.
"""

from __future__ import annotations

from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import PermissionDenied
from yuqing.store.repositories.cases import NotFound

__all__ = ["CaseError", "DuplicateOpenCase", "NotFound", "PermissionDenied", "TransitionRefused"]


class CaseError(ValueError):
    """A case-desk change that cannot be made; the message says why, in Chinese for the UI."""


class DuplicateOpenCase(CaseError):
    """The event already has an open case (one open case per event)."""
