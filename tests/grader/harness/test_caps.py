"""Every learner-visible string is bounded and safe to store, whatever the submission made of it."""

from __future__ import annotations

import json

from grader.contract import (
    NAME_CHARS,
    RESULT_FRAME_BYTES,
    STUDENT_VIEW_BYTES,
    TEST_OUTPUT_CHARS,
    TITLE_CHARS,
    GradingResult,
    HeldOutput,
    TestResult,
    Text,
    clean,
    clip,
    fit,
)
from grader.harness.client import SubmissionError
from grader.harness.plugin import error_message


def a_test(number: int, visibility: str = "visible", **fields) -> TestResult:
    return TestResult(
        name=f"t.py::test_{number}",
        title=Text(en=f"check {number}", ja=f"チェック {number}"),
        score=0.0,
        max_score=1.0,
        status="failed",
        output=Text(en="wrong", ja="違います"),
        visibility=visibility,
        number=number,
        **fields,
    )


def a_result(tests=(), **fields) -> GradingResult:
    return GradingResult(
        status="graded",
        outcome="ok",
        score=0.0,
        max_score=float(len(tests)),
        execution_time=1.0,
        tests=tuple(tests),
        **fields,
    )


def test_lone_surrogates_and_nul_become_replacement_characters():
    assert clean("a\ud800b\x00c\udfff") == "a\ufffdb\ufffdc\ufffd"
    result = a_result([a_test(1, stdout="\x00")], stdout="x\ud800", grader_log="\udc80")
    result.to_json().encode("utf-8")
    assert result.stdout == "x\ufffd" and result.tests[0].stdout == "\ufffd"


def test_clip_bounds_length_says_so_and_is_idempotent():
    cut = clip("x" * 10_000, 500)
    assert len(cut) <= 500 and "10000 characters" in cut
    assert clip(cut, 500) == cut
    assert clip("short", 500) == "short"


def test_test_texts_are_capped_where_the_result_is_built():
    test = a_test(1)
    huge = TestResult(
        **{
            **test.__dict__,
            "name": "n" * 10**6,
            "title": Text(en="t" * 10**6, ja="t"),
            "output": Text(en="o" * 10**6, ja="お" * 10**6),
        }
    )
    assert len(huge.name) <= NAME_CHARS
    assert len(huge.title.en) <= TITLE_CHARS
    assert len(huge.output.en) <= TEST_OUTPUT_CHARS and len(huge.output.ja) <= TEST_OUTPUT_CHARS


def test_student_view_never_exceeds_its_budget():
    tests = [a_test(n, stdout="s" * 200_000, stderr="エ" * 200_000) for n in range(1, 30)]
    result = a_result(tests, stdout="o" * 3_000_000, stderr="\x01" * 500_000)
    view = result.student_view()
    assert len(view.to_json().encode()) <= STUDENT_VIEW_BYTES
    assert view.score == result.score and len(view.tests) == len(tests)
    assert "characters, cut" in view.stdout


def test_fit_leaves_a_result_that_fits_alone():
    result = a_result([a_test(1)], stdout="small")
    assert fit(result, RESULT_FRAME_BYTES) is result
    big = a_result([a_test(1, stdout="<" * 5_000_000)], grader_log="g" * 300_000)
    fitted = fit(big, RESULT_FRAME_BYTES)
    assert len(fitted.to_json().encode()) <= RESULT_FRAME_BYTES
    assert "characters, cut" in fitted.grader_log  # staff-only text goes first
    assert len(fitted.tests[0].stdout) > 500_000  # and the rest only as much as needed


def test_withheld_tests_and_held_output_do_not_reach_a_learner():
    result = a_result(
        [a_test(1, stdout="visible out"), a_test(2, "hidden", stdout="secret out", stderr="e")],
        held_output=(HeldOutput("after_due_date", "late out"), HeldOutput("hidden", "secret 2")),
    )
    view = result.student_view()
    text = view.to_json()
    assert "visible out" in text
    assert "secret" not in text and "late out" not in text
    assert view.tests[1].stdout == view.tests[1].stderr == ""
    opened = result.student_view(after_due_date=True)
    assert [h.stdout for h in opened.held_output] == ["late out"]


def test_results_stored_before_output_capture_still_load():
    stored = {
        "status": "graded",
        "outcome": "ok",
        "score": 1,
        "max_score": 1,
        "execution_time": 1.0,
        "tests": [
            {
                "name": "t::a",
                "title": {"en": "a", "ja": "a"},
                "score": 1,
                "max_score": 1,
                "status": "passed",
                "output": {"en": "", "ja": ""},
                "visibility": "visible",
                "number": 1,
            }
        ],
        "contract_version": 1,
        "a_field_from_a_newer_contract": True,
    }
    result = GradingResult.from_dict(stored)
    assert result.tests[0].stdout == "" and result.held_output == ()
    assert result.contract_version == 1
    assert GradingResult.from_dict(json.loads(result.to_json())) == result


def test_submission_errors_are_bounded_whatever_the_worker_sends():
    error = SubmissionError(
        {
            "type": "E\ud800" * 1_000_000,
            "message": "m" * 10**6,
            "traceback": ["not", {"a": "string"}],
            **{f"extra{i}": i for i in range(100)},
        }
    )
    assert len(error.info["type"]) <= 200 and "\ud800" not in error.info["type"]
    assert len(error.info["message"]) <= 1000
    assert len(error.info) <= 8
    message = error_message(error)
    assert len(message.en) <= 4000
    assert SubmissionError("not a dict").info == {}


def test_fit_cuts_what_learners_may_not_see_first():
    """The part a learner sees keeps its length however large the hidden part grows."""
    shown = "v" * 100_000
    for hidden_size in (2_000_000, 4_000_000):
        result = a_result(
            [a_test(1, stdout=shown), a_test(2, "hidden", stdout="h" * hidden_size)],
            held_output=(HeldOutput("hidden", "x" * hidden_size),),
            grader_log="g" * 200_000,
        )
        fitted = fit(result, RESULT_FRAME_BYTES)
        assert len(fitted.to_json().encode()) <= RESULT_FRAME_BYTES
        assert fitted.tests[0].stdout == shown
