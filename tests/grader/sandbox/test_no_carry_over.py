"""Two gradings in a row, as they meet in one sandbox in the ``reuse`` mode (and in two containers
in the ``fresh`` mode): job A leaves something in every place it can touch and a daemon watching
for the next submission; job B, graded next, finds none of it, and A never sees B."""

from __future__ import annotations

import json

import pytest

from grader.engine import Grader

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def last_json(result) -> dict:  # type: ignore[no-untyped-def]
    lines = result.stdout.strip().splitlines()
    assert lines, (result.outcome, result.message, result.grader_log[-3000:])
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def a_then_b(sandbox_available, grader_settings, sandbox_mode, probe, hostile_source):  # type: ignore[no-untyped-def]
    """A, then B, through a pool of their own: in the reuse mode B can only get A's sandbox."""
    settings = grader_settings.model_copy(update={"sandbox_mode": sandbox_mode})
    with Grader(settings) as grader:
        pool = grader.sandbox
        a = grader.grade(probe, hostile_source("carry_over_leave.py"))
        pool.settle()
        after_a = pool.waiting_container_ids()
        b = grader.grade(probe, hostile_source("carry_over_find.py"))
        pool.settle()
        return a, b, after_a, pool.waiting_container_ids()


def test_job_a_really_left_its_traces(a_then_b):
    a, _, _, _ = a_then_b
    left = last_json(a)
    assert a.status == "graded" and a.score == 1
    assert {"shm", "sem"} <= set(left["ipc"])
    assert left["daemon"] and left["socket"]
    places = {path.rsplit("/", 1)[0] for path in left["files"]}
    assert {"/tmp", "/dev/shm", "/sandbox/student"} <= places


def test_job_b_finds_nothing_of_job_a(a_then_b):
    _, b, _, _ = a_then_b
    found = last_json(b)
    assert b.status == "graded" and b.score == 1, b.message
    assert found["found"] == []


def test_in_the_reuse_mode_the_next_grading_has_a_user_of_its_own(a_then_b, sandbox_mode):
    a, b, _, _ = a_then_b
    if sandbox_mode == "reuse":
        assert last_json(b)["uid"] == last_json(a)["uid"] + 1  # never a user an earlier one had


def test_in_the_reuse_mode_both_ran_in_the_same_sandbox(a_then_b, sandbox_mode):
    _, _, after_a, after_b = a_then_b
    if sandbox_mode == "reuse":
        assert len(after_a) == 1 and after_a == after_b
    else:
        assert after_a.isdisjoint(after_b)  # each container graded once
