"""Security headers on every response: a CSP without inline script, framing, referrer, HSTS.

Pages may not be framed (clickjacking), except the future LTI routes, which an LMS shows in an
iframe: those may be framed by the registered platforms only (``KADAI_LTI_FRAME_ANCESTORS``, and
the platforms registered in the database, which the LTI pages add in their own policy).
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import MutableHeaders

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
        ancestors = frame_ancestors(scope["path"], self.lti_platforms)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce  # request.state.csp_nonce in templates
        policy = POLICY.format(ancestors=ancestors, nonce=nonce)

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
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
