"""Error pages for browsers: real pages with the signed-in header, and sign-in that returns to
the page that was asked for."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from backend.auth.sessions import session_user
from backend.db import transaction
from backend.models import User
from backend.web.deps import SESSION_ID
from backend.web.i18n import language, translate
from backend.web.templating import render

# Framework errors (unknown URL, wrong method, unreadable form) as a learner should read them.
HTTP_MESSAGES = {404: "page_not_found", 405: "method_not_allowed"}


def local_path(target: str) -> str:
    """``target`` if it is a path on this site, else ``/``: never another origin's URL."""
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or "\\" in target
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return "/"
    return target


def login_redirect(request: Request) -> Response:
    """To the sign-in page; a page that was asked for (a GET) is where sign-in will return."""
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or asked == "/" or local_path(asked) == "/":
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(f"/login?next={quote(asked, safe='')}", status_code=303)


def _viewer(request: Request) -> User | None:
    """The signed-in user, if any; an error page must never fail for want of one."""
    secret = request.session.get(SESSION_ID) if "session" in request.scope else None
    if not isinstance(secret, str):
        return None
    try:
        with transaction(request.app.state.sessions) as session:
            return session_user(session, secret)
    except Exception:  # noqa: BLE001 — the page still shows, without the user's header
        return None


async def error_page(request: Request, status_code: int, message: str) -> Response:
    user = await run_in_threadpool(_viewer, request)
    return render(request, "error.html", status_code=status_code, user=user, message=message)


async def http_error_page(request: Request, status_code: int, detail: str) -> Response:
    lang = language(request)
    too_large = re.search(r"exceeded maximum size of (\d+)\s*KB", detail)
    if too_large:  # Starlette's form parser: say it as the size limit it is, in KB
        message = translate("request_too_large", lang).replace("{limit}", f"{too_large[1]} KB")
        return await error_page(request, 413, message)
    if status_code == 413:  # a chunked body cut at the route's limit while it was read
        limit = request.scope.get("starlette.max_body_size")
        shown = f"{limit // 1024:,} KB" if isinstance(limit, int) else "?"
        message = translate("request_too_large", lang).replace("{limit}", shown)
        return await error_page(request, 413, message)
    key = HTTP_MESSAGES.get(status_code, "bad_request" if status_code < 500 else "error_title")
    return await error_page(request, status_code, translate(key, lang))
