"""Instructor actions in the browser: regrading and the per-test failure chart."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from backend.courses import service as courses
from backend.gradebook.service import failure_rates
from backend.submissions import service as submissions
from backend.web.deps import CsrfChecked, CurrentUser, Id, SessionDep
from backend.web.templating import render

router = APIRouter(include_in_schema=False)


@router.post("/submissions/{submission_id}/regrade", dependencies=[CsrfChecked])
def regrade_one(
    request: Request, session: SessionDep, user: CurrentUser, submission_id: Id
) -> Response:
    submissions.regrade_submission(session, user, submission_id)  # graded after the commit
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


@router.post("/assignments/{assignment_id}/regrade", dependencies=[CsrfChecked])
def regrade_all(
    request: Request, session: SessionDep, user: CurrentUser, assignment_id: Id
) -> Response:
    submissions.regrade_assignment(session, user, assignment_id)  # graded after the commit
    return RedirectResponse(f"/assignments/{assignment_id}/stats", status_code=303)


@router.get("/assignments/{assignment_id}/stats")
def stats(request: Request, session: SessionDep, user: CurrentUser, assignment_id: Id) -> Response:
    assignment, course = courses.get_assignment(session, user, assignment_id)
    courses.require_course_staff(session, user, course.id)
    return render(
        request,
        "stats.html",
        user=user,
        course=course,
        assignment=assignment,
        rates=failure_rates(session, assignment),
    )


@router.get("/courses/{course_id}/students/{student_id}")
def student_page(
    request: Request, session: SessionDep, user: CurrentUser, course_id: Id, student_id: Id
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    student, rows = submissions.student_record(session, course, student_id)
    return render(request, "student.html", user=user, course=course, student=student, rows=rows)
