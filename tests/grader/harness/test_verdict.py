"""How a grading ended decides its outcome; only a grading that never got its job is the host's."""

from __future__ import annotations

import itertools
import os
import signal

import pytest

from grader.contract import GradingJob
from grader.harness.children import exit_cause, signal_name
from grader.harness.output import OutputRouter
from grader.harness.verdict import compose, decide

JOB = GradingJob(
    job_id="j",
    exercise_id="e",
    exercise_version="v",
    submission_filename="s.py",
    submission_source="",
    run_as="module",
    tests={},
)


def placeholder(name: str, number: int, visibility: str = "visible") -> dict:
    return {
        "name": name,
        "title": {"en": name, "ja": name},
        "score": 0.0,
        "max_score": 1.0,
        "status": "failed",
        "output": {"en": "did not run", "ja": "did not run"},
        "visibility": visibility,
        "number": number,
    }


@pytest.mark.parametrize(
    ("ending", "lost", "pytest_exit", "tests"),
    itertools.product(
        ["done", "timeout", "memory", "crash", "supervisor"],
        [set(), {"timeout"}, {"memory"}, {"crash", "exited"}],
        [None, 0, 1, 2, 3, 4, 5],
        [True, False],
    ),
)
def test_once_a_job_arrived_nothing_is_infrastructure(ending, lost, pytest_exit, tests):
    status, outcome, message = decide(JOB, ending, lost, pytest_exit, tests)
    assert outcome != "infrastructure"
    assert (message.en and message.ja) or outcome == "ok"
    if ending in ("timeout", "memory"):
        assert status == "graded"  # the submission's limits: graded, never retried


def test_without_a_job_it_is_the_host():
    assert decide(None, "supervisor", set(), None, False)[:2] == ("error", "infrastructure")


def test_tests_without_a_verdict_fail_with_the_reason_the_grading_ended():
    collected = {"t::a": placeholder("t::a", 1), "t::b": placeholder("t::b", 2, "hidden")}
    reported = {"t::a": {**placeholder("t::a", 1), "status": "passed", "score": 1.0}}
    router = OutputRouter(100)
    router.begin("t::b", "hidden")
    router.write("stdout", b"hidden output")
    result = compose(
        job=JOB,
        collected=collected,
        reported=reported,
        lost=set(),
        ending="memory",
        pytest_exit=None,
        output=router,
        grader_log="",
    )
    assert (result.status, result.outcome, result.score, result.max_score) == (
        "graded",
        "memory",
        1.0,
        2.0,
    )
    assert "Memory limit" in result.tests[1].output.en
    assert result.tests[1].stdout == "hidden output"


def test_every_signal_and_exit_status_has_a_cause():
    for number in range(1, 65):
        name = signal_name(number)
        assert name and "None" not in name
        cause = exit_cause(number, killed_here=True)  # wait status of a death by that signal
        assert cause["reason"] == "crash" and name in cause["detail"]
    assert signal_name(40) == "SIGRTMIN+6"
    assert signal_name(200) == "signal 200"
    for code in (0, 1, 77, 255):
        assert exit_cause(code << 8, killed_here=False) == {
            "reason": "exited",
            "detail": f"exit code {code}",
        }
    assert exit_cause(signal.SIGKILL, killed_here=False)["reason"] == "memory"
    assert exit_cause(None, killed_here=False)["reason"] == "crash"
    assert exit_cause(0x137F, killed_here=False)["reason"] == "crash"  # stopped, not ended
    assert os.WIFSTOPPED(0x137F)
