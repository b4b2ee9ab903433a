"""Confinement of the submission's processes and the reading of a runner killed by the memory limit,
in process (the sandbox tests check both for real)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grader.contract import GradingJob, GradingResult, Limits, TestResult, Text
from grader.harness.confinement import (
    become,
    exit_status,
    killed_by_memory_limit,
    runner_out_of_memory,
)

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


def test_only_a_sigkill_reads_as_the_memory_limit():
    assert killed_by_memory_limit(signal.SIGKILL)  # a wait status of "killed by signal 9"
    assert not killed_by_memory_limit(signal.SIGSEGV)
    assert not killed_by_memory_limit(1 << 8)  # exit code 1
    assert not killed_by_memory_limit(None)


def test_exit_status_waits_for_an_ending_child():
    child = subprocess.Popen([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), 9)"])
    exits: dict[int, int] = {}
    assert killed_by_memory_limit(exit_status(child.pid, exits))
    assert child.pid in exits
    child.returncode = 0  # reaped here, not by Popen
    assert exit_status(os.getpid(), {}, timeout_s=0.05) is None  # not a child: no wait


def test_a_runner_killed_by_the_memory_limit_becomes_the_submissions_memory_outcome():
    done = TestResult(
        name="t::a",
        title=Text("a", "a"),
        score=1.0,
        max_score=1.0,
        status="passed",
        output=Text("", ""),
        visibility="visible",
        number=1,
    )
    crashed = GradingResult(
        status="error",
        outcome="crash",
        score=1.0,
        max_score=1.0,
        execution_time=0.0,
        tests=(done,),
        message=Text("The grader's test runner stopped unexpectedly; this is not your fault.", "…"),
        grader_log="collected 2 items",
    )
    job = GradingJob("j", "probe", "1", "p.py", "", "module", {}, limits=Limits(memory_mb=700))
    result = runner_out_of_memory(crashed, job)
    assert (result.status, result.outcome, result.score, result.tests) == (
        "graded",
        "memory",
        1.0,
        (done,),
    )
    assert "Memory limit exceeded (700 MB)" in result.message.en
    assert "700 MB" in result.message.ja
    assert result.grader_log.startswith("collected 2 items\nthe test runner was killed")
