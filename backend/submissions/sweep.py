"""The periodic sweep in every API process: runs ``lifecycle.sweep`` (requeue or give up on
submissions stuck by a lost Celery worker or broker) every interval, in a background thread."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from backend.submissions import lifecycle

log = logging.getLogger("kadai.sweep")


class Sweeper:
    """The requeued jobs are sent when the sweep's transaction commits (``sessions`` must come
    with ``lifecycle.send_jobs_after_commit``)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        stuck_after_s: float,
        max_tries: int,
        interval_s: float,
    ) -> None:
        self.sessions = sessions
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
                lifecycle.sweep(self.sessions, self.stuck_after_s, self.max_tries)
            except Exception:
                log.exception("sweep failed")
