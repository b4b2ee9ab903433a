"""Staff pages for running a course: course settings (edit, archive, copy), an assignment's
schedule and late policy (edit, archive, delete), and its per-student deadline overrides."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from backend.courses import editing, overrides
from backend.courses import service as courses
from backend.courses.repository import CourseRepository
from backend.errors import Invalid
from backend.gradebook.deadlines import describe
from backend.gradebook.service import deadline_of, policy_of
from backend.models import Course
from backend.web.admin import time_zones
from backend.web.deps import CsrfChecked, CurrentUser, Id, SessionDep
from backend.web.i18n import language
from backend.web.staff import exercise_titles
from backend.web.templating import render

router = APIRouter(include_in_schema=False)

DONE = (
    "course_saved",
    "course_archived",
    "course_restored",
    "course_copied",
    "assignment_saved",
    "assignment_archived",
    "assignment_restored",
    "assignment_deleted",
    "overrides_saved",
    "override_deleted",
)


def local_input(value: str, course: Course, what_en: str, what_ja: str) -> datetime | None:
    """A datetime-local field ("2026-12-24T23:59", the course's clock) as naive UTC; empty: None."""
    if not value.strip():
        return None
    try:
        return courses.to_utc(datetime.fromisoformat(value.strip()), course)
    except ValueError:
        raise Invalid(
            f"{what_en} must look like 2026-12-24T23:59.",
            f"{what_ja}は 2026-12-24T23:59 の形式で入力してください。",
        ) from None


def picker_value(moment: datetime | None, course: Course) -> str:
    """A stored time as a datetime-local field shows it, on the course's clock."""
    return courses.in_course_zone(moment, course).strftime("%Y-%m-%dT%H:%M") if moment else ""


def whole_number(value: str, what_en: str, what_ja: str, empty: int | None = None) -> int | None:
    if not value.strip():
        return empty
    try:
        return int(value.strip())
    except ValueError:
        raise Invalid(
            f"{what_en} must be a whole number.", f"{what_ja}は整数で入力してください。"
        ) from None


def percent(value: str) -> float:
    if not value.strip():
        return 0.0
    try:
        return float(value.strip())
    except ValueError:
        raise Invalid(
            "The late penalty must be a number (percent).",
            "遅延の減点は数値(パーセント)で入力してください。",
        ) from None


def done_of(done: str) -> str:
    return done if done in DONE else ""


@router.get("/courses/{course_id}/settings")
def course_settings(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    course_id: Id,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    repository = CourseRepository(session)
    assignments = repository.assignments(course.id)
    return render(
        request,
        "course_settings.html",
        user=user,
        course=course,
        assignments=assignments,
        titles=exercise_titles(session, language(request)),
        counts={a.id: repository.submission_count(a.id) for a in assignments},
        zones=time_zones(),
        done=done_of(done),
    )


@router.post("/courses/{course_id}/settings", dependencies=[CsrfChecked])
def save_course(
    session: SessionDep,
    user: CurrentUser,
    course_id: Id,
    title: Annotated[str, Form(max_length=200)],
    score_policy: Annotated[str, Form()],
    time_zone: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    editing.edit_course(
        session,
        user,
        course,
        code=code or None,
        title=title,
        score_policy=score_policy,
        time_zone=time_zone,
    )
    return RedirectResponse(f"/courses/{course.id}/settings?done=course_saved", 303)


@router.post("/courses/{course_id}/archive", dependencies=[CsrfChecked])
def archive_course(
    session: SessionDep, user: CurrentUser, course_id: Id, archived: Annotated[str, Form()]
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    editing.set_course_archived(session, user, course, archived == "yes")
    done = "course_archived" if archived == "yes" else "course_restored"
    return RedirectResponse(f"/courses/{course.id}/settings?done={done}", 303)


@router.post("/courses/{course_id}/copy", dependencies=[CsrfChecked])
def copy_course(
    session: SessionDep,
    user: CurrentUser,
    course_id: Id,
    code: Annotated[str, Form(max_length=64)],
    title: Annotated[str, Form(max_length=200)],
    shift_days: Annotated[str, Form(max_length=10)] = "0",
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    days = whole_number(shift_days, "The shift in days", "ずらす日数", empty=0)
    copy = editing.copy_course(session, user, course, code, title, days or 0)
    return RedirectResponse(f"/courses/{copy.id}/settings?done=course_copied", 303)


def _staff_assignment(session, user, assignment_id: int):  # type: ignore[no-untyped-def]
    assignment, course = courses.get_assignment(session, user, assignment_id)
    courses.require_course_staff(session, user, course.id)
    return assignment, course


@router.get("/assignments/{assignment_id}/settings")
def assignment_settings(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    assignment, course = _staff_assignment(session, user, assignment_id)
    lang = language(request)
    rows = overrides.list_overrides(session, assignment)
    deadline, policy = deadline_of(assignment), policy_of(assignment)
    return render(
        request,
        "assignment_settings.html",
        user=user,
        course=course,
        assignment=assignment,
        title=exercise_titles(session, lang)[assignment.exercise_id],
        policy_text=getattr(describe(policy, deadline), lang),
        overrides=[(row, deadline_of(assignment, row.override)) for row in rows],
        submission_count=CourseRepository(session).submission_count(assignment.id),
        due_input=picker_value(assignment.due_at, course),
        close_input=picker_value(assignment.late_until, course),
        done=done_of(done),
    )


@router.post("/assignments/{assignment_id}/settings", dependencies=[CsrfChecked])
def save_assignment(
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    due_at: Annotated[str, Form(max_length=40)] = "",
    late_until: Annotated[str, Form(max_length=40)] = "",
    late_policy: Annotated[str, Form(max_length=10)] = "accept",
    late_penalty: Annotated[str, Form(max_length=20)] = "",
    max_attempts: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    assignment, course = _staff_assignment(session, user, assignment_id)
    edit = editing.AssignmentEdit(
        due_at=local_input(due_at, course, "The due date", "締め切り"),
        late_until=local_input(late_until, course, "The late deadline", "遅延提出の期限"),
        late_policy=late_policy,
        late_penalty=percent(late_penalty),
        max_attempts=whole_number(max_attempts, "The attempt limit", "提出回数の上限"),
    )
    editing.edit_assignment(session, user, assignment, edit)
    return RedirectResponse(f"/assignments/{assignment.id}/settings?done=assignment_saved", 303)


@router.post("/assignments/{assignment_id}/archive", dependencies=[CsrfChecked])
def archive_assignment(
    session: SessionDep, user: CurrentUser, assignment_id: Id, archived: Annotated[str, Form()]
) -> Response:
    assignment, _course = _staff_assignment(session, user, assignment_id)
    editing.set_assignment_archived(session, user, assignment, archived == "yes")
    done = "assignment_archived" if archived == "yes" else "assignment_restored"
    return RedirectResponse(f"/assignments/{assignment.id}/settings?done={done}", 303)


@router.post("/assignments/{assignment_id}/delete", dependencies=[CsrfChecked])
def delete_assignment(session: SessionDep, user: CurrentUser, assignment_id: Id) -> Response:
    assignment, course = _staff_assignment(session, user, assignment_id)
    editing.delete_assignment(session, user, assignment)
    return RedirectResponse(f"/courses/{course.id}/settings?done=assignment_deleted", 303)


@router.post("/assignments/{assignment_id}/overrides", dependencies=[CsrfChecked])
def save_overrides(
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    emails: Annotated[str, Form(max_length=100_000)],
    due_at: Annotated[str, Form(max_length=40)] = "",
    extra_attempts: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """One student or a group: addresses separated by commas, spaces or new lines."""
    assignment, course = _staff_assignment(session, user, assignment_id)
    overrides.set_overrides(
        session,
        user,
        assignment,
        emails.replace(",", " ").split(),
        local_input(due_at, course, "The extended due date", "延長後の締め切り"),
        whole_number(extra_attempts, "Extra attempts", "追加の提出回数", empty=0) or 0,
        reason,
    )
    return RedirectResponse(f"/assignments/{assignment.id}/settings?done=overrides_saved", 303)


@router.post("/assignments/{assignment_id}/overrides/{user_id}/delete", dependencies=[CsrfChecked])
def remove_override(
    session: SessionDep, user: CurrentUser, assignment_id: Id, user_id: Id
) -> Response:
    assignment, _course = _staff_assignment(session, user, assignment_id)
    overrides.delete_override(session, user, assignment, user_id)
    return RedirectResponse(f"/assignments/{assignment.id}/settings?done=override_deleted", 303)
