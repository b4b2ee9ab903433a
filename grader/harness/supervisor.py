"""PID 1 of a sandbox container: splits the grading between two users and writes the only result.

Started as root holding just SETUID, SETGID and KILL. It starts the trusted test runner under the
grader's user and submission workers under the student's user, both with their imports done before
the job arrives on stdin. It relays workers to the runner, kills student processes on request or at
the deadline, captures the student's output (capped, and held at the visibility of the test it was
printed during, see ``output``), and prints the result framed by a nonce that only the job carried.
The student's processes never hold this process's stdout. Whatever the submission does, a result
comes out, and it fits what the host reads back.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Iterable
from typing import Any

from grader.contract import (
    RESULT_BEGIN,
    RESULT_END,
    RESULT_FRAME_BYTES,
    GradingJob,
    GradingResult,
    fit,
)
from grader.harness.children import (
    WORKER_MODULE,
    ExecLauncher,
    Idle,
    JobReader,
    Launcher,
    exit_cause,
)
from grader.harness.confinement import at_memory_limit, oom_kills
from grader.harness.environment import Capture, SandboxConfig, child_env
from grader.harness.output import RANK, OutputRouter, StudentSink
from grader.harness.protocol import Channel, PeerGone
from grader.harness.verdict import GRADER_FAILED, Ending, compose

GRACE_S = 20.0


class Supervisor:
    """One grading: its runner and workers, its output, its result."""

    def __init__(
        self,
        config: SandboxConfig,
        launcher: Launcher | None = None,
        student_uid: int | None = None,
        jobs: JobReader | None = None,
        grader_uid: int | None = None,
    ) -> None:
        self.config = config
        self.launcher = launcher or ExecLauncher()
        self.student_uid = config.student_uid if student_uid is None else student_uid
        self.grader_uid = config.grader_uid if grader_uid is None else grader_uid
        self.jobs = jobs or JobReader()
        self.output = OutputRouter(config.output_bytes)
        self.stdout = StudentSink(self.output, "stdout")
        self.stderr = StudentSink(self.output, "stderr")
        self.grader_log = Capture(256 * 1024)
        self.pipes: dict[int, Capture | StudentSink] = {}
        self.exits: dict[int, int] = {}
        self.killed: set[int] = set()
        self.spare_worker: tuple[int, socket.socket] | None = None
        self.collected: dict[str, dict[str, Any]] = {}
        self.tests: dict[str, dict[str, Any]] = {}
        self.done: dict[str, Any] | None = None
        self.job: GradingJob | None = None
        self.nonce = ""
        self.runner_pid = 0
        self.ctrl: Channel | None = None

    # -- children ---------------------------------------------------------------------------------
    def spawn(self, module: str, uid: int, home: str, fd: int, args: list[str], env: dict) -> int:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        is_worker = uid == self.student_uid
        try:
            pid = self.launcher.launch(
                module, uid, fd, args, child_env(self.config, home, env), out_w, err_w
            )
        finally:
            os.close(out_w)
            os.close(err_w)
        os.set_blocking(out_r, False)
        os.set_blocking(err_r, False)
        self.pipes[out_r] = self.stdout if is_worker else self.grader_log
        self.pipes[err_r] = self.stderr if is_worker else self.grader_log
        return pid

    def spawn_worker(self) -> tuple[int, socket.socket]:
        ours, theirs = socket.socketpair()
        try:
            pid = self.spawn(
                WORKER_MODULE,
                self.student_uid,
                self.config.student_dir,
                theirs.fileno(),
                [],
                # Unbuffered: output printed just before os._exit() or a kill is still captured.
                {"KADAI_PRELOAD": ",".join(self.config.preload), "PYTHONUNBUFFERED": "1"},
            )
        finally:
            theirs.close()
        return pid, ours

    def start(self) -> Channel:
        ours, theirs = socket.socketpair()
        preload = ",".join(f for f in self.config.preload if f == "torch")
        self.runner_pid = self.spawn(
            "grader.harness.runner",
            self.grader_uid,
            self.config.grader_dir,
            theirs.fileno(),
            ["--grader-dir", self.config.grader_dir, "--student-dir", self.config.student_dir],
            {
                "KADAI_RUNNER_PRELOAD": preload,
                "KADAI_GRADER_DIR": self.config.grader_dir,
                "KADAI_STUDENT_DIR": self.config.student_dir,
            },
        )
        theirs.close()
        self.spare_worker = self.spawn_worker()
        return Channel(ours)

    def pids_of(self, uid: int) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as status:
                    for line in status:
                        if line.startswith("Uid:"):
                            if int(line.split()[1]) == uid:
                                pids.append(int(entry))
                            break
            except OSError:
                continue
        return pids

    def kill_students(self) -> None:
        self.kill_user(self.student_uid)

    def kill_user(self, uid: int) -> None:
        """SIGKILL every process of ``uid``, again until none is left.

        Stopped first: a fork bomb killed one process at a time refills the pids limit as fast
        as it is emptied (seconds to tens of seconds on a loaded host), while a stopped process
        cannot fork, so the stopping converges. Another process of the user may send SIGCONT,
        which is why the killing still repeats until no process is left."""
        stopped: set[int] = set()
        for _ in range(50):
            fresh = set(self.pids_of(uid)) - stopped
            if not fresh:
                break
            self.signal_all(fresh, signal.SIGSTOP)
            stopped |= fresh
        for _ in range(200):
            pids = self.pids_of(uid)
            if not pids:
                break
            self.signal_all(pids, signal.SIGKILL)
            self.reap()
            time.sleep(0.01)
        self.reap()

    def signal_all(self, pids: Iterable[int], signum: int) -> None:
        for pid in pids:
            self.killed.add(pid)
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.exits[pid] = status

    def why(self, pid: int) -> dict[str, str]:
        for _ in range(200):
            self.reap()
            if pid in self.exits:
                break
            time.sleep(0.01)
        status = self.exits.get(pid)
        self.kill_students()
        return exit_cause(status, killed_here=pid in self.killed)

    def runner_ending(self) -> Ending:
        """How the runner went away without saying it was done."""
        for _ in range(100):
            self.reap()
            if self.runner_pid in self.exits:
                break
            time.sleep(0.01)
        status = self.exits.get(self.runner_pid)
        if status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            # Nothing here kills the runner before the deadline: the kernel did, for the memory
            # limit the runner shares with the submission (a reply big enough to fill it).
            self.grader_log.add(
                "\nthe test runner was killed by the memory limit (a SIGKILL the supervisor did not "
                f"send; OOM kills in the cgroup: {oom_kills()})".encode()
            )
            return "memory"
        return "crash"

    # -- control channel --------------------------------------------------------------------------
    def serve_runner(self, ctrl: Channel) -> None:
        message = ctrl.receive()
        op = message.get("op")
        if op == "worker":
            if self.spare_worker is None:
                self.kill_students()
            try:
                pid, sock = self.spare_worker or self.spawn_worker()
            except OSError as exc:
                ctrl.send({"ok": False, "reason": f"cannot start a worker: {exc}"})
                return
            self.spare_worker = None
            ctrl.send({"ok": True, "pid": pid})
            socket.send_fds(ctrl.sock, [b"w"], [sock.fileno()])
            sock.close()
        elif op == "kill_students":
            # Read before the kill frees the memory: the runner asks at its deadline.
            at_limit = at_memory_limit()
            self.kill_students()
            ctrl.send({"ok": True, "at_memory_limit": at_limit})
        elif op == "why":
            ctrl.send(self.why(int(message.get("pid", 0))))
        elif op == "collected":
            self.collected = {str(t.get("name")): t for t in message.get("tests", [])}
        elif op == "begin":
            # Acknowledged only once the output so far is attributed: the runner sends the test's
            # inputs to the worker after this answer, so they cannot land in an earlier segment.
            self.drain_students()
            visibility = message.get("visibility")
            self.output.begin(
                str(message.get("test")), visibility if visibility in RANK else "hidden"
            )
            ctrl.send({"ok": True})
        elif op == "end":
            self.drain_students()
            self.output.end()
        elif op == "test":
            test = message.get("test", {})
            self.tests[str(test.get("name"))] = test
        elif op == "done":
            self.done = message

    # -- main loop --------------------------------------------------------------------------------
    def read_job(self) -> None:
        framed = self.jobs.read()
        if framed is not None:
            self.nonce, self.job = framed

    def close(self) -> None:
        """Every descriptor this grading opened (its children are gone by now)."""
        for fd in list(self.pipes):
            os.close(fd)
        self.pipes.clear()
        if self.spare_worker is not None:
            self.spare_worker[1].close()
            self.spare_worker = None
        if self.ctrl is not None:
            self.ctrl.sock.close()
            self.ctrl = None

    def run(self, idle_exit_s: float = float("inf")) -> GradingResult:
        ctrl = self.ctrl = self.start()
        deadline = float("inf")
        timed_out: Ending | None = None  # how the deadline is told, read when it first passes
        idle_until = time.monotonic() + idle_exit_s
        while self.done is None:
            if self.job is None and time.monotonic() > idle_until:
                raise Idle()
            watched = [ctrl.sock.fileno(), *self.pipes] + ([0] if self.job is None else [])
            ready = select.select(watched, [], [], 0.2)[0]
            for fd in ready:
                if fd == 0:
                    self.read_job()
                    if self.job is not None:
                        deadline = time.monotonic() + self.job.limits.time_s + GRACE_S
                        ctrl.send({"op": "job", "job": self.job.to_json()})
                elif fd == ctrl.sock.fileno():
                    try:
                        self.serve_runner(ctrl)
                    except PeerGone:
                        return self.finish(self.runner_ending())
                elif fd in self.pipes:
                    self.drain(fd)
            self.reap()
            if time.monotonic() > deadline:
                if timed_out is None:
                    timed_out = "memory" if at_memory_limit() else "timeout"
                self.kill_students()
                if time.monotonic() > deadline + GRACE_S:
                    try:
                        os.kill(self.runner_pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    self.reap()
                    return self.finish(timed_out)
        return self.finish("done")

    def finish(self, ending: Ending) -> GradingResult:
        self.kill_students()
        self.drain_students()
        return self.compose(ending)

    def student_fds(self) -> list[int]:
        return [fd for fd, sink in self.pipes.items() if sink is not self.grader_log]

    def drain_students(self) -> None:
        """Everything written to the student's pipes so far: at most a pipe's capacity each, as
        a writer blocks when its pipe is full (a flood cannot keep this from returning)."""
        for fd in self.student_fds():
            try:
                capacity = fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
            except OSError:
                capacity = 1 << 20
            self.drain(fd, max_chunks=capacity // (1 << 16) + 2)

    def drain(self, fd: int, max_chunks: int = 16) -> None:
        # Bounded so an output flood cannot starve the control channel.
        for _ in range(max_chunks):
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                os.close(fd)
                del self.pipes[fd]
                return
            self.pipes[fd].add(chunk)

    def compose(self, ending: Ending) -> GradingResult:
        done = self.done or {}
        log = done.get("log", "")
        if log:
            self.grader_log.add(("\n" + str(log)).encode("utf-8", "replace"))
        return compose(
            job=self.job,
            collected=self.collected,
            reported=self.tests,
            lost=set(done.get("lost", [])),
            ending=ending,
            pytest_exit=done.get("pytest_exit"),
            output=self.output,
            grader_log=self.grader_log.text(),
            artifacts=done.get("artifacts"),
        )

    def salvage(self, exc: BaseException) -> GradingResult:
        """The result after this process itself failed: before the job arrived, the host's
        (``infrastructure``); after, the grader's (an ``error``, not scored, not retried)."""
        self.grader_log.add(("\n" + "".join(traceback.format_exception(exc))).encode())
        try:
            self.kill_students()
            return self.compose("supervisor")
        except Exception:  # noqa: BLE001 — the plainest result still reaches the host
            log = self.grader_log.text()
            return compose(
                job=self.job,
                collected={},
                reported={},
                lost=set(),
                ending="supervisor",
                pytest_exit=None,
                output=OutputRouter(0),
                grader_log=log,
            )

    def emit(self, result: GradingResult) -> None:
        try:
            body = fit(result, RESULT_FRAME_BYTES).to_json()
        except Exception:  # noqa: BLE001 — a bare error, rather than no result at all
            body = GradingResult.failure(
                status="error",
                outcome="crash" if self.job else "infrastructure",
                message=GRADER_FAILED,
                max_score=0.0,
            ).to_json()
        framed = f"\n{RESULT_BEGIN} {self.nonce}\n{body}\n{RESULT_END} {self.nonce}\n"
        # backslashreplace: a character UTF-8 cannot carry stays a JSON escape, never a crash.
        sys.stdout.buffer.write(framed.encode("utf-8", "backslashreplace"))
        sys.stdout.buffer.flush()


def main() -> None:
    config = SandboxConfig.from_env(dict(os.environ))
    if config.reuse:
        from grader.harness.reuse import serve_many

        serve_many(config)
        return
    supervisor = Supervisor(config)
    try:
        result = supervisor.run()
    except BaseException as exc:  # noqa: BLE001 — whatever happens, the host gets a result to read
        result = supervisor.salvage(exc)
    supervisor.emit(result)
    sys.stderr.write(json.dumps({"supervisor": "done", "outcome": result.outcome}) + "\n")


if __name__ == "__main__":
    main()
