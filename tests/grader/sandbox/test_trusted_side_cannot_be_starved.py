"""The trusted side keeps its CPU and its memory whatever the submission does, and a memory limit the
submission exhausts is always its own graded ``memory`` outcome (hostile fixtures vs the probe)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.contract import GradingResult

HOSTILE = Path(__file__).parents[2] / "fixtures" / "hostile"
NOT_OUR_FAULT = "not your fault"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def grade(sandbox_grader, probe, name: str) -> GradingResult:
    return sandbox_grader.grade(probe, (HOSTILE / name).read_text())


def printed(result: GradingResult) -> dict:
    """The JSON line the fixture printed last, wherever its visibility put it (a hidden test's
    output stays with that test or is held)."""
    streams = [result.stdout, *(t.stdout for t in result.tests)]
    streams += [held.stdout for held in result.held_output]
    lines = [line for text in streams for line in text.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


def verdicts(result: GradingResult) -> dict[str, str]:
    return {t.name.split("::")[-1]: t.output.en for t in result.tests}


def test_the_submission_starts_below_the_trusted_side_and_cannot_climb(sandbox_grader, probe):
    result = grade(sandbox_grader, probe, "priority_grab.py")
    seen = printed(result)
    assert (result.status, result.score) == ("graded", 1)
    assert seen["nice"] == 19
    assert seen["oom_score_adj"] == 1000
    assert seen["renice"] == seen["fifo"] == "PermissionError"
    assert seen["rlimit_nice"] == seen["rlimit_rtprio"] == "ValueError"
    # Lowering the OOM score is not refused on hosts without CAP_SYS_RESOURCE; what that buys the
    # submission is covered by the two memory tests below.


def test_cpu_hogs_in_threads_and_processes_do_not_starve_the_runner(sandbox_grader, probe):
    result = grade(sandbox_grader, probe, "cpu_spinner.py")
    assert (result.status, result.outcome, result.score) == ("graded", "ok", 2)
    # Every process of the submission (worker, 100 spinners) runs at nice 19, the runner at 0.
    assert printed(result) == {"student": [19], "runner": [0]}


def test_a_ballooning_worker_is_stopped_and_the_runner_goes_on(sandbox_grader, probe):
    result = grade(sandbox_grader, probe, "memory_bomb_in_a_test.py")
    assert (result.status, result.outcome, result.score) == ("graded", "memory", 1)
    assert "Memory limit exceeded" in verdicts(result)["test_tensor"]


def test_a_runner_killed_by_the_memory_limit_is_the_submissions_memory(sandbox_grader, probe):
    result = grade(sandbox_grader, probe, "runner_as_oom_victim.py")
    assert (result.status, result.outcome) == ("graded", "memory")
    assert result.score == 1  # answer() was checked before the runner died; its verdict stays
    assert "Memory limit exceeded" in result.message.en
    assert "メモリ制限" in result.message.ja
    assert NOT_OUR_FAULT not in result.to_json()
    assert "test runner was killed by the memory limit" in result.grader_log


def test_the_runner_does_not_read_an_oversized_reply(sandbox_grader, probe):
    result = grade(sandbox_grader, probe, "oversized_reply.py")
    assert result.status == "graded"
    assert result.outcome not in ("infrastructure", "memory")
    assert NOT_OUR_FAULT not in result.to_json()
    # The runner refused the 200 MiB announcement, lived, and gave both checks a verdict.
    assert result.score == 1
    assert set(verdicts(result)) == {"test_answer", "test_tensor"}
