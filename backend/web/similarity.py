"""Similarity runs in the browser: start one (now or after the due date), see the pairs ranked,
and a pair side by side with the matching fragments highlighted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from backend.courses import service as courses
from backend.models._common import utcnow
from backend.similarity import service as similarity
from backend.web.deps import CsrfChecked, CurrentUser, Id, SessionDep
from backend.web.i18n import language
from backend.web.staff import exercise_titles
from backend.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/assignments/{assignment_id}/similarity")
def runs_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    run: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    assignment, course = courses.get_assignment(session, user, assignment_id)
    found = similarity.runs(session, user, assignment_id)
    shown = next((r for r in found if r.id == run), None) if run else None
    shown = shown or next((r for r in found if r.state == "done"), None)
    return render(
        request,
        "similarity.html",
        user=user,
        course=course,
        assignment=assignment,
        title=exercise_titles(session, language(request))[assignment.exercise_id],
        runs=found,
        shown=shown,
        pairs=similarity.ranked(session, shown) if shown else [],
        waiting=any(r.state in similarity.WAITING and r.run_after <= utcnow() for r in found),
    )


@router.post("/assignments/{assignment_id}/similarity", dependencies=[CsrfChecked])
def start_run(
    session: SessionDep,
    user: CurrentUser,
    assignment_id: Id,
    when: Annotated[str, Form(pattern="^(now|after_due)$")] = "now",
) -> Response:
    similarity.start(session, user, assignment_id, after_due=when == "after_due")
    return RedirectResponse(f"/assignments/{assignment_id}/similarity", status_code=303)


@router.get("/similarity/pairs/{pair_id}")
def pair_page(request: Request, session: SessionDep, user: CurrentUser, pair_id: Id) -> Response:
    pair, first, second = similarity.pair_view(session, user, pair_id)
    run = similarity.get_run(session, user, pair.run_id)
    assignment, course = courses.get_assignment(session, user, run.assignment_id)
    return render(
        request,
        "similarity_pair.html",
        user=user,
        course=course,
        assignment=assignment,
        title=exercise_titles(session, language(request))[assignment.exercise_id],
        pair=pair,
        run=run,
        sides=(first, second),
    )
