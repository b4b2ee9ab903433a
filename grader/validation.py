"""Validating a package by grading it: the solution must get full marks, the starter must not,
and each listed variant must get exactly its score (``validate_package``, also what publishing
runs). ``check_package`` is the author's full check behind ``kadai exercise validate``: it also
refuses unfilled scaffold markers, requires a forgery variant, checks the tests' titles and that
no hidden expected value reaches a learner, and keeps every test's verdict for every case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from grader.authoring import unfilled_todos
from grader.contract import GradingResult, TestResult
from grader.engine import Grader
from grader.exercise import ExercisePackage, Variant

# How ``grader.harness.feedback.render`` introduces the expected value of a failed check.
EXPECTED_PREFIXES = ("Expected: ", "期待値: ")
# Shorter values ("2.5", "True", "()") turn up in any text by chance; they are not looked for.
MIN_SECRET_CHARS = 4
RECOMMENDED_MISTAKES = 3


@dataclass(frozen=True)
class CaseOutcome:
    name: str
    expectation: str
    result: GradingResult
    ok: bool
    kind: str = ""  # solution, starter, correct, mistake, forgery, hostile
    note: str = ""


def expected(result: GradingResult, expectation: str, points: float) -> bool:
    if result.status != "graded":
        return False
    if expectation == "== max":
        return result.score == points and result.max_score == points
    if expectation == "< max":
        return result.score < points
    return result.score == float(expectation.removeprefix("== "))


def variant_kind(variant: Variant, points: float) -> str:
    """By the packages' naming convention: ``forged_*`` files are forgeries, ``hostile_*`` attacks
    on the sandbox; any other variant is a correct alternative at full marks, else a mistake."""
    if variant.file.startswith("forged_"):
        return "forgery"
    if variant.file.startswith("hostile_"):
        return "hostile"
    return "correct" if variant.score == points else "mistake"


def validate_package(
    grader: Grader, package: ExercisePackage, with_variants: bool = True
) -> list[CaseOutcome]:
    points = package.meta.points
    cases = [
        ("solution", package.solution, "== max", "solution", ""),
        ("starter", package.starter, "< max", "starter", ""),
    ]
    if with_variants:
        cases += [
            (
                f"variants/{v.file}",
                package.variant_source(v),
                f"== {v.score:g}",
                variant_kind(v, points),
                v.note,
            )
            for v in package.variants
        ]
    outcomes = []
    for name, source, expectation, kind, note in cases:
        result = grader.grade(package, source)
        ok = expected(result, expectation, points)
        outcomes.append(CaseOutcome(name, expectation, result, ok, kind, note))
    return outcomes


@dataclass(frozen=True)
class Report:
    """``problems`` each fail the package; ``warnings`` are advice."""

    package: ExercisePackage
    cases: list[CaseOutcome]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.cases) and all(case.ok for case in self.cases)


def check_package(grader: Grader, package: ExercisePackage) -> Report:
    """Everything ``kadai exercise validate`` checks. A package that still holds the scaffold's
    ``TODO(author)`` markers is refused before anything is graded."""
    unfinished = todo_report(package)
    if unfinished is not None:
        return unfinished
    problems, warnings = variant_problems(package)
    cases = validate_package(grader, package)
    problems += title_problems(cases)
    problems += leak_problems(package, cases)
    return Report(package, cases, problems, warnings)


def todo_report(package: ExercisePackage) -> Report | None:
    """A refusal listing every ``TODO(author)`` marker left, or None when there is none."""
    todos = unfilled_todos(package.root)
    if not todos:
        return None
    summary = (
        f"{len(todos)} TODO(author) marker(s) of `kadai exercise new` left: write your own "
        "text at each, then delete the marker"
    )
    return Report(package, [], [summary, *(f"  {todo}" for todo in todos)])


def variant_problems(package: ExercisePackage) -> tuple[list[str], list[str]]:
    points = package.meta.points
    kinds = [variant_kind(v, points) for v in package.variants]
    problems, warnings = [], []
    if "forgery" not in kinds:
        problems.append(
            "variants.toml: no forgery variant: add at least one submission that forges a result "
            "(a file named forged_*), with the score it must get"
        )
    for variant, kind in zip(package.variants, kinds, strict=True):
        if kind in ("forgery", "hostile") and variant.score >= points:
            problems.append(
                f"variants.toml: {variant.file}: a {kind} variant may not expect full marks"
            )
    mistakes = kinds.count("mistake")
    if mistakes < RECOMMENDED_MISTAKES:
        warnings.append(
            f"variants.toml: {mistakes} typical mistake(s); {RECOMMENDED_MISTAKES} or more, each "
            "with its exact score, show that the checks tell mistakes apart"
        )
    return problems, warnings


def title_problems(cases: list[CaseOutcome]) -> list[str]:
    """Every test needs ``@pytest.mark.title(en=..., ja=...)``: without it the title is the
    function's name in both languages, and without ``ja`` the English one is copied."""
    graded = next((c.result for c in cases if c.result.tests), None)
    if graded is None:
        return []
    problems = []
    for test in graded.tests:
        function = test.name.rsplit("::", 1)[-1]
        en, ja = test.title.en.strip(), test.title.ja.strip()
        if not en or not ja:
            problems.append(f"{test.name}: the title needs both en and ja")
        elif en == ja == function:
            problems.append(f"{test.name}: no title: add @pytest.mark.title(en=..., ja=...)")
        elif en == ja:
            problems.append(f"{test.name}: the title is the same in en and ja: is ja= missing?")
    return problems


def withheld_expectations(result: GradingResult, after_due_date: bool) -> dict[str, TestResult]:
    """The expected values that tests withheld from this view state in their failure messages."""
    secrets: dict[str, TestResult] = {}
    for test in result.tests:
        if test.is_shown(after_due_date=after_due_date):
            continue
        for value in _expected_values(test):
            if len(value) >= MIN_SECRET_CHARS:
                secrets.setdefault(value, test)
    return secrets


def _expected_values(test: TestResult) -> list[str]:
    return [
        line[len(prefix) :].strip()
        for text in (test.output.en, test.output.ja)
        for line in text.splitlines()
        for prefix in EXPECTED_PREFIXES
        if line.startswith(prefix)
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []


def leaks(package: ExercisePackage, result: GradingResult, after_due_date: bool) -> list[str]:
    """What a learner would read of a withheld test's expected values in this grading.

    The secrets are the ``Expected:``/``期待値:`` values (``feedback.render``'s format) that the
    tests withheld from this view state when they fail: what the hidden checks compare against.
    The learner's view is ``result.student_view(after_due_date=...)``, exactly what the platform
    shows; every string in it is searched (message, the submission's output inside and outside
    tests, held output, shown tests' messages, charts and tables). What the author publishes on
    purpose is not a leak: the statements, the shown tests' titles, and the expected values the
    shown tests state themselves. Anything else that carries a secret is reported: a hidden value
    handed to the learner's code while a visible test ran and printed by it, a visible test's
    message built from a hidden reference, or output routed to the wrong visibility.
    Sound within what it looks for: a listed leak is a string a learner really sees; values
    shorter than ``MIN_SECRET_CHARS`` and checks that never fail in any graded case (their
    expected value never appears) cannot be looked for, which is why the mistake variants matter.
    """
    secrets = withheld_expectations(result, after_due_date)
    if not secrets:
        return []
    view = result.student_view(after_due_date=after_due_date)
    public = [*package.statements.values()]
    shown_tests = [t for t in view.tests if t.is_shown(after_due_date=after_due_date)]
    for test in shown_tests:
        public += [test.title.en, test.title.ja, *_expected_values(test)]
    data = asdict(view)
    for test in data["tests"]:
        test.pop("title", None)
        for lang in ("en", "ja"):
            lines = test["output"][lang].splitlines()
            test["output"][lang] = "\n".join(
                line for line in lines if not line.startswith(EXPECTED_PREFIXES)
            )
    for key in ("exercise_id", "exercise_version", "grader_log"):
        data.pop(key, None)
    shown = "\n".join(_strings(data))
    found = []
    for secret, test in secrets.items():
        if secret in shown and not any(secret in text for text in public):
            when = "after the due date" if after_due_date else "before the due date"
            found.append(
                f"{test.name} ({test.visibility}) expects {secret!r}, and a learner reads it {when}"
            )
    return found


def leak_problems(package: ExercisePackage, cases: list[CaseOutcome]) -> list[str]:
    problems = []
    for case in cases:
        for after_due_date in (False, True):
            problems += [
                f"{case.name}: {leak}" for leak in leaks(package, case.result, after_due_date)
            ]
    return list(dict.fromkeys(problems))
