"""The submission lifecycle: every change of a submission's status, lease and grading queue.

::

    (request) ──accept──▶ queued ──claim──▶ running ──store──▶ graded | error
                          ▲  ▲                │
                          │  └────retry───────┘   infrastructure failure, tries left
                          ├── requeue             sweep: stuck too long, tries left;
                          │                       start-up: cut off by a restart
                          └── reset for regrade   from any state; the old lease stores nothing

    queued | running ──give up──▶ error           sweep: stuck, ``max_tries`` used

- **accept** numbers the attempt and chooses the queue, ``cpu`` or ``gpu``, from the exercise:
  the one place a submission is routed (a regrade routes it again, against the current version).
  Retries and requeues reuse the stored queue.
- **claim** takes a lease; only the lease holder's result is stored, so a job delivered twice
  (a Celery worker died, the broker redelivered) never makes a second result.
- **store** keeps the result, or, for an infrastructure failure with tries left, is a **retry**.
- Every transition into ``queued`` also queues a grading job in the same database session; the
  job is sent when that session's transaction commits and dropped if it rolls back
  (``send_jobs_after_commit``), so a request that fails never grades what it did not keep, and
  no grading thread or Celery worker looks for a row not committed yet. (Start-up's requeue
  queues no job: the grading threads that make it take the oldest queued rows next anyway.)

Only this module writes ``status``, ``lease``, ``grading_tries`` and ``queue``
(tests/backend/test_lifecycle.py checks the rest of the backend for it). Reads that are not part of
a transition live in ``repository.py``; the rules about who may do what live in ``service.py``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, Protocol

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.db import transaction
from backend.errors import Conflict, Forbidden
from backend.models import Assignment, Submission, User
from backend.models._common import utcnow
from backend.models.submission import SubmissionStatus
from grader.contract import GradingResult, Text
from grader.engine import ExercisePackage

log = logging.getLogger("kadai.lifecycle")

Stored = Literal["stored", "retry", "lost_lease"]
# "gpu-opt": the exercise's tests run on a GPU where the sandbox has one (``gpu = "optional"``);
# which Celery queue that is, the deployment says (``Settings.optional_gpu_queue``).
QueueName = Literal["cpu", "gpu", "gpu-opt"]
# Above the default per-user rate limit (20 a minute): every submission of a burst gets a number.
ATTEMPT_NUMBER_TRIES = 25
# A grading that failed for infrastructure reasons waits this long before its next try.
RETRY_DELAY_S = 5.0
_JOBS = "kadai.jobs_after_commit"


@dataclass(frozen=True)
class Job:
    """A grading to run: which submission, on which queue, after how long."""

    submission_id: int
    queue: str
    delay_s: float = 0.0


@dataclass(frozen=True)
class PassbackJob:
    """An LTI score to send (backend/lti/passback.py): it rides with the grading jobs, so it leaves
    when the grading's transaction commits."""

    send_id: int
    delay_s: float = 0.0


@dataclass(frozen=True)
class SimilarityJob:
    """A similarity run to make (backend/similarity/service.py), sent like the others: when the
    transaction that queued the run commits, and after ``delay_s`` for a scheduled one."""

    run_id: int
    delay_s: float = 0.0


class GradingQueue(Protocol):
    """Where jobs go: the in-process grading threads, or a Celery queue (backend/queue.py)."""

    def enqueue(self, job: Job | PassbackJob | SimilarityJob) -> None: ...


def send_jobs_after_commit(sessions: sessionmaker[Session], queue: GradingQueue) -> None:
    """Sessions from ``sessions`` send the jobs their transitions queued once they commit.

    A rollback drops them: what was not kept is never graded. A session from a factory without
    this (a script, a test) queues nothing; the grading threads and the sweep still find the row.
    """

    # Both events also fire for a SAVEPOINT (``begin_nested``); only the real transaction counts.
    # (No transition queues a job inside a savepoint: ``accept`` queues after its own.)
    def send(session: Session) -> None:
        if not session.in_nested_transaction():
            for job in session.info.pop(_JOBS, []):
                queue.enqueue(job)

    def drop(session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(_JOBS, None)

    event.listen(sessions, "after_commit", send)
    event.listen(sessions, "after_rollback", drop)


def queue_passback(session: Session, send_id: int, delay_s: float = 0.0) -> None:
    session.info.setdefault(_JOBS, []).append(PassbackJob(send_id, delay_s))


def queue_similarity(session: Session, run_id: int, delay_s: float = 0.0) -> None:
    session.info.setdefault(_JOBS, []).append(SimilarityJob(run_id, delay_s))


def queued_jobs(session: Session) -> list[Job | PassbackJob | SimilarityJob]:
    """The jobs this session will send when it commits."""
    return list(session.info.get(_JOBS, []))


def _queue_job(session: Session, submission: Submission, delay_s: float = 0.0) -> None:
    session.info.setdefault(_JOBS, []).append(Job(submission.id, submission.queue, delay_s))


def queue_for(package: ExercisePackage) -> QueueName:
    # Only Celery workers that declared GPUs consume the gpu queue.
    return {"required": "gpu", "optional": "gpu-opt"}.get(package.meta.limits.gpu, "cpu")  # type: ignore[return-value]


def accept(
    session: Session,
    assignment: Assignment,
    user: User,
    code: str,
    package: ExercisePackage,
    late: bool,
    extra_attempts: int = 0,
) -> Submission:
    """(request) → queued: the next attempt, routed to its queue; the caller's commit sends it.
    ``extra_attempts`` (a student's deadline override) raise the assignment's attempt limit."""
    _lock_submitter(session, user.id)
    limit = None if assignment.max_attempts is None else assignment.max_attempts + extra_attempts
    for _ in range(ATTEMPT_NUMBER_TRIES):
        attempt = _next_attempt(session, user.id, assignment.id)
        if limit is not None and attempt > limit:
            raise Forbidden(
                f"All {limit} attempts are used.",
                f"提出回数の上限({limit} 回)に達しています。",
            )
        submission = Submission(
            assignment_id=assignment.id,
            user_id=user.id,
            attempt=attempt,
            code=code,
            status=SubmissionStatus.queued,
            exercise_version=package.version,
            queue=queue_for(package),
            late=late,
        )
        try:
            with session.begin_nested():
                session.add(submission)
                session.flush()
        except IntegrityError:
            continue
        _queue_job(session, submission)
        return submission
    raise Conflict(
        "Too many submissions at the same moment; send it again.",
        "同時に多数の提出がありました。もう一度提出してください。",
    )


def _lock_submitter(session: Session, user_id: int) -> None:
    """Holds the user's row until commit, so their submissions are numbered one at a time.

    Two submissions of one student at once (two tabs, an LMS retry) would compute the same next
    attempt. PostgreSQL takes them in turn on the user's row; should two still collide, the
    unique key refuses the later one, which then takes the following number.
    """
    if session.get_bind().dialect.name == "sqlite":
        # No row locks: a write takes the database's write lock instead. It also starts the real
        # transaction (pysqlite begins one at the first write only), without which the SAVEPOINT
        # below, once released, would commit the submission whatever the request does next.
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(id=User.id)
            .execution_options(synchronize_session=False)
        )
    else:
        session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _next_attempt(session: Session, user_id: int, assignment_id: int) -> int:
    query = select(func.max(Submission.attempt)).where(
        Submission.user_id == user_id, Submission.assignment_id == assignment_id
    )
    return (session.scalar(query) or 0) + 1


def reset_for_regrade(session: Session, submission: Submission, package: ExercisePackage) -> None:
    """any state → queued, against ``package`` (the exercise's current version), routed again.

    The old result is replaced; a grading still running for the old version loses its lease.
    """
    submission.exercise_version = package.version
    submission.queue = queue_for(package)
    submission.status = SubmissionStatus.queued
    submission.result_json = None
    submission.score = None
    submission.max_score = None
    submission.grading_tries = 0
    submission.lease = None
    submission.started_at = None
    submission.finished_at = None
    _queue_job(session, submission)


def claim(
    sessions: sessionmaker[Session], submission_id: int, take_over_running: bool
) -> str | None:
    """queued → running with a new lease; a redelivered job may take over a grading whose
    Celery worker died (``take_over_running``). None: someone else has it, or it is finished."""
    lease = str(uuid.uuid4())
    allowed = [SubmissionStatus.queued]
    if take_over_running:
        allowed.append(SubmissionStatus.running)
    with transaction(sessions) as session:
        result = session.execute(
            update(Submission)
            .where(Submission.id == submission_id, Submission.status.in_(allowed))
            .values(
                status=SubmissionStatus.running,
                lease=lease,
                started_at=utcnow(),
                grading_tries=Submission.grading_tries + 1,
            )
        )
    return lease if result.rowcount == 1 else None


def claim_next(sessions: sessionmaker[Session]) -> tuple[int, str] | None:
    """Claims the oldest queued submission: (its id, the lease), or None when none waits."""
    while True:
        with transaction(sessions) as session:
            candidate = session.scalar(
                select(Submission.id)
                .where(Submission.status == SubmissionStatus.queued)
                .order_by(Submission.id)
                .limit(1)
            )
        if candidate is None:
            return None
        lease = claim(sessions, candidate, take_over_running=False)
        if lease:
            return candidate, lease


def store_result(
    sessions: sessionmaker[Session],
    submission_id: int,
    lease: str,
    result: GradingResult,
    max_tries: int,
) -> Stored:
    """running → graded | error, or → queued again (retry) after an infrastructure failure with
    tries left. Only the lease holder stores; anyone else gets ``lost_lease``."""
    with transaction(sessions) as session:
        submission = session.get(Submission, submission_id)
        if submission is None or submission.lease != lease:
            return "lost_lease"
        if result.outcome == "infrastructure" and submission.grading_tries < max_tries:
            submission.status = SubmissionStatus.queued
            submission.lease = None
            _queue_job(session, submission, RETRY_DELAY_S)
            return "retry"
        submission.result_json = result.to_json()
        submission.score = result.score
        submission.max_score = result.max_score
        submission.status = (
            SubmissionStatus.graded if result.status == "graded" else SubmissionStatus.error
        )
        submission.finished_at = utcnow()
        submission.lease = None
        # In the same transaction: a stored score is never without its LTI passback row.
        from backend.lti.passback import score_changed

        score_changed(session, submission)
        return "stored"


def requeue_interrupted(sessions: sessionmaker[Session]) -> int:
    """running → queued for gradings cut off by a restart (single process: nobody else grades)."""
    with transaction(sessions) as session:
        result = session.execute(
            update(Submission)
            .where(Submission.status == SubmissionStatus.running)
            .values(status=SubmissionStatus.queued, lease=None)
        )
    return result.rowcount


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)


def sweep(sessions: sessionmaker[Session], stuck_after_s: float, max_tries: int) -> SweepReport:
    """Stuck in queued/running longer than ``stuck_after_s`` (a Celery worker or the broker was lost):
    → queued again (requeue), or → error after ``max_tries`` (give up), saying why."""
    report = SweepReport()
    cutoff = utcnow() - timedelta(seconds=stuck_after_s)
    with transaction(sessions) as session:
        stuck = session.scalars(
            select(Submission)
            .where(
                or_(
                    (Submission.status == SubmissionStatus.running)
                    & (Submission.started_at < cutoff),
                    (Submission.status == SubmissionStatus.queued)
                    & (Submission.created_at < cutoff)
                    & ((Submission.started_at.is_(None)) | (Submission.started_at < cutoff)),
                )
            )
            # Every API process sweeps; rows another sweep is handling right now are its own.
            .with_for_update(skip_locked=True)
        ).all()
        for submission in stuck:
            submission.lease = None
            if submission.grading_tries >= max_tries:
                _give_up(submission)
                report.given_up.append(submission.id)
            else:
                submission.status = SubmissionStatus.queued
                submission.started_at = utcnow()  # when it was last dispatched
                _queue_job(session, submission)
                report.requeued.append(submission.id)
    if report.requeued or report.given_up:
        log.warning("sweep requeued %s, gave up on %s", report.requeued, report.given_up)
    return report


def _give_up(submission: Submission) -> None:
    result = GradingResult.failure(
        status="error",
        outcome="infrastructure",
        max_score=submission.max_score or 0.0,
        message=Text(
            en=f"Grading gave up after {submission.grading_tries} tries: the grading process or "
            "the queue was lost each time. An instructor can regrade it.",
            ja=f"{submission.grading_tries} 回試みましたが採点できませんでした"
            "(採点プロセスまたはキューの障害)。教員が再採点できます。",
        ),
    )
    submission.status = SubmissionStatus.error
    submission.result_json = result.to_json()
    submission.score = 0.0
    submission.finished_at = utcnow()
