"""Where grading jobs go: the in-process grading threads, or a Celery queue (cpu or gpu).

Switching is the one setting ``KADAI_QUEUE_BACKEND``. Jobs are made by lifecycle transitions and
sent after their transaction commits (``lifecycle.send_jobs_after_commit``); nobody else enqueues.
"""

from __future__ import annotations

import logging

from celery import Celery

from backend.lti.passback import PassbackRunner
from backend.similarity.service import SimilarityRunner
from backend.submissions.lifecycle import Job, PassbackJob, SimilarityJob
from backend.submissions.threads import GradingThreads

GRADE_TASK = "kadai.grade"
PASSBACK_TASK = "kadai.lti_passback"
SIMILARITY_TASK = "kadai.similarity"
# A run scheduled further ahead is left to the app's poll: a countdown longer than the broker's
# visibility timeout would be delivered twice.
SIMILARITY_COUNTDOWN_MAX_S = 300.0
log = logging.getLogger("kadai.queue")


class EmbeddedQueue:
    """The grading threads take the oldest queued row themselves; a job only wakes them."""

    def __init__(
        self,
        threads: GradingThreads,
        passback: PassbackRunner | None = None,
        similarity: SimilarityRunner | None = None,
    ) -> None:
        self.threads = threads
        self.passback = passback
        self.similarity = similarity

    def enqueue(self, job: Job | PassbackJob | SimilarityJob) -> None:
        if isinstance(job, SimilarityJob):
            # The similarity thread polls for due runs; a scheduled one waits for its time there.
            if self.similarity is not None and not job.delay_s:
                self.similarity.notify()
            return
        if isinstance(job, PassbackJob):
            # The passback thread polls for due rows; a delayed retry waits for its time there.
            if self.passback is not None and not job.delay_s:
                self.passback.notify()
            return
        self.threads.notify()


class CeleryQueue:
    def __init__(self, app: Celery, optional_gpu_queue: str = "cpu") -> None:
        self.app = app
        # Where an exercise that runs on a GPU only where there is one goes: the gpu queue in a
        # deployment with GPU workers (they test it on the GPU too), else any cpu worker.
        self.optional_gpu_queue = optional_gpu_queue

    def enqueue(self, job: Job | PassbackJob | SimilarityJob) -> None:
        if isinstance(job, SimilarityJob):
            if job.delay_s <= SIMILARITY_COUNTDOWN_MAX_S:
                self._send(SIMILARITY_TASK, job.run_id, "cpu", job.delay_s)
            return
        if isinstance(job, PassbackJob):
            self._send(PASSBACK_TASK, job.send_id, "cpu", job.delay_s)
            return
        try:
            self.app.send_task(
                GRADE_TASK,
                args=[job.submission_id],
                queue=self.optional_gpu_queue if job.queue == "gpu-opt" else job.queue,
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
            log.exception("broker unavailable; %s of %s waits for the poll", task, row_id)
