"""Request-body limits per route, counted on the bytes actually received (chunked bodies too).

Starlette's ``RequestBodyLimitResponder`` does the counting (a declared Content-Length over the limit
is refused before any byte is read; a chunked body is cut as soon as it passes the limit); this
middleware only picks each route's limit from the settings. A body that is never read (because
authentication failed first) costs nothing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitResponder
from starlette.responses import HTMLResponse, JSONResponse, Response

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
        BodyRule("POST", re.compile(r"/assignments/\d+/notebook"), code),
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
            await too_large(scope["path"], headers, limit)(scope, receive, send)
            return
        await RequestBodyLimitResponder(self.app, limit)(scope, receive, send)


def too_large(path: str, headers: Headers, limit: int) -> Response:
    kb = f"{limit // 1024:,} KB"
    en = f"The request is larger than the {kb} this page accepts."
    ja = f"リクエストがこのページの上限({kb})を超えています。"
    if path.startswith("/api/") or "json" in headers.get("accept", ""):
        body = {"error": {"code": "payload_too_large", "message": en, "message_ja": ja}}
        return JSONResponse(body, status_code=413, headers={"Connection": "close"})
    # Refused before the session is read, so a page without the signed-in header, in both languages.
    page = TOO_LARGE_PAGE.format(en=html.escape(en), ja=html.escape(ja))
    return HTMLResponse(page, status_code=413, headers={"Connection": "close"})


TOO_LARGE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>413</title>
<link rel="stylesheet" href="/static/kadai.css"></head>
<body><main id="main"><div class="card"><h1>Too large · 大きすぎます</h1>
<p class="error-box" data-testid="too-large">{en}</p><p class="error-box" lang="ja">{ja}</p>
<p><a href="/">Kadai</a></p></div></main></body></html>
"""
