"""Browser pages: sign-in, courses, the exercise page with its editor, submissions, gradebook."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.auth.security import normalize_email
from backend.auth.service import authenticate
from backend.auth.sessions import end_session, start_session
from backend.courses import service as courses
from backend.courses.overrides import deadline_for
from backend.errors import Invalid, KadaiError, RateLimited
from backend.exercises.service import package_for
from backend.gradebook import export as gradebook_export
from backend.gradebook import service as gradebook
from backend.gradebook.deadlines import describe, refusal
from backend.models import User
from backend.models._common import utcnow
from backend.regrades import service as regrades
from backend.settings import Settings
from backend.submissions import hints
from backend.submissions import service as submissions
from backend.web.deps import (
    SESSION_ID,
    CsrfChecked,
    CurrentUser,
    Id,
    SessionDep,
    SettingsDep,
    check_csrf,
)
from backend.web.downloads import attachment
from backend.web.error_pages import local_path
from backend.web.i18n import LANGS, language
from backend.web.submitted import code_from_form, filename_from_form, submitted_form
from backend.web.templating import render
from grader.engine import is_notebook_name, starter_notebook

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=local_path(next))


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    # The client address is the peer's, or a trusted proxy's X-Forwarded-For (see create_app);
    # the address is counted as it is looked up, so spelling variants share one count.
    client = request.client.host if request.client else "unknown"
    if not request.app.state.signin_limiter.allow(f"{client}:{normalize_email(email)}"):
        raise RateLimited(
            "Too many sign-in attempts; wait a minute.",
            "試行回数が多すぎます。1 分待ってください。",
        )
    try:
        user = authenticate(session, email, password)
    except KadaiError as exc:
        message = exc.text.ja if language(request) == "ja" else exc.text.en
        return render(
            request,
            "login.html",
            status_code=401,
            error=message,
            email=email,
            next=local_path(next),
        )
    request.session.clear()  # a fresh session (and CSRF token) at every sign-in
    request.session[SESSION_ID] = start_session(session, user, settings.session_lifetime_s)
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    secret = request.session.get(SESSION_ID)
    if isinstance(secret, str):
        end_session(session, secret)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/lang/{code}", dependencies=[CsrfChecked])
def set_language(code: str, next: Annotated[str, Form()] = "/") -> Response:
    response = RedirectResponse(local_path(next), 303)
    if code in LANGS:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/")
def home(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    from backend.courses.repository import CourseRepository

    repository = CourseRepository(session)
    mine = repository.all() if user.role == "admin" else repository.for_user(user.id)
    # An archived course (a past term) is listed for its staff only.
    mine = [
        c for c in mine if c.archived_at is None or courses.is_course_staff(session, user, c.id)
    ]
    return render(request, "courses.html", user=user, courses=mine)


@router.get("/courses/{course_id}")
def course_page(
    request: Request, session: SessionDep, user: CurrentUser, course_id: Id
) -> Response:
    course = courses.get_course(session, user, course_id)
    return render(
        request,
        "course.html",
        user=user,
        course=course,
        rows=courses.overview(session, user, course),
        staff=courses.is_course_staff(session, user, course_id),
    )


@router.get("/assignments/{assignment_id}")
def assignment_page(
    request: Request, session: SessionDep, user: CurrentUser, assignment_id: Id
) -> Response:
    assignment, course = courses.get_assignment(session, user, assignment_id)
    courses.require_visible(session, user, assignment)
    package = package_for(session, assignment.exercise_id)
    attempts = submissions.history(session, user, assignment_id)
    initial = attempts[-1].code if attempts else package.starter
    # The learner's own deadline and late policy, said before they submit.
    deadline, policy = deadline_for(session, assignment, user.id)
    lang = language(request)
    closed = refusal(utcnow(), deadline, policy) is not None
    closed = closed or course.archived_at is not None or assignment.archived_at is not None
    return render(
        request,
        "assignment.html",
        user=user,
        course=course,
        assignment=assignment,
        package=package,
        attempts=attempts,
        initial=initial,
        deadline=deadline,
        policy_text=getattr(describe(policy, deadline), lang),
        closed=closed,
    )


async def submitted_code(request: Request, max_bytes: int) -> tuple[str, str | None]:
    """The code a browser sent, as a form (``code`` a field or an uploaded file) or as
    ``{"code": ..., "filename": ...}`` JSON, once the request has shown this session's CSRF
    token; with the name it was sent under (a notebook's ends in .ipynb), if any."""
    filename = None
    if "json" in request.headers.get("content-type", ""):
        check_csrf(request, request.headers.get("x-csrf-token"))
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            raise Invalid(
                "The body is not valid JSON.", "本文が正しい JSON ではありません。"
            ) from None
        code = body.get("code", "") if isinstance(body, dict) else None
        filename = body.get("filename") if isinstance(body, dict) else None
    else:
        async with submitted_form(request) as form:
            check_csrf(request, request.headers.get("x-csrf-token") or form.get("csrf_token"))
            code = await code_from_form(form, max_bytes)
            filename = filename_from_form(form)
    if not isinstance(code, str):
        raise Invalid('Send {"code": "<text>"}.', '{"code": "<テキスト>"} の形で送ってください。')
    return code, filename if isinstance(filename, str) and filename else None


@router.post("/assignments/{assignment_id}/submissions")
async def submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    assignment_id: Id,
) -> Response:
    # Signed in first: the body (up to the route's limit) is read only for a known user.
    code, filename = await submitted_code(request, settings.max_code_bytes)
    # The database work runs on the thread pool, like a sync endpoint's, not in the event loop.
    return await run_in_threadpool(
        store_submission, request, session, settings, user, assignment_id, code, filename
    )


def store_submission(
    request: Request,
    session: Session,
    settings: Settings,
    user: User,
    assignment_id: int,
    code: str,
    filename: str | None = None,
) -> Response:
    if not request.app.state.submit_limiter.allow(str(user.id)):
        raise RateLimited(
            "Too many submissions; wait a minute.", "提出が多すぎます。1 分待ってください。"
        )
    # Committed (and only then sent to grading) before the response leaves: see deps.SessionDep.
    submission = submissions.create_submission(
        session, user, assignment_id, code, settings.max_code_bytes, filename
    )
    url = f"/submissions/{submission.id}"
    if "json" in request.headers.get("accept", ""):
        return JSONResponse({"id": submission.id, "status": submission.status, "url": url}, 201)
    return RedirectResponse(url, status_code=303)


@router.get("/submissions/{submission_id}")
def submission_page(
    request: Request, session: SessionDep, user: CurrentUser, submission_id: Id
) -> Response:
    submission, staff = submissions.get_submission(session, user, submission_id)
    assignment, course = courses.get_assignment(session, user, submission.assignment_id)
    shown = submissions.visible_result(submission, assignment, staff, session)
    package = package_for(session, assignment.exercise_id, submission.exercise_version)
    result, notebook = submissions.notebook_page(submission, shown.result)
    return render(
        request,
        "submission.html",
        user=user,
        course=course,
        assignment=assignment,
        package=package,
        submission=submission,
        result=result,
        staff=staff,
        notebook=notebook,
        hints=hints.shown_for_viewer(session, submission, package, shown.result, user.id),
        reviews=regrades.for_submission(session, submission.id),
    )


@router.post("/assignments/{assignment_id}/notebook")
async def extract_notebook(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    assignment_id: Id,
) -> Response:
    """The code of a notebook the learner picked, for the editor to show before submitting:
    ``{"code", "filename", "notes"}``, or the standard error saying why it cannot be read."""
    code, filename = await submitted_code(request, settings.max_code_bytes)
    return await run_in_threadpool(
        notebook_preview, request, session, user, assignment_id, code, filename or "notebook.ipynb"
    )


def notebook_preview(
    request: Request, session: Session, user: User, assignment_id: int, text: str, filename: str
) -> Response:
    assignment, _course = courses.get_assignment(session, user, assignment_id)
    package = package_for(session, assignment.exercise_id)
    if package.meta.kind != "code" or not is_notebook_name(filename):
        raise Invalid(
            "Only a code exercise takes a notebook (.ipynb).",
            "ノートブック(.ipynb)を受け付けるのはコードの演習だけです。",
        )
    notebook = submissions.notebook_code(package, text, filename)
    lang = language(request)
    return JSONResponse(
        {
            "code": notebook.source,  # type: ignore[union-attr]
            "filename": notebook.filename,  # type: ignore[union-attr]
            "notes": [getattr(note, lang) for note in notebook.notes],  # type: ignore[union-attr]
        }
    )


@router.get("/assignments/{assignment_id}/starter.ipynb")
def starter_download(
    request: Request, session: SessionDep, user: CurrentUser, assignment_id: Id
) -> Response:
    """The exercise's statement (in the page's language) and starter code as a notebook."""
    assignment, _course = courses.get_assignment(session, user, assignment_id)
    package = package_for(session, assignment.exercise_id)
    if package.meta.kind != "code":
        raise Invalid(
            "A quiz has no starter notebook.", "クイズにはスターターのノートブックがありません。"
        )
    lang = language(request)
    return Response(
        starter_notebook(package, lang),
        media_type="application/x-ipynb+json",
        headers={"Content-Disposition": attachment(f"{package.id}.{lang}.ipynb")},
    )


@router.get("/submissions/{submission_id}/status")
def submission_status(session: SessionDep, user: CurrentUser, submission_id: Id) -> Response:
    submission, _ = submissions.get_submission(session, user, submission_id)
    return JSONResponse(
        {
            "id": submission.id,
            "status": submission.status,
            "score": submission.score,
            "max_score": submission.max_score,
        }
    )


@router.get("/courses/{course_id}/gradebook")
def gradebook_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    course_id: Id,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    size = gradebook.PAGE_SIZE
    book = gradebook.build(session, course, language(request), offset=(page - 1) * size, limit=size)
    return render(request, "gradebook.html", user=user, course=course, book=book, page=page)


@router.get("/courses/{course_id}/gradebook.csv")
def gradebook_csv(
    request: Request, session: SessionDep, user: CurrentUser, course_id: Id
) -> Response:
    course = courses.require_course_staff(session, user, course_id)
    return Response(
        gradebook_export.to_csv(gradebook.build(session, course, language(request))),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"gradebook-{course.code}.csv")},
    )
