"""Confinement of the submission's processes, in process (the sandbox tests check it for real)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.harness.confinement import become

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
