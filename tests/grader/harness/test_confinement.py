"""Confinement of the submission's processes, in process (the sandbox tests check it for real)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.harness.confinement import at_memory_limit, become

# The child's own user, nice value and OOM score, read by programs any user may run.
REPORT = ["sh", "-c", "id -u; nice; cat /proc/self/oom_score_adj"]


def report(preexec) -> list[str]:  # type: ignore[no-untyped-def]
    command = subprocess.run(
        REPORT, preexec_fn=preexec, capture_output=True, text=True, check=True, cwd="/"
    )
    return command.stdout.split()


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to another user needs root")
@pytest.mark.parametrize("submission", [True, False])
def test_a_child_drops_to_its_user_with_an_oom_score_only_if_it_runs_the_submission(submission):
    uid, nice, adj = report(become(65534, submission=submission))
    assert uid == "65534"
    assert nice == str(os.getpriority(os.PRIO_PROCESS, 0))
    assert adj == ("1000" if submission else Path("/proc/self/oom_score_adj").read_text().strip())


THREAD_STARTED_BEFORE = """
import os, threading
from grader.harness.confinement import lower_priority
started = threading.Event()
tid = []
def wait():
    tid.append(threading.get_native_id())
    started.set()
    threading.Event().wait(5)
threading.Thread(target=wait, daemon=True).start()
started.wait()
os.setpgid(0, 0)
lower_priority()
print(os.getpriority(os.PRIO_PROCESS, 0), os.getpriority(os.PRIO_PROCESS, tid[0]))
"""


def test_lowering_the_priority_reaches_threads_started_before_it():
    command = [sys.executable, "-c", THREAD_STARTED_BEFORE]
    assert subprocess.run(command, capture_output=True, text=True).stdout.split() == ["19", "19"]


def write_cgroup(root: Path, version: int, anon: int, shmem: int, cache: int, limit: str) -> None:
    if version == 2:
        (root / "memory.stat").write_text(f"anon {anon}\nfile {cache}\nshmem {shmem}\n")
        (root / "memory.max").write_text(f"{limit}\n")
    else:
        (root / "memory").mkdir(exist_ok=True)
        stat = f"cache {cache}\nrss {anon}\ntotal_cache {cache}\ntotal_rss {anon}\ntotal_shmem {shmem}\n"
        (root / "memory/memory.stat").write_text(stat)
        (root / "memory/memory.limit_in_bytes").write_text(f"{limit}\n")


@pytest.mark.parametrize("version", [1, 2])
def test_time_that_runs_out_with_memory_at_the_limit_is_the_memorys(tmp_path, version):
    # Anonymous and shared memory cannot be reclaimed without swap: at the limit, it is the cause.
    write_cgroup(tmp_path, version, anon=800, shmem=100, cache=50, limit="1000")
    assert at_memory_limit(str(tmp_path))
    # The page cache can be reclaimed: a slow program that read many files is only slow.
    write_cgroup(tmp_path, version, anon=300, shmem=0, cache=690, limit="1000")
    assert not at_memory_limit(str(tmp_path))


def test_no_memory_cgroup_or_no_limit_is_never_at_the_limit(tmp_path):
    assert not at_memory_limit(str(tmp_path))
    write_cgroup(tmp_path, 2, anon=990, shmem=0, cache=0, limit="max")
    assert not at_memory_limit(str(tmp_path))
