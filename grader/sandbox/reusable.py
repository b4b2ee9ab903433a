"""The host's side of a ``reuse``-mode sandbox: one container that grades job after job.

The host attaches to the container's standard streams before it starts and keeps that connection:
each job goes in on stdin, its result comes back framed by the job's nonce on stdout, and then the
supervisor says ``READY`` (clean, waiting for the next job) or ``RETIRE`` (it exits). A sandbox is
given a job only after ``READY``; whatever else happens (a deadline passed, the stream ended, the
container died) ends the sandbox, and the grading's result says what the submission did.
"""

from __future__ import annotations

import logging
import secrets
import socket
import struct
import time
from typing import Any

from grader.contract import JOB_HEADER, READY, RESULT_END, RETIRE, GradingJob, GradingResult
from grader.sandbox.docker_sandbox import (
    HARD_LIMIT_GRACE_S,
    SandboxProfile,
    no_result,
    parse_result,
)

log = logging.getLogger(__name__)
# After the result, emptying the folders and forking the next grading's processes.
READY_TIMEOUT_S = 30.0
STDOUT, STDERR = 1, 2
KEPT_STDERR_CHARS = 20000


class StreamEnded(Exception):
    """The container's streams closed: its supervisor (PID 1) is gone."""


class AttachedStreams:
    """Docker's multiplexed attach stream: 8-byte frame headers, then stdout or stderr bytes."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.raw: socket.socket = getattr(sock, "_sock", sock)
        self.stdout = bytearray()
        self.stderr = bytearray()

    def send(self, data: bytes) -> None:
        self.raw.settimeout(30.0)
        self.raw.sendall(data)

    def _exactly(self, size: int, deadline: float) -> bytes:
        data = bytearray()
        while len(data) < size:
            self.raw.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.raw.recv(size - len(data))
            except TimeoutError:
                raise
            if not chunk:
                raise StreamEnded()
            data.extend(chunk)
        return bytes(data)

    def read_until(self, markers: tuple[bytes, ...], deadline: float) -> None:
        """Reads frames until stdout holds one of ``markers``; TimeoutError, or StreamEnded."""
        searched = 0
        while not any(m in self.stdout[max(0, searched - 256) :] for m in markers):
            searched = len(self.stdout)
            if time.monotonic() >= deadline:
                raise TimeoutError()
            kind, size = struct.unpack(">BxxxI", self._exactly(8, deadline))
            payload = self._exactly(size, deadline)
            (self.stderr if kind == STDERR else self.stdout).extend(payload)

    def take(self, through: tuple[bytes, ...] = ()) -> tuple[str, str]:
        """What came so far; with ``through``, stdout only up to the end of the first of those
        markers found (what follows, such as ``READY``, stays for the next read)."""
        cut = len(self.stdout)
        found = [self.stdout.find(m) + len(m) for m in through if m in self.stdout]
        if found:
            cut = min(found)
        out = self.stdout[:cut].decode(errors="replace")
        err = self.stderr.decode(errors="replace")
        del self.stdout[:cut]
        self.stderr.clear()
        return out, err

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            if self.raw is not self.sock:
                self.sock.close()


class ReusableSandbox:
    """A running ``reuse``-mode container and the stream it is driven through."""

    def __init__(self, client: Any, container: Any, profile: SandboxProfile) -> None:
        self.client = client
        self.container = container
        self.profile = profile
        self.started_at = time.monotonic()
        self.last_used = self.started_at
        self.gradings = 0
        self.usable = True
        self.last_nonce = ""
        self.streams = AttachedStreams(
            client.api.attach_socket(
                container.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
        )

    def run(self, job: GradingJob, max_score: float, startup_allowance_s: float) -> GradingResult:
        began = time.monotonic()
        nonce = self.last_nonce = secrets.token_hex(16)
        payload = job.to_json().encode()
        # Only the first grading may wait for the templates' imports.
        allowance = startup_allowance_s if self.gradings == 0 else 0.0
        deadline = began + job.limits.time_s + allowance + HARD_LIMIT_GRACE_S
        self.gradings += 1
        self.usable = False
        ends = (f"\n{RESULT_END} {nonce}\n".encode(), f"\n{RESULT_END} \n".encode())
        timed_out = ended = False
        try:
            self.streams.send(f"{JOB_HEADER} {nonce} {len(payload)}\n".encode() + payload)
            self.streams.read_until(ends, deadline)
        except TimeoutError:
            timed_out = True
        except (StreamEnded, OSError):
            ended = True
        stdout, stderr = self.streams.take(through=ends)
        elapsed = round(time.monotonic() - began, 3)
        result = parse_result(stdout, nonce) if not (timed_out or ended) else None
        if result is None:
            self.discard()
            return no_result(
                job, max_score, elapsed, timed_out=timed_out, oom=self._oom_killed(), log=stderr
            )
        if result.outcome == "infrastructure":
            self.discard()
        return GradingResult.from_dict(
            {
                **result.to_dict(),
                "execution_time": elapsed,
                "max_score": max_score or result.max_score,
                "grader_log": (result.grader_log + "\n" + stderr[-KEPT_STDERR_CHARS:]).strip(),
            }
        )

    def wait_ready(self) -> bool:
        """After a grading: whether the supervisor cleaned up and waits for another job."""
        ready = f"{READY} {self.last_nonce}\n".encode()
        retire = f"{RETIRE} {self.last_nonce}".encode()
        try:
            self.streams.read_until((ready, retire), time.monotonic() + READY_TIMEOUT_S)
        except (TimeoutError, StreamEnded, OSError):
            return False
        stdout, _ = self.streams.take()
        self.usable = ready.decode() in stdout
        if not self.usable:
            reason = stdout[stdout.find(retire.decode()) :].splitlines()[0]
            log.info("sandbox %s retired: %s", self.container.short_id, reason)
        self.last_used = time.monotonic()
        return self.usable

    def _oom_killed(self) -> bool:
        import docker.errors

        try:
            self.container.reload()
            return bool(self.container.attrs["State"].get("OOMKilled"))
        except docker.errors.DockerException:
            return False

    def discard(self) -> None:
        import docker.errors

        self.usable = False
        try:
            self.streams.close()
        except OSError:
            pass
        try:
            self.container.remove(force=True)
        except docker.errors.DockerException:
            pass
