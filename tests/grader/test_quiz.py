"""The true/false quiz: graded in process, malformed answers get a clear bilingual error."""

import pytest

from grader.exercise import load_exercise
from grader.quiz import InvalidSubmission, grade_quiz
from grader.settings import PROJECT_ROOT

QUIZ = load_exercise(PROJECT_ROOT / "exercises" / "true-false")


def test_chapter_answers_score_full_marks_with_explanations():
    result = grade_quiz(QUIZ, '{"answers": [true, true, false, true]}')
    assert (result.status, result.score, result.max_score) == ("graded", 4, 4)
    assert all(t.output.ja and t.output.en for t in result.tests)


def test_each_statement_is_one_point():
    result = grade_quiz(QUIZ, '{"answers": [true, true, true, true]}')
    assert result.score == 3
    assert [t.status for t in result.tests] == ["passed", "passed", "failed", "passed"]
    assert result.tests[2].output.en.startswith("Not quite.")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not json", "not valid JSON"),
        ("[true, false]", '{"answers"'),
        ('{"answers": [true]}', "Expected 4 answers, got 1"),
        ('{"answers": [true, "yes", 1, false]}', "statement(s) 2, 3"),
    ],
)
def test_malformed_answers_are_rejected_clearly(text, fragment):
    with pytest.raises(InvalidSubmission) as caught:
        grade_quiz(QUIZ, text)
    assert fragment in caught.value.text.en
    assert caught.value.text.ja
