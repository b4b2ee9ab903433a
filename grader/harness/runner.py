"""The trusted test runner: a process under the grader's own user that runs the hidden pytest suite.

It starts with its imports done and waits for the job from the supervisor; it reaches the submission
only through worker processes the supervisor hands it, and streams each verdict back.
"""

from __future__ import annotations

import argparse
import importlib
import os
import socket
import time
import traceback
from pathlib import Path, PurePosixPath
from typing import Any

from grader.contract import GradingJob
from grader.harness.client import Submission, WorkerLink, WorkerLost
from grader.harness.plugin import GradingInfo, KadaiPlugin
from grader.harness.protocol import Channel

HELLO_ALLOWANCE_S = 60.0


class RunnerSession:
    """Asks the supervisor for workers and for the cause of their death."""

    def __init__(self, ctrl: Channel, job: GradingJob) -> None:
        self.ctrl = ctrl
        self.job = job
        self.deadline = time.monotonic() + job.limits.time_s
        self.current_pid = 0
        # Why the time ran out, once it has: every test after that one ends the same way.
        self.time_ran_out: tuple[str, str] = ("timeout", "")

    def new_link(self) -> WorkerLink:
        if time.monotonic() >= self.deadline:
            raise WorkerLost(*self.time_ran_out)
        self.ctrl.send({"op": "worker"})
        reply = self.ctrl.receive()
        if not reply.get("ok"):
            raise WorkerLost("crash", str(reply.get("reason", "no worker could be started")))
        _, fds, _, _ = socket.recv_fds(self.ctrl.sock, 1, 1)
        self.current_pid = int(reply["pid"])
        channel = Channel(socket.socket(fileno=fds[0]))
        try:
            return WorkerLink(channel, lambda: self.deadline, self.diagnose)
        except Exception as exc:  # noqa: BLE001 — any failure to say hello is the worker's death
            raise self.diagnose("exited", str(exc)) from None

    def diagnose(self, kind: str, detail: str) -> WorkerLost:
        if kind in ("timeout", "malformed"):
            self.ctrl.send({"op": "kill_students"})
            killed = self.ctrl.receive()
        if kind == "timeout":
            if killed.get("at_memory_limit"):
                self.time_ran_out = ("memory", "the time ran out at the memory limit")
            return WorkerLost(*self.time_ran_out)
        if kind == "malformed":
            return WorkerLost("malformed", detail[:200])
        self.ctrl.send({"op": "why", "pid": self.current_pid})
        reply = self.ctrl.receive()
        return WorkerLost(str(reply.get("reason", "exited")), str(reply.get("detail", detail)))

    def report(self, kind: str, **body: Any) -> None:
        self.ctrl.send({"op": kind, **body})

    def announce(self, kind: str, **body: Any) -> None:
        """Like ``report``, and waits until the supervisor has acted on it."""
        self.report(kind, **body)
        self.ctrl.receive()


def write_tests(tests: dict[str, str], root: Path) -> None:
    for name, source in tests.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"refused test path {name!r}")
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def run(ctrl: Channel, grader_dir: Path, student_dir: str) -> None:
    import pytest

    # Whatever the mount said, only this user may enter the folder that will hold the tests.
    os.chmod(grader_dir, 0o700)
    message = ctrl.receive()
    job = GradingJob.from_json(message["job"])
    tests_dir = grader_dir / "tests"
    write_tests(job.tests, tests_dir)
    session = RunnerSession(ctrl, job)
    load_request = {
        "source": job.submission_source,
        "filename": job.submission_filename,
        "run_name": "__main__" if job.run_as == "script" else "submission",
        "instrument": ["training"] if job.run_as == "script" else [],
        "seed": job.seed,
    }
    info = GradingInfo(
        job.seed, student_dir, job.limits.time_s, job.limits.memory_mb, job.submission_source
    )
    plugin = KadaiPlugin(Submission(session.new_link, load_request), info)
    plugin.on_result = lambda result: session.report("test", test=result)
    plugin.on_collected = lambda tests: session.report("collected", tests=tests)
    plugin.on_begin = lambda name, visibility: session.announce(
        "begin", test=name, visibility=visibility
    )
    plugin.on_end = lambda name: session.report("end", test=name)
    try:
        exit_code = pytest.main(
            [
                *(str(tests_dir), "-c", str(tests_dir / "pytest.ini"), "--rootdir", str(tests_dir)),
                *("-p", "no:cacheprovider", "-q", "--tb=short", "-W", "ignore::DeprecationWarning"),
            ],
            plugins=[plugin],
        )
    except Exception:  # noqa: BLE001 — the supervisor still hears how it ended
        plugin.log.append(f"pytest failed:\n{traceback.format_exc()}")
        exit_code = pytest.ExitCode.INTERNAL_ERROR
    session.report(
        "done",
        pytest_exit=int(exit_code),
        lost=sorted(plugin.lost_reasons),
        log="\n".join(plugin.log + plugin.board.log),
        artifacts=plugin.board.for_result(),
    )


def preload() -> None:
    """The imports the checks need, done before any job (in the template, once per sandbox):
    the frameworks the exercise's checks use on the trusted side (torch, never TensorFlow) and the
    harness modules hidden tests import."""
    frameworks = [f for f in os.environ.get("KADAI_RUNNER_PRELOAD", "").split(",") if f]
    helpers = ["grader.harness.feedback", "grader.harness.files"]
    if "torch" in frameworks:
        helpers.append("grader.harness.training")
    for name in ["numpy", "pytest", *frameworks, *helpers]:
        importlib.import_module(name)
    # pytest imports its built-in plugins when a session starts; once here, not per grading.
    from _pytest.config import default_plugins

    for plugin in default_plugins:
        importlib.import_module(f"_pytest.{plugin}")


def serve_forked(fd: int) -> None:
    """One grading's runner, forked from the template with its imports done."""
    os.chdir(os.environ.get("HOME", "/"))
    run(
        Channel(socket.socket(fileno=fd)),
        Path(os.environ["KADAI_GRADER_DIR"]),
        os.environ["KADAI_STUDENT_DIR"],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--grader-dir", required=True)
    parser.add_argument("--student-dir", required=True)
    args = parser.parse_args(argv)
    os.chdir(os.environ.get("HOME", "/"))
    preload()
    ctrl = Channel(socket.socket(fileno=args.fd))
    run(ctrl, Path(args.grader_dir), args.student_dir)


if __name__ == "__main__":
    main()
