"""The embedded grading worker: threads in the web process that grade queued submissions.

The default for a single machine. With ``KADAI_QUEUE_BACKEND=celery`` the pool is not started and
Celery workers (``kadai worker``) grade instead; ``grading.py`` is shared by both.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from backend.db import transaction
from backend.submissions import grading
from backend.submissions.repository import SubmissionRepository
from grader.engine import Grader

log = logging.getLogger("kadai.worker")


class GradingWorkerPool:
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

    def start(self) -> None:
        if self.size == 0:
            return
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

    def claim_next(self) -> tuple[int, str] | None:
        while True:
            with transaction(self.sessions) as session:
                candidate = SubmissionRepository(session).oldest_queued_id()
            if candidate is None:
                return None
            lease = grading.claim(self.sessions, candidate, take_over_running=False)
            if lease:
                return candidate, lease

    def _run(self) -> None:
        with self.grader_factory() as grader:
            while not self.stopping.is_set():
                try:
                    claimed = self.claim_next()
                except Exception:
                    log.exception("claiming a submission failed")
                    claimed = None
                if claimed is None:
                    self.wake.wait(timeout=2.0)
                    self.wake.clear()
                    continue
                submission_id, lease = claimed
                stored = grading.run(
                    self.sessions, grader.grade, submission_id, lease, self.max_tries
                )
                if stored == "stored":
                    grading.announce(self.sessions, submission_id, self.on_graded)
