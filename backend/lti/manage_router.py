"""The LTI routes for people who manage it (HTTP only): the administrators' registration page and
API, and the course staff's passback and roster page."""

from __future__ import annotations

import json
import logging
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from backend.api.v1 import ERRORS
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Forbidden, NotFound
from backend.exercises.repository import ExerciseRepository
from backend.lti import keys, passback, roster, service
from backend.lti.platform_client import PlatformError
from backend.lti.repository import LtiRepository
from backend.lti.router import render, tool_urls
from backend.models import LtiScoreSend
from backend.models.user import Role
from backend.web.deps import AdminUser, CsrfChecked, CurrentUser, Id, ManageUser, SessionDep

log = logging.getLogger("kadai.lti")
router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1/lti", tags=["lti"], responses=ERRORS)


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
