"""The author's checks behind ``kadai exercise validate`` on results built by hand: hidden expected
values reaching a learner, titles in both languages, a forgery variant required."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grader.authoring import new_package
from grader.contract import GradingResult, HeldOutput, TestResult, Text
from grader.exercise import load_exercise
from grader.harness.feedback import render
from grader.validation import CaseOutcome, leaks, title_problems, variant_problems

SECRET = "[0.1234, 0.5678]"


@pytest.fixture
def package(tmp_path):
    return load_exercise(new_package(tmp_path, "leaky", "quiz"))


def check(name, visibility, output=None, title=None, **extra):
    return TestResult(
        name=f"test_x.py::{name}",
        title=title or Text(en=f"{name} check", ja=f"{name} のチェック"),
        score=0.0,
        max_score=1.0,
        status="failed",
        output=output or Text("", ""),
        visibility=visibility,
        **extra,
    )


def graded(*tests, **extra):
    return GradingResult(
        status="graded", outcome="ok", score=0.0, max_score=2.0, execution_time=1.0,
        tests=tests, **extra,
    )  # fmt: skip


HIDDEN_FAILURE = render("Wrong values.", "値が違います。", expected=SECRET, actual="[0, 0]")


def test_a_hidden_expected_value_in_the_learners_output_is_a_leak(package):
    # The submission printed, while a visible check ran, a value the hidden check compares with.
    result = graded(
        check("visible", "visible", stdout=f"got reference {SECRET}\n"),
        check("secret", "hidden", HIDDEN_FAILURE),
    )
    found = leaks(package, result, after_due_date=False)
    assert len(found) == 1 and "test_x.py::secret (hidden)" in found[0] and SECRET in found[0]


@pytest.mark.parametrize("where", ["message", "visible_output", "held_visible"])
def test_every_shown_place_is_searched(package, where):
    visible = check("visible", "visible")
    extra = {}
    if where == "message":
        extra["message"] = Text(en=f"note {SECRET}", ja="注")
    elif where == "visible_output":
        visible = replace(visible, output=Text(en=f"Your values were {SECRET}.", ja="違います"))
    else:
        extra["held_output"] = (HeldOutput("visible", stdout=SECRET),)
    result = graded(visible, check("secret", "hidden", HIDDEN_FAILURE), **extra)
    assert leaks(package, result, after_due_date=False)


def test_withheld_places_and_what_the_author_publishes_are_not_leaks(package):
    statement = package.statements["en"]
    published = statement.splitlines()[-1].strip()  # a sentence of the statement
    hidden_failure = render("Wrong.", "違います。", expected=published, actual="x")
    result = graded(
        # A visible check stating the same value as its own expected value: public by design.
        check(
            "visible",
            "visible",
            render("Wrong.", "違います。", expected=SECRET, actual="y"),
            stdout=published,
        ),
        check("secret", "hidden", HIDDEN_FAILURE, stdout=SECRET),
        check("from-statement", "hidden", hidden_failure),
        held_output=(HeldOutput("hidden", stdout=SECRET),),
    )
    assert leaks(package, result, after_due_date=False) == []


def test_an_after_due_value_may_show_after_the_due_date_only(package):
    result = graded(
        check("late", "after_due_date", stdout=f"printed {SECRET}"),
        check("secret", "hidden", HIDDEN_FAILURE),
    )
    assert leaks(package, result, after_due_date=False) == []
    # After the due date the after-due check's output opens, and it holds the hidden value.
    assert any("test_x.py::secret" in leak for leak in leaks(package, result, True))


def test_short_values_are_not_looked_for(package):
    failure = render("Wrong.", "違います。", expected=2.5, actual=2.0)
    result = graded(check("visible", "visible", stdout="2.5\n"), check("s", "hidden", failure))
    assert leaks(package, result, after_due_date=False) == []


def outcome(*tests):
    return [CaseOutcome("solution", "== max", graded(*tests), True, "solution")]


def test_titles_need_both_languages():
    good = check("good", "visible")
    untitled = check("test_plain", "visible", title=Text.of("test_plain"))
    english_only = check("english", "visible", title=Text.of({"en": "Shapes"}))
    problems = title_problems(outcome(good, untitled, english_only))
    assert len(problems) == 2
    assert "test_plain: no title" in problems[0] and "is ja= missing" in problems[1]


def test_a_package_without_a_forgery_variant_is_refused(tmp_path):
    root = new_package(tmp_path, "no-forgery", "quiz")
    variants = root / "variants.toml"
    variants.write_text(variants.read_text().split("# Forgery")[0])
    problems, warnings = variant_problems(load_exercise(root))
    assert any("no forgery variant" in p for p in problems)
    assert any("typical mistake" in w for w in warnings)


def test_a_forgery_may_not_expect_full_marks(tmp_path):
    root = new_package(tmp_path, "generous", "quiz")
    variants = root / "variants.toml"
    variants.write_text(variants.read_text().replace("score = 0\n", "score = 2\n"))
    problems, _ = variant_problems(load_exercise(root))
    assert problems == [
        "variants.toml: forged_result_fields.json: a forgery variant may not expect full marks"
    ]
