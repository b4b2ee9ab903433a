"""Regrade requests: a learner asks staff to review one graded submission; staff answer, and may
override that submission's score (with a reason). The override is what counts from then on
(``gradebook.service.effective_score``); the graded score is kept beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.audit.service import record_change
from backend.courses.repository import CourseRepository
from backend.courses.service import require_course_staff
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.lti import passback
from backend.models import Course, RegradeRequest, Submission, User
from backend.models._common import utcnow
from backend.models.regrade_request import RegradeState
from backend.submissions.service import get_submission

MAX_MESSAGE_CHARS = 4000


def _text(value: str, what_en: str, what_ja: str) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"Write {what_en}.", f"{what_ja}を書いてください。")
    if len(text) > MAX_MESSAGE_CHARS:
        raise Invalid(
            f"The {what_en} is longer than {MAX_MESSAGE_CHARS:,} characters; shorten it.",
            f"{what_ja}が {MAX_MESSAGE_CHARS:,} 文字を超えています。短くしてください。",
        )
    if "\x00" in text:
        raise Invalid(
            f"The {what_en} contains a NUL character.", f"{what_ja}に NUL 文字が含まれています。"
        )
    return text


def ask(session: Session, user: User, submission_id: int, message: str) -> RegradeRequest:
    """The learner's own graded submission, one open request at a time."""
    submission, _staff = get_submission(session, user, submission_id)
    if submission.user_id != user.id:
        raise Forbidden(
            "Only the learner who submitted may ask for a review.",
            "再採点を依頼できるのは提出した本人だけです。",
        )
    if submission.status != "graded":
        raise Conflict(
            "Only a graded submission can be reviewed; wait for its result.",
            "再採点を依頼できるのは採点済みの提出物だけです。結果が出るまでお待ちください。",
        )
    text = _text(message, "a message", "メッセージ")
    if any(r.state == RegradeState.open for r in for_submission(session, submission.id)):
        raise Conflict(
            "You already asked for a review of this submission; wait for the answer.",
            "この提出物の再採点はすでに依頼済みです。回答をお待ちください。",
        )
    assignment = CourseRepository(session).assignment(submission.assignment_id)
    assert assignment is not None
    request = RegradeRequest(
        submission_id=submission.id,
        course_id=assignment.course_id,
        user_id=user.id,
        message=text,
    )
    session.add(request)
    session.flush()
    return request


def parse_override(value: str | float | None, max_score: float | None) -> float | None:
    """A form's or a body's override: empty for none, else a number from 0 to the maximum."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(
            "The new score must be a number.", "新しい得点は数値で入力してください。"
        ) from None
    top = max_score if max_score is not None else math.inf
    if not math.isfinite(number) or number < 0 or number > top:
        raise Invalid(
            f"The new score must be between 0 and {top:g}.",
            f"新しい得点は 0 から {top:g} の間で入力してください。",
        )
    return number


def answer(
    session: Session,
    staff: User,
    request_id: int,
    text: str,
    override: str | float | None = None,
    reason: str = "",
) -> RegradeRequest:
    """Staff's answer; with ``override``, the submission's score that counts changes too."""
    request = session.get(RegradeRequest, request_id)
    if request is None:
        raise NotFound("No such regrade request.", "再採点の依頼が見つかりません。")
    require_course_staff(session, staff, request.course_id)
    if request.state == RegradeState.answered:
        raise Conflict("This request was already answered.", "この依頼にはすでに回答済みです。")
    submission = session.get(Submission, request.submission_id)
    assert submission is not None
    reply = _text(text, "an answer", "回答")
    new_score = parse_override(override, submission.max_score)
    if new_score is not None:
        override_score(session, staff, submission, new_score, _text(reason, "a reason", "理由"))
    request.answer = reply
    request.answered_by = staff.id
    request.answered_at = utcnow()
    request.state = RegradeState.answered
    return request


def override_score(
    session: Session, staff: User, submission: Submission, score: float, reason: str
) -> None:
    """The one place a submission's score is overridden; audited in the same transaction."""
    assignment = CourseRepository(session).assignment(submission.assignment_id)
    course_id = assignment.course_id if assignment else None
    record_change(
        session,
        actor_id=staff.id,
        action="submission.score_override",
        subject_type="submission",
        subject_id=submission.id,
        course_id=course_id,
        before={
            "score": submission.score,
            "score_override": submission.score_override,
            "reason": submission.override_reason,
        },
        after={"score": submission.score, "score_override": score, "reason": reason},
    )
    submission.score_override = score
    submission.override_reason = reason
    submission.override_by = staff.id
    submission.override_at = utcnow()
    session.flush()
    # The score that counts may have changed: an LMS the learner came from gets it again.
    passback.score_changed(session, submission)


def for_submission(session: Session, submission_id: int) -> list[RegradeRequest]:
    query = (
        select(RegradeRequest)
        .where(RegradeRequest.submission_id == submission_id)
        .order_by(RegradeRequest.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class QueueItem:
    request: RegradeRequest
    submission: Submission
    learner: User


def queue(session: Session, staff: User, course_id: int, state: str | None = "open") -> list:
    """A course's requests, oldest first (open ones only by default), for its staff."""
    course: Course = require_course_staff(session, staff, course_id)
    query = (
        select(RegradeRequest, Submission, User)
        .join(Submission, Submission.id == RegradeRequest.submission_id)
        .join(User, User.id == RegradeRequest.user_id)
        .where(RegradeRequest.course_id == course.id)
        .order_by(RegradeRequest.created_at, RegradeRequest.id)
    )
    if state is not None:
        query = query.where(RegradeRequest.state == state)
    return [QueueItem(r, s, u) for r, s, u in session.execute(query).tuples()]


def request_out(request: RegradeRequest, submission: Submission) -> dict:
    """The API's view of one request, with the submission's scores as they stand."""
    return {
        "id": request.id,
        "submission_id": request.submission_id,
        "course_id": request.course_id,
        "user_id": request.user_id,
        "message": request.message,
        "state": request.state,
        "answer": request.answer,
        "created_at": request.created_at,
        "answered_at": request.answered_at,
        "score": submission.score,
        "score_override": submission.score_override,
        "override_reason": submission.override_reason,
    }
