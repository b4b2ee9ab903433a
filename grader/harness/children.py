"""How the supervisor starts its children and reads their endings: the launcher that starts a
child as a fresh program (the ``fresh`` mode; ``reuse.TemplateLauncher`` forks one from a template
instead), the reader of framed jobs on stdin, and the names of wait statuses.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Protocol

from grader.contract import JOB_HEADER, GradingJob
from grader.harness.confinement import become

WORKER_MODULE = "grader.harness.worker"


class Launcher(Protocol):
    """Starts a child of the supervisor as ``uid`` with its socket at ``fd`` and its output on the
    given pipes; returns its pid, which the supervisor reaps."""

    def launch(
        self, module: str, uid: int, fd: int, args: list[str], env: dict, out_w: int, err_w: int
    ) -> int: ...


def signal_name(number: int) -> str:
    """A readable name for any signal number, including real-time ones Python has no name for."""
    try:
        return signal.Signals(number).name
    except ValueError:
        pass
    if signal.SIGRTMIN < number < signal.SIGRTMAX:
        return f"SIGRTMIN+{number - signal.SIGRTMIN}"
    return f"signal {number}"


def exit_cause(status: int | None, killed_here: bool) -> dict[str, str]:
    """Why a worker went away, from its wait status; any status at all gives an answer."""
    if status is None:
        return {"reason": "crash", "detail": "the worker stopped answering"}
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGKILL and not killed_here:
            return {"reason": "memory", "detail": "killed by the memory limit"}
        return {"reason": "crash", "detail": f"killed by signal {signal_name(sig)}"}
    if os.WIFEXITED(status):
        return {"reason": "exited", "detail": f"exit code {os.WEXITSTATUS(status)}"}
    return {"reason": "crash", "detail": f"ended with wait status {status}"}


class ExecLauncher:
    """Children as fresh programs: fork, confine, drop to the user, exec (the ``fresh`` mode)."""

    def launch(
        self, module: str, uid: int, fd: int, args: list[str], env: dict, out_w: int, err_w: int
    ) -> int:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "--fd", str(fd), *args],
            # The child drops to its user itself (confining a worker first, while still root). The
            # supervisor is single-threaded, so running Python between fork and exec is safe.
            preexec_fn=become(uid, submission=module == WORKER_MODULE),
            pass_fds=(fd,),
            # Not cwd=home: the chdir would happen as root, who may not enter the grader's 0700
            # folder without CAP_DAC_OVERRIDE. Each child changes into its HOME itself.
            cwd="/",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out_w,
            stderr=err_w,
            start_new_session=True,
        )
        # Popen's own bookkeeping is not used: the supervisor reaps every child itself.
        process.returncode = 0
        return process.pid


class Idle(Exception):
    """No job came within the sandbox's idle allowance (``reuse`` mode): the sandbox retires."""


class JobReader:
    """Jobs framed on stdin, one after another (one in the ``fresh`` mode)."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def read(self) -> tuple[str, GradingJob] | None:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            raise EOFError("stdin closed before a job arrived")
        self.buffer.extend(chunk)
        if b"\n" not in self.buffer:
            return None
        header, _, body = bytes(self.buffer).partition(b"\n")
        tag, nonce, length = header.decode().split()
        if tag != JOB_HEADER:
            raise ValueError("malformed job header")
        if len(body) < int(length):
            return None
        del self.buffer[: len(header) + 1 + int(length)]
        return nonce, GradingJob.from_json(body[: int(length)].decode())
