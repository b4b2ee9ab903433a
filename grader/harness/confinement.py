"""Keeping the submission below the trusted side inside one sandbox: CPU priority, the OOM killer's
order, and what the memory cgroup says: its count of OOM kills (a runner killed by the memory limit
is the submission's ``memory`` outcome: ``Supervisor.runner_ending``) and whether the sandbox is
at its limit (``at_memory_limit``: time that runs out there is the memory's doing).

The supervisor, the test runner and the submission's processes share the container's cgroups (one
memory limit, one CPU quota, one pids limit), so the separation comes from kernel attributes of the
worker process, set before any submission code runs and inherited by every thread and child:

- CPU: nice 19 (scheduler weight 15 against the runner's 1024), set by the worker on its whole
  process group once its imports are done (so they run beside the runner's at full weight) and
  before it serves. The submission cannot lower it: it holds no CAP_SYS_NICE and the sandbox's
  RLIMIT_NICE is 0. Spinning threads or child processes take what the trusted side leaves.
- Memory: oom_score_adj 1000, written by the supervisor's child before it becomes the student, so
  at the memory limit the kernel kills a submission process before any trusted one. This is an
  order, not a wall: only a CAP_SYS_RESOURCE holder can forbid lowering it again, and the Docker
  hosts we grade on cannot grant that capability, so a hostile submission can set 0 and make the
  runner the largest process. What it cannot do is turn that into the grader's fault: the runner is
  SIGKILLed only by the supervisor at the deadline or by the kernel's OOM killer (the submission's
  user may not signal it), so a runner that dies of SIGKILL otherwise is read as the submission
  exhausting the memory limit.
"""

from __future__ import annotations

import os
from collections.abc import Callable

SUBMISSION_NICE = 19
SUBMISSION_OOM_SCORE_ADJ = 1000
MEMORY_EVENT_FILES = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")


def become(uid: int, *, submission: bool) -> Callable[[], None]:
    """What a forked child runs before its program: confinement (for the submission), then the user.

    In that order because the child may write its own /proc files only while it is still root: a
    process that just changed its uid is not dumpable, so they belong to root until the exec. A
    failure aborts the spawn, so no worker ever runs unconfined.
    """

    def drop() -> None:
        if submission:
            confine_submission()
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # real, effective and saved: every capability is gone from here on

    return drop


def confine_submission() -> None:
    with open("/proc/self/oom_score_adj", "w", encoding="ascii") as adj:
        adj.write(str(SUBMISSION_OOM_SCORE_ADJ))


def lower_priority() -> None:
    """The worker's last step before it serves. PRIO_PGRP reaches every thread the imports started
    (PRIO_PROCESS would change only the calling thread); the worker leads its own process group."""
    os.setpriority(os.PRIO_PGRP, 0, SUBMISSION_NICE)


def oom_kills() -> str:
    """The memory cgroup's own count of OOM kills, for the instructor's log ("?" if unreadable)."""
    for path in MEMORY_EVENT_FILES:
        try:
            with open(path, encoding="ascii") as events:
                for line in events:
                    if line.startswith("oom_kill "):
                        return line.split()[1]
        except OSError:
            continue
    return "?"


# The memory cgroup's statistics and limit, cgroup v2 at the container's root (its namespace),
# then v1's memory controller; the statistics that no reclaim can free (there is no swap).
CGROUP_V2 = ("memory.stat", ("anon", "shmem"), "memory.max")
CGROUP_V1 = ("memory/memory.stat", ("total_rss", "total_shmem"), "memory/memory.limit_in_bytes")
PRESSED_SHARE = 0.85


def _limit(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):  # v2's "max": no limit
        return None


def _unreclaimable(path: str, keys: tuple[str, ...]) -> int | None:
    try:
        with open(path, encoding="ascii") as handle:
            stat = dict(line.split()[:2] for line in handle if len(line.split()) >= 2)
        return sum(int(stat.get(key, 0)) for key in keys)
    except (OSError, ValueError):
        return None


def at_memory_limit(root: str = "/sys/fs/cgroup") -> bool:
    """Whether memory nothing can reclaim fills the sandbox to its limit (``PRESSED_SHARE``).

    Asked when the time runs out. Near the limit the kernel reclaims the page cache, which holds
    the code of every process (torch's libraries among it): a submission that keeps its memory
    there makes each process read its code from disk again and again, and on a busy host that can
    outlast the time limit before the OOM killer acts. Time that runs out in that state is the
    memory's doing, and the learner is told so. The files are the container's own cgroup, which
    the submission can read but not write; being told "memory" instead of "time" earns nothing.
    """
    for stat, keys, limit in (CGROUP_V2, CGROUP_V1):
        if os.path.exists(os.path.join(root, stat)):
            held = _unreclaimable(os.path.join(root, stat), keys)
            most = _limit(os.path.join(root, limit))
            return held is not None and most is not None and held >= PRESSED_SHARE * most
    return False
