"""What the submission prints while a test runs is shown under that test's visibility; and once a
test that is not visible has begun, nothing printed later reaches a learner before it may."""

from __future__ import annotations

import pytest

from grader.contract import GradingResult

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_mode]

HIDDEN_INPUTS = ("hidden-input-5d1e", "hidden-again-input-c0de")
LATE_INPUT = "late-input-a93c"
VISIBLE_INPUT = "visible-input-77b0"


def staff_text(result: GradingResult) -> str:
    return result.to_json()


def assert_learner_never_sees_hidden_inputs(result: GradingResult) -> None:
    before_due = result.student_view().to_json()
    after_due = result.student_view(after_due_date=True).to_json()
    for secret in HIDDEN_INPUTS:
        assert secret not in before_due
        assert secret not in after_due
    assert LATE_INPUT not in before_due


def test_scores_and_numbers_keep_the_files_order(sandbox_grader, outputs):
    result = sandbox_grader.grade(outputs, outputs.solution)
    assert (result.status, result.score, result.max_score) == ("graded", 4, 4)
    names = [t.name.split("::")[1] for t in result.tests]
    assert names == ["test_hidden", "test_hidden_again", "test_after_due", "test_visible"]
    assert [t.number for t in result.tests] == [1, 2, 3, 4]


def test_printed_requests_stay_with_their_tests(hostile, outputs):
    result = hostile("print_requests.py", outputs)
    assert result.score == 4, result.message.en
    assert_learner_never_sees_hidden_inputs(result)
    by_name = {t.name.split("::")[1]: t for t in result.tests}
    # Staff see every test's output, on both streams.
    assert HIDDEN_INPUTS[0] in by_name["test_hidden"].stdout
    assert HIDDEN_INPUTS[0] in by_name["test_hidden"].stderr
    assert LATE_INPUT in by_name["test_after_due"].stdout
    # The learner: visible output now, after-due-date output once the due date passed.
    view = {t.number: t for t in result.student_view().tests}
    assert VISIBLE_INPUT in view[4].stdout
    assert view[3].stdout == "" and view[1].stdout == ""
    opened = {t.number: t for t in result.student_view(after_due_date=True).tests}
    assert LATE_INPUT in opened[3].stdout
    # Printed while the module loaded, outside any test: shown as before.
    assert "import-time-marker" in result.student_view().stdout


def test_a_background_thread_printing_later_is_held(hostile, outputs):
    result = hostile("background_printer.py", outputs)
    assert result.score == 4, result.message.en
    assert_learner_never_sees_hidden_inputs(result)
    # The first hidden test's input, printed by the thread during the next (hidden) test: staff only.
    by_name = {t.name.split("::")[1]: t for t in result.tests}
    assert "later:" in by_name["test_hidden_again"].stdout
    assert HIDDEN_INPUTS[0] in by_name["test_hidden_again"].stdout
    assert "UserWarning" in by_name["test_hidden_again"].stderr
    # Printed during the visible test, about the visible test's request: the learner sees it.
    assert "later:" in result.student_view().to_json()


def test_a_replacement_worker_cannot_reveal_what_its_predecessor_saw(hostile, outputs):
    result = hostile("replacement_leak.py", outputs)
    assert result.status == "graded"
    assert_learner_never_sees_hidden_inputs(result)
    assert "remembered:" in staff_text(result)
    assert HIDDEN_INPUTS[0] in staff_text(result)
