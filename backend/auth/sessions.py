"""Browser sessions kept on the server: started at sign-in, checked on every request, and ended
by sign-out, a password or role change, or an administrator.

The cookie (signed) carries a random session id; the database keeps only its hash. A cookie saved
before its session ended is worth nothing, however long it would have lived.

A session an LTI launch started records its platform, and its cookie data carries ``LTI_FRAME``
(the origins that may show it in an iframe): that cookie is SameSite=None; Secure, so the LMS's
cross-site iframe sends it; every other session's cookie stays SameSite=Lax.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware

from backend.auth.repository import SessionRepository, UserRepository
from backend.auth.security import token_digest
from backend.models import User, UserSession
from backend.models._common import utcnow

# The cookie data's key of an LTI-launched session: {"p": platform id, "o": [origins]}.
LTI_FRAME = "lti_frame"


def start_session(
    session: Session, user: User, lifetime_s: int, lti_platform_id: int | None = None
) -> str:
    """A new session for ``user``; returns the id to put in the cookie (never stored as is).
    ``lti_platform_id``: the platform whose launch started it (its LMS may frame it)."""
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
            lti_platform_id=lti_platform_id,
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


def session_lti_platform(session: Session, secret: str) -> int | None:
    """The platform whose launch started this session; None for any other session."""
    row = SessionRepository(session).by_digest(token_digest(secret))
    return row.lti_platform_id if row is not None else None


class SessionCookies(SessionMiddleware):
    """Starlette's signed session cookie, SameSite=None; Secure for a session an LTI launch
    started (a Lax cookie is never sent inside the LMS's cross-site iframe). The cookie is
    signed, so only the launch can have put ``LTI_FRAME`` in it."""

    def __init__(self, app: Any, **options: Any) -> None:
        super().__init__(app, **options)
        self.framed_flags = self.security_flags.replace("samesite=lax", "samesite=none")
        if "; secure" not in self.framed_flags:
            self.framed_flags += "; secure"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def framed_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and scope.get("session", {}).get(LTI_FRAME):
                headers = MutableHeaders(scope=message)
                cookies = headers.getlist("set-cookie")
                ours = [c for c in cookies if c.startswith(f"{self.session_cookie}=")]
                if ours:
                    del headers["set-cookie"]
                    for cookie in cookies:
                        if cookie in ours:
                            cookie = cookie.replace(self.security_flags, self.framed_flags)
                        headers.append("set-cookie", cookie)
            await send(message)

        await super().__call__(scope, receive, framed_send)
