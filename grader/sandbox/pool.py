"""Ready sandboxes per exercise profile, as many as the work needs, within a memory budget.

A cold grading pays for starting a container and importing torch/TensorFlow; a ready sandbox has
done that while nobody waited. In the ``reuse`` mode a sandbox goes back to the pool after each
grading once its supervisor says it is clean (``ReusableSandbox.wait_ready``); in the ``fresh``
mode it is used once and a new one is started in its place. Either way that work happens after
the result is returned, on a background thread.

Sizing: a profile keeps as many ready sandboxes as it recently had gradings at once (at least
one), and all sandboxes together — ready, busy and starting — stay within ``memory_budget_mb`` of
memory limits: to make room the pool drops the least recently used ready sandbox of another
profile. A grading never waits for room: with none ready it starts one, and the pool keeps it
afterwards only if the budget allows. ``prewarm`` starts one per profile ahead of any grading.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from grader.contract import GradingJob, GradingResult
from grader.sandbox.docker_sandbox import (
    DockerSandboxFactory,
    SandboxProfile,
    SandboxUnavailable,
    unavailable_error,
)
from grader.sandbox.spec import GpuUnavailable

log = logging.getLogger(__name__)
JOIN_TIMEOUT_S = 60.0
# A sandbox being emptied after its grading is ready again in a fraction of a second; a cold one
# takes seconds of CPU. Under load a grading waits this long for the first rather than start one.
RECYCLE_WAIT_S = 10.0


class SandboxPool:
    """A ``SandboxRunner`` that hands each job a sandbox that is ready before the job arrives."""

    def __init__(
        self,
        factory: DockerSandboxFactory,
        *,
        reuse: bool | None = None,
        max_idle_s: float | None = None,
        memory_budget_mb: int | None = None,
    ) -> None:
        settings = factory.settings
        self.factory = factory
        self.reuse = settings.sandbox_mode == "reuse" if reuse is None else reuse
        self.max_idle_s = settings.warm_max_idle_s if max_idle_s is None else max_idle_s
        self.memory_budget_mb = (
            settings.pool_memory_mb if memory_budget_mb is None else memory_budget_mb
        )
        self.lifetime_s = settings.sandbox_lifetime_s
        self._ready: dict[SandboxProfile, list[Any]] = {}
        self._busy: dict[SandboxProfile, int] = {}
        self._starting: dict[SandboxProfile, int] = {}
        self._demand: dict[SandboxProfile, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._returned = threading.Condition(self._lock)
        self._recycling: dict[SandboxProfile, int] = {}
        self._threads: set[threading.Thread] = set()
        self._closed = False

    # -- grading ---------------------------------------------------------------------------------
    def grade(self, job: GradingJob, image: str, max_score: float) -> GradingResult:
        profile = SandboxProfile(image, job.limits, job.frameworks)
        with self._lock:
            busy = self._busy[profile] = self._busy.get(profile, 0) + 1
            level, since = self._demand.get(profile, (0, 0.0))
            if busy >= level or time.monotonic() - since > self.max_idle_s:
                self._demand[profile] = (busy, time.monotonic())
        try:
            try:
                sandbox = self._take(profile) or self._recycled(profile) or self._start(profile)
            except (SandboxUnavailable, GpuUnavailable) as exc:
                return unavailable_error(exc, job, max_score)
            try:
                result = sandbox.run(job, max_score, self.factory.settings.startup_allowance_s)
            except BaseException:
                sandbox.discard()  # whatever went wrong on this side, no container is left behind
                raise
        finally:
            with self._lock:
                self._busy[profile] -= 1
        recycles = self.reuse and result.outcome != "infrastructure"
        if recycles:
            with self._lock:
                self._recycling[profile] = self._recycling.get(profile, 0) + 1
        self._in_background(lambda: self._after(sandbox, profile, result.outcome, recycles))
        return result

    def prewarm(self, profiles: Iterable[SandboxProfile]) -> None:
        """Starts a ready sandbox for each profile (in the background) where none is."""
        for profile in set(profiles):
            self._in_background(lambda p=profile: self._replenish(p))

    def _after(self, sandbox: Any, profile: SandboxProfile, outcome: str, recycles: bool) -> None:
        try:
            if recycles and sandbox.wait_ready():
                self._keep(sandbox)
            else:
                sandbox.discard()
        finally:
            if recycles:
                with self._lock:
                    self._recycling[profile] -= 1
                    self._returned.notify_all()
        if outcome != "infrastructure":
            self._replenish(profile)

    # -- the ready sandboxes ---------------------------------------------------------------------
    def _usable(self, sandbox: Any) -> bool:
        now = time.monotonic()
        if now - getattr(sandbox, "last_used", sandbox.started_at) > self.max_idle_s:
            return False  # past this, its own idle exit or other workers' reapers may end it
        return not (self.reuse and now - sandbox.started_at > self.lifetime_s)

    def _take(self, profile: SandboxProfile) -> Any | None:
        """A ready sandbox of this profile that is still usable, or None."""
        import docker.errors

        while True:
            with self._lock:
                waiting = self._ready.get(profile)
                sandbox = waiting.pop() if waiting else None
            if sandbox is None:
                return None
            if not self._usable(sandbox):
                sandbox.discard()
                continue
            try:
                sandbox.container.reload()
            except docker.errors.DockerException:
                continue  # removed behind our back (a daemon restart, a reaper)
            if sandbox.container.status == "running":
                return sandbox
            sandbox.discard()

    def _recycled(self, profile: SandboxProfile) -> Any | None:
        """None ready, but one of this profile is being emptied: wait for it (it is faster than a
        cold start), unless it retires instead."""
        deadline = time.monotonic() + RECYCLE_WAIT_S
        with self._lock:
            while self._recycling.get(profile, 0) and not self._ready.get(profile):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._returned.wait(remaining)
        return self._take(profile)

    def _start(self, profile: SandboxProfile) -> Any:
        return self.factory.start(profile, self.max_idle_s, reuse=self.reuse)

    def _wanted(self, profile: SandboxProfile) -> int:
        level, since = self._demand.get(profile, (1, time.monotonic()))
        return max(1, level) if time.monotonic() - since <= self.max_idle_s else 1

    def _memory_mb(self) -> int:
        total = 0
        for profile in {*self._ready, *self._busy, *self._starting}:
            count = len(self._ready.get(profile, ())) + self._busy.get(profile, 0)
            total += (count + self._starting.get(profile, 0)) * profile.limits.memory_mb
        return total

    def _make_room(self, profile: SandboxProfile) -> list[Any]:
        """Under the lock: drops least recently used ready sandboxes of other profiles until one
        more of ``profile`` fits, or none are left; returns them, to discard outside the lock."""
        dropped: list[Any] = []
        while self._memory_mb() + profile.limits.memory_mb > self.memory_budget_mb:
            others = [s for p, ready in self._ready.items() if p != profile for s in ready]
            if not others:
                return dropped
            oldest = min(others, key=lambda s: getattr(s, "last_used", s.started_at))
            self._ready[oldest.profile].remove(oldest)
            dropped.append(oldest)
        return dropped

    def _fits(self, profile: SandboxProfile) -> bool:
        return self._memory_mb() + profile.limits.memory_mb <= self.memory_budget_mb

    def _keep(self, sandbox: Any) -> None:
        profile = sandbox.profile
        with self._lock:
            kept = False
            dropped: list[Any] = []
            if not self._closed and len(self._ready.get(profile, ())) < self._wanted(profile):
                dropped = self._make_room(profile)
                if self._fits(profile):
                    self._ready.setdefault(profile, []).append(sandbox)
                    kept = True
        for other in dropped:
            other.discard()
        if not kept:
            sandbox.discard()

    def _replenish(self, profile: SandboxProfile) -> None:
        """Starts sandboxes of this profile until as many are ready as recent demand asks for."""
        while True:
            with self._lock:
                have = len(self._ready.get(profile, ())) + self._starting.get(profile, 0)
                if self.reuse:  # busy and recycling sandboxes come back; single-use ones do not
                    have += self._busy.get(profile, 0) + self._recycling.get(profile, 0)
                if self._closed or have >= self._wanted(profile):
                    return
                dropped = self._make_room(profile)
                if not self._fits(profile):
                    for other in dropped:
                        self._ready.setdefault(other.profile, []).append(other)
                    return
                self._starting[profile] = self._starting.get(profile, 0) + 1
            for other in dropped:
                other.discard()
            try:
                sandbox = self._start(profile)
            except (SandboxUnavailable, GpuUnavailable) as exc:
                log.warning("could not start a ready sandbox: %s", exc)
                return
            finally:
                with self._lock:
                    self._starting[profile] -= 1
            with self._lock:
                if not self._closed:
                    self._ready.setdefault(profile, []).append(sandbox)
                    continue
            sandbox.discard()
            return

    def _in_background(self, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            except Exception:  # pool upkeep never fails a grading
                log.exception("sandbox pool upkeep failed")
            finally:
                with self._lock:
                    self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=run, name="sandbox-pool", daemon=True)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def ready_count(self, profile: SandboxProfile) -> int:
        with self._lock:
            return len(self._ready.get(profile, ()))

    def waiting_container_ids(self) -> set[str]:
        with self._lock:
            return {s.container.id for ready in self._ready.values() for s in ready}

    def settle(self, timeout_s: float = JOIN_TIMEOUT_S) -> None:
        """Waits for the pool's background work (tests, benchmarks, shutdown)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                threads = list(self._threads)
            if not threads or time.monotonic() > deadline:
                return
            threads[0].join(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.settle()
        with self._lock:
            waiting = [s for ready in self._ready.values() for s in ready]
            self._ready = {}
        for sandbox in waiting:
            sandbox.discard()
        self.factory.close()
