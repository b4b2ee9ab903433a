"""Failures of the grading infrastructure end as `error` results that say what to fix."""

from __future__ import annotations

import pytest

from grader.engine import Grader
from grader.exercise import ExercisePackage
from grader.settings import GraderSettings


def test_unreachable_daemon_is_an_error_not_a_score(probe: ExercisePackage, tmp_path):
    settings = GraderSettings(docker_host=f"unix://{tmp_path}/no-such-docker.sock")
    with Grader(settings) as grader:
        result = grader.grade(probe, probe.solution)
    assert result.status == "error"
    assert result.outcome == "infrastructure"
    assert result.score == 0
    assert "Docker daemon" in result.message.en
    assert "KADAI_DOCKER_HOST" in result.message.en


@pytest.mark.docker
def test_missing_image_says_how_to_build_it(sandbox_grader, probe: ExercisePackage):
    settings = GraderSettings(sandbox_repository="kadai-sandbox-that-does-not-exist")
    with Grader(settings) as grader:
        result = grader.grade(probe, probe.solution)
    assert result.status == "error"
    assert result.outcome == "infrastructure"
    assert "kadai sandbox build" in result.message.en


@pytest.mark.docker
def test_gpu_required_on_a_host_without_gpu(sandbox_grader, probe: ExercisePackage):
    meta = probe.meta.model_copy(
        update={"limits": probe.meta.limits.model_copy(update={"gpu": "required"})}
    )
    package = ExercisePackage(**{**probe.__dict__, "meta": meta})
    result = sandbox_grader.grade(package, probe.solution)
    assert result.status == "error"
    assert "GPU" in result.message.en
