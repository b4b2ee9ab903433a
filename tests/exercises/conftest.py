"""One warm grading per (package version, submission) for the whole exercises tier.

Validating a package grades its solution, starter and every variant; the artifact and mode tests
need some of the same results. Gradings are seeded and deterministic (the fresh-mode comparison in
test_exercise_packages.py holds them to it), so a result is computed once in the shared reuse-mode
sandbox and read again from here, which keeps CI's time in check as packages are added.
"""

from __future__ import annotations

import hashlib

import pytest

from grader.contract import GradingResult
from grader.engine import Grader
from grader.exercise import ExercisePackage


class GradingCache:
    """A ``Grader`` look-alike (``grade``, ``settings``) that grades each submission once."""

    def __init__(self, grader: Grader) -> None:
        self.grader = grader
        self.settings = grader.settings
        self._results: dict[tuple[str, str, str], GradingResult] = {}

    def grade(self, package: ExercisePackage, source: str, job_id: str = "") -> GradingResult:
        key = (package.id, package.version, hashlib.sha256(source.encode()).hexdigest())
        if key not in self._results:
            self._results[key] = self.grader.grade(package, source, job_id)
        return self._results[key]


@pytest.fixture(scope="session")
def graded(sandbox_grader: Grader) -> GradingCache:
    return GradingCache(sandbox_grader)
