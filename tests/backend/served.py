"""`kadai serve` in a child process, as `make up` runs it, and raw HTTP for what clients rarely do
(chunked bodies, bodies the server should not wait for), with the server's memory measured."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.settings import PROJECT_ROOT
from tests.backend.conftest import ADMIN_PASSWORD
from tests.services import free_port


@dataclass
class Served:
    base: str
    process: subprocess.Popen
    log: Path
    peak_rss_kib: int = field(default=0)

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def rss_kib(self) -> int:
        """The server process's resident memory now (VmRSS), in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def kadai_serve(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Starts ``python -m backend.cli serve --demo`` on a free loopback port; stops it after."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir.parent / f"serve-{port}.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KADAI_")}
    for name in ("KADAI_EXERCISES_DIR", "KADAI_DOCKER_HOST", "KADAI_CACHE_DIR"):
        if name in os.environ:
            clean[name] = os.environ[name]
    full_env = {
        **clean,
        "PYTHONPATH": str(PROJECT_ROOT),
        "KADAI_DATA_DIR": str(data_dir),
        "KADAI_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KADAI_GRADING_THREADS": "0",
        **(env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend.cli", "serve", "--port", str(port), "--demo"],
            cwd=PROJECT_ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(served)
        yield served
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _wait_ready(served: Served, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(f"kadai serve exited:\n{served.output()}")
        try:
            with urllib.request.urlopen(served.base + "/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"kadai serve did not answer:\n{served.output()}")


@dataclass
class Answer:
    status: int | None  # None: the connection ended without a response
    sent: int  # body bytes the client got to send
    seconds: float
    head: bytes


def stream_post(
    served: Served,
    path: str,
    headers: dict[str, str],
    total: int,
    *,
    chunked: bool = True,
    chunk: int = 1024 * 1024,
    watch_memory: bool = False,
    prefix: bytes = b"",
) -> Answer:
    """POSTs ``total`` bytes in ``chunk``s, stopping as soon as the server answers.

    A server that authenticates first answers after the first chunk; one that reads the whole
    body first answers only after the last.
    """
    began = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=60)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{served.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    sent, head = 0, b""
    payload = b"x" * chunk
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        if prefix:
            sock.sendall(f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n" if chunked else prefix)
            sent += len(prefix)
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered: stop sending
            piece = payload[: min(chunk, total - sent)]
            framed = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            sock.sendall(framed)
            sent += len(piece)
            if watch_memory:
                served.peak_rss_kib = max(served.peak_rss_kib, served.rss_kib())
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while b"\r\n\r\n" not in head:
            data = sock.recv(65536)
            if not data:
                break
            head += data
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    if watch_memory:
        served.peak_rss_kib = max(served.peak_rss_kib, served.rss_kib())
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else None
    return Answer(status, sent, time.monotonic() - began, head)
