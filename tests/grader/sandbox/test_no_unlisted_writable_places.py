"""A submission can store data only in the mounts the sandbox spec lists, each of a known size:
everything written there is memory no OOM kill frees (hostile fixture vs the probe)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.contract import GradingResult
from grader.sandbox.spec import SHM_MB, STUDENT_DIR, TMP_MB

HOSTILE = Path(__file__).parents[2] / "fixtures" / "hostile"

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def hunt(sandbox_grader, probe) -> tuple[GradingResult, dict]:
    result = sandbox_grader.grade(probe, (HOSTILE / "writable_places.py").read_text())
    return result, json.loads(result.stdout.strip().splitlines()[-1])


def inside(path: str, places) -> bool:
    return any(path == place or path.startswith(place + "/") for place in places)


def test_only_the_listed_mounts_are_writable_each_with_its_size(hunt, probe):
    result, found = hunt
    listed = {STUDENT_DIR: probe.limits.disk_mb, "/tmp": TMP_MB, "/dev/shm": SHM_MB}
    assert result.status == "graded" and result.score == 1
    assert STUDENT_DIR in found["dirs"]
    assert [d for d in found["dirs"] if not inside(d, listed)] == []
    assert [f for f in found["files"] if not inside(f, listed)] == []
    assert found["sizes_mb"] == listed


def test_no_message_queues_and_no_shared_memory_left_behind(hunt):
    _, found = hunt
    assert found["mqueue"] == "OSError:24"  # EMFILE: RLIMIT_MSGQUEUE is 0
    assert found["sysv_msgget"] == -1
    assert found["sysv_shm_left_behind"] is False
