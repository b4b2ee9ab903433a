"""The LTI routes an LMS and its users' browsers call (HTTP only): JWKS, configuration, login
initiation, launch, the continue link, Deep Linking. Registration and the staff's page are in
``manage_router.py``."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.auth.repository import UserRepository
from backend.auth.sessions import start_session
from backend.errors import Forbidden
from backend.exercises.repository import ExerciseRepository
from backend.lti import deep_linking, keys, launch, service
from backend.lti.i18n import strings
from backend.lti.launch_checks import LaunchRefused
from backend.lti.repository import LtiRepository
from backend.models import User
from backend.models._common import utcnow
from backend.web.deps import (
    SESSION_ID,
    CsrfChecked,
    SessionDep,
    SettingsDep,
)
from backend.web.i18n import language
from backend.web.security_headers import POLICY
from backend.web.templating import render as render_page

log = logging.getLogger("kadai.lti")
router = APIRouter(include_in_schema=False)
CONTINUE_MAX_AGE_S = 300


def render(request: Request, name: str, status_code: int = 200, **context: object) -> Response:
    return render_page(
        request,
        name,
        status_code,
        s=strings(language(request)),
        **context,  # type: ignore[arg-type]
    )


def tool_urls(request: Request) -> service.ToolUrls:
    return service.ToolUrls(str(request.base_url).rstrip("/"))


def _secret(request: Request) -> str:
    return request.app.state.signing_key.value


def _framed(
    request: Request, response: Response, session: SessionDep, form_to: str = ""
) -> Response:
    """Lets the registered platforms (and KADAI_LTI_FRAME_ANCESTORS) frame this LTI page."""
    origins = set(request.app.state.settings.lti_frame_ancestors)
    for platform in LtiRepository(session).platforms():
        for url in (platform.issuer, platform.auth_login_url):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    policy = POLICY.format(
        ancestors=" ".join(sorted(origins)) or "'none'", nonce=request.state.csp_nonce
    )
    if form_to:
        parts = urlsplit(form_to)
        policy = policy.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}"
        )
    response.headers["Content-Security-Policy"] = policy
    return response


def refused(request: Request, session: SessionDep, error: LaunchRefused) -> Response:
    log.warning("lti launch refused", extra={"check": error.check, "detail": error.detail})
    lang = language(request)
    what, fix = error.texts(lang)
    other = "en" if lang == "ja" else "ja"
    what_other, fix_other = error.texts(other)
    page = render(
        request,
        "lti_error.html",
        status_code=error.status_code,
        check=error.check,
        what=what,
        fix=fix,
        what_other=what_other,
        fix_other=fix_other,
        retry_url=error.retry_url,
    )
    return _framed(request, page, session)


@router.get("/lti/jwks.json")
def jwks(session: SessionDep) -> Response:
    return JSONResponse(keys.jwks(session), headers={"Cache-Control": "max-age=300"})


@router.get("/lti/config.json")
def configuration(request: Request) -> Response:
    return JSONResponse(tool_urls(request).configuration())


@router.api_route("/lti/login", methods=["GET", "POST"])
async def login(request: Request, session: SessionDep) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update({k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    try:
        redirect = launch.login(session, params, tool_urls(request).launch, _secret(request))
    except LaunchRefused as error:
        return refused(request, session, error)
    response = RedirectResponse(redirect.url, status_code=302)
    # Sent back on the LMS's cross-site POST to /lti/launch: SameSite=None, so Secure too.
    response.set_cookie(
        launch.STATE_COOKIE,
        redirect.cookie,
        max_age=launch.STATE_MAX_AGE_S,
        path="/lti/",
        secure=True,
        httponly=True,
        samesite="none",
    )
    return response


def _continue_link(request: Request, user_id: int, platform_id: int, target: str) -> str:
    token = URLSafeTimedSerializer(_secret(request), salt="kadai-lti-continue").dumps(
        {"u": user_id, "p": platform_id, "t": target, "j": secrets.token_urlsafe(12)}
    )
    return f"/lti/continue?token={token}"


@router.post("/lti/launch")
def launch_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    id_token: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
) -> Response:
    try:
        claims = launch.validate(
            session,
            id_token,
            state,
            request.cookies.get(launch.STATE_COOKIE),
            _secret(request),
            tool_urls(request).login,
        )
        launched = launch.admit(session, claims)
        if claims.message_type == "LtiDeepLinkingRequest" and launched.role != "instructor":
            raise LaunchRefused("instructors_only", f"roles {claims.get('roles')!r}")
    except LaunchRefused as error:
        # Returned, not raised: the request still commits, so a refused launch's nonce stays used.
        return refused(request, session, error)
    if claims.message_type == "LtiDeepLinkingRequest":
        page = render(
            request,
            "lti_deep_link.html",
            course=launched.course,
            exercises=ExerciseRepository(session).list(),
            token=deep_linking.picker_token(claims, launched, _secret(request)),
        )
    else:
        target = (
            f"/assignments/{launched.assignment.id}"
            if launched.assignment
            else f"/courses/{launched.course.id}"
        )
        presentation = claims.get("launch_presentation") or {}
        if isinstance(presentation, dict) and presentation.get("document_target") == "window":
            # A window of its own: first-party cookies work, so sign in and go straight there.
            request.session[SESSION_ID] = start_session(
                session, launched.user, settings.session_lifetime_s
            )
            response: Response = RedirectResponse(target, status_code=303)
            response.delete_cookie(launch.STATE_COOKIE, path="/lti/")
            return response
        exercise = (
            ExerciseRepository(session).get(launched.assignment.exercise_id)
            if launched.assignment
            else None
        )
        page = render(
            request,
            "lti_launched.html",
            course=launched.course,
            exercise=exercise,
            continue_url=_continue_link(request, launched.user.id, claims.platform.id, target),
        )
    page.delete_cookie(launch.STATE_COOKIE, path="/lti/")
    return _framed(request, page, session)


def _continue_data(request: Request, token: str) -> dict:
    try:
        return URLSafeTimedSerializer(_secret(request), salt="kadai-lti-continue").loads(
            token, max_age=CONTINUE_MAX_AGE_S
        )
    except BadSignature:
        raise Forbidden(
            "This link expired; open Kadai from the LMS again.",
            "このリンクは期限切れです。LMS からもう一度 Kadai を開いてください。",
        ) from None


def _continuing_user(session: SessionDep, data: dict) -> User:
    user = UserRepository(session).get(int(data["u"]))
    if user is None or not user.active:
        raise Forbidden("This account is disabled.", "このアカウントは無効です。")
    return user


@router.get("/lti/continue")
def confirm_continue(request: Request, session: SessionDep, token: str = "") -> Response:
    """The one-time link from a launch asks first: a link someone else made would otherwise
    sign this browser into their account without a word (login CSRF)."""
    user = _continuing_user(session, _continue_data(request, token))
    return render(request, "lti_continue.html", who=user.name, token=token)


@router.post("/lti/continue", dependencies=[CsrfChecked])
def continue_in_window(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form()] = "",
) -> Response:
    """Signs the learner in where cookies are first-party, once per link."""
    data = _continue_data(request, token)
    if not LtiRepository(session).use_nonce(
        int(data["p"]), "c:" + data["j"], utcnow() + timedelta(seconds=CONTINUE_MAX_AGE_S), utcnow()
    ):
        raise Forbidden(
            "This link was already used; open Kadai from the LMS again.",
            "このリンクは使用済みです。LMS からもう一度 Kadai を開いてください。",
        )
    user = _continuing_user(session, data)
    request.session.clear()
    request.session[SESSION_ID] = start_session(session, user, settings.session_lifetime_s)
    target = str(data["t"])
    return RedirectResponse(
        target if target.startswith("/") and not target.startswith("//") else "/", status_code=303
    )


@router.post("/lti/deep-link")
def deep_link(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form()],
    exercise: Annotated[list[str], Form()] = [],  # noqa: B006 — FastAPI copies form defaults
) -> Response:
    answer = deep_linking.answer(
        session, token, exercise, _secret(request), tool_urls(request).launch
    )
    page = render(
        request,
        "lti_autopost.html",
        action=answer.return_url,
        jwt=answer.jwt,
        count=len(answer.assignments),
    )
    return _framed(request, page, session, form_to=answer.return_url)
