"""Security headers on every response: a CSP without inline script, framing, referrer, HSTS.

Pages may not be framed (clickjacking), with two exceptions for an LMS that shows Kadai in its
iframe. The LTI routes (/lti/) may be framed by the registered platforms (``KADAI_LTI_FRAME_ANCESTORS``,
and the platforms registered in the database, which the LTI pages add in their own policy). And
every page of a session an LTI launch started may be framed by that launch's LMS origins (its
signed cookie carries them: backend/auth/sessions.py); every other session keeps 'none' and
X-Frame-Options: DENY.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import MutableHeaders

from backend.auth.sessions import LTI_FRAME

LTI_PREFIX = "/lti/"
# Scripts come from /static only: an injected <script> or inline handler never runs. Styles too,
# except the <style> elements the code editor creates, which carry this response's nonce.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors {ancestors}"
)
HSTS = "max-age=31536000; includeSubDomains"


def frame_ancestors(path: str, lti_platforms: list[str]) -> str:
    """Who may frame this path: the registered LMS platforms for LTI routes, nobody elsewhere."""
    if path.startswith(LTI_PREFIX) and lti_platforms:
        return " ".join(lti_platforms)
    return "'none'"


def session_frame_ancestors(session: object) -> str | None:
    """'self' and the launching LMS's origins for a session an LTI launch started, else None."""
    framed = session.get(LTI_FRAME) if isinstance(session, dict) else None
    origins = framed.get("o") if isinstance(framed, dict) else None
    if not isinstance(origins, list) or not origins:
        return None
    return " ".join(["'self'", *(str(o) for o in origins)])


class SecurityHeaders:
    """Pure ASGI middleware adding the headers unless a response set its own."""

    def __init__(self, app: Any, *, hsts: bool, lti_platforms: list[str]) -> None:
        self.app = app
        self.hsts = hsts
        self.lti_platforms = lti_platforms

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path_ancestors = frame_ancestors(scope["path"], self.lti_platforms)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce  # request.state.csp_nonce in templates

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                # Read as the response leaves: the request may have started or ended the session
                # (the session middleware, inside this one, loaded it into the shared scope).
                ancestors = session_frame_ancestors(scope.get("session")) or path_ancestors
                policy = POLICY.format(ancestors=ancestors, nonce=nonce)
                headers = MutableHeaders(scope=message)
                # An LTI page that set its own policy names who may frame it (the platforms).
                own_policy = "content-security-policy" in headers
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if ancestors == "'none'" and not own_policy:
                    headers.setdefault("X-Frame-Options", "DENY")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
