"""Every shipped exercise, graded in the real sandbox: solution full, starter not, each variant exact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.contract import GradingResult
from grader.engine import Grader
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


@pytest.fixture(scope="module")
def fresh_grader(sandbox_available, grader_settings) -> Iterator[Grader]:
    """One container per grading: the mode every result must agree with."""
    with Grader(grader_settings.model_copy(update={"sandbox_mode": "fresh"})) as grader:
        yield grader


def fingerprint(result: GradingResult) -> tuple:
    """Everything a grade is made of: scores, outcomes, each test's verdict and its feedback (which
    carries the seeded values it compared), what the submission printed."""
    return (
        result.status,
        result.outcome,
        result.score,
        result.seed,
        result.stdout,
        [(t.name, t.status, t.score, t.output.en, t.output.ja, t.stdout) for t in result.tests],
    )


@pytest.mark.parametrize(("exercise_id", "file", "score"), CASES)
def test_variant_gets_its_score_and_the_same_grade_in_both_modes(
    sandbox_grader, fresh_grader, exercise_id, file, score
):
    package = CATALOG[exercise_id]
    variant = next(v for v in package.variants if v.file == file)
    source = package.variant_source(variant)
    reused = sandbox_grader.grade(package, source)
    assert sandbox_grader.settings.sandbox_mode == "reuse"
    assert reused.status == "graded", reused.message
    assert reused.score == score, [(t.name, t.status, t.output.en) for t in reused.tests]
    assert fingerprint(fresh_grader.grade(package, source)) == fingerprint(reused)
