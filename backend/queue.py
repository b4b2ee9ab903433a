"""Where grading jobs go: the in-process grading threads, or a Celery queue (cpu or gpu).

Switching is the one setting ``KADAI_QUEUE_BACKEND``. Jobs are made by lifecycle transitions and
sent after their transaction commits (``lifecycle.send_jobs_after_commit``); nobody else enqueues.
"""

from __future__ import annotations

import logging

from celery import Celery

from backend.lti.passback import PassbackRunner
from backend.submissions.lifecycle import Job, PassbackJob
from backend.submissions.threads import GradingThreads

GRADE_TASK = "kadai.grade"
PASSBACK_TASK = "kadai.lti_passback"
log = logging.getLogger("kadai.queue")


class EmbeddedQueue:
    """The grading threads take the oldest queued row themselves; a job only wakes them."""

    def __init__(self, threads: GradingThreads, passback: PassbackRunner | None = None) -> None:
        self.threads = threads
        self.passback = passback

    def enqueue(self, job: Job | PassbackJob) -> None:
        if isinstance(job, PassbackJob):
            # The passback thread polls for due rows; a delayed retry waits for its time there.
            if self.passback is not None and not job.delay_s:
                self.passback.notify()
            return
        self.threads.notify()


class CeleryQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue(self, job: Job | PassbackJob) -> None:
        if isinstance(job, PassbackJob):
            self._send(PASSBACK_TASK, job.send_id, "cpu", job.delay_s)
            return
        try:
            self.app.send_task(
                GRADE_TASK,
                args=[job.submission_id],
                queue=job.queue,
                countdown=job.delay_s or None,
                retry=False,
            )
        except Exception:
            log.exception(
                "broker unavailable; submission %s waits for the sweep", job.submission_id
            )

    def _send(self, task: str, row_id: int, queue: str, delay_s: float) -> None:
        try:
            self.app.send_task(
                task, args=[row_id], queue=queue, countdown=delay_s or None, retry=False
            )
        except Exception:
            log.exception("broker unavailable; LTI score send %s waits for the poll", row_id)
