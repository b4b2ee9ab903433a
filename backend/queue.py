"""Where grading jobs go: the in-process grading threads, or a Celery queue (cpu or gpu).

Switching is the one setting ``KADAI_QUEUE_BACKEND``. Jobs are made by lifecycle transitions and
sent after their transaction commits (``lifecycle.send_jobs_after_commit``); nobody else enqueues.
"""

from __future__ import annotations

import logging

from celery import Celery

from backend.submissions.lifecycle import Job
from backend.submissions.threads import GradingThreads

GRADE_TASK = "kadai.grade"
log = logging.getLogger("kadai.queue")


class EmbeddedQueue:
    """The grading threads take the oldest queued row themselves; a job only wakes them."""

    def __init__(self, threads: GradingThreads) -> None:
        self.threads = threads

    def enqueue(self, job: Job) -> None:
        self.threads.notify()


class CeleryQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue(self, job: Job) -> None:
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
