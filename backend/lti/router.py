"""The LTI routes (HTTP only): JWKS, login initiation, launch, Deep Linking, the continue link,
the administrators' registration page and API, and the staff's passback and roster page."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, Field

from backend.auth.repository import UserRepository
from backend.auth.sessions import start_session
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Forbidden, NotFound
from backend.exercises.repository import ExerciseRepository
from backend.lti import deep_linking, keys, launch, passback, roster, service
from backend.lti.i18n import strings
from backend.lti.launch_checks import LaunchRefused
from backend.lti.platform_client import PlatformError
from backend.lti.repository import LtiRepository
from backend.models import LtiScoreSend
from backend.models._common import utcnow
from backend.models.user import Role
from backend.web.deps import (
    SESSION_ID,
    AdminUser,
    CsrfChecked,
    CurrentUser,
    Id,
    ManageUser,
    SessionDep,
    SettingsDep,
)
from backend.web.i18n import language
from backend.web.security_headers import POLICY
from backend.web.templating import render as render_page

log = logging.getLogger("kadai.lti")
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/lti", tags=["lti"])
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


@router.get("/lti/continue")
def continue_in_window(
    request: Request, session: SessionDep, settings: SettingsDep, token: str = ""
) -> Response:
    """The one-time link from a launch: signs the learner in where cookies are first-party."""
    try:
        data = URLSafeTimedSerializer(_secret(request), salt="kadai-lti-continue").loads(
            token, max_age=CONTINUE_MAX_AGE_S
        )
    except BadSignature:
        raise Forbidden(
            "This link expired; open Kadai from the LMS again.",
            "このリンクは期限切れです。LMS からもう一度 Kadai を開いてください。",
        ) from None
    from datetime import timedelta

    if not LtiRepository(session).use_nonce(
        int(data["p"]), "c:" + data["j"], utcnow() + timedelta(seconds=CONTINUE_MAX_AGE_S), utcnow()
    ):
        raise Forbidden(
            "This link was already used; open Kadai from the LMS again.",
            "このリンクは使用済みです。LMS からもう一度 Kadai を開いてください。",
        )
    user = UserRepository(session).get(int(data["u"]))
    if user is None or not user.active:
        raise Forbidden("This account is disabled.", "このアカウントは無効です。")
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


# Administrators: registration


class PlatformIn(BaseModel):
    name: str = Field(default="", max_length=200)
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=300)
    deployment_ids: list[str] = Field(min_length=1, max_length=100)
    auth_login_url: str = Field(max_length=1000)
    auth_token_url: str = Field(max_length=1000)
    jwks_url: str = Field(max_length=1000)


def platform_out(platform) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": platform.id,
        "name": platform.name,
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "deployment_ids": platform.deployments,
        "auth_login_url": platform.auth_login_url,
        "auth_token_url": platform.auth_token_url,
        "jwks_url": platform.jwks_url,
    }


def _require_admin(user) -> None:  # type: ignore[no-untyped-def]
    if user.role != Role.admin:
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")


@api_router.get("/platforms")
def api_platforms(request: Request, session: SessionDep, user: ManageUser) -> dict:
    _require_admin(user)
    return {
        "platforms": [platform_out(p) for p in LtiRepository(session).platforms()],
        "tool": tool_urls(request).configuration(),
    }


@api_router.post("/platforms", status_code=201)
def api_register(session: SessionDep, user: ManageUser, body: PlatformIn) -> dict:
    _require_admin(user)
    return platform_out(service.register_platform(session, **body.model_dump()))


@router.get("/admin/lti")
def admin_page(request: Request, session: SessionDep, user: AdminUser, done: str = "") -> Response:
    repository = LtiRepository(session)
    urls = tool_urls(request)
    keys.signing_key(session)  # the JWKS the LMS is told about has a key from the start
    linked = []
    for platform in repository.platforms():
        for course in CourseRepository(session).all():
            if any(c.platform_id == platform.id for c in repository.contexts_of_course(course.id)):
                linked.append((platform, course))
    return render(
        request,
        "lti_admin.html",
        user=user,
        urls=urls,
        config=json.dumps(urls.configuration(), indent=2, ensure_ascii=False),
        platforms=repository.platforms(),
        keys=[k for k in repository.keys()],
        linked=linked,
        done=done if done in ("registered", "deleted", "rotated") else "",
    )


@router.post("/admin/lti/platforms", dependencies=[CsrfChecked])
def admin_register(
    session: SessionDep,
    user: AdminUser,
    issuer: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    deployment_ids: Annotated[str, Form()],
    auth_login_url: Annotated[str, Form()],
    auth_token_url: Annotated[str, Form()],
    jwks_url: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
) -> Response:
    service.register_platform(
        session,
        name=name,
        issuer=issuer,
        client_id=client_id,
        deployment_ids=deployment_ids.replace(",", " ").split(),
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        jwks_url=jwks_url,
    )
    return RedirectResponse("/admin/lti?done=registered", status_code=303)


@router.post("/admin/lti/platforms/{platform_id}/delete", dependencies=[CsrfChecked])
def admin_delete(session: SessionDep, user: AdminUser, platform_id: Id) -> Response:
    service.delete_platform(session, platform_id)
    return RedirectResponse("/admin/lti?done=deleted", status_code=303)


@router.post("/admin/lti/keys/rotate", dependencies=[CsrfChecked])
def admin_rotate(session: SessionDep, user: AdminUser) -> Response:
    keys.rotate(session)
    return RedirectResponse("/admin/lti?done=rotated", status_code=303)


# Course staff: passback status, resend, roster


@router.get("/lti/courses/{course_id}")
def course_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    course_id: Id,
    done: str = "",
    error: str = "",
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    assignments = CourseRepository(session).assignments(course.id)
    titles = {}
    for assignment in assignments:
        exercise = ExerciseRepository(session).get(assignment.exercise_id)
        titles[assignment.id] = exercise.title_en if exercise else assignment.exercise_id
    repository = LtiRepository(session)
    return render(
        request,
        "lti_course.html",
        user=user,
        course=course,
        titles=titles,
        sends=repository.sends_of_course([a.id for a in assignments]),
        contexts=repository.contexts_of_course(course.id),
        done=done,
    )


@router.post("/lti/sends/{send_id}/resend", dependencies=[CsrfChecked])
def resend(session: SessionDep, user: CurrentUser, send_id: Id) -> Response:
    send = session.get(LtiScoreSend, send_id)
    assignment = CourseRepository(session).assignment(send.assignment_id) if send else None
    if send is None or assignment is None:
        raise NotFound("No such score send.", "その送信記録はありません。")
    courses.require_course_staff(session, user, assignment.course_id)
    passback.resend(session, send)
    return RedirectResponse(f"/lti/courses/{assignment.course_id}?done=resent", status_code=303)


@router.post("/lti/courses/{course_id}/roster", dependencies=[CsrfChecked])
def sync_roster(
    request: Request, session: SessionDep, user: CurrentUser, course_id: Id
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    try:
        report = roster.sync(session, course.id)
    except PlatformError as exc:
        log.warning("roster sync failed: %s", exc)
        raise Forbidden(
            f"The LMS refused the roster request: {exc}", f"LMS が名簿の要求を拒否しました: {exc}"
        ) from None
    log.info(
        "lti roster synced",
        extra={"course_id": course.id, "members": report.members, "added": report.added},
    )
    return RedirectResponse(f"/lti/courses/{course.id}?done=roster_{report.added}", status_code=303)
