"""Course analytics in the browser: an assignment's charts (each with its table) and CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.analytics import export
from backend.analytics import service as analytics
from backend.web.deps import CurrentUser, Id, SessionDep
from backend.web.downloads import attachment
from backend.web.i18n import language
from backend.web.staff import exercise_titles
from backend.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/assignments/{assignment_id}/analytics")
def analytics_page(
    request: Request, session: SessionDep, user: CurrentUser, assignment_id: Id
) -> Response:
    lang = language(request)
    assignment, course, found = analytics.for_assignment_id(session, user, assignment_id, lang)
    return render(
        request,
        "analytics.html",
        user=user,
        course=course,
        assignment=assignment,
        title=exercise_titles(session, lang)[assignment.exercise_id],
        analytics=found,
    )


@router.get("/assignments/{assignment_id}/analytics.csv")
def analytics_csv(session: SessionDep, user: CurrentUser, assignment_id: Id) -> Response:
    assignment, course, found = analytics.for_assignment_id(session, user, assignment_id)
    return Response(
        export.to_csv(found, course),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": attachment(
                f"analytics-{course.code}-{assignment.exercise_id}.csv"
            )
        },
    )
