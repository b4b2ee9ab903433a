"""A code exercise from ``kadai exercise new``, filled in and validated in the real sandbox:
the solution, the starter and every variant get their scores, and each check's verdict is kept
per case, so an author sees which check a mistake trips."""

from __future__ import annotations

import pytest

from grader.authoring import new_package
from grader.exercise import load_exercise
from grader.validation import check_package, leaks
from tests.grader.test_authoring import fill_todos

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_a_filled_code_scaffold_validates_with_each_checks_verdict(tmp_path, sandbox_grader):
    root = new_package(tmp_path, "mean-of", "code")
    refused = check_package(sandbox_grader, load_exercise(root))
    assert not refused.ok and refused.cases == [] and "TODO(author)" in refused.problems[0]

    fill_todos(root)
    report = check_package(sandbox_grader, load_exercise(root))
    assert report.problems == [], report.problems
    assert report.ok, [(c.name, c.result.score, c.result.message.en) for c in report.cases]
    verdicts = {case.name: [test.status for test in case.result.tests] for case in report.cases}
    assert verdicts["solution"] == ["passed"] * 3
    assert verdicts["starter"] == ["failed"] * 3
    # Integer division: the float list passes; the int list and the hidden check do not.
    assert verdicts["variants/integer_division.py"] == ["passed", "failed", "failed"]
    assert verdicts["variants/forged_result.py"] == ["failed"] * 3
    assert {case.kind for case in report.cases} == {
        "solution", "starter", "mistake", "correct", "forgery"
    }  # fmt: skip
    hidden = report.cases[0].result.tests[2]
    assert hidden.visibility == "hidden" and hidden.title.ja == "負の値と小数"


PRINTS_IN_ANSWER = """
def answer():
    print("reference tensor([1., 2., 3.])")
    return 42


def tensor():
    return None
"""


def test_a_hidden_expected_value_printed_during_a_visible_check_is_found(sandbox_grader, probe):
    # The probe's hidden check expects "tensor([1., 2., 3.])"; printed while the visible check
    # ran, the learner reads it.
    result = sandbox_grader.grade(probe, PRINTS_IN_ANSWER)
    found = leaks(probe, result, after_due_date=False)
    assert len(found) == 1 and "tensor([1., 2., 3.])" in found[0] and "(hidden)" in found[0]
    # Printed while the hidden check itself ran, it is withheld with that check: no leak.
    held = PRINTS_IN_ANSWER.replace("    print(", "    pass  # (").replace(
        "    return None", '    print("reference tensor([1., 2., 3.])")\n    return None'
    )
    result = sandbox_grader.grade(probe, held)
    assert result.tests[1].stdout.strip() == "reference tensor([1., 2., 3.])"
    assert leaks(probe, result, after_due_date=False) == []
