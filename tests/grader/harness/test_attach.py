"""Charts and tables a hidden test attaches: on its own verdict, or on the whole result only where
everyone who sees the result may see them, and carried through to the composed result."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from grader.artifacts import MAX_CHARTS, Chart, Series, Table
from grader.contract import GradingJob, TestResult, Text
from grader.harness import attach
from grader.harness.output import OutputRouter
from grader.harness.verdict import compose


def chart(title: str) -> Chart:
    return Chart(title=title, series=(Series("s", [(1, 1.0)], "learner"),))


def table(title: str) -> Table:
    return Table(title=title, header=("a",), rows=(("1",),))


@pytest.fixture
def board():
    board = attach.reset()
    yield board
    attach.reset()


def test_an_artifact_goes_with_the_test_that_is_running(board):
    board.begin("t::one", "visible")
    attach.attach_chart(chart("loss"))
    attach.attach_table(table("layers"))
    board.end()
    board.begin("t::two", "hidden")
    attach.attach_chart(chart("other"))
    board.end()
    charts, tables = board.for_test("t::one")
    assert [c.title.en for c in charts] == ["loss"] and [t.title.en for t in tables] == ["layers"]
    assert [c.title.en for c in board.for_test("t::two")[0]] == ["other"]
    assert board.for_test("t::never") == ((), ())


def test_the_whole_result_takes_only_what_everyone_may_see(board):
    board.begin("t::visible", "visible")
    attach.attach_table(table("summary"), whole_result=True)
    board.end()
    for visibility in ("after_due_date", "hidden"):
        board.begin(f"t::{visibility}", visibility)
        attach.attach_chart(chart(f"from {visibility}"), whole_result=True)
        board.end()
    result = board.for_result()
    assert [t["title"]["en"] for t in result["tables"]] == ["summary"]
    assert result["charts"] == []
    # What a stricter test meant for everyone stays on that test, under its visibility.
    assert [c.title.en for c in board.for_test("t::hidden")[0]] == ["from hidden"]
    assert any("stays on this hidden test" in line for line in board.log)


def test_outside_any_test_only_the_whole_result_takes_an_artifact(board):
    attach.attach_chart(chart("session"), whole_result=True)
    attach.attach_chart(chart("nowhere"))
    assert [c["title"]["en"] for c in board.for_result()["charts"]] == ["session"]
    assert any("outside any test" in line for line in board.log)


def test_only_artifacts_are_taken_and_at_most_the_cap(board):
    board.begin("t::one", "visible")
    with pytest.raises(TypeError):
        attach.attach_chart({"title": "a dict is not a chart", "series": []})
    with pytest.raises(TypeError):
        attach.attach_table(chart("a chart is not a table"))
    for number in range(MAX_CHARTS + 2):
        attach.attach_chart(chart(f"c{number}"))
    assert len(board.for_test("t::one")[0]) == MAX_CHARTS
    assert any("extra dropped" in line for line in board.log)


def test_compose_carries_each_tests_and_the_results_artifacts(board):
    verdict = TestResult(
        name="t::one",
        title=Text("one", "一"),
        score=0.0,
        max_score=1.0,
        status="failed",
        output=Text("no", "いいえ"),
        number=1,
        charts=(chart("loss"),),
        tables=(table("layers"),),
    )
    board.begin("t::one", "visible")
    attach.attach_table(table("summary"), whole_result=True)
    board.end()
    job = GradingJob(
        job_id="j",
        exercise_id="e",
        exercise_version="v",
        submission_filename="s.py",
        submission_source="",
        run_as="module",
        tests={},
    )
    result = compose(
        job=job,
        collected={"t::one": asdict(verdict)},
        reported={"t::one": asdict(verdict)},
        lost=set(),
        ending="done",
        pytest_exit=1,
        output=OutputRouter(1000),
        grader_log="",
        artifacts=board.for_result(),
    )
    assert result.tests[0].charts[0].series[0].points == ((1.0, 1.0),)
    assert result.tests[0].tables[0].title.en == "layers"
    assert [t.title.en for t in result.tables] == ["summary"]
    # A malformed list from a broken runner is dropped, not fatal.
    broken = compose(
        job=job,
        collected={},
        reported={},
        lost=set(),
        ending="done",
        pytest_exit=1,
        output=OutputRouter(1000),
        grader_log="",
        artifacts={"charts": "nonsense", "tables": [{"no": "title"}]},
    )
    assert broken.charts == () and broken.tables == ()
