"""One grading, whoever runs it (a grading thread or a Celery worker): grade a claimed
submission and store its result, then tell the webhook.

The claim, the store and the retry are lifecycle transitions (``lifecycle.py``); this module runs
the grader between them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from backend import metrics
from backend.db import transaction
from backend.submissions import lifecycle
from backend.submissions.lifecycle import Stored
from backend.submissions.repository import SubmissionRepository
from backend.submissions.service import graded_package
from grader.contract import GradingResult, Text
from grader.engine import ExercisePackage

log = logging.getLogger("kadai.grading")
GradeFunction = Callable[[ExercisePackage, str, str], GradingResult]


def run(
    sessions: sessionmaker[Session],
    grade: GradeFunction,
    submission_id: int,
    lease: str,
    max_tries: int,
) -> Stored:
    with transaction(sessions) as session:
        submission = SubmissionRepository(session).get(submission_id)
        assert submission is not None
        package = graded_package(session, submission)
        code = submission.code
    log.info("grading", extra={"submission_id": submission_id, "exercise": package.id})
    began = time.monotonic()
    try:
        result = grade(package, code, f"submission-{submission_id}")
    except Exception as exc:
        log.exception("grading submission %s failed", submission_id)
        result = GradingResult.failure(
            status="error",
            outcome="infrastructure",
            max_score=package.meta.points,
            message=Text(en=f"Grading failed: {exc}", ja=f"採点に失敗しました: {exc}"),
        )
    metrics.observe(package.id, result.status, result.outcome, time.monotonic() - began)
    stored = lifecycle.store_result(sessions, submission_id, lease, result, max_tries)
    log.info(
        "graded",
        extra={
            "submission_id": submission_id,
            "exercise": package.id,
            "stored": stored,
            "status": result.status,
            "outcome": result.outcome,
            "score": result.score,
        },
    )
    return stored


def announce(
    sessions: sessionmaker[Session], submission_id: int, notify: Callable[[dict], None] | None
) -> None:
    """Tells ``notify`` (the webhook) about a stored result; a failure there never fails grading."""
    if notify is None:
        return
    try:
        event = graded_event(sessions, submission_id)
        if event:
            notify(event)
    except Exception:
        log.exception("announcing submission %s failed", submission_id)


def graded_event(sessions: sessionmaker[Session], submission_id: int) -> dict | None:
    """What the webhook tells the LMS about a finished grading."""
    from backend.auth.repository import UserRepository
    from backend.courses.repository import CourseRepository

    with transaction(sessions) as session:
        submission = SubmissionRepository(session).get(submission_id)
        if submission is None or submission.status not in ("graded", "error"):
            return None
        assignment = CourseRepository(session).assignment(submission.assignment_id)
        user = UserRepository(session).get(submission.user_id)
        return {
            "submission_id": submission.id,
            "assignment_id": submission.assignment_id,
            "course_id": assignment.course_id if assignment else None,
            "exercise_id": assignment.exercise_id if assignment else None,
            "exercise_version": submission.exercise_version,
            "user_email": user.email if user else None,
            "attempt": submission.attempt,
            "status": submission.status,
            "score": submission.score,
            "max_score": submission.max_score,
            "late": submission.late,
        }
