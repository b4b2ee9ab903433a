"""Instructor actions in the browser: regrading (confirmed, with progress) and the failure chart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from backend.analytics.service import student_timeline
from backend.courses import service as courses
from backend.exercises.repository import ExerciseRepository
from backend.gradebook.service import failure_rates, grading_progress
from backend.submissions import hints
from backend.submissions import service as submissions
from backend.web.deps import CsrfChecked, CurrentUser, Id, SessionDep
from backend.web.i18n import language
from backend.web.templating import render
from grader.contract import Text

router = APIRouter(include_in_schema=False)


def exercise_titles(session: SessionDep, lang: str) -> dict[str, str]:
    """Each exercise's title in ``lang``: staff pages head sections with titles, not ids."""
    return {
        e.id: e.title_ja if lang == "ja" else e.title_en for e in ExerciseRepository(session).list()
    }


@router.post("/submissions/{submission_id}/regrade", dependencies=[CsrfChecked])
def regrade_one(
    request: Request, session: SessionDep, user: CurrentUser, submission_id: Id
) -> Response:
    submissions.regrade_submission(session, user, submission_id)  # graded after the commit
    return RedirectResponse(f"/submissions/{submission_id}", status_code=303)


@router.post("/assignments/{assignment_id}/regrade", dependencies=[CsrfChecked])
def regrade_all(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    assignment, course = courses.get_assignment(session, user, assignment_id)
    courses.require_course_staff(session, user, course.id)
    if confirmed != "yes":
        # Regrading can change every learner's score: say how many first, and wait for a yes.
        return render(
            request,
            "regrade_confirm.html",
            user=user,
            course=course,
            assignment=assignment,
            title=exercise_titles(session, language(request))[assignment.exercise_id],
            count=grading_progress(session, assignment).total,
        )
    regraded = submissions.regrade_assignment(session, user, assignment_id)  # graded after commit
    return RedirectResponse(
        f"/assignments/{assignment_id}/stats?regraded={len(regraded)}", status_code=303
    )


@router.get("/assignments/{assignment_id}/stats")
def stats(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    regraded: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    assignment, course = courses.get_assignment(session, user, assignment_id)
    courses.require_course_staff(session, user, course.id)
    return render(
        request,
        "stats.html",
        user=user,
        course=course,
        assignment=assignment,
        title=exercise_titles(session, language(request))[assignment.exercise_id],
        rates=failure_rates(session, assignment),
        progress=grading_progress(session, assignment),
        regraded=regraded,
    )


@router.get("/courses/{course_id}/students/{student_id}")
def student_page(
    request: Request, session: SessionDep, user: CurrentUser, course_id: Id, student_id: Id
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    student, rows = submissions.student_record(session, course, student_id)
    titles = {e.id: Text(en=e.title_en, ja=e.title_ja) for e in ExerciseRepository(session).list()}
    return render(
        request,
        "student.html",
        user=user,
        course=course,
        student=student,
        rows=rows,
        titles=exercise_titles(session, language(request)),
        hints_shown={a.id: hints.shown_tests(session, student.id, a.id) for a, _ in rows},
        timeline=student_timeline(course, rows, titles),
    )
