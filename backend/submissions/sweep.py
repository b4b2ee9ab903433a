"""The periodic sweep: submissions stuck in queued/running (a worker or the broker was lost) are
queued again, and after ``max_tries`` they end as an error that says why."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db import transaction
from backend.models import Submission
from backend.models._common import utcnow
from backend.models.submission import SubmissionStatus
from grader.contract import GradingResult, Text

log = logging.getLogger("kadai.sweep")


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)


def sweep(sessions: sessionmaker[Session], stuck_after_s: float, max_tries: int) -> SweepReport:
    """Requeue or end stuck submissions; the caller enqueues ``requeued`` after this commits."""
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
                result = GradingResult.failure(
                    status="error",
                    outcome="infrastructure",
                    max_score=submission.max_score or 0.0,
                    message=Text(
                        en=f"Grading gave up after {submission.grading_tries} tries: the grading "
                        "worker or the queue was lost each time. An instructor can regrade it.",
                        ja=f"{submission.grading_tries} 回試みましたが採点できませんでした"
                        "(採点ワーカーまたはキューの障害)。教員が再採点できます。",
                    ),
                )
                submission.status = SubmissionStatus.error
                submission.result_json = result.to_json()
                submission.score = 0.0
                submission.finished_at = utcnow()
                report.given_up.append(submission.id)
            else:
                submission.status = SubmissionStatus.queued
                submission.started_at = utcnow()  # when it was last dispatched
                report.requeued.append(submission.id)
    if report.requeued or report.given_up:
        log.warning("sweep requeued %s, gave up on %s", report.requeued, report.given_up)
    return report


class Sweeper:
    """Runs ``sweep`` every interval in a background thread and enqueues what it requeued."""

    def __init__(self, sessions, enqueue, stuck_after_s: float, max_tries: int, interval_s: float):  # type: ignore[no-untyped-def]
        self.sessions = sessions
        self.enqueue = enqueue
        self.stuck_after_s = stuck_after_s
        self.max_tries = max_tries
        self.interval_s = interval_s
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="kadai-sweep", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)

    def _loop(self) -> None:
        while not self.stopping.wait(self.interval_s):
            try:
                report = sweep(self.sessions, self.stuck_after_s, self.max_tries)
                for submission_id in report.requeued:
                    self.enqueue(submission_id)
            except Exception:
                log.exception("sweep failed")
