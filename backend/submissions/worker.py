"""The embedded grading worker: threads in the web process that grade queued submissions.

A submission is claimed atomically (queued → running), graded outside any transaction, and its
result stored in a second one. On start, gradings interrupted by a restart are queued again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from backend.db import transaction
from backend.exercises.service import package_for
from backend.models._common import utcnow
from backend.models.submission import SubmissionStatus
from backend.submissions.repository import SubmissionRepository
from grader.contract import GradingResult, Text
from grader.engine import Grader
from grader.exercise import ExercisePackage

log = logging.getLogger("kadai.worker")
GradeFunction = Callable[[ExercisePackage, str, str], GradingResult]


def store_result(
    sessions: sessionmaker[Session], submission_id: int, result: GradingResult
) -> None:
    with transaction(sessions) as session:
        submission = SubmissionRepository(session).get(submission_id)
        if submission is None or submission.status != SubmissionStatus.running:
            return  # deleted, or already finished by another worker: never a second result
        submission.result_json = result.to_json()
        submission.score = result.score
        submission.max_score = result.max_score
        submission.status = (
            SubmissionStatus.graded if result.status == "graded" else SubmissionStatus.error
        )
        submission.finished_at = utcnow()


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


def grade_one(sessions: sessionmaker[Session], grade: GradeFunction, submission_id: int) -> None:
    with transaction(sessions) as session:
        submission = SubmissionRepository(session).get(submission_id)
        assert submission is not None
        assignment_exercise = submission_exercise(session, submission.assignment_id)
        package = package_for(session, assignment_exercise, submission.exercise_version)
        code = submission.code
    log.info("grading submission %s (%s)", submission_id, package.id)
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
    store_result(sessions, submission_id, result)
    log.info(
        "submission %s: %s %s/%s", submission_id, result.status, result.score, result.max_score
    )


def submission_exercise(session: Session, assignment_id: int) -> str:
    from backend.courses.repository import CourseRepository

    assignment = CourseRepository(session).assignment(assignment_id)
    assert assignment is not None
    return assignment.exercise_id


class GradingWorkerPool:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        grader_factory: Callable[[], Grader],
        size: int,
        on_graded: Callable[[dict], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.on_graded = on_graded
        self.grader_factory = grader_factory
        self.size = size
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        with transaction(self.sessions) as session:
            requeued = SubmissionRepository(session).requeue_interrupted()
        if requeued:
            log.info("requeued %d interrupted gradings", requeued)
        for index in range(self.size):
            thread = threading.Thread(target=self._run, name=f"kadai-grader-{index}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def notify(self) -> None:
        self.wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout)

    def claim_next(self) -> int | None:
        while True:
            with transaction(self.sessions) as session:
                repository = SubmissionRepository(session)
                candidate = repository.oldest_queued_id()
                if candidate is None:
                    return None
                if repository.claim(candidate):
                    return candidate

    def _run(self) -> None:
        with self.grader_factory() as grader:

            def grade(package: ExercisePackage, code: str, job_id: str) -> GradingResult:
                return grader.grade(package, code, job_id)

            while not self.stopping.is_set():
                try:
                    submission_id = self.claim_next()
                except Exception:
                    log.exception("claiming a submission failed")
                    submission_id = None
                if submission_id is None:
                    self.wake.wait(timeout=2.0)
                    self.wake.clear()
                    continue
                grade_one(self.sessions, grade, submission_id)
                self._announce(submission_id)

    def _announce(self, submission_id: int) -> None:
        if self.on_graded is None:
            return
        try:
            event = graded_event(self.sessions, submission_id)
            if event:
                self.on_graded(event)
        except Exception:
            log.exception("announcing submission %s failed", submission_id)
