"""One action layer: every change of state in Yuqing is an action, called as `fn(ws, actor, *arguments)`.

An action checks the permission, makes the change, writes the audit entry and the notifications, all in
one transaction (`ws.db.write()`); a refusal or an exception anywhere rolls back all of it. Pages, the API,
the CLI and jobs call the same functions, always with an explicit `Actor` (there is no default actor: the
CLI acts as a named account, `--as USERNAME` or the workspace's operator; jobs as a named jobs account).

How to write a new action
-------------------------
    from yuqing.actions import Tx, action

    @action("unit.rename", permission="units.manage")
    def rename_unit(tx: Tx, unit_id: int, name: str) -> Unit:
        \"\"\"Give a unit a new name (audited).\"\"\"
        unit = tx.session.get(Unit, unit_id)
        if unit is None:
            raise AccountError(f"单位 {unit_id} 不存在")        # a ValueError subclass, message in Chinese
        before, unit.name = unit.name, name
        tx.audit("unit.rename", "unit", unit.id, before=before, after=name)   # required when rows change
        tx.notify("admin", "unit.renamed", f"单位已更名：{name}", link="/admin")  # optional
        return unit

    rename_unit(ws, viewer.actor, 3, "新名")          # pages/API: the logged-in user
    rename_unit(ws, acting_user(ws, as_user), 3, "新名")  # CLI: --as USERNAME or the workspace's operator

Rules the base enforces (tests in tests/actions/test_base.py):
- `actor` must be an `Actor` (TypeError otherwise); `permission` is checked before the transaction opens:
  a string, or a tuple meaning "any of these"; `permission=None` only when the body checks rights itself
  (say so in its docstring, e.g. a user changing their own password).
- An action that adds, changes or deletes rows but writes no audit entry is refused (`UnauditedChange`)
  and rolled back. Rows changed by bulk `session.execute(update(...))` are not seen: audit them anyway.
- Routine observations made many times a round (a channel check that found nothing) may instead say
  `tx.summarised(by="CODE")`: one summary entry CODE, written by the caller when the round ends, accounts
  for them. Only for work that has such a summary; anything found or decided is still audited itself.
- `tx.after_commit(fn)` runs `fn()` only after a successful commit (cache invalidation, waking a worker).
- Inside another action's transaction, call `other.within(tx, *arguments)`: same session, same actor,
  its permission checked too; one commit for both.
- Errors: raise `PermissionDenied` (403), `NotFound` (404), `TransitionRefused` (409), or a `ValueError`
  subclass with a Chinese message (400 on the API, shown on the page). Never catch them in the body.

Where actions live: accounts (units, users), profile_admin (the district profile), collect.sources (sources,
monitoring windows), collect.schedule (windows), collect.push (push tokens), collect.retention (purges),
importer (import batches), events_admin (the analyst's event decisions) and respond/* (the case desk).
Work made of several transactions (an import, a purge) is a plain `fn(ws, actor, ...)` that checks the
permission first and calls one action per batch. Write every new state change as an action.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from yuqing.domain.roles import Actor, PermissionDenied, permission_label, require
from yuqing.store import audit as audit_chain
from yuqing.store.tables import AuditEntry, Notification
from yuqing.workspace import Workspace

P = ParamSpec("P")
R = TypeVar("R")

Permission = str | tuple[str, ...] | None


class UnauditedChange(RuntimeError):
    """An action changed rows without writing an audit entry (a programming error; nothing is kept)."""


@dataclass(slots=True)
class Tx:
    """One running action: the workspace, the explicit actor and the open session of its transaction."""

    ws: Workspace
    actor: Actor
    session: Session
    name: str
    audited: int = 0
    summarised_by: str = ""
    _after: list[Callable[[], None]] = field(default_factory=list)

    def audit(self, action: str, object_type: str, object_id: object = None, /, **detail: Any) -> AuditEntry:
        """Append to the audit chain, inside this transaction."""
        self.audited += 1
        return audit_chain.append(self.session, self.actor, action, object_type, object_id, **detail)

    def summarised(self, by: str) -> None:
        """The rows changed here are accounted for by one summary entry `by`, written when the round they belong
        to ends (e.g. `channel.check_round`), instead of an entry of their own."""
        self.summarised_by = by

    def notify(self, audience: str, kind: str, title: str, body: str = "", link: str | None = None) -> Notification:
        """An in-app notification (audience: a role code or "unit:<id>"), written in this transaction."""
        note = Notification(audience=audience, kind=kind, title=title[:300], body=body, link=link)
        self.session.add(note)
        return note

    def require(self, permission: str) -> None:
        require(self.actor, permission)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after.append(fn)


def check_permission(actor: Actor, permission: Permission, name: str) -> None:
    if permission is None:
        return
    if isinstance(permission, str):
        require(actor, permission)
    elif not any(actor.can(p) for p in permission):
        needed = "或".join(permission_label(p) for p in permission)
        raise PermissionDenied(f"{actor.name} 无权执行此操作（需要：{needed}）")


class Action(Generic[P, R]):
    """A function made into an action by `@action`; call it as `fn(ws, actor, *args, **kwargs)`."""

    def __init__(self, name: str, permission: Permission, body: Callable[Concatenate[Tx, P], R]):
        self.name = name
        self.permission = permission
        self.body = body
        functools.update_wrapper(self, body)

    def __call__(self, ws: Workspace, actor: Actor, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if not isinstance(actor, Actor):
            raise TypeError(f"{self.name}: an explicit Actor is required (got {type(actor).__name__})")
        if not isinstance(ws, Workspace):
            raise TypeError(f"{self.name}: the first argument must be the Workspace (got {type(ws).__name__})")
        check_permission(actor, self.permission, self.name)
        with ws.db.write() as session:
            tx = Tx(ws, actor, session, self.name)
            changed = _watch(session)
            try:
                result = self.body(tx, *args, **kwargs)
                session.flush()
            finally:
                event.remove(session, "before_flush", changed.listener)
            if changed.rows and not tx.audited and not tx.summarised_by:
                raise UnauditedChange(f"{self.name} changed rows without an audit entry")
        for fn in tx._after:
            fn()
        return result

    def within(self, tx: Tx, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run inside an action that is already running (its session, its actor, one commit)."""
        check_permission(tx.actor, self.permission, self.name)
        return self.body(tx, *args, **kwargs)


def action(name: str, *, permission: Permission) -> Callable[[Callable[Concatenate[Tx, P], R]], Action[P, R]]:
    """Make `body(tx, ...)` an action named `name` (used in errors; audit codes are given to `tx.audit`)."""

    def wrap(body: Callable[Concatenate[Tx, P], R]) -> Action[P, R]:
        return Action(name, permission, body)

    return wrap


@dataclass
class _Changes:
    rows: int = 0
    listener: Callable[..., None] = lambda *a: None


def _watch(session: Session) -> _Changes:
    """Count the rows (other than audit entries) that each flush of `session` adds, changes or deletes."""
    changes = _Changes()

    def before_flush(s: Session, _ctx: Any, _instances: Any) -> None:
        for obj in (*s.new, *s.deleted):
            if not isinstance(obj, AuditEntry):
                changes.rows += 1
        for obj in s.dirty:
            if not isinstance(obj, AuditEntry) and s.is_modified(obj):
                changes.rows += 1

    changes.listener = before_flush
    event.listen(session, "before_flush", before_flush)
    return changes
