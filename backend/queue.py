"""Where an accepted submission goes: the embedded worker pool, or a Celery queue (cpu or gpu).

Switching is the one setting ``KADAI_QUEUE_BACKEND``; callers only say ``enqueue``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from celery import Celery
from sqlalchemy.orm import Session

from backend.submissions.service import needs_gpu
from backend.submissions.worker import GradingWorkerPool

GRADE_TASK = "kadai.grade"
log = logging.getLogger("kadai.queue")


class GradingQueue(Protocol):
    def enqueue(self, submission_id: int, needs_gpu: bool) -> None: ...


def dispatch(queue: GradingQueue, session: Session, submission_ids: list[int]) -> None:
    """Hand committed submissions to the queue, each routed by what its exercise needs (GPU)."""
    for submission_id in submission_ids:
        queue.enqueue(submission_id, needs_gpu(session, submission_id))


class EmbeddedQueue:
    def __init__(self, pool: GradingWorkerPool) -> None:
        self.pool = pool

    def enqueue(self, submission_id: int, needs_gpu: bool) -> None:
        self.pool.notify()


class CeleryQueue:
    def __init__(self, app: Celery) -> None:
        self.app = app

    def enqueue(self, submission_id: int, needs_gpu: bool) -> None:
        # Only workers that declared GPUs consume the gpu queue.
        queue = "gpu" if needs_gpu else "cpu"
        try:
            self.app.send_task(GRADE_TASK, args=[submission_id], queue=queue, retry=False)
        except Exception:
            log.exception("broker unavailable; submission %s waits for the sweep", submission_id)
