"""What the supervisor hands its children: the sandbox's settings, a clean environment, and a
capped capture of their output. Plain data, read once from the container's environment.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field


@dataclass
class Capture:
    """The first ``limit`` bytes of a stream, and how many came in total."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    total: int = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit - len(self.data)
        if room > 0:
            self.data.extend(chunk[:room])

    @property
    def truncated(self) -> bool:
        return self.total > self.limit

    def text(self) -> str:
        note = f"\n[… {self.total - self.limit} more bytes not kept]" if self.truncated else ""
        return self.data.decode("utf-8", errors="replace") + note


@dataclass(frozen=True)
class SandboxConfig:
    student_uid: int
    grader_uid: int
    student_dir: str
    grader_dir: str
    preload: tuple[str, ...]
    output_bytes: int
    threads: int
    # The ``reuse`` mode: up to ``gradings`` gradings, the k-th as user ``student_uid + k``.
    reuse: bool = False
    gradings: int = 1
    idle_exit_s: float = float("inf")

    @classmethod
    def from_env(cls, env: dict[str, str]) -> SandboxConfig:
        return cls(
            student_uid=int(env.get("KADAI_STUDENT_UID", "2000")),
            grader_uid=int(env.get("KADAI_GRADER_UID", "2001")),
            student_dir=env.get("KADAI_STUDENT_DIR", "/sandbox/student"),
            grader_dir=env.get("KADAI_GRADER_DIR", "/sandbox/grader"),
            preload=tuple(f for f in env.get("KADAI_PRELOAD", "").split(",") if f),
            output_bytes=int(env.get("KADAI_OUTPUT_BYTES", "65536")),
            threads=max(1, int(env.get("KADAI_THREADS", "1"))),
            reuse=env.get("KADAI_REUSE", "") == "1",
            gradings=max(1, int(env.get("KADAI_GRADINGS", "1"))),
            idle_exit_s=float(env.get("KADAI_IDLE_EXIT_S", "inf")),
        )


def child_env(config: SandboxConfig, home: str, extra: dict[str, str]) -> dict[str, str]:
    """A fresh environment: nothing of the container's own variables reaches either child."""
    threads = str(config.threads)
    return {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        # getpass and the like ask the environment first: every grading's user is "student".
        "USER": "student" if home == config.student_dir else "grader",
        "LOGNAME": "student" if home == config.student_dir else "grader",
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        "MPLCONFIGDIR": home,
        **extra,
    }
