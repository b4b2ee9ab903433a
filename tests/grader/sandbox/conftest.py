"""Hostile submissions graded once per session, whichever test file asks first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.contract import GradingResult
from grader.engine import Grader
from grader.exercise import ExercisePackage, load_exercise
from grader.settings import GraderSettings

FIXTURES = Path(__file__).parents[2] / "fixtures"
HOSTILE = FIXTURES / "hostile"


@pytest.fixture(scope="session")
def outputs() -> ExercisePackage:
    """Tests of every visibility, the strictest first in the file."""
    return load_exercise(FIXTURES / "exercises" / "outputs")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A file marked ``one_mode`` checks what a grading concludes (verdicts, feedback, forgery
    scores), which the harness decides the same way in both modes: its ``fresh`` runs are
    deselected. tests/exercises grades every variant of every exercise in both modes and asserts
    identical results, which is where the modes' equivalence is checked."""
    dropped = [
        item
        for item in items
        if item.get_closest_marker("one_mode")
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("sandbox_mode") == "fresh"
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in set(dropped)]


@pytest.fixture(scope="session", params=["reuse", "fresh"])
def sandbox_mode(request: pytest.FixtureRequest) -> str:
    """Every sandbox test runs in both modes: one sandbox for many gradings, one per grading."""
    return request.param


@pytest.fixture(scope="session")
def sandbox_grader(
    sandbox_available: None, sandbox_mode: str, grader_settings: GraderSettings
) -> Iterator[Grader]:
    with Grader(grader_settings.model_copy(update={"sandbox_mode": sandbox_mode})) as grader:
        yield grader


@pytest.fixture(scope="session")
def hostile_source() -> Callable[[str], str]:
    return lambda name: (HOSTILE / name).read_text()


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
