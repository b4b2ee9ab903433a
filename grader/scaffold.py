"""The files ``kadai exercise new`` writes: a small working exercise of each kind, with a
``TODO(author)`` marker wherever the author must write their own.

Each template is complete on its own: with its markers removed, the package passes
``kadai exercise validate`` (the solution gets full marks, the starter does not, and every variant
gets the score it lists), so an author replaces a working example piece by piece.
The placeholders ``{id}`` and ``{frameworks}`` are replaced as plain text (no other braces are
special).
"""

from __future__ import annotations

TODO = "TODO(author)"

STATEMENT_EN = """\
# TODO(author): the exercise's title, as in exercise.toml

<!-- TODO(author): replace this example statement with yours: what to write, its inputs and
outputs, and what the checks look at. Learners read this page next to the editor. -->

Write a function `mean_of(values)` that returns the arithmetic mean of a non-empty list of
numbers, as a `float` (also when every value is an integer).

## Hints

- `sum(values)` adds the numbers up; `len(values)` counts them.
- `//` is integer (floor) division; `/` is true division.
"""

STATEMENT_JA = """\
# TODO(author): 課題の題名(exercise.toml と同じもの)

<!-- TODO(author): この例の問題文を、あなたの課題の問題文に書き換えてください。何を書くのか、
入力と出力、チェックの内容を説明します。学習者はエディタの横でこのページを読みます。 -->

空でない数値のリストを受け取り、その算術平均を `float` で返す関数 `mean_of(values)` を書いてください
(すべての値が整数のときも `float` を返します)。

## ヒント

- `sum(values)` で合計、`len(values)` で個数が求まります。
- `//` は切り捨て除算、`/` は通常の除算です。
"""

CODE_FILES = {
    "exercise.toml": """\
# TODO(author): check every value below (docs/authoring.md explains each key).
id = "{id}"
kind = "code"
points = 3
# Frameworks loaded in the sandbox for the learner's code ("torch", "tensorflow").
frameworks = {frameworks}
# The file name learners submit; starter.py and solution.py take its suffix.
submission_file = "submission.py"
seed = 0

[title]
ja = "TODO(author): 課題の題名"
en = "TODO(author): the exercise's title"

[limits]
time_s = 60
memory_mb = 2048
""",
    "statement.en.md": STATEMENT_EN,
    "statement.ja.md": STATEMENT_JA,
    "starter.py": """\
# TODO(author): the code learners start from: what they complete, none of the answer.


def mean_of(values):
    \"\"\"The arithmetic mean of a non-empty list of numbers, as a float.\"\"\"
    raise NotImplementedError
""",
    "solution.py": """\
# TODO(author): your reference answer; it must get full marks.


def mean_of(values):
    \"\"\"The arithmetic mean of a non-empty list of numbers, as a float.\"\"\"
    return sum(values) / len(values)
""",
    "tests/test_submission.py": '''\
"""Hidden checks for mean_of. TODO(author): replace these example checks with your own.

Every test has points, a title in both languages and, for a check learners must not see before the
due date, a visibility ("after_due_date" or "hidden"). Tests fail through check()/fail() from
grader.harness.feedback, so a learner reads a bilingual message with what was expected and what
was found, never the test's source. The `submission` fixture is the learner's loaded module:
`submission.get("name").call(...)` calls one of its functions in the learner's process.
"""

import pytest

from grader.harness.feedback import check


def mean_of(submission, values):
    return submission.get("mean_of").call(values)


@pytest.mark.points(1)
@pytest.mark.title(en="The mean of a short list", ja="短いリストの平均")
def test_mean_of_short_list(submission):
    value = mean_of(submission, [1.0, 2.0, 3.0])
    check(
        value == 2.0,
        "mean_of([1.0, 2.0, 3.0]) must be 2.0.",
        "mean_of([1.0, 2.0, 3.0]) は 2.0 になる必要があります。",
        expected=2.0,
        actual=value,
    )


@pytest.mark.points(1)
@pytest.mark.title(en="A float, also for integers", ja="整数のリストでも float を返す")
def test_mean_of_integers_is_a_float(submission):
    value = mean_of(submission, [1, 2])
    check(
        isinstance(value, float) and value == 1.5,
        "mean_of([1, 2]) must be the float 1.5: use true division (/), not //.",
        "mean_of([1, 2]) は float の 1.5 になる必要があります。// ではなく / を使ってください。",
        expected="1.5 (float)",
        actual=f"{value!r} ({type(value).__name__})",
    )


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(en="Negative and fractional values", ja="負の値と小数")
def test_mean_of_mixed_values(submission):
    value = mean_of(submission, [-4, 1.5, 10])
    check(
        isinstance(value, float) and abs(value - 2.5) < 1e-9,
        "The mean of negative and fractional values is wrong.",
        "負の値や小数を含むリストの平均が正しくありません。",
        expected=2.5,
        actual=value,
    )
''',
    "variants.toml": """\
# Submissions with the score each must get; `kadai exercise validate` grades every one.
# TODO(author): your own typical mistakes (3 or more, each with its exact score), correct answers
# written other ways (full marks), and at least one forgery (a file named forged_*.py).

[[variant]]
file = "integer_division.py"
score = 1
note = "// instead of /: an int for integer lists, floored means"

[[variant]]
file = "alt_statistics.py"
score = 3
note = "a correct alternative: statistics.fmean"

# Forgery: claims a result instead of earning one; it must earn nothing more than it does.
[[variant]]
file = "forged_result.py"
score = 0
note = "forgery: prints a result claiming full marks and exits before any check"
""",
    "variants/integer_division.py": """\
# TODO(author): a typical mistake of your exercise.


def mean_of(values):
    return sum(values) // len(values)
""",
    "variants/alt_statistics.py": """\
# TODO(author): a correct answer written another way.
from statistics import fmean


def mean_of(values):
    return fmean(values)
""",
    "variants/forged_result.py": """\
# TODO(author): a forgery aimed at your own checks.
import json
import sys

print(json.dumps({"score": 3, "max_score": 3, "status": "graded", "tests": []}))
sys.exit(0)
""",
}

QUIZ_FILES = {
    "exercise.toml": """\
# TODO(author): check every value below (docs/authoring.md explains each key).
id = "{id}"
kind = "quiz"
points = 2
submission_file = "answers.json"

[title]
ja = "TODO(author): 課題の題名"
en = "TODO(author): the exercise's title"
""",
    "statement.en.md": """\
# TODO(author): the exercise's title, as in exercise.toml

<!-- TODO(author): replace this example introduction with yours. The statements themselves come
from questions.toml and are listed under it. -->

Decide for each statement below whether it is true or false.
""",
    "statement.ja.md": """\
# TODO(author): 課題の題名(exercise.toml と同じもの)

<!-- TODO(author): この例の説明文を書き換えてください。各設問は questions.toml から読まれ、
この下に並びます。 -->

次の各文が正しいか誤りかを答えてください。
""",
    "questions.toml": """\
# The statements learners judge, in order; their answers live in tests/key.toml (hidden).
# TODO(author): your own statements, in both languages.
[[question]]
ja = "PyTorch のテンソルは requires_grad=True にすると勾配を記録する。"
en = "A PyTorch tensor with requires_grad=True records gradients."

[[question]]
ja = "Keras の model.fit は学習率を自動で決めるため、オプティマイザは指定できない。"
en = "Keras's model.fit picks the learning rate itself, so no optimizer can be given."
""",
    "tests/key.toml": """\
# Hidden answer key: one entry per statement in questions.toml, in the same order.
# TODO(author): your answers and explanations (shown after grading).
[[question]]
answer = true
[question.explanation]
ja = "requires_grad=True のテンソルに対する演算は記録され、backward() で勾配が求まります。"
en = "Operations on a tensor with requires_grad=True are recorded, and backward() computes its gradient."

[[question]]
answer = false
[question.explanation]
ja = "model.compile(optimizer=...) でオプティマイザと学習率を指定できます。"
en = "model.compile(optimizer=...) takes the optimizer, learning rate included."
""",
    "starter.json": '{"answers": [false, false]}\n',
    "solution.json": '{"answers": [true, false]}\n',
    "variants.toml": """\
# Submissions with the score each must get; `kadai exercise validate` grades every one.
# TODO(author): typical wrong answer sets and at least one forgery (a file named forged_*.json).

[[variant]]
file = "all_true.json"
score = 1
note = "the second statement judged true"

# Forgery: the answers carry their own "result" fields; only the answers are read.
[[variant]]
file = "forged_result_fields.json"
score = 0
note = "forgery: both answers wrong, plus score fields claiming full marks"
""",
    "variants/all_true.json": '{"answers": [true, true]}\n',
    "variants/forged_result_fields.json": (
        '{"answers": [false, true], "score": 2, "max_score": 2, "status": "graded"}\n'
    ),
}
