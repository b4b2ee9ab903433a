"""Regrade requests in the browser: the learner's request on a submission page, the course's
queue for staff, and staff's answer (with an optional score override)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from backend.courses import service as courses
from backend.regrades import service as regrades
from backend.web.deps import CsrfChecked, CurrentUser, Id, SessionDep
from backend.web.templating import render

router = APIRouter(include_in_schema=False)
# Bounded like the API's: a pasted essay is refused with a message, not stored.
Message = Annotated[str, Form(max_length=regrades.MAX_MESSAGE_CHARS * 2)]


@router.post("/submissions/{submission_id}/regrade-requests", dependencies=[CsrfChecked])
def ask(
    session: SessionDep, user: CurrentUser, submission_id: Id, message: Message = ""
) -> Response:
    regrades.ask(session, user, submission_id, message)
    return RedirectResponse(f"/submissions/{submission_id}#review", status_code=303)


@router.get("/courses/{course_id}/regrade-requests")
def queue_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    course_id: Id,
    show: Annotated[str, Query(pattern="^(open|all)$")] = "open",
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    items = regrades.queue(session, user, course.id, None if show == "all" else "open")
    return render(request, "regrade_queue.html", user=user, course=course, items=items, show=show)


@router.post("/regrade-requests/{request_id}/answer", dependencies=[CsrfChecked])
def answer(
    session: SessionDep,
    user: CurrentUser,
    request_id: Id,
    answer: Message = "",
    score: Annotated[str, Form(max_length=40)] = "",
    reason: Message = "",
) -> Response:
    answered = regrades.answer(session, user, request_id, answer, score, reason)
    return RedirectResponse(
        f"/courses/{answered.course_id}/regrade-requests?answered={answered.id}", status_code=303
    )
