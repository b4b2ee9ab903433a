"""Validating a package by grading it: the solution must get full marks, the starter must not,
and each listed variant must get exactly its score."""

from __future__ import annotations

from dataclasses import dataclass

from grader.contract import GradingResult
from grader.engine import Grader
from grader.exercise import ExercisePackage


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    expectation: str
    result: GradingResult
    ok: bool


def expected(result: GradingResult, expectation: str, points: float) -> bool:
    if result.status != "graded":
        return False
    if expectation == "== max":
        return result.score == points and result.max_score == points
    if expectation == "< max":
        return result.score < points
    return result.score == float(expectation.removeprefix("== "))


def validate_package(
    grader: Grader, package: ExercisePackage, with_variants: bool = True
) -> list[CaseOutcome]:
    cases = [("solution", package.solution, "== max"), ("starter", package.starter, "< max")]
    if with_variants:
        cases += [
            (f"variants/{v.file}", package.variant_source(v), f"== {v.score:g}")
            for v in package.variants
        ]
    outcomes = []
    for name, source, expectation in cases:
        result = grader.grade(package, source)
        ok = expected(result, expectation, package.meta.points)
        outcomes.append(CaseOutcome(name, expectation, result, ok))
    return outcomes
