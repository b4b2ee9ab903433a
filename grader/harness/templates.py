"""Pre-imported templates: processes that import the frameworks once per sandbox and fork a fresh
test runner or submission worker for each grading (the sandbox's ``reuse`` mode).

Two templates run beside the supervisor: the runner's, under the grader's user, and the worker's,
as root, because each grading's worker gets a user of its own that nothing earlier ever ran as.
Neither ever runs submission code or reads a job: a template only imports trusted modules and then
waits for fork requests from the supervisor, each carrying the child's socket and its stdout and
stderr pipes. Templates fork before any framework has started a thread pool (nothing has computed
yet), and each child is forked twice so that it becomes the supervisor's child (PID 1 adopts it)
and the supervisor reaps it and reads its wait status exactly as in the ``fresh`` mode.

A child leaves the template the way a freshly started program would arrive: a new session, its
own standard streams, every other descriptor closed, its confinement and user applied before any
of its own code runs (``confinement.become``), dumpable again as after an exec, and an environment
rebuilt from the supervisor's request.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from grader.harness.confinement import become

PR_SET_DUMPABLE = 4
# The first descriptor a child may keep beside its standard streams; the socket is moved there.
CHILD_SOCKET_FD = 3


def send_fork_request(sock: socket.socket, request: dict[str, Any], fds: list[int]) -> int:
    """The supervisor's side: asks a template for a child, returns the child's pid."""
    socket.send_fds(sock, [json.dumps(request).encode()], fds)
    reply = sock.recv(4096)
    if not reply:
        raise OSError("the template process is gone")
    answer = json.loads(reply)
    if not answer.get("ok"):
        raise OSError(f"the template could not fork: {answer.get('reason', '?')}")
    return int(answer["pid"])


def control_pair() -> tuple[socket.socket, socket.socket]:
    """Message boundaries kept: one request or reply is one packet."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def _receive_request(sock: socket.socket) -> tuple[dict[str, Any], list[int]] | None:
    message, fds, _, _ = socket.recv_fds(sock, 1 << 16, 3)
    if not message:
        return None
    return json.loads(message), list(fds)


def _become_child(request: dict[str, Any], fds: list[int], control: socket.socket) -> int:
    """In the grandchild: the process a fresh ``python -m …`` would have been, up to its main."""
    child_sock, out_w, err_w = fds
    control.close()
    os.setsid()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.dup2(child_sock, CHILD_SOCKET_FD)
    os.closerange(CHILD_SOCKET_FD + 1, os.sysconf("SC_OPEN_MAX"))
    uid = int(request["uid"])
    if os.getuid() != uid:
        become(uid, submission=bool(request.get("submission")))()
        # An exec would have made the process dumpable again; keep what a fresh program gets.
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in request.get("env", {}).items()})
    tempfile.tempdir = None  # computed again from this environment's TMPDIR
    return CHILD_SOCKET_FD


def serve(control: socket.socket, run_child: Callable[[int], None]) -> None:
    """The template's loop: one double fork per request, until the supervisor closes the socket."""
    while True:
        received = _receive_request(control)
        if received is None:
            return
        request, fds = received
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            control.sendall(json.dumps({"ok": False, "reason": "expected 3 fds"}).encode())
            continue
        pid_r, pid_w = os.pipe()
        first = os.fork()
        if first == 0:
            os.close(pid_r)
            second = os.fork()
            if second == 0:
                os.close(pid_w)
                try:
                    fd = _become_child(request, fds, control)
                    run_child(fd)
                    code = 0
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
                except BaseException:  # noqa: BLE001 — the child reports like a crashed program
                    import traceback

                    traceback.print_exc()
                    code = 1
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except Exception:  # noqa: BLE001 — the child may have closed them
                        pass
                os._exit(code)
            os.write(pid_w, str(second).encode())
            os._exit(0)
        os.close(pid_w)
        for fd in fds:
            os.close(fd)
        os.waitpid(first, 0)
        with os.fdopen(pid_r, "rb") as reader:
            pid = reader.read().decode() or "0"
        reply = {"ok": pid != "0", "pid": int(pid), "reason": "fork failed"}
        control.send(json.dumps(reply).encode())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--role", choices=("runner", "worker"), required=True)
    args = parser.parse_args(argv)
    os.chdir("/")
    if args.role == "runner":
        from grader.harness import runner

        runner.preload()
        run_child = runner.serve_forked
    else:
        from grader.harness import worker

        worker.preload([f for f in os.environ.get("KADAI_PRELOAD", "").split(",") if f])
        run_child = worker.serve_forked
    serve(socket.socket(fileno=args.fd), run_child)


if __name__ == "__main__":
    main()
