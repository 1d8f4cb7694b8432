"""Signing in and out: login sessions, as actions (audited, one transaction), like every other change.

The web pages call these after checking the login form's CSRF token and the lockout; the password itself
is checked inside `sign_in`, so a failed attempt and a success are each one audited transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from yuqing import lockout
from yuqing.accounts import actor_of, authenticate
from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.roles import Actor
from yuqing.store.tables import LoginSession, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, user: User, hours: int) -> tuple[str, LoginSession]:
    token = secrets.token_urlsafe(32)
    row = LoginSession(token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(24),
                       expires_at=utcnow() + timedelta(hours=hours))
    session.add(row)
    return token, row


def claimant(username: str) -> Actor:
    """Who signs in, before the password is checked: only the name they typed (an explicit actor)."""
    return Actor(None, username[:50], "anonymous")


@action("auth.login", permission=None)
def sign_in(tx: Tx, username: str, password: str, hours: int) -> tuple[User, str] | None:
    """Check the password and start a session: (user, session token), or None when the name or the password
    is wrong (audited as a failed attempt). No permission: the actor is the claimant, `claimant(username)`."""
    user = authenticate(tx.session, username, password)
    if user is None:
        tx.audit("auth.login_failed", "user", None)
        return None
    lockout.clear(tx.session, username)
    tx.session.execute(delete(LoginSession).where(LoginSession.expires_at < utcnow()))  # expired sessions
    token, _ = start_session(tx.session, user, hours)
    tx.actor = actor_of(user)  # the entry names the person, now that they are known
    tx.audit("auth.login", "user", user.id)
    return user, token


@action("auth.logout", permission=None)
def sign_out(tx: Tx, token: str) -> None:
    """End the actor's own session (no permission needed to leave)."""
    tx.session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token),
                                                  LoginSession.user_id == tx.actor.user_id))
    tx.audit("auth.logout", "user", tx.actor.user_id)
