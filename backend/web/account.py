"""A user's own account: API tokens (the secret is shown once; scopes by role) and password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from backend.auth.repository import TokenRepository
from backend.auth.service import change_password, issue_token, revoke_token, scopes_for
from backend.auth.sessions import start_session
from backend.web.deps import SESSION_ID, CsrfChecked, CurrentUser, Id, SessionDep, SettingsDep
from backend.web.templating import render

router = APIRouter(prefix="/account", include_in_schema=False)


def tokens_page(
    request: Request, session: SessionDep, user: CurrentUser, secret: str = "", notice: str = ""
) -> Response:
    return render(
        request,
        "tokens.html",
        user=user,
        tokens=TokenRepository(session).for_user(user.id),
        scopes=scopes_for(user),
        secret=secret,
        notice=notice,
    )


@router.get("/tokens")
def list_tokens(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return tokens_page(request, session, user)


@router.post("/tokens", dependencies=[CsrfChecked])
def create_token(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form()],
    scopes: Annotated[list[str], Form()],
) -> Response:
    secret, _ = issue_token(session, user, name, scopes)
    return tokens_page(request, session, user, secret)


@router.post("/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke(session: SessionDep, user: CurrentUser, token_id: Id) -> Response:
    revoke_token(session, user, token_id)
    return RedirectResponse("/account/tokens", status_code=303)


@router.post("/password", dependencies=[CsrfChecked])
def new_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    current: Annotated[str, Form()],
    new: Annotated[str, Form()],
) -> Response:
    change_password(session, user, current, new)  # ends every session, this one included
    request.session.clear()
    request.session[SESSION_ID] = start_session(session, user, settings.session_lifetime_s)
    return tokens_page(request, session, user, notice="password_changed")
