"""The true/false quiz: graded in process, malformed answers get a clear bilingual error."""

from dataclasses import replace

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


def test_the_answer_table_shows_each_answer_beside_the_key():
    result = grade_quiz(QUIZ, '{"answers": [true, false, true, true]}')
    (table,) = result.tables
    assert [row[1:] for row in table.rows] == [
        ("true", "true", "✓"),
        ("false", "true", "✗"),
        ("true", "false", "✗"),
        ("true", "true", "✓"),
    ]
    assert table.highlight == (1, 2)


def test_the_answer_table_keeps_a_key_that_is_not_shown_yet_to_its_own_test():
    key = QUIZ.tests["key.toml"].replace(
        "answer = false\n", 'answer = false\nvisibility = "after_due_date"\n', 1
    )
    package = replace(QUIZ, tests={**QUIZ.tests, "key.toml": key})
    result = grade_quiz(package, '{"answers": [true, true, true, true]}')
    assert result.tests[2].visibility == "after_due_date"
    assert result.tables[0].rows[2] == ("3", "true", "…", "…")
    assert result.tables[0].highlight == ()
    # The statement's own test holds its row, and a student sees it only after the due date.
    assert result.tests[2].tables[0].rows == (("3", "true", "false", "✗"),)
    before = result.student_view(after_due_date=False)
    assert before.tests[2].tables == () and "false" not in str(before.tables[0].rows[2])
    assert result.student_view(after_due_date=True).tests[2].tables[0].rows[0][2] == "false"
