"""The hardened container specification for one grading, as keyword arguments for the docker SDK.

A pure function of the limits and the host's settings, so every hardening choice is unit-tested
without a daemon (and the GPU request without a GPU).
"""

from __future__ import annotations

from typing import Any

from grader.contract import Limits
from grader.sandbox.reaper import expiry_labels

# A sandbox's k-th grading runs as STUDENT_UID + k (``reuse`` mode); the image names them all.
STUDENT_UID = 10000
MAX_GRADINGS_PER_SANDBOX = 1000
GRADER_UID = 2001
STUDENT_DIR = "/sandbox/student"
GRADER_DIR = "/sandbox/grader"
PYTHON = "/opt/kadai/venv/bin/python"
SUPERVISOR_COMMAND = [PYTHON, "-m", "grader.harness.supervisor"]
GRADER_DIR_MB = 32
TMP_MB = 16
# POSIX shared memory (multiprocessing's semaphores, DataLoader workers' tensors) needs little.
SHM_MB = 16


class GpuUnavailable(Exception):
    """The exercise requires a GPU and this host offers none."""


def wants_gpu(limits: Limits, gpu_available: bool) -> bool:
    if limits.gpu == "required" and not gpu_available:
        raise GpuUnavailable("this exercise needs a GPU, and this grading host has none")
    return limits.gpu != "none" and gpu_available


def container_spec(
    image: str,
    limits: Limits,
    frameworks: tuple[str, ...],
    *,
    gpu_available: bool = False,
    gpu_device_ids: list[str] | None = None,
    expires_at: float = 0.0,
    gradings: int = 0,
    idle_exit_s: float = 0.0,
) -> dict[str, Any]:
    """``expires_at``: epoch seconds after which a reaper may remove the container as orphaned.

    ``gradings`` > 0 asks for the ``reuse`` mode: a sandbox that grades up to that many jobs one
    after another, each from pre-imported templates, and retires when idle ``idle_exit_s``.
    """
    from docker.types import DeviceRequest, Ulimit

    memory = f"{limits.memory_mb}m"
    spec: dict[str, Any] = {
        "image": image,
        "command": SUPERVISOR_COMMAND,
        "user": "0:0",
        "stdin_open": True,
        "network_mode": "none",
        "cap_drop": ["ALL"],
        # The supervisor needs exactly these: drop each child to its user, and kill student
        # processes of another uid. Children lose all of them when they leave uid 0.
        "cap_add": ["SETUID", "SETGID", "KILL"],
        "security_opt": ["no-new-privileges"],
        "read_only": True,
        "tmpfs": {
            STUDENT_DIR: f"size={limits.disk_mb}m,uid={STUDENT_UID},gid={STUDENT_UID},mode=0755",
            GRADER_DIR: f"size={GRADER_DIR_MB}m,uid={GRADER_UID},gid={GRADER_UID},mode=0700",
            "/tmp": f"size={TMP_MB}m,mode=1777",
        },
        # Writable places are exactly these tmpfs mounts and /dev/shm, each sized: files there are
        # memory no OOM kill frees, so their sum is what a submission can pin in the memory limit.
        "shm_size": f"{SHM_MB}m",
        "working_dir": STUDENT_DIR,
        "mem_limit": memory,
        "memswap_limit": memory,
        "pids_limit": limits.pids,
        "nano_cpus": int(limits.cpus * 1e9),
        "ulimits": [
            Ulimit(name="nofile", soft=1024, hard=1024),
            Ulimit(name="core", soft=0, hard=0),
            # A submission cannot take back the priority the supervisor lowered, nor go real-time.
            Ulimit(name="nice", soft=0, hard=0),
            Ulimit(name="rtprio", soft=0, hard=0),
            # No POSIX message queues (/dev/mqueue): storage outside every sized mount.
            Ulimit(name="msgqueue", soft=0, hard=0),
        ],
        # System V IPC outlives its processes: shared memory goes with its last user, and message
        # queues (kernel memory in the limit that no kill frees) cannot be created at all.
        "sysctls": {"kernel.shm_rmid_forced": "1", "kernel.msgmni": "0"},
        "environment": {
            "KADAI_PRELOAD": ",".join(frameworks),
            "KADAI_OUTPUT_BYTES": str(limits.output_bytes),
            "KADAI_THREADS": str(max(1, round(limits.cpus))),
            "KADAI_STUDENT_UID": str(STUDENT_UID),
            "KADAI_GRADER_UID": str(GRADER_UID),
            "KADAI_STUDENT_DIR": STUDENT_DIR,
            "KADAI_GRADER_DIR": GRADER_DIR,
        },
        "labels": expiry_labels(expires_at),
        "log_config": {"type": "json-file", "config": {"max-size": "8m"}},
    }
    if gradings:
        if not 0 < gradings <= MAX_GRADINGS_PER_SANDBOX:
            raise ValueError(f"gradings per sandbox must be 1..{MAX_GRADINGS_PER_SANDBOX}")
        # Between gradings the supervisor empties folders other users own and hands the student's
        # folder to the next user. Its children never hold these: each leaves uid 0 before it runs
        # anything of its own, and no-new-privileges keeps them from coming back.
        spec["cap_add"] += ["CHOWN", "DAC_OVERRIDE", "FOWNER"]
        spec["environment"].update(
            {
                "KADAI_REUSE": "1",
                "KADAI_GRADINGS": str(gradings),
                "KADAI_IDLE_EXIT_S": str(idle_exit_s or float("inf")),
            }
        )
    if wants_gpu(limits, gpu_available):
        ids = gpu_device_ids or None
        spec["device_requests"] = [
            DeviceRequest(
                driver="nvidia",
                count=None if ids else -1,
                device_ids=ids,
                capabilities=[["gpu"]],
            )
        ]
    return spec
