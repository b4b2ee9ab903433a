"""Hostile submissions, each paired with the verdict it must get (DMOJ-style), in the real sandbox."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import docker
import pytest

from grader.contract import GradingResult
from grader.engine import grading_seed
from grader.harness.supervisor import GRACE_S
from grader.sandbox.reaper import OWNER_LABEL, ROLE_LABEL, ROLE_SANDBOX, this_owner

HOSTILE = Path(__file__).parents[2] / "fixtures" / "hostile"
CANARY = "kadai-hidden-canary-7f3a"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def grade(sandbox_grader, probe, name: str) -> GradingResult:
    """A grading of its own, for a test that watches the grading happen; a test that only reads
    the verdict takes the session's ``hostile`` result instead (one grading per file and mode)."""
    return sandbox_grader.grade(probe, (HOSTILE / name).read_text())


def student_text(result: GradingResult) -> str:
    return result.student_view().to_json()


@pytest.mark.parametrize(
    "name",
    ["fake_result.py", "sys_exit.py", "patch_everything.py", "always_equal.py"],
)
def test_cheats_earn_nothing(hostile, name):
    result = hostile(name)
    assert result.status == "graded"
    assert result.score == 0
    assert result.max_score == 2
    assert {t.status for t in result.tests} == {"failed"}


def test_sys_exit_is_reported_to_the_learner(hostile):
    result = hostile("sys_exit.py")
    # Code that did not load is reported once, at the top; each check points there.
    assert "sys.exit(0)" in result.message.en
    assert "error at the top" in result.tests[0].output.en


def test_fake_result_cannot_write_the_result_channel(hostile):
    result = hostile("fake_result.py")
    assert "result channel closed: PermissionError" in result.stdout
    assert result.score == 0


def test_killing_other_processes_fails_and_grading_goes_on(hostile):
    result = hostile("kill_others.py")
    assert result.status == "graded"
    assert "kill 1 9 -> PermissionError" in result.stdout
    # kill(-1) reaches only the student's own processes (not even itself): the runner survives.
    assert len(result.tests) == 2
    assert result.score == 1


def test_hidden_tests_and_secrets_do_not_reach_the_student(sandbox_grader, probe, monkeypatch):
    monkeypatch.setenv("KADAI_SECRET_KEY", "host-secret-canary-91c2")
    result = grade(sandbox_grader, probe, "read_secrets.py")
    shown = student_text(result)
    assert result.status == "graded"
    assert "denied: /sandbox/grader/ PermissionError" in result.stdout
    assert CANARY not in shown
    assert "test_probe" not in result.stdout
    assert "host-secret-canary-91c2" not in shown
    assert "DOCKER_HOST" not in result.stdout


def test_hidden_test_source_is_not_in_failure_feedback(sandbox_grader, probe):
    result = sandbox_grader.grade(probe, probe.starter)
    assert result.score == 0
    assert CANARY not in result.to_json()  # not even the instructor view echoes test source lines
    hidden = [t for t in result.student_view().tests if t.status == "withheld"]
    assert len(hidden) == 1 and hidden[0].output.en == ""
    assert result.student_view().max_score == 2


@pytest.mark.parametrize(
    ("name", "outcome", "message"),
    [
        ("endless_loop.py", "timeout", "Time limit"),
        ("fork_bomb.py", "timeout", "Time limit"),
        ("fork_bomb_resumer.py", "timeout", "Time limit"),
        ("memory_bomb.py", "memory", "Memory limit"),
        ("memory_staller.py", "memory", "Memory limit"),
    ],
)
def test_resource_abuse_ends_as_a_graded_limit(sandbox_grader, probe, name, outcome, message):
    sandbox_grader.sandbox.settle()
    before, ready_before = sandbox_ids(), sandbox_grader.sandbox.waiting_container_ids()
    began = time.monotonic()
    result = grade(sandbox_grader, probe, name)
    # The supervisor's hard bound: its deadline (time limit + grace), a second grace for the
    # runner, then the kill; plus the host's own start and read. A fork bomb on a loaded host can
    # take most of it (the supervisor shares the container's one CPU with the bomb).
    assert time.monotonic() - began < probe.limits.time_s + 2 * GRACE_S + 20
    assert (result.status, result.outcome, result.score) == ("graded", outcome, 0)
    assert message in result.message.en
    pool = sandbox_grader.sandbox
    pool.settle()  # the pool's upkeep after a grading runs in the background
    after = sandbox_ids()
    # Nothing new is left but what the pool keeps ready, and the abused sandbox is gone (other
    # graders of the test session may hold sandboxes of their own: those were there before).
    assert after - before <= pool.waiting_container_ids()
    assert not (ready_before - pool.waiting_container_ids()) & after


def sandbox_ids() -> set[str]:
    """This test process's sandboxes: another process may be grading on the same Docker host."""
    client = docker.from_env()
    owned = [f"{ROLE_LABEL}={ROLE_SANDBOX}", f"{OWNER_LABEL}={this_owner()}"]
    found = client.containers.list(all=True, filters={"label": owned})
    client.close()
    return {c.id for c in found}


def test_output_flood_is_capped(hostile, probe):
    result = hostile("output_flood.py")
    assert result.status == "graded"
    assert result.output_truncated
    assert len(result.stdout) < probe.limits.output_bytes + 200
    assert len(result.stderr) < probe.limits.output_bytes + 200
    assert result.score == 1  # answer() is right; tensor() is missing


def test_disk_fill_stops_at_the_quota(hostile, probe):
    result = hostile("disk_fill.py")
    assert result.status == "graded"
    assert "disk full after" in result.stdout
    written = int(result.stdout.split("disk full after")[1].split()[0])
    assert written <= probe.limits.disk_mb
    assert result.score == 1


def test_same_file_twice_gives_the_same_result(sandbox_grader, probe):
    first = sandbox_grader.grade(probe, probe.solution)
    second = sandbox_grader.grade(probe, probe.solution)
    assert first.score == second.score == 2
    assert [t.to_dict() if hasattr(t, "to_dict") else t for t in first.tests] == list(second.tests)
    assert first.seed == second.seed == grading_seed(probe.meta.seed, probe.solution)


def test_json_round_trip_of_a_real_result(sandbox_grader, probe):
    result = sandbox_grader.grade(probe, probe.solution)
    assert GradingResult.from_dict(json.loads(result.to_json())) == result
    assert os.environ.get("KADAI_SECRET_KEY") is None
