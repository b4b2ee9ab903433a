"""Request-body limits per route, counted on the bytes actually received (chunked bodies too).

Starlette's ``RequestBodyLimitResponder`` does the counting (a declared Content-Length over the limit
is refused before any byte is read; a chunked body is cut as soon as it passes the limit); this
middleware only picks each route's limit from the settings. A body that is never read (because
authentication failed first) costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.responses import JSONResponse, PlainTextResponse, Response

from backend.settings import Settings

# A submission's code arrives JSON- or form-encoded: percent-encoding triples non-ASCII bytes.
ENCODING_FACTOR = 4
ENVELOPE_BYTES = 16 * 1024


@dataclass(frozen=True)
class BodyRule:
    method: str
    path: re.Pattern[str]
    limit: int


def body_rules(settings: Settings) -> list[BodyRule]:
    code = settings.max_code_bytes * ENCODING_FACTOR + ENVELOPE_BYTES
    return [
        BodyRule("POST", re.compile(r"/api/v1/assignments/\d+/submissions"), code),
        BodyRule("POST", re.compile(r"/assignments/\d+/submissions"), code),
        BodyRule("POST", re.compile(r"/admin/exercises"), settings.max_upload_bytes),
    ]


class BodyLimits:
    """Pure ASGI middleware: each HTTP request gets its route's limit, or ``default``."""

    def __init__(self, app: Any, rules: list[BodyRule], default: int) -> None:
        self.app = app
        self.rules = rules
        self.default = default

    def limit_for(self, method: str, path: str) -> int:
        for rule in self.rules:
            if rule.method == method and rule.path.fullmatch(path):
                return rule.limit
        return self.default

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # Refused before anything runs: no need to know who asks to know it is too large.
            await too_large(scope["path"], headers)(scope, receive, send)
            return
        await RequestBodyLimitResponder(self.app, limit)(scope, receive, send)


def too_large(path: str, headers: Headers) -> Response:
    en, ja = "The request is too large.", "リクエストが大きすぎます。"
    if path.startswith("/api/") or "json" in headers.get("accept", ""):
        body = {"error": {"code": "payload_too_large", "message": en, "message_ja": ja}}
        return JSONResponse(body, status_code=413, headers={"Connection": "close"})
    return PlainTextResponse(f"{en}\n{ja}", status_code=413, headers={"Connection": "close"})
