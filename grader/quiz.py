"""Grading a true/false quiz in process: no student code runs, so no sandbox is needed.

The result carries a table of the learner's answers beside the correct ones. An answer key entry
that is not ``visible`` yet keeps its answer out of that table (the table is shown to everyone who
sees the result); its own test carries a one-row table instead, shown when that test is.
"""

from __future__ import annotations

import json
import time

from grader.artifacts import Table
from grader.contract import GradingResult, TestResult, Text
from grader.exercise import ExercisePackage, parse_quiz_key


class InvalidSubmission(Exception):
    """The submission cannot be graded as sent; the message tells the learner how to fix it."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.text = Text(en=en, ja=ja)


def parse_answers(text: str, count: int) -> list[bool]:
    """``{"answers": [true, false, ...]}`` with exactly ``count`` booleans."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidSubmission(
            f"The answers are not valid JSON ({exc}).", f"解答が正しい JSON ではありません({exc})。"
        ) from None
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, list):
        raise InvalidSubmission(
            'Send an object with a list of answers: {"answers": [true, false, ...]}.',
            '解答は {"answers": [true, false, ...]} の形で送ってください。',
        )
    if len(answers) != count:
        raise InvalidSubmission(
            f"Expected {count} answers, got {len(answers)}.",
            f"解答は {count} 個必要ですが、{len(answers)} 個でした。",
        )
    wrong = [i + 1 for i, a in enumerate(answers) if not isinstance(a, bool)]
    if wrong:
        listed = ", ".join(map(str, wrong))
        raise InvalidSubmission(
            f"Answers must be true or false; not so for statement(s) {listed}.",
            f"解答は true か false で答えてください(対象: {listed})。",
        )
    return answers


def grade_quiz(package: ExercisePackage, text: str) -> GradingResult:
    began = time.monotonic()
    key = parse_quiz_key(package)
    answers = parse_answers(text, len(key.question))
    each = package.meta.points / len(key.question)
    tests, rows, wrong = [], [], []
    for number, (entry, answer, question) in enumerate(
        zip(key.question, answers, package.questions, strict=True), start=1
    ):
        correct = answer == entry.answer
        row = [str(number), _word(answer), _word(entry.answer), "✓" if correct else "✗"]
        if entry.visibility == "visible":
            rows.append(row)
            if not correct:
                wrong.append(number - 1)
        else:
            rows.append([*row[:2], "…", "…"])
        verdict = Text(
            en="Correct." if correct else "Not quite.",
            ja="正解です。" if correct else "不正解です。",
        )
        tests.append(
            TestResult(
                name=f"statement-{number}",
                title=Text(en=question.en, ja=question.ja),
                score=each if correct else 0.0,
                max_score=each,
                status="passed" if correct else "failed",
                output=Text(
                    en=f"{verdict.en} {entry.explanation.en}",
                    ja=f"{verdict.ja}{entry.explanation.ja}",
                ),
                visibility=entry.visibility,
                number=number,
                tables=()
                if entry.visibility == "visible"
                else (_answer_table([row], [] if correct else [0]),),
            )
        )
    return GradingResult(
        status="graded",
        outcome="ok",
        score=sum(t.score or 0.0 for t in tests),
        max_score=package.meta.points,
        execution_time=round(time.monotonic() - began, 3),
        tests=tuple(tests),
        seed=package.meta.seed,
        exercise_id=package.id,
        exercise_version=package.version,
        tables=(_answer_table(rows, wrong),),
    )


def _word(answer: bool) -> str:
    return "true" if answer else "false"


def _answer_table(rows: list[list[str]], wrong: list[int]) -> Table:
    """Statement numbers with the learner's answer and the key's; "…" where the key is not shown
    yet."""
    return Table(
        title=Text(en="Your answers", ja="あなたの解答"),
        header=(
            Text(en="statement", ja="問"),
            Text(en="your answer", ja="あなたの解答"),
            Text(en="correct answer", ja="正解"),
            Text(en="result", ja="結果"),
        ),
        rows=tuple(tuple(row) for row in rows),
        highlight=tuple(wrong),
    )
