"""REST endpoints: courses, assignments, submissions (create and poll) and the gradebook."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.api.schemas import (
    AssignmentIn,
    AssignmentOut,
    CourseIn,
    CourseOut,
    EnrollmentIn,
    ErrorOut,
    MemberOut,
    Page,
    SessionsEnded,
    SubmissionIn,
    SubmissionOut,
    UserIn,
    UserOut,
)
from backend.auth.service import create_user, end_sessions_of
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Forbidden, Invalid, RateLimited
from backend.exercises.repository import ExerciseRepository
from backend.gradebook import export as gradebook_export
from backend.gradebook import service as gradebook
from backend.models import Submission, User
from backend.settings import Settings
from backend.submissions import hints
from backend.submissions import service as submissions
from backend.web.deps import (
    GradesUser,
    Id,
    ManageUser,
    ReadUser,
    SessionDep,
    SettingsDep,
    SubmitUser,
)
from backend.web.downloads import attachment
from backend.web.submitted import code_from_form, filename_from_form, is_form, submitted_form

# Every failure has the same documented body: {"error": {"code", "message", "message_ja"}}.
ERRORS = {
    status: {"model": ErrorOut, "description": description}
    for status, description in {
        400: "Malformed request",
        401: "Missing or invalid API token",
        403: "Not allowed for this user or token scope",
        404: "Not found",
        409: "Conflict",
        413: "Too large",
        422: "Invalid input",
        429: "Rate limited",
    }.items()
}
router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)
Limit = Annotated[int, Query(ge=1, le=200)]
# Bounded like ids: an offset past any table is a 422, never a database overflow.
Offset = Annotated[int, Query(ge=0, le=2_147_483_647)]


def page(items: list, limit: int, offset: int) -> dict:
    return {
        "items": items[offset : offset + limit],
        "total": len(items),
        "limit": limit,
        "offset": offset,
    }


@router.get("/courses", response_model=Page[CourseOut])
def list_courses(session: SessionDep, user: ReadUser, limit: Limit = 50, offset: Offset = 0):
    repository = CourseRepository(session)
    found = repository.all() if user.role == "admin" else repository.for_user(user.id)
    return page([CourseOut.model_validate(c, from_attributes=True) for c in found], limit, offset)


@router.post("/courses", response_model=CourseOut, status_code=201)
def create_course(session: SessionDep, user: ManageUser, body: CourseIn):
    if user.role != "admin":
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")
    course = courses.create_course(
        session, body.code, body.title, body.score_policy, body.time_zone, actor=user
    )
    return CourseOut.model_validate(course, from_attributes=True)


@router.post("/courses/{course_id}/assignments", response_model=AssignmentOut, status_code=201)
def create_assignment(session: SessionDep, user: ManageUser, course_id: Id, body: AssignmentIn):
    course = courses.require_course_staff(session, user, course_id)
    assignment = courses.add_assignment(
        session,
        course,
        body.exercise_id,
        body.due_at,
        body.late_policy,
        body.max_attempts,
        late_until=body.late_until,
        late_penalty=body.late_penalty,
        actor=user,
    )
    return assignment_out(session, assignment)


@router.get("/courses/{course_id}/assignments", response_model=Page[AssignmentOut])
def list_assignments(
    session: SessionDep, user: ReadUser, course_id: Id, limit: Limit = 50, offset: Offset = 0
):
    course = courses.get_course(session, user, course_id)
    items = [assignment_out(session, a) for a in CourseRepository(session).assignments(course.id)]
    return page(items, limit, offset)


def assignment_out(session, assignment) -> AssignmentOut:  # type: ignore[no-untyped-def]
    exercise = ExerciseRepository(session).get(assignment.exercise_id)
    return AssignmentOut(
        id=assignment.id,
        course_id=assignment.course_id,
        exercise_id=assignment.exercise_id,
        title_en=exercise.title_en,  # type: ignore[union-attr]
        title_ja=exercise.title_ja,  # type: ignore[union-attr]
        points=exercise.points,  # type: ignore[union-attr]
        due_at=assignment.due_at,
        late_policy=assignment.late_policy,
        max_attempts=assignment.max_attempts,
        late_until=assignment.late_until,
        late_penalty=assignment.late_penalty,
        archived=assignment.archived_at is not None,
    )


def submission_out(session, user, submission: Submission, staff: bool) -> SubmissionOut:  # type: ignore[no-untyped-def]
    assignment, _ = courses.get_assignment(session, user, submission.assignment_id)
    shown = submissions.visible_result(submission, assignment, staff, session)
    package = submissions.graded_package(session, submission)
    found = hints.shown_for_viewer(session, submission, package, shown.result, user.id)
    return SubmissionOut(
        id=submission.id,
        assignment_id=submission.assignment_id,
        attempt=submission.attempt,
        status=submission.status,
        score=submission.score,
        max_score=submission.max_score,
        score_override=submission.score_override,
        late=submission.late,
        created_at=submission.created_at,
        finished_at=submission.finished_at,
        result=shown.result.to_dict() if shown.result else None,
        notebook=submissions.notebook_view(submission, shown.result),
        hints=[hint.to_dict() for hint in found],
    )


SUBMISSION_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": SubmissionIn.model_json_schema()},
        # The source file itself: UTF-8 text, at most KADAI_MAX_CODE_BYTES.
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "format": "binary"},
                    "filename": {"type": "string", "description": "overrides the file's name"},
                },
                "required": ["code"],
            }
        },
    },
}


@router.post(
    "/assignments/{assignment_id}/submissions",
    response_model=SubmissionOut,
    status_code=202,
    openapi_extra={"requestBody": SUBMISSION_BODY},
)
async def create_submission(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: SubmitUser,
    assignment_id: Id,
):
    # The token is checked before the body is read (FastAPI reads declared bodies first), so an
    # unauthenticated upload costs nothing; the body is bounded by the route's limit.
    if is_form(request.headers.get("content-type", "")):
        async with submitted_form(request) as form:
            body = SubmissionIn(
                code=await code_from_form(form, settings.max_code_bytes),
                filename=filename_from_form(form),
            )
    else:
        try:
            # Python's parser, not pydantic's: a lone surrogate ("\ud800") reaches the service,
            # which says what is wrong with the text, as it does for the browser's form.
            body = SubmissionIn.model_validate(json.loads(await request.body()))
        except (ValueError, ValidationError, RecursionError) as exc:
            raise Invalid(
                f'Send {{"code": "<text>"}}, or the file as "code" in a multipart form: '
                f"{exc.__class__.__name__}",
                '{"code": "<テキスト>"} の形、またはマルチパート形式の "code" ファイルとして'
                "送ってください。",
            ) from None
    # The database work runs on the thread pool, like a sync endpoint's, not in the event loop.
    return await run_in_threadpool(
        store_submission, request, session, settings, user, assignment_id, body
    )


def store_submission(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    assignment_id: int,
    body: SubmissionIn,
) -> SubmissionOut:
    if not request.app.state.submit_limiter.allow(str(user.id)):
        raise RateLimited(
            "Too many submissions; wait a minute.", "提出が多すぎます。1 分待ってください。"
        )
    # Graded once the request's transaction commits (lifecycle.send_jobs_after_commit).
    submission = submissions.create_submission(
        session, user, assignment_id, body.code, settings.max_code_bytes, body.filename
    )
    return submission_out(session, user, submission, staff=False)


@router.get("/submissions/{submission_id}", response_model=SubmissionOut)
def get_submission(session: SessionDep, user: ReadUser, submission_id: Id):
    submission, staff = submissions.get_submission(session, user, submission_id)
    return submission_out(session, user, submission, staff)


@router.get("/courses/{course_id}/gradebook")
def get_gradebook(
    session: SessionDep,
    user: GradesUser,
    course_id: Id,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    offset: Offset = 0,
) -> dict:
    """Every student by default; ``limit``/``offset`` page through a large course."""
    course = courses.require_course_staff(session, user, course_id)
    return gradebook.to_json(gradebook.build(session, course, offset=offset, limit=limit))


@router.get("/courses/{course_id}/gradebook.csv")
def get_gradebook_csv(session: SessionDep, user: GradesUser, course_id: Id) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    return Response(
        gradebook_export.to_csv(gradebook.build(session, course)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"gradebook-{course.code}.csv")},
    )


@router.get("/courses/{course_id}/enrollments", response_model=Page[MemberOut])
def list_enrollments(
    session: SessionDep, user: ManageUser, course_id: Id, limit: Limit = 50, offset: Offset = 0
):
    course = courses.require_course_staff(session, user, course_id)
    repository = CourseRepository(session)
    members = [
        MemberOut(user_id=m.id, email=m.email, name=m.name, role=role)
        for role in ("instructor", "student")
        for m in repository.members(course.id, role)
    ]
    return page(members, limit, offset)


@router.post("/courses/{course_id}/enrollments", response_model=MemberOut, status_code=201)
def enroll(session: SessionDep, user: ManageUser, course_id: Id, body: EnrollmentIn):
    """Instructors enrol students; only administrators grant the instructor role."""
    course = courses.require_course_staff(session, user, course_id)
    member, enrollment = courses.enroll_by_email(session, user, course, body.email, body.role)
    return MemberOut(user_id=member.id, email=member.email, name=member.name, role=enrollment.role)


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(session: SessionDep, user: ManageUser, body: UserIn):
    if user.role != "admin":
        raise Forbidden("Administrators only.", "管理者のみが利用できます。")
    created = create_user(session, body.email, body.name, body.password, body.role, acting=user)
    return UserOut(id=created.id, email=created.email, name=created.name, role=created.role)


@router.delete("/users/{user_id}/sessions", response_model=SessionsEnded)
def end_user_sessions(session: SessionDep, user: ManageUser, user_id: Id):
    """Administrators only: signs the user out of every browser (API tokens are not affected)."""
    return SessionsEnded(ended=end_sessions_of(session, user, user_id))
