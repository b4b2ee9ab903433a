"""REST endpoints of running a course: regrade requests (learners ask, staff answer and may
override a score), similarity runs and course analytics. Same prefix, errors and scopes as v1."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from backend.analytics import export
from backend.analytics import service as analytics
from backend.api.schemas import UtcDatetime
from backend.api.v1 import ERRORS
from backend.models import Submission
from backend.regrades import service as regrades
from backend.similarity import service as similarity
from backend.submissions import service as submissions
from backend.web.deps import GradesUser, Id, ReadUser, SessionDep, SubmitUser
from backend.web.downloads import attachment

router = APIRouter(prefix="/api/v1", tags=["v1"], responses=ERRORS)


class RegradeRequestIn(BaseModel):
    message: str = Field(max_length=regrades.MAX_MESSAGE_CHARS * 2)


class RegradeAnswerIn(BaseModel):
    answer: str = Field(max_length=regrades.MAX_MESSAGE_CHARS * 2)
    score: float | None = Field(
        default=None, description="a new score for the submission (0 to its maximum), or none"
    )
    reason: str = Field(default="", max_length=regrades.MAX_MESSAGE_CHARS * 2)


class RegradeRequestOut(BaseModel):
    id: int
    submission_id: int
    course_id: int
    user_id: int
    message: str
    state: Literal["open", "answered"]
    answer: str | None
    created_at: UtcDatetime
    answered_at: UtcDatetime | None
    score: float | None = Field(description="the submission's graded score")
    score_override: float | None = Field(description="staff's override, which counts instead")
    override_reason: str | None


@router.post(
    "/submissions/{submission_id}/regrade-requests",
    response_model=RegradeRequestOut,
    status_code=201,
)
def ask_review(session: SessionDep, user: SubmitUser, submission_id: Id, body: RegradeRequestIn):
    """The learner's own graded submission; one open request per submission."""
    request = regrades.ask(session, user, submission_id, body.message)
    submission = session.get(Submission, request.submission_id)
    return regrades.request_out(request, submission)  # type: ignore[arg-type]


@router.get("/submissions/{submission_id}/regrade-requests", response_model=list[RegradeRequestOut])
def submission_reviews(session: SessionDep, user: ReadUser, submission_id: Id):
    submission, _staff = submissions.get_submission(session, user, submission_id)
    return [
        regrades.request_out(r, submission) for r in regrades.for_submission(session, submission.id)
    ]


@router.get("/courses/{course_id}/regrade-requests", response_model=list[RegradeRequestOut])
def course_reviews(
    session: SessionDep,
    user: GradesUser,
    course_id: Id,
    state: Annotated[Literal["open", "answered", "all"], Query()] = "open",
):
    """The course's queue for staff, oldest first."""
    items = regrades.queue(session, user, course_id, None if state == "all" else state)
    return [regrades.request_out(i.request, i.submission) for i in items]


@router.post("/regrade-requests/{request_id}/answer", response_model=RegradeRequestOut)
def answer_review(session: SessionDep, user: GradesUser, request_id: Id, body: RegradeAnswerIn):
    """Staff's answer; with ``score``, the submission's score that counts becomes it."""
    request = regrades.answer(session, user, request_id, body.answer, body.score, body.reason)
    submission = session.get(Submission, request.submission_id)
    return regrades.request_out(request, submission)  # type: ignore[arg-type]


class SimilarityRunIn(BaseModel):
    after_due: bool = Field(
        default=False, description="wait for the assignment's due date instead of running now"
    )


class SimilarityLearnerOut(BaseModel):
    submission_id: int
    email: str


class SimilarityPairOut(BaseModel):
    id: int
    similarity: float = Field(description="0 to 1: the larger share of either's code in the other")
    tokens: int
    first: SimilarityLearnerOut
    second: SimilarityLearnerOut


class SimilarityRunOut(BaseModel):
    id: int
    assignment_id: int
    state: Literal["queued", "running", "done", "failed"]
    run_after: UtcDatetime
    compared: int
    error: str | None
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    pairs: list[SimilarityPairOut] = Field(description="most similar first, once done")


@router.post(
    "/assignments/{assignment_id}/similarity-runs",
    response_model=SimilarityRunOut,
    status_code=202,
)
def start_similarity(
    session: SessionDep, user: GradesUser, assignment_id: Id, body: SimilarityRunIn
):
    """Queues a run over the learners' counted submissions (made in the background)."""
    return similarity.run_out(similarity.start(session, user, assignment_id, body.after_due))


@router.get("/assignments/{assignment_id}/similarity-runs", response_model=list[SimilarityRunOut])
def list_similarity(session: SessionDep, user: GradesUser, assignment_id: Id):
    return [similarity.run_out(run) for run in similarity.runs(session, user, assignment_id)]


@router.get("/similarity-runs/{run_id}", response_model=SimilarityRunOut)
def get_similarity(
    session: SessionDep,
    user: GradesUser,
    run_id: Id,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
):
    run = similarity.get_run(session, user, run_id)
    return similarity.run_out(run, similarity.ranked(session, run, limit))


@router.get("/assignments/{assignment_id}/analytics")
def get_analytics(session: SessionDep, user: GradesUser, assignment_id: Id) -> dict:
    """Score distribution, attempts and time until full marks, per-test failure rates over time
    (as chart data), the most common failing messages, and one row per learner."""
    _assignment, _course, found = analytics.for_assignment_id(session, user, assignment_id)
    return export.to_json(found)


@router.get("/assignments/{assignment_id}/analytics.csv")
def get_analytics_csv(session: SessionDep, user: GradesUser, assignment_id: Id) -> Response:
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
