"""Every shipped exercise, validated in the real sandbox as `kadai exercise validate` does it, and
the same grade in a fresh sandbox where the two modes could part."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from grader.contract import GradingResult
from grader.engine import Grader
from grader.exercise import load_catalog
from grader.settings import PROJECT_ROOT
from grader.validation import check_package

CATALOG = load_catalog(PROJECT_ROOT / "exercises")
CHAPTER = [
    "true-false",
    "fix-training-loop",
    "normalized-dataset",
    "dual-framework-model",
    "early-stopping-checkpoint",
]
# Mode agreement is the sandbox's property (tests/grader/sandbox holds it to it), sampled here on
# every package where the modes could part: the solution, and each forgery or sandbox attack (the
# reuse mode's templates are what a forger would aim at). The starter and the other variants are
# graded in the reuse mode by validation.
FRESH_CASES = [
    pytest.param(package.id, name, id=f"{package.id}/{name}")
    for package in CATALOG.values()
    if package.meta.kind == "code"
    for name in [
        "solution",
        *(
            variant.file
            for variant in package.variants
            if variant.file.startswith(("forged_", "hostile_"))
        ),
    ]
]

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_the_chapter_and_the_authored_exercises_are_shipped():
    assert set(CHAPTER) <= set(CATALOG)
    assert len(CATALOG) >= 11, sorted(CATALOG)
    for exercise_id in CHAPTER:
        variants = CATALOG[exercise_id].variants
        assert any(v.file.startswith("chapter_answer") for v in variants), exercise_id


@pytest.mark.parametrize("exercise_id", sorted(CATALOG))
def test_the_package_validates(graded, exercise_id):
    """What `kadai exercise validate` checks: the solution gets full marks, the starter does not,
    every variant its exact score, a forgery exists, titles in both languages, no leak."""
    report = check_package(graded, CATALOG[exercise_id])
    failing = [
        (case.name, case.expectation, case.result.score, case.result.status, case.result.message.en)
        for case in report.cases
        if not case.ok
    ]
    assert report.ok, (report.problems, failing)


@pytest.mark.parametrize("exercise_id", sorted(CATALOG))
def test_the_starter_fails_with_feedback_in_both_languages(graded, exercise_id):
    package = CATALOG[exercise_id]
    result = graded.grade(package, package.starter)
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


def source_of(package, name: str) -> str:
    if name in ("solution", "starter"):
        return getattr(package, name)
    return package.variant_source(next(v for v in package.variants if v.file == name))


@pytest.mark.parametrize(("exercise_id", "name"), FRESH_CASES)
def test_a_fresh_sandbox_gives_the_same_grade(graded, fresh_grader, exercise_id, name):
    package = CATALOG[exercise_id]
    source = source_of(package, name)
    reused = graded.grade(package, source)
    assert graded.settings.sandbox_mode == "reuse"
    assert reused.status == "graded", reused.message
    assert fingerprint(fresh_grader.grade(package, source)) == fingerprint(reused)
