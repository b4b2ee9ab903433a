"""Keeping one started sandbox ready per profile, so the next grading skips the framework imports.

A cold grading pays for starting the container and importing torch/TensorFlow in the runner and
the worker (seconds); a sandbox started ahead of its job has done that while nobody waited. After
each grading the pool starts the next sandbox of the same profile (a Docker API call; the imports
then happen in the background, in the container). A sandbox still serves exactly one job: the
pool changes when a container starts, never what it isolates.
"""

from __future__ import annotations

import logging
import threading
import time

from grader.contract import GradingJob, GradingResult
from grader.sandbox.docker_sandbox import (
    DockerSandboxFactory,
    SandboxProfile,
    SandboxUnavailable,
    StartedSandbox,
    unavailable_error,
)
from grader.sandbox.spec import GpuUnavailable

log = logging.getLogger(__name__)


class WarmSandboxPool:
    """A ``SandboxRunner`` that hands each job a sandbox started before the job arrived."""

    def __init__(self, factory: DockerSandboxFactory, max_idle_s: float = 600.0) -> None:
        self.factory = factory
        self.max_idle_s = max_idle_s
        self._ready: dict[SandboxProfile, StartedSandbox] = {}
        self._lock = threading.Lock()
        self._closed = False

    def grade(self, job: GradingJob, image: str, max_score: float) -> GradingResult:
        profile = SandboxProfile(image, job.limits, job.frameworks)
        try:
            sandbox = self._take(profile) or self.factory.start(profile)
        except (SandboxUnavailable, GpuUnavailable) as exc:
            return unavailable_error(exc, job, max_score)
        result = sandbox.run(job, max_score, self.factory.settings.startup_allowance_s)
        if result.outcome != "infrastructure":
            self._prepare(profile)
        return result

    def _take(self, profile: SandboxProfile) -> StartedSandbox | None:
        """The waiting sandbox of this profile if it is still usable; otherwise None."""
        import docker.errors

        with self._lock:
            sandbox = self._ready.pop(profile, None)
        if sandbox is None:
            return None
        # Past max_idle_s other workers' reapers may remove it (its label allows that much idling).
        if time.monotonic() - sandbox.started_at > self.max_idle_s:
            sandbox.discard()
            return None
        try:
            sandbox.container.reload()
        except docker.errors.DockerException:
            return None  # removed behind our back (a daemon restart, a reaper): start afresh
        if sandbox.container.status != "running":
            sandbox.discard()
            return None
        return sandbox

    def _prepare(self, profile: SandboxProfile) -> None:
        """Starts the next sandbox of this profile; a failure here only costs the next job a cold start."""
        try:
            sandbox = self.factory.start(profile, idle_allowance_s=self.max_idle_s)
        except (SandboxUnavailable, GpuUnavailable) as exc:
            log.warning("could not start a warm sandbox: %s", exc)
            return
        with self._lock:
            previous = None if self._closed else self._ready.pop(profile, None)
            if not self._closed:
                self._ready[profile] = sandbox
        if previous is not None:
            previous.discard()
        if self._closed:
            sandbox.discard()

    def waiting_container_ids(self) -> set[str]:
        with self._lock:
            return {sandbox.container.id for sandbox in self._ready.values()}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            waiting, self._ready = list(self._ready.values()), {}
        for sandbox in waiting:
            sandbox.discard()
        self.factory.close()
