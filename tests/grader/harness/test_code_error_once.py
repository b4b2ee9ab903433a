"""One error of the submission's code is said once, at the top; a hidden check's error is never
lifted where a learner would see it; where an error arose is read from the traceback, within the
trusted source."""

from __future__ import annotations

from grader.contract import GradingResult
from grader.harness.client import SubmissionError
from grader.harness.output import OutputRouter
from grader.harness.plugin import error_message, locate
from grader.harness.verdict import compose
from tests.grader.harness.test_verdict import JOB

SOURCE = (
    "import torch\n\nclass Model:\n    def forward(self, x):\n        raise NotImplementedError\n"
)
TRACE = (
    '  File "/sandbox/student/model.py", line 5, in forward\n'
    "    raise NotImplementedError\nNotImplementedError\n"
)


def failed(number: int, output: str, visibility: str = "visible", **error) -> dict:  # type: ignore[no-untyped-def]
    name = f"t::{number}"
    return {
        "name": name,
        "title": {"en": name, "ja": name},
        "score": 0.0,
        "max_score": 1.0,
        "status": "failed",
        "output": {"en": output, "ja": output},
        "visibility": visibility,
        "number": number,
        "error": {"type": "NotImplementedError", "line": 5, **error} if error is not None else None,
    }


def graded(*tests: dict) -> GradingResult:  # type: ignore[type-arg]
    reported = {t["name"]: t for t in tests}
    return compose(
        job=JOB,
        collected=dict(reported),
        reported=reported,
        lost=set(),
        ending="done",
        pytest_exit=1,
        output=OutputRouter(100),
        grader_log="",
    )


def test_an_error_at_load_is_said_once_at_the_top():
    result = graded(*(failed(n, "SyntaxError at line 2", at_load=True) for n in (1, 2, 3)))
    assert result.message.en == "SyntaxError at line 2"
    assert result.code_error is not None and result.code_error.at_load
    assert all("did not run" in t.output.en for t in result.tests)
    stored = GradingResult.from_dict(result.to_dict())
    assert stored == result and stored.tests[0].error == result.code_error


def test_the_same_error_in_several_visible_checks_is_lifted_once():
    result = graded(failed(1, "boom", function="forward"), failed(2, "boom"), failed(3, "other"))
    assert result.message.en == "boom" and result.code_error.function == "forward"
    assert [t.output.en for t in result.tests][:2] == [
        "Failed with the error shown at the top."
    ] * 2
    assert result.tests[2].output.en == "other"  # a different error stays with its check


def test_an_error_only_hidden_checks_met_stays_hidden():
    secret = "ValueError: shape (7, 3) of the hidden input"
    result = graded(failed(1, secret, "hidden"), failed(2, secret, "hidden"))
    assert result.code_error is None and secret not in result.student_view().to_json()


def test_a_single_error_after_loading_stays_with_its_check():
    result = graded(failed(1, "boom"))
    assert result.code_error is None and result.tests[0].output.en == "boom"


def test_where_an_error_arose_and_which_method_is_missing():
    error = SubmissionError({"type": "NotImplementedError", "message": "", "traceback": TRACE})
    where = locate(error, SOURCE)
    assert (where.line, where.function, where.at_load) == (5, "Model.forward", False)
    text = error_message(error, where)
    assert text.en.startswith("`Model.forward` is not implemented yet") and "(line 5)" in text.en
    assert "`Model.forward` がまだ実装されていません(5 行目)" in text.ja
    assert not text.en.endswith("\nNotImplementedError")  # its own line, said already, is cut


def test_a_line_outside_the_source_is_not_believed():
    forged = TRACE.replace("line 5", "line 99999")
    where = locate(SubmissionError({"type": "E", "traceback": forged}), SOURCE)
    assert where.line == 0
    assert locate(SubmissionError({"type": "E"}), SOURCE).line == 0
