"""Whatever the submission does to its worker, its pipes or its exceptions, a valid result comes out:
the affected tests fail, the submission is blamed, and every text a learner sees is bounded."""

from __future__ import annotations

import time

import pytest

from grader.contract import STUDENT_VIEW_BYTES, TEST_OUTPUT_CHARS, GradingResult

pytestmark = [pytest.mark.docker, pytest.mark.slow]

GRADER_BLAMED = (
    "problem in the grader",
    "not your fault",
    "採点側の問題",
    "あなたのコードの問題ではありません",
)


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)


def assert_blames_the_submission(result: GradingResult) -> None:
    """A result any host, database and browser can take, that fails both probe tests."""
    assert (result.status, result.max_score, result.score) == ("graded", 2, 0), result.message
    assert result.outcome != "infrastructure"
    assert [t.status for t in result.tests] == ["failed", "failed"]
    result.to_json().encode("utf-8")  # strict: no lone surrogate left
    for text in strings(result.to_dict()):
        assert "\x00" not in text
    for test in result.tests:
        assert 0 < len(test.output.en) <= TEST_OUTPUT_CHARS
        assert 0 < len(test.output.ja) <= TEST_OUTPUT_CHARS
        assert not any(phrase in test.output.en + test.output.ja for phrase in GRADER_BLAMED)
    assert len(result.student_view().to_json().encode()) <= STUDENT_VIEW_BYTES


@pytest.mark.parametrize(
    ("name", "outcome", "first", "second"),
    [
        ("rt_signal.py", "crash", "killed by signal SIGRTMIN+6", "killed by signal SIGRTMAX"),
        ("exit_status.py", "crash", "exit code 0", "exit code 255"),
        ("str_raises.py", "ok", "Unprintable", "NotAString"),
        ("forged_error.py", "crash", "Forged\ufffd\ufffdError", "cannot read"),
        ("deep_reply.py", "crash", "cannot read", "cannot read"),
        # What exceeds the 8 MiB a reply may have is refused by the worker's own send.
        ("huge_exception_name.py", "ok", "EEEE", "larger than the 8 MiB"),
        ("huge_reply.py", "ok", "larger than the 8 MiB", "larger than the 8 MiB"),
    ],
)
def test_any_worker_failure_fails_its_tests_and_blames_the_submission(
    hostile, name, outcome, first, second
):
    result = hostile(name)
    assert_blames_the_submission(result)
    assert result.outcome == outcome
    answer, tensor = result.tests
    # One error both checks ran into is said once, at the top (the result's message).
    assert first in answer.output.en + result.message.en
    assert second in tensor.output.en + result.message.en


def test_text_no_result_can_carry_is_replaced_not_fatal(hostile):
    result = hostile("bad_text.py")
    assert_blames_the_submission(result)
    assert "lone \ufffd surrogate and NUL \ufffd in a message" in result.tests[0].output.en
    assert "at import nul:\ufffd invalid:\ufffd\ufffd" in result.stdout
    assert "at import nul:\ufffd" in result.stderr
    assert "in a test nul:\ufffd" in result.tests[0].stdout
    assert "in a test nul:\ufffd" in result.tests[1].stderr


def test_a_huge_exception_name_leaves_a_small_result(hostile):
    result = hostile("huge_exception_name.py")
    assert_blames_the_submission(result)
    assert len(result.to_json().encode()) < 200_000
    assert "E" * 150 in result.tests[0].output.en
    assert "larger than the 8 MiB" in result.tests[1].output.en


def test_an_endless_str_ends_as_a_timeout_not_a_hang(hostile, probe):
    began = time.monotonic()
    result = hostile("str_loops.py")
    assert time.monotonic() - began < probe.limits.time_s + 40
    assert_blames_the_submission(result)
    assert result.outcome == "timeout"
    assert "Time limit" in result.tests[0].output.en
