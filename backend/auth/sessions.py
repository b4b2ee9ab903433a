"""Browser sessions kept on the server: started at sign-in, checked on every request, and ended
by sign-out, a password or role change, or an administrator.

The cookie (signed) carries a random session id; the database keeps only its hash. A cookie saved
before its session ended is worth nothing, however long it would have lived.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from backend.auth.repository import SessionRepository, UserRepository
from backend.auth.security import token_digest
from backend.models import User, UserSession
from backend.models._common import utcnow


def start_session(session: Session, user: User, lifetime_s: int) -> str:
    """A new session for ``user``; returns the id to put in the cookie (never stored as is)."""
    now = utcnow()
    repository = SessionRepository(session)
    repository.delete_expired(user.id, now)
    secret = secrets.token_urlsafe(32)
    repository.add(
        UserSession(
            user_id=user.id,
            token_hash=token_digest(secret),
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime_s),
        )
    )
    return secret


def session_user(session: Session, secret: str) -> User | None:
    """The signed-in user of a live session, or None (ended, expired, or the user disabled)."""
    row = SessionRepository(session).by_digest(token_digest(secret))
    if row is None or row.expires_at < utcnow():
        return None
    user = UserRepository(session).get(row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, secret: str) -> None:
    SessionRepository(session).delete_by_digest(token_digest(secret))


def end_user_sessions(session: Session, user_id: int) -> int:
    return SessionRepository(session).delete_for_user(user_id)


def live_sessions(session: Session, user_id: int) -> int:
    return SessionRepository(session).count_for_user(user_id, utcnow())
