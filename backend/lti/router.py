"""The LTI routes an LMS and its users' browsers call (HTTP only): JWKS, configuration, login
initiation, launch, the cookie check, the continue link, Deep Linking. Registration and the
staff's page are in ``manage_router.py``.

Inside the LMS's iframe a launch signs the learner in with a framable session (SameSite=None;
Secure, see backend/auth/sessions.py) and sends the frame to ``/lti/check``: if the browser sent
that cookie back, on to the assignment, in the frame; if it blocks third-party cookies, a page
offering the one-time ``/lti/continue`` link in a window of its own, where cookies are first-party.
"""

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
from backend.auth.sessions import LTI_FRAME, session_user, start_session
from backend.errors import Forbidden
from backend.exercises.repository import ExerciseRepository
from backend.lti import deep_linking, keys, launch, service
from backend.lti.i18n import strings
from backend.lti.launch_checks import LaunchRefused
from backend.lti.repository import LtiRepository
from backend.models import LtiPlatform, User
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
    # Partitioned (CHIPS): kept for this LMS's page even where third-party cookies are blocked,
    # so the launch still proves it is this browser's and can offer the new-window fallback.
    return _state_cookie(response, redirect.cookie, launch.STATE_MAX_AGE_S)


def _state_cookie(response: Response, value: str, max_age: int) -> Response:
    # Written by hand: Starlette's set_cookie needs Python 3.14 for the Partitioned attribute.
    expires = "; expires=Thu, 01 Jan 1970 00:00:00 GMT" if max_age == 0 else ""
    response.headers.append(
        "set-cookie",
        f"{launch.STATE_COOKIE}={value}; Max-Age={max_age}{expires}; Path=/lti/; HttpOnly; "
        "SameSite=None; Secure; Partitioned",
    )
    return response


def _forget_state(response: Response) -> Response:
    return _state_cookie(response, '""', 0)


def _origin(url: object) -> str | None:
    parts = urlsplit(str(url or ""))
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def frame_origins(platform: LtiPlatform, claims: launch.Claims) -> list[str]:
    """The LMS origins that may frame a session this launch starts: the platform's issuer and
    login hosts, and the host of the launch's return URL (signed in the token: Canvas serves its
    pages from the school's host, not its issuer's)."""
    presentation = claims.get("launch_presentation")
    return_url = presentation.get("return_url") if isinstance(presentation, dict) else None
    found = {_origin(u) for u in (platform.issuer, platform.auth_login_url, return_url)}
    return sorted(o for o in found if o)


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
            # A window of its own: first-party cookies work, so sign in and go straight there
            # (an ordinary session: nobody frames it).
            request.session.pop(LTI_FRAME, None)
            request.session[SESSION_ID] = start_session(
                session, launched.user, settings.session_lifetime_s
            )
            return _forget_state(RedirectResponse(target, status_code=303))
        # In the LMS's iframe: a session its LMS may frame, then the check that the browser
        # kept its cookie (the one-time link is the fallback where it did not).
        request.session.clear()
        request.session[SESSION_ID] = start_session(
            session, launched.user, settings.session_lifetime_s, lti_platform_id=claims.platform.id
        )
        request.session[LTI_FRAME] = {
            "p": claims.platform.id,
            "o": frame_origins(claims.platform, claims),
        }
        link = _continue_link(request, launched.user.id, claims.platform.id, target)
        check = link.replace("/lti/continue?", "/lti/check?", 1)
        return _forget_state(RedirectResponse(check, status_code=303))
    return _framed(request, _forget_state(page), session)


def _safe_target(target: object) -> str:
    text = str(target)
    return text if text.startswith("/") and not text.startswith("//") else "/"


@router.get("/lti/check")
def check_cookie(request: Request, session: SessionDep, token: str = "") -> Response:
    """Where the launch sends the frame: did the browser send the session cookie back?"""
    data = _continue_data(request, token)
    secret = request.session.get(SESSION_ID)
    framed = request.session.get(LTI_FRAME)
    if isinstance(secret, str) and isinstance(framed, dict) and framed.get("p") == data["p"]:
        user = session_user(session, secret)
        if user is not None and user.id == data["u"]:
            return RedirectResponse(_safe_target(data["t"]), status_code=303)
    log.info("lti cookies blocked in the frame", extra={"user_id": data["u"]})
    user = _continuing_user(session, data)
    lang = language(request)
    page = render(
        request,
        "lti_check.html",
        continue_url=f"/lti/continue?token={token}",
        who=user.name,
        other=strings("en" if lang == "ja" else "ja"),
    )
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
    return RedirectResponse(_safe_target(data["t"]), status_code=303)


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
