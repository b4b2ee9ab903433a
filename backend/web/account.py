"""A user's own API tokens: create (the secret is shown once) and revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from backend.auth.repository import TokenRepository
from backend.auth.service import SCOPES, issue_token, revoke_token
from backend.web.deps import CsrfChecked, CurrentUser, Id, SessionDep
from backend.web.templating import render

router = APIRouter(prefix="/account", include_in_schema=False)


def tokens_page(
    request: Request, session: SessionDep, user: CurrentUser, secret: str = ""
) -> Response:
    return render(
        request,
        "tokens.html",
        user=user,
        tokens=TokenRepository(session).for_user(user.id),
        scopes=SCOPES,
        secret=secret,
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
