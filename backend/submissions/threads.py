"""Grading threads: the embedded default, threads in the web process that grade queued
submissions one after another.

For a single machine. With ``KADAI_QUEUE_BACKEND=celery`` no thread is started and Celery workers
(``kadai worker``, backend/celery_app.py) grade instead; both run ``grading.run`` between the
lifecycle's claim and store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from backend.courses import service as courses
from backend.exercises import service as exercises
from backend.submissions import grading, lifecycle
from grader.engine import Grader

log = logging.getLogger("kadai.grading_threads")


class GradingThreads:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        grader_factory: Callable[[], Grader],
        size: int,
        on_graded: Callable[[dict], None] | None = None,
        max_tries: int = 3,
    ) -> None:
        self.sessions = sessions
        self.grader_factory = grader_factory
        self.size = size
        self.on_graded = on_graded
        self.max_tries = max_tries
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.grader: Grader | None = None

    def start(self) -> None:
        if self.size == 0:
            return
        requeued = lifecycle.requeue_interrupted(self.sessions)
        if requeued:
            log.info("requeued %d interrupted gradings", requeued)
        # One grader for all threads: its sandbox pool sizes itself to how many grade at once.
        self.grader = self.grader_factory()
        if self.grader.settings.prewarm_sandboxes:
            prewarm_open_exercises(self.sessions, self.grader)
        for index in range(self.size):
            thread = threading.Thread(target=self._run, name=f"kadai-grading-{index}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def notify(self) -> None:
        self.wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout)
        if self.grader is not None:
            self.grader.close()
            self.grader = None

    def _run(self) -> None:
        grader = self.grader
        assert grader is not None  # set by start() before any thread runs
        while not self.stopping.is_set():
            try:
                claimed = lifecycle.claim_next(self.sessions)
            except Exception:
                log.exception("claiming a submission failed")
                claimed = None
            if claimed is None:
                self.wake.wait(timeout=2.0)
                self.wake.clear()
                continue
            submission_id, lease = claimed
            stored = grading.run(self.sessions, grader.grade, submission_id, lease, self.max_tries)
            if stored == "stored":
                grading.announce(self.sessions, submission_id, self.on_graded)


def prewarm_open_exercises(sessions: sessionmaker[Session], grader: Grader) -> None:
    """Sandboxes ready for the exercises of open assignments, so the day's first grading is warm
    (started in the background; a failure only costs that grading a cold start)."""
    try:
        with sessions() as session:
            packages = [
                exercises.package_for(session, exercise_id)
                for exercise_id in courses.open_exercise_ids(session)
            ]
        grader.prewarm(packages)
    except Exception:
        log.exception("could not prewarm sandboxes")
