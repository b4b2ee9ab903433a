"""Running one grading in a fresh container through the docker SDK, and reading its framed result.

A sandbox is started first (its supervisor, test runner and worker import their frameworks while
no job is there yet) and then given one job on stdin; a pool can keep started sandboxes warm.
Every way a container can fail ends as a ``GradingResult``, never as an exception or a hang.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.contract import (
    JOB_HEADER,
    RESULT_BEGIN,
    RESULT_END,
    GradingJob,
    GradingResult,
    Limits,
    Text,
)
from grader.sandbox.reaper import reap_expired
from grader.sandbox.spec import GpuUnavailable, container_spec
from grader.settings import GraderSettings

HARD_LIMIT_GRACE_S = 45.0
# Between the host-side hard kill and a sandbox counting as orphaned: Docker's own slowness.
ORPHAN_MARGIN_S = 60.0
REAP_INTERVAL_S = 60.0

if TYPE_CHECKING:
    from grader.sandbox.reusable import ReusableSandbox

log = logging.getLogger(__name__)


class SandboxUnavailable(Exception):
    """Docker or the image is not there; the message says what to fix."""


def infrastructure_error(message: Text, job: GradingJob, max_score: float) -> GradingResult:
    return GradingResult.failure(
        status="error",
        outcome="infrastructure",
        message=message,
        max_score=max_score,
        seed=job.seed,
        exercise_id=job.exercise_id,
        exercise_version=job.exercise_version,
    )


def unavailable_error(exc: Exception, job: GradingJob, max_score: float) -> GradingResult:
    """No sandbox could be started (no daemon, no image, no GPU): an error that says what to fix."""
    return infrastructure_error(Text(en=str(exc), ja=f"採点環境のエラー: {exc}"), job, max_score)


def docker_client(settings: GraderSettings) -> Any:
    import docker
    import docker.errors

    client = None
    try:
        client = (
            docker.DockerClient(base_url=settings.docker_host)
            if settings.docker_host
            else (docker.from_env())
        )
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        if client is not None:
            client.close()
        raise SandboxUnavailable(
            f"cannot reach the Docker daemon ({exc}). Start it (e.g. `dockerd &` or "
            "`systemctl start docker`) or set KADAI_DOCKER_HOST."
        ) from exc
    return client


@dataclass(frozen=True)
class SandboxProfile:
    """What a sandbox must be started with before its job is known; pools are keyed by this."""

    image: str
    limits: Limits
    frameworks: tuple[str, ...]


class StartedSandbox:
    """A running container waiting on stdin for exactly one job."""

    def __init__(self, client: Any, container: Any, profile: SandboxProfile) -> None:
        self.client = client
        self.container = container
        self.profile = profile
        self.started_at = time.monotonic()

    def run(self, job: GradingJob, max_score: float, startup_allowance_s: float) -> GradingResult:
        import docker.errors
        import requests.exceptions

        began = time.monotonic()
        nonce = secrets.token_hex(16)
        try:
            self._send(job, nonce)
            hard_limit = job.limits.time_s + startup_allowance_s + HARD_LIMIT_GRACE_S
            try:
                self.container.wait(timeout=hard_limit)
                timed_out = False
            except (requests.exceptions.ConnectionError, requests.exceptions.ReadTimeout):
                self.container.kill()
                timed_out = True
            self.container.reload()
            oom = bool(self.container.attrs["State"].get("OOMKilled"))
            stdout = self.container.logs(stdout=True, stderr=False).decode(errors="replace")
            stderr = self.container.logs(stdout=False, stderr=True).decode(errors="replace")
        except docker.errors.DockerException as exc:
            return infrastructure_error(
                Text(
                    en=f"Docker failed during grading: {exc}",
                    ja=f"採点中に Docker が失敗しました: {exc}",
                ),
                job,
                max_score,
            )
        finally:
            self.discard()
        result = parse_result(stdout, nonce)
        elapsed = round(time.monotonic() - began, 3)
        if result is None:
            return no_result(job, max_score, elapsed, timed_out=timed_out, oom=oom, log=stderr)
        return GradingResult.from_dict(
            {
                **result.to_dict(),
                "execution_time": elapsed,
                "max_score": max_score or result.max_score,
                "grader_log": (result.grader_log + "\n" + stderr[-20000:]).strip(),
            }
        )

    def _send(self, job: GradingJob, nonce: str) -> None:
        payload = job.to_json().encode()
        sock = self.client.api.attach_socket(self.container.id, params={"stdin": 1, "stream": 1})
        raw = getattr(sock, "_sock", sock)
        try:
            raw.sendall(f"{JOB_HEADER} {nonce} {len(payload)}\n".encode() + payload)
        finally:
            raw.close()
            if raw is not sock:
                sock.close()

    def discard(self) -> None:
        import docker.errors

        try:
            self.container.remove(force=True)
        except docker.errors.DockerException:
            pass


def parse_result(stdout: str, nonce: str) -> GradingResult | None:
    """The result between the nonce-framed markers; anything else on stdout is ignored.

    A supervisor that failed before the job (and its nonce) arrived frames its error with an empty
    nonce; that is accepted only as an error, which can never award points.
    """
    for frame_nonce in (nonce, ""):
        result = _framed(stdout, frame_nonce)
        if result is not None and (frame_nonce or result.status == "error"):
            return result
    return None


def _framed(stdout: str, nonce: str) -> GradingResult | None:
    begin, end = f"{RESULT_BEGIN} {nonce}\n", f"\n{RESULT_END} {nonce}\n"
    start = stdout.rfind(begin)
    stop = stdout.find(end, start) if start >= 0 else -1
    if stop < 0:
        return None
    try:
        return GradingResult.from_dict(json.loads(stdout[start + len(begin) : stop]))
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def no_result(
    job: GradingJob, max_score: float, elapsed: float, *, timed_out: bool, oom: bool, log: str
) -> GradingResult:
    """No result came out: never a pass. Limits the student hit are graded; the rest is an error."""
    common = {
        "max_score": max_score,
        "execution_time": elapsed,
        "seed": job.seed,
        "exercise_id": job.exercise_id,
        "exercise_version": job.exercise_version,
        "grader_log": log[-20000:],
    }
    if oom:
        return GradingResult.failure(
            status="graded",
            outcome="memory",
            message=Text(
                en=f"Memory limit exceeded ({job.limits.memory_mb} MB): the sandbox was stopped.",
                ja=f"メモリ制限({job.limits.memory_mb} MB)を超えたため、サンドボックスが停止されました。",
            ),
            **common,
        )
    if timed_out:
        return GradingResult.failure(
            status="graded",
            outcome="timeout",
            message=Text(
                en=f"Time limit exceeded ({job.limits.time_s:g} s): the sandbox was stopped.",
                ja=f"制限時間({job.limits.time_s:g} 秒)を超えたため、サンドボックスが停止されました。",
            ),
            **common,
        )
    return GradingResult.failure(
        status="error",
        outcome="crash",
        message=Text(
            en="The sandbox ended without a result. This is a grader problem, not a score.",
            ja="サンドボックスが結果を返さずに終了しました。採点側の問題です。",
        ),
        **common,
    )


class DockerSandboxFactory:
    """Starts hardened sandbox containers for a given profile, and reaps orphaned ones."""

    def __init__(self, settings: GraderSettings, client: Any | None = None) -> None:
        self.settings = settings
        self._client = client
        self._next_reap = 0.0

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = docker_client(self.settings)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def reap_orphans(self) -> list[str]:
        """Removes sandboxes left running by a killed worker; never fails a grading."""
        import docker.errors

        self._next_reap = time.monotonic() + REAP_INTERVAL_S
        try:
            removed = reap_expired(self.client)
        except (docker.errors.DockerException, SandboxUnavailable) as exc:
            log.warning("could not reap orphaned sandboxes: %s", exc)
            return []
        if removed:
            log.warning("removed %d orphaned sandbox container(s): %s", len(removed), removed)
        return removed

    def start(
        self, profile: SandboxProfile, idle_allowance_s: float = 0.0, *, reuse: bool = False
    ) -> StartedSandbox | ReusableSandbox:
        """A running sandbox. A single-use one must be given its job within ``idle_allowance_s``
        (plus a margin), or other workers' reapers will take it for an orphan; a reusable one
        (``reuse``) lives ``sandbox_lifetime_s`` and retires itself when idle that long."""
        import docker.errors

        if time.monotonic() >= self._next_reap:
            self.reap_orphans()
        job_span = self.settings.startup_allowance_s + profile.limits.time_s + HARD_LIMIT_GRACE_S
        if reuse:
            lifetime = self.settings.sandbox_lifetime_s + job_span + ORPHAN_MARGIN_S
        else:
            lifetime = idle_allowance_s + job_span + ORPHAN_MARGIN_S
        expires_at = time.time() + lifetime
        spec = container_spec(
            profile.image,
            profile.limits,
            profile.frameworks,
            gpu_available=self.settings.gpu_available,
            gpu_device_ids=self.settings.gpu_device_ids,
            expires_at=expires_at,
            gradings=self.settings.gradings_per_sandbox if reuse else 0,
            idle_exit_s=idle_allowance_s + ORPHAN_MARGIN_S,
        )
        image = spec.pop("image")
        try:
            # create + start, not run: run would try to pull a missing image from a registry.
            container = self.client.containers.create(image, **spec)
        except docker.errors.ImageNotFound as exc:
            raise SandboxUnavailable(
                f"the sandbox image {image} is missing: run `kadai sandbox build`"
            ) from exc
        except docker.errors.APIError as exc:
            raise SandboxUnavailable(f"Docker could not create the sandbox: {exc}") from exc
        sandbox: StartedSandbox | ReusableSandbox
        try:
            if reuse:
                from grader.sandbox.reusable import ReusableSandbox

                # Attached before it starts, so nothing it prints is missed.
                sandbox = ReusableSandbox(self.client, container, profile)
            else:
                sandbox = StartedSandbox(self.client, container, profile)
            container.start()
        except (docker.errors.APIError, OSError) as exc:
            try:
                container.remove(force=True)
            except docker.errors.DockerException:
                pass
            raise SandboxUnavailable(f"Docker could not start the sandbox: {exc}") from exc
        return sandbox

    def grade(self, job: GradingJob, image: str, max_score: float) -> GradingResult:
        """Cold path: start a sandbox for this job and run it at once."""
        try:
            sandbox = self.start(SandboxProfile(image, job.limits, job.frameworks))
        except (SandboxUnavailable, GpuUnavailable) as exc:
            return unavailable_error(exc, job, max_score)
        return sandbox.run(job, max_score, self.settings.startup_allowance_s)
