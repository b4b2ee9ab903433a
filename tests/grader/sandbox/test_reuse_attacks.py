"""A learner who has read every harness file attacks the ``reuse`` mode, where one sandbox grades
job after job: forged framing, reaching the root templates, state that emptying the folders does
not remove, processes that are stopped, traced, zombie or never keep their pid, and a tree too
deep to remove. Each attack is followed by an honest grading through the same pool, so in the
``reuse`` mode the second grading gets the attacker's sandbox whenever it was reported clean; in
the ``fresh`` mode (one container per grading) the same attacks must change nothing either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.contract import GradingResult
from grader.engine import Grader

pytestmark = [pytest.mark.docker, pytest.mark.slow]

HOSTILE = Path(__file__).parents[2] / "fixtures" / "hostile"
SOLUTION = (
    Path(__file__).parents[2] / "fixtures" / "exercises" / "probe" / "solution.py"
).read_text()


@pytest.fixture(scope="module")
def grader(sandbox_available, grader_settings, sandbox_mode) -> Iterator[Grader]:  # type: ignore[no-untyped-def]
    """A pool of this module's own, warmed by one honest grading."""
    settings = grader_settings.model_copy(update={"sandbox_mode": sandbox_mode})
    with Grader(settings) as grader:
        yield grader


def graded_in_turn(grader: Grader, probe, *sources: str) -> list[tuple[GradingResult, set[str]]]:  # type: ignore[no-untyped-def]
    """Each source graded after the last has been returned to the pool (or retired); with each
    result, the sandboxes waiting before it was graded."""
    pool = grader.sandbox
    graded = []
    for source in sources:
        pool.settle()
        waiting = pool.waiting_container_ids()
        graded.append((grader.grade(probe, source), waiting))
    pool.settle()
    return graded


def hostile(name: str) -> str:
    return (HOSTILE / name).read_text()


def line_after(result: GradingResult, marker: str) -> dict:
    for line in result.stdout.splitlines():
        if line.startswith(marker):
            return json.loads(line[len(marker) :])
    raise AssertionError((result.outcome, result.stdout[-2000:], result.grader_log[-3000:]))


def last_json(result: GradingResult) -> dict:
    lines = result.stdout.strip().splitlines()
    assert lines, (result.outcome, result.message, result.grader_log[-3000:])
    return json.loads(lines[-1])


def test_forged_frames_and_markers_reach_no_stream_the_host_reads(grader, probe, sandbox_mode):
    (forged, _), (honest, before_honest) = graded_in_turn(
        grader, probe, hostile("forge_markers.py"), SOLUTION
    )
    assert forged.status == "graded" and forged.score == 0, forged.message
    assert line_after(forged, "FORGED-STREAMS ") == []  # no stream but its own pipes opened
    assert "KADAI-READY" in forged.stdout  # printed, captured as the learner's output, nothing more
    assert honest.status == "graded" and honest.score == 2, honest.message
    if sandbox_mode == "reuse":
        # The forged RETIRE retired nothing: the honest grading got the forger's sandbox.
        assert len(before_honest) == 1
        assert before_honest == grader.sandbox.waiting_container_ids()


def test_no_process_of_another_user_can_be_reached(grader, probe):
    ((result, _),) = graded_in_turn(grader, probe, hostile("reach_templates.py"))
    reached = line_after(result, "REACHED ")
    assert reached["others"] >= 2  # the supervisor and the runner at least (and the templates)
    assert reached["worked"] == []
    assert result.status == "graded" and result.score == 1


def test_metadata_and_odd_processes_do_not_reach_the_next_grading(grader, probe, sandbox_mode):
    (a, _), (b, before_b) = graded_in_turn(
        grader, probe, hostile("reuse_leave_metadata.py"), hostile("reuse_find_metadata.py")
    )
    left = last_json(a)
    assert a.status == "graded" and a.score == 1, a.message
    # The attack really happened: a 56 KB attribute, two ACLs, inode flags and planted times on its
    # folder, semaphores handed to other owners, and processes stopped, traced and zombie.
    # Message queues and keyrings are refused.
    planted = {"user.kadai-note", "system.posix_acl_default", "inode flags", "times"}
    assert planted <= set(left["metadata"])
    states = {p["role"]: p["state"] for p in left["processes"]}
    assert states["stopped"] == "T" and states["traced"] in "tT" and states["zombie"] == "Z"
    assert left["kernel"] == [f"semaphore given to uid {u}" for u in (left["uid"] + 1, 0)]
    found = last_json(b)
    assert b.status == "graded" and b.score == 1, b.message
    assert found["found"] == [], found["found"]
    if sandbox_mode == "reuse":
        assert found["uid"] == left["uid"] + 1
        assert len(before_b) == 1 and before_b == grader.sandbox.waiting_container_ids()


def test_a_pid_hopper_is_killed_and_the_next_grading_finds_nothing(grader, probe, sandbox_mode):
    (a, before_a), (b, before_b) = graded_in_turn(
        grader, probe, hostile("pid_hopper.py"), hostile("reuse_find_metadata.py")
    )
    assert a.status == "graded" and a.score == 1, a.message
    assert "hopping" in a.stdout
    assert b.status == "graded" and b.score == 1, b.message
    assert last_json(b)["found"] == []
    if sandbox_mode == "reuse":
        # Caught by the cleanup's repeated rounds: the sandbox was clean and graded again.
        assert len(before_a) == 1 and before_a == before_b


def test_a_tree_too_deep_to_remove_retires_the_sandbox_in_good_order(
    grader, probe, sandbox_mode, caplog
):
    caplog.set_level(logging.INFO, logger="grader.sandbox.reusable")
    (deep, before_deep), (honest, before_honest) = graded_in_turn(
        grader, probe, hostile("deep_tree.py"), SOLUTION
    )
    assert deep.status == "graded" and deep.score == 1, deep.message
    assert "built" in deep.stdout
    assert honest.status == "graded" and honest.score == 2, honest.message
    if sandbox_mode == "reuse":
        assert len(before_deep) == 1 and before_honest.isdisjoint(before_deep)
        # Retired with its reason, by a supervisor that is still in charge (not a dead PID 1).
        retired = [r.getMessage() for r in caplog.records if "retired" in r.getMessage()]
        assert any("cannot empty /tmp" in m for m in retired), retired
