"""`infrastructure` (which the platform retries) means the host failed, and nothing else: no
submission can produce it, so a learner never spends the platform's retries."""

from __future__ import annotations

import shutil

import pytest

from grader.contract import JOB_HEADER, GradingJob
from grader.engine import build_job
from grader.exercise import load_exercise
from grader.sandbox.docker_sandbox import DockerSandboxFactory, SandboxProfile, parse_result
from grader.sandbox.image import image_tag

from .conftest import HOSTILE

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# The resource abusers are graded by test_hostile's test_resource_abuse_ends_as_a_graded_limit,
# which asserts their exact graded verdict (stricter than "not infrastructure") and watches the
# grading's time and containers: each takes tens of seconds, so it is graded there only.
RESOURCE_ABUSERS = {"endless_loop.py", "fork_bomb.py", "fork_bomb_resumer.py", "memory_bomb.py"}
EVERY_HOSTILE = sorted(p.name for p in HOSTILE.glob("*.py") if p.name not in RESOURCE_ABUSERS)


@pytest.mark.parametrize("name", EVERY_HOSTILE)
def test_no_hostile_submission_reaches_infrastructure(hostile, name):
    result = hostile(name)
    assert result.outcome != "infrastructure", result.message.en
    assert result.status == "graded", result.message.en
    assert result.max_score == 2


def test_a_worker_killed_by_a_signal_without_a_name_is_graded(hostile):
    result = hostile("rt_signal.py")
    assert (result.status, result.outcome) == ("graded", "crash")
    assert "SIGRTMIN+6" in result.tests[0].output.en


def test_hidden_tests_that_cannot_be_collected_are_the_exercises_error(
    sandbox_grader, probe, tmp_path
):
    broken = tmp_path / "probe"
    shutil.copytree(probe.root, broken)
    (broken / "tests" / "test_probe.py").write_text("def test_answer(:\n")
    result = sandbox_grader.grade(load_exercise(broken), probe.solution)
    assert (result.status, result.outcome, result.score) == ("error", "crash", 0)
    assert "exercise needs fixing" in result.message.en


def test_only_a_sandbox_that_never_got_its_job_is_infrastructure(grader_settings, probe):
    """The supervisor's one path to `infrastructure`: failing before any job (so before any
    submission) arrived; here the host sends a malformed header."""
    job: GradingJob = build_job(probe, probe.solution)
    factory = DockerSandboxFactory(grader_settings)
    sandbox = factory.start(SandboxProfile(image_tag(grader_settings), job.limits, job.frameworks))
    try:
        raw = sandbox.client.api.attach_socket(
            sandbox.container.id, params={"stdin": 1, "stream": 1}
        )
        sock = getattr(raw, "_sock", raw)
        sock.sendall(f"{JOB_HEADER} not-a-length\n{{}}".encode())
        sock.close()
        sandbox.container.wait(timeout=60)
        logs = sandbox.container.logs(stdout=True, stderr=False).decode(errors="replace")
    finally:
        sandbox.discard()
        factory.close()
    result = parse_result(logs, "")
    assert result is not None
    assert (result.status, result.outcome, result.score) == ("error", "infrastructure", 0)
