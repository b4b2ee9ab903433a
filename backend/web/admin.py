"""Administration in the browser: exercise upload (validated in the sandbox), users, courses."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from backend.auth.repository import UserRepository
from backend.auth.service import create_user, end_sessions_of, set_role
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Invalid, NotFound, PayloadTooLarge
from backend.exercises import staging
from backend.exercises.repository import ExerciseRepository
from backend.exercises.service import add_package, replacement_for
from backend.settings import Settings
from backend.web.deps import AdminUser, CsrfChecked, Id, SessionDep, SettingsDep, check_csrf
from backend.web.templating import render
from grader.engine import Grader

router = APIRouter(prefix="/admin", include_in_schema=False)


# What a finished action says on the page it returns to (``?done=``).
DONE = (
    "user_added",
    "course_added",
    "enrolled",
    "assignment_added",
    "role_changed",
    "sessions_ended",
)


REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe")
REGIONS += ("Indian", "Pacific")


@cache
def time_zones() -> list[str]:
    """The IANA zones a course can use: regional names (no legacy aliases such as "Japan"), UTC."""
    return ["UTC", *sorted(z for z in available_timezones() if z.split("/")[0] in REGIONS)]


def back(done: str, anchor: str) -> Response:
    return RedirectResponse(f"/admin?done={done}#{anchor}", status_code=303)


@router.get("")
def overview(
    request: Request, session: SessionDep, user: AdminUser, done: Annotated[str, Query()] = ""
) -> Response:
    repository = CourseRepository(session)
    all_courses = repository.all()
    enrollments: dict[int, list] = {course.id: [] for course in all_courses}
    for course_id, member, role in repository.roster():
        enrollments.setdefault(course_id, []).append((member, role))
    return render(
        request,
        "admin.html",
        user=user,
        exercises=ExerciseRepository(session).list(),
        users=UserRepository(session).list(),
        courses=all_courses,
        enrollments=enrollments,
        zones=time_zones(),
        done=done if done in DONE else "",
    )


@router.post("/exercises")
async def upload_exercise(
    request: Request, session: SessionDep, settings: SettingsDep, user: AdminUser
) -> Response:
    # An administrator first: the upload (up to the route's limit) is read only then.
    async with request.form() as form:
        check_csrf(request, form.get("csrf_token"))
        package = form.get("package")
        if not isinstance(package, UploadFile):
            raise Invalid(
                "Choose a zip file to upload.", "アップロードする zip ファイルを選んでください。"
            )
        data = await package.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise PayloadTooLarge("The package is too large.", "パッケージが大きすぎます。")
    # Unpacking and grading in the sandbox take long: on the thread pool, not the event loop.
    return await run_in_threadpool(_stage_upload, request, session, settings, user, data)


def _stage_upload(
    request: Request, session: SessionDep, settings: Settings, user: AdminUser, data: bytes
) -> Response:
    uploads = _uploads(settings.data_dir)
    token, root = staging.stage(data, uploads)
    replacement = replacement_for(session, root)
    if replacement is not None:
        # Publishing would change an exercise that courses use: show what changes, and wait.
        return render(
            request, "admin_confirm.html", user=user, replacement=replacement, token=token
        )
    return _validate_and_publish(request, session, settings, user, token)


@router.post("/exercises/confirm", dependencies=[CsrfChecked])
def confirm_upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: AdminUser,
    token: Annotated[str, Form()],
) -> Response:
    return _validate_and_publish(request, session, settings, user, token)


def _validate_and_publish(
    request: Request, session: SessionDep, settings: Settings, user: AdminUser, token: str
) -> Response:
    uploads = _uploads(settings.data_dir)
    root = staging.staged_package(uploads, token)
    try:
        with Grader(settings.grader) as grader:
            report = add_package(session, grader, root, settings.data_dir / "exercises", actor=user)
    finally:
        staging.discard(uploads, token)
    status = 200 if report.published else 422
    return render(request, "admin_upload.html", status_code=status, user=user, report=report)


def _uploads(data_dir: Path) -> Path:
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@router.post("/users", dependencies=[CsrfChecked])
def add_user(
    session: SessionDep,
    user: AdminUser,
    email: Annotated[str, Form()],
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
) -> Response:
    create_user(session, email, name, password, role, acting=user)
    return back("user_added", "h-users")


@router.post("/courses", dependencies=[CsrfChecked])
def add_course(
    session: SessionDep,
    user: AdminUser,
    code: Annotated[str, Form()],
    title: Annotated[str, Form()],
    score_policy: Annotated[str, Form()] = "best",
    time_zone: Annotated[str, Form()] = "UTC",
) -> Response:
    courses.create_course(session, code, title, score_policy, time_zone, actor=user)
    return back("course_added", "h-courses")


@router.post("/enrollments", dependencies=[CsrfChecked])
def add_enrollment(
    session: SessionDep,
    user: AdminUser,
    course_id: Annotated[int, Form()],
    email: Annotated[str, Form()],
    role: Annotated[str, Form()] = "student",
) -> Response:
    course = CourseRepository(session).get(course_id)
    if course is None:
        raise NotFound("No such course.", "コースが見つかりません。")
    courses.enroll_by_email(session, user, course, email, role)
    return back("enrolled", "h-enrollments")


@router.post("/assignments", dependencies=[CsrfChecked])
def add_assignment(
    session: SessionDep,
    user: AdminUser,
    course_id: Annotated[int, Form()],
    exercise_id: Annotated[str, Form()],
    due_at: Annotated[str, Form()] = "",
    max_attempts: Annotated[str, Form()] = "",
    late_policy: Annotated[str, Form()] = "accept",
) -> Response:
    course = CourseRepository(session).get(course_id)
    if course is None:
        raise NotFound("No such course.", "コースが見つかりません。")
    try:
        # The picker sends the course's wall-clock time ("2026-12-24T23:59"); we store UTC.
        due = courses.to_utc(datetime.fromisoformat(due_at), course) if due_at else None
        attempts = int(max_attempts) if max_attempts.strip() else None
    except ValueError:
        raise Invalid(
            "Due date must look like 2026-12-24T23:59 and attempts must be a whole number.",
            "締め切りは 2026-12-24T23:59 の形式、提出回数の上限は整数で入力してください。",
        ) from None
    courses.add_assignment(
        session,
        course,
        exercise_id,
        due_at=due,
        late_policy=late_policy,
        max_attempts=attempts,
        actor=user,
    )
    return back("assignment_added", "h-courses")


@router.post("/users/{user_id}/role", dependencies=[CsrfChecked])
def change_role(
    session: SessionDep, user: AdminUser, user_id: Id, role: Annotated[str, Form()]
) -> Response:
    set_role(session, user, user_id, role)
    return back("role_changed", "h-users")


@router.post("/users/{user_id}/sessions/end", dependencies=[CsrfChecked])
def end_sessions(session: SessionDep, user: AdminUser, user_id: Id) -> Response:
    end_sessions_of(session, user, user_id)
    return back("sessions_ended", "h-users")
