"""Typed dependencies: settings, the request's database session, the signed-in user, CSRF."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from sqlalchemy.orm import Session

from backend.auth.service import user_for_token
from backend.auth.sessions import LTI_FRAME, session_lti_platform, session_user
from backend.db import transaction
from backend.errors import Forbidden, NotAuthenticated
from backend.models import User
from backend.models.user import Role
from backend.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, its unit of work: commit on success, roll back on any error.

    Grading jobs queued by the request's lifecycle transitions are sent after the commit and
    dropped by a rollback (backend/submissions/lifecycle.py).
    """
    with transaction(request.app.state.sessions) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
# Row ids in URLs: bounded, so an absurd number is a 422, never a database overflow.
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
# "function" scope: the transaction commits before the response leaves, so the browser's next
# request (after a sign-in's redirect, say) always sees what this one did.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# The cookie's key holding the server-side session id (see backend/auth/sessions.py).
SESSION_ID = "sid"


def current_user(request: Request, session: SessionDep) -> User:
    secret = request.session.get(SESSION_ID)
    user = session_user(session, secret) if isinstance(secret, str) else None
    framed = request.session.get(LTI_FRAME)
    if framed is not None and (
        user is None
        or not isinstance(framed, dict)
        or session_lti_platform(session, secret) != framed.get("p")  # type: ignore[arg-type]
    ):
        # Only the session a launch started may be framed by its LMS (and keep a SameSite=None
        # cookie): not a later sign-in by password over that launch's cookie.
        del request.session[LTI_FRAME]
    if user is None:
        raise NotAuthenticated("Please sign in.", "サインインしてください。")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, supplied: object) -> None:
    """Refuse unless ``supplied`` is this browser session's CSRF token."""
    expected = request.session.get("csrf")
    if (
        not isinstance(expected, str)
        or not isinstance(supplied, str)
        or not secrets.compare_digest(supplied.encode("utf-8", "surrogatepass"), expected.encode())
    ):
        raise Forbidden(
            "The form expired; reload the page and try again.",
            "フォームの有効期限が切れました。ページを再読み込みしてください。",
        )


async def verify_csrf(
    request: Request, x_csrf_token: Annotated[str | None, Header()] = None
) -> None:
    """Every state-changing browser request carries the session's token (header or form field)."""
    if not request.session.get("csrf"):
        check_csrf(request, None)  # no session, no token to match: refused before any body is read
    supplied: object = x_csrf_token
    if supplied is None and "form" in request.headers.get("content-type", ""):
        supplied = (await request.form()).get("csrf_token")
    check_csrf(request, supplied)


CsrfChecked = Depends(verify_csrf)


def token_user(scope: str):  # type: ignore[no-untyped-def]
    """Dependency factory for the REST API: a Bearer token with the given scope."""

    def dependency(
        session: SessionDep, authorization: Annotated[str | None, Header()] = None
    ) -> User:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise NotAuthenticated(
                "Send Authorization: Bearer <token>.", "API トークンが必要です。"
            )
        user = user_for_token(session, authorization.split(None, 1)[1].strip(), scope)
        # Ends the short transaction that may have recorded the token's use, so the request's
        # own work never holds that row's lock.
        session.commit()
        return user

    return dependency


ReadUser = Annotated[User, Depends(token_user("read"))]
SubmitUser = Annotated[User, Depends(token_user("submit"))]
GradesUser = Annotated[User, Depends(token_user("grades"))]
ManageUser = Annotated[User, Depends(token_user("manage"))]
