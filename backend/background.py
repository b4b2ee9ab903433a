"""A background round in an app process: one daemon thread that does its work when a queued job
wakes it and at least every ``poll_s`` (so work queued before a restart, retries and scheduled
runs are done when due). LTI score sends and similarity runs use it in the embedded mode."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("kadai.background")


class PollingThread:
    """Subclasses say what one round does (``do_round``); an exception ends the round, never the
    thread."""

    name = "kadai-background"

    def __init__(self, poll_s: float) -> None:
        self.poll_s = poll_s
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def do_round(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()

    def notify(self) -> None:
        self.wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.do_round()
            except Exception:
                log.exception("%s round failed", self.name)
            self.wake.wait(timeout=self.poll_s)
            self.wake.clear()
