"""Hostile submissions graded once per session, whichever test file asks first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from grader.contract import GradingResult
from grader.exercise import ExercisePackage, load_exercise

FIXTURES = Path(__file__).parents[2] / "fixtures"
HOSTILE = FIXTURES / "hostile"


@pytest.fixture(scope="session")
def outputs() -> ExercisePackage:
    """Tests of every visibility, the strictest first in the file."""
    return load_exercise(FIXTURES / "exercises" / "outputs")


@pytest.fixture(scope="session")
def hostile(sandbox_grader, probe) -> Callable[..., GradingResult]:
    """``hostile(name, package=probe)``: the result of grading ``tests/fixtures/hostile/<name>``."""
    results: dict[tuple[str, str], GradingResult] = {}

    def grade(name: str, package: ExercisePackage = probe) -> GradingResult:
        key = (package.id, name)
        if key not in results:
            results[key] = sandbox_grader.grade(package, (HOSTILE / name).read_text())
        return results[key]

    return grade
