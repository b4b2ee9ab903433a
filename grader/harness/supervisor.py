"""PID 1 of a sandbox container: splits the grading between two users and writes the only result.

Started as root holding just SETUID, SETGID and KILL. It starts the trusted test runner under the
grader's user and submission workers under the student's user, both with their imports done before
the job arrives on stdin. It relays workers to the runner, kills student processes on request or at
the deadline, captures the student's output (capped), and prints the result framed by a nonce that
only the job carried. The student's processes never hold this process's stdout.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from grader.contract import GradingJob, GradingResult, TestResult, Text
from grader.harness.confinement import (
    become,
    exit_status,
    killed_by_memory_limit,
    runner_out_of_memory,
)
from grader.harness.environment import Capture, SandboxConfig, child_env
from grader.harness.protocol import Channel, PeerGone

RESULT_BEGIN = "KADAI-RESULT"
RESULT_END = "KADAI-END"
JOB_HEADER = "KADAI-JOB"
GRACE_S = 20.0


class Supervisor:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.stdout = Capture(config.output_bytes)
        self.stderr = Capture(config.output_bytes)
        self.grader_log = Capture(256 * 1024)
        self.pipes: dict[int, Capture] = {}
        self.exits: dict[int, int] = {}
        self.killed: set[int] = set()
        self.spare_worker: tuple[int, socket.socket] | None = None
        self.tests: dict[str, dict[str, Any]] = {}
        self.done: dict[str, Any] | None = None
        self.job: GradingJob | None = None
        self.nonce = ""
        self.stdin_buffer = bytearray()

    # -- children ---------------------------------------------------------------------------------
    def spawn(self, module: str, uid: int, home: str, fd: int, args: list[str], env: dict) -> int:
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        is_worker = uid == self.config.student_uid
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--fd", str(fd), *args],
            # The child drops to its user itself (confining a worker first, while still root). The
            # supervisor is single-threaded, so running Python between fork and exec is safe.
            preexec_fn=become(uid, submission=is_worker),
            pass_fds=(fd,),
            # Not cwd=home: the chdir would happen as root, who may not enter the grader's 0700
            # folder without CAP_DAC_OVERRIDE. Each child changes into its HOME itself.
            cwd="/",
            env=child_env(self.config, home, env),
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            start_new_session=True,
        )
        os.close(out_w)
        os.close(err_w)
        os.set_blocking(out_r, False)
        os.set_blocking(err_r, False)
        self.pipes[out_r] = self.stdout if is_worker else self.grader_log
        self.pipes[err_r] = self.stderr if is_worker else self.grader_log
        # Popen's own bookkeeping is not used: this process reaps every child itself.
        process.returncode = 0
        return process.pid

    def spawn_worker(self) -> tuple[int, socket.socket]:
        ours, theirs = socket.socketpair()
        try:
            pid = self.spawn(
                "grader.harness.worker",
                self.config.student_uid,
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
            self.config.grader_uid,
            self.config.grader_dir,
            theirs.fileno(),
            ["--grader-dir", self.config.grader_dir, "--student-dir", self.config.student_dir],
            {"KADAI_RUNNER_PRELOAD": preload},
        )
        theirs.close()
        self.spare_worker = self.spawn_worker()
        return Channel(ours)

    def student_pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as status:
                    for line in status:
                        if line.startswith("Uid:"):
                            if int(line.split()[1]) == self.config.student_uid:
                                pids.append(int(entry))
                            break
            except OSError:
                continue
        return pids

    def kill_students(self) -> None:
        """SIGKILL every process of the student's user, again until none is left (fork bombs)."""
        for _ in range(200):
            pids = self.student_pids()
            if not pids:
                break
            for pid in pids:
                self.killed.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.reap()
            time.sleep(0.01)
        self.reap()

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
        if status is None:
            return {"reason": "crash", "detail": "the worker stopped answering"}
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGKILL and pid not in self.killed:
                return {"reason": "memory", "detail": "killed by the memory limit"}
            return {"reason": "crash", "detail": f"killed by signal {signal.Signals(sig).name}"}
        return {"reason": "exited", "detail": f"exit code {os.WEXITSTATUS(status)}"}

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
            self.kill_students()
            ctrl.send({"ok": True})
        elif op == "why":
            ctrl.send(self.why(int(message.get("pid", 0))))
        elif op == "test":
            test = message.get("test", {})
            self.tests[str(test.get("name"))] = test
        elif op == "done":
            self.done = message

    # -- main loop --------------------------------------------------------------------------------
    def read_job(self) -> None:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            raise EOFError("stdin closed before a job arrived")
        self.stdin_buffer.extend(chunk)
        if b"\n" not in self.stdin_buffer:
            return
        header, _, body = bytes(self.stdin_buffer).partition(b"\n")
        tag, nonce, length = header.decode().split()
        if tag != JOB_HEADER:
            raise ValueError("malformed job header")
        if len(body) >= int(length):
            self.nonce = nonce
            self.job = GradingJob.from_json(body[: int(length)].decode())

    def run(self) -> GradingResult:
        ctrl = self.start()
        deadline = float("inf")
        runner_killed = False
        while self.done is None:
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
                        self.reap()
                        if self.runner_pid not in self.exits:
                            time.sleep(0.1)
                        self.reap()
                        result = self.compose(crashed=True)
                        # Before the job no submission code has run: then it is the grader's fault.
                        status = exit_status(self.runner_pid, self.exits)
                        if self.job is not None and killed_by_memory_limit(status):
                            return runner_out_of_memory(result, self.job)
                        return result
                else:
                    self.drain(fd)
            self.reap()
            if time.monotonic() > deadline and not runner_killed:
                self.kill_students()
                if time.monotonic() > deadline + GRACE_S:
                    os.kill(self.runner_pid, signal.SIGKILL)
                    runner_killed = True
                    self.reap()
                    return self.compose(crashed=True, timed_out=True)
        self.kill_students()
        for fd in list(self.pipes):
            self.drain(fd, max_chunks=1 << 12)
        return self.compose()

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

    def compose(self, crashed: bool = False, timed_out: bool = False) -> GradingResult:
        job = self.job
        tests = tuple(
            sorted((TestResult.from_dict(t) for t in self.tests.values()), key=lambda t: t.number)
        )
        lost = set((self.done or {}).get("lost", []))
        log = (self.done or {}).get("log", "")
        if log:
            self.grader_log.add(("\n" + log).encode())
        outcome, message = summarise(lost, timed_out)
        status = "graded"
        if crashed and not timed_out:
            status, outcome = "error", "crash"
            message = Text(
                en="The grader's test runner stopped unexpectedly; this is not your fault.",
                ja="採点プログラムが予期せず停止しました(あなたのコードの問題ではありません)。",
            )
        elif not tests and not timed_out:
            status, outcome = "error", "infrastructure"
            message = Text(
                en="The hidden tests could not be collected; the exercise needs fixing.",
                ja="非公開テストを読み込めませんでした。課題の修正が必要です。",
            )
        return GradingResult(
            status=status,
            outcome=outcome,
            score=sum(t.score or 0.0 for t in tests),
            max_score=sum(t.max_score for t in tests),
            execution_time=0.0,
            tests=tests,
            message=message,
            stdout=self.stdout.text(),
            stderr=self.stderr.text(),
            output_truncated=self.stdout.truncated or self.stderr.truncated,
            seed=job.seed if job else 0,
            exercise_id=job.exercise_id if job else "",
            exercise_version=job.exercise_version if job else "",
            grader_log=self.grader_log.text(),
        )

    def emit(self, result: GradingResult) -> None:
        framed = f"\n{RESULT_BEGIN} {self.nonce}\n{result.to_json()}\n{RESULT_END} {self.nonce}\n"
        sys.stdout.buffer.write(framed.encode())
        sys.stdout.buffer.flush()


def summarise(lost: set[str], timed_out: bool) -> tuple[str, Text]:
    if timed_out or "timeout" in lost:
        return "timeout", Text(
            en="Time limit exceeded: some checks could not finish.",
            ja="制限時間を超えたため、一部のチェックが完了しませんでした。",
        )
    if "memory" in lost:
        return "memory", Text(
            en="Memory limit exceeded: your program was stopped.",
            ja="メモリ制限を超えたため、プログラムが停止されました。",
        )
    if lost & {"exited", "crash"}:
        return "crash", Text(
            en="Your program stopped unexpectedly during grading.",
            ja="採点中にプログラムが予期せず終了しました。",
        )
    return "ok", Text(en="", ja="")


def main() -> None:
    supervisor = Supervisor(SandboxConfig.from_env(dict(os.environ)))
    try:
        result = supervisor.run()
    except Exception as exc:  # noqa: BLE001 — whatever happens, the host gets a result to read
        result = GradingResult.failure(
            status="error",
            outcome="infrastructure",
            max_score=0.0,
            message=Text(en=f"Sandbox failure: {exc}", ja=f"サンドボックスの障害: {exc}"),
            grader_log=supervisor.grader_log.text(),
        )
    supervisor.emit(result)
    sys.stderr.write(json.dumps({"supervisor": "done", "outcome": result.outcome}) + "\n")


if __name__ == "__main__":
    main()
