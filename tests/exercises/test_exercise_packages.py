"""Every shipped exercise, graded in the real sandbox: solution full, starter not, each variant exact."""

from __future__ import annotations

import pytest

from grader.exercise import load_catalog
from grader.settings import PROJECT_ROOT

CATALOG = load_catalog(PROJECT_ROOT / "exercises")
CASES = [
    pytest.param(package.id, variant.file, variant.score, id=f"{package.id}/{variant.file}")
    for package in CATALOG.values()
    for variant in package.variants
]

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_the_five_chapter_exercises_are_shipped():
    assert sorted(CATALOG) == sorted(
        [
            "true-false",
            "fix-training-loop",
            "normalized-dataset",
            "dual-framework-model",
            "early-stopping-checkpoint",
        ]
    )
    for package in CATALOG.values():
        assert any(v.file.startswith("chapter_answer") for v in package.variants), package.id


@pytest.mark.parametrize("exercise_id", sorted(CATALOG))
def test_solution_scores_full_marks(sandbox_grader, exercise_id):
    package = CATALOG[exercise_id]
    result = sandbox_grader.grade(package, package.solution)
    assert result.status == "graded", result.message
    assert result.score == result.max_score == package.meta.points
    assert all(t.status == "passed" for t in result.tests)


@pytest.mark.parametrize("exercise_id", sorted(CATALOG))
def test_starter_does_not_pass(sandbox_grader, exercise_id):
    package = CATALOG[exercise_id]
    result = sandbox_grader.grade(package, package.starter)
    assert result.status == "graded"
    assert result.score < package.meta.points
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed and all(t.output.en and t.output.ja for t in failed)


@pytest.mark.parametrize(("exercise_id", "file", "score"), CASES)
def test_variant_gets_its_score(sandbox_grader, exercise_id, file, score):
    package = CATALOG[exercise_id]
    variant = next(v for v in package.variants if v.file == file)
    result = sandbox_grader.grade(package, package.variant_source(variant))
    assert result.status == "graded", result.message
    assert result.score == score, [(t.name, t.status, t.output.en) for t in result.tests]
