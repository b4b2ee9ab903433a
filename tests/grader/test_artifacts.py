"""Charts and tables in a result: they survive JSON, stay drawable whatever they were given, keep
their test's visibility, and give way before verdicts when a result is too large."""

import json
import math

from grader.artifacts import MAX_CHARTS, MAX_POINTS, Chart, Marker, Series, Table
from grader.contract import STUDENT_VIEW_BYTES, GradingResult, TestResult, Text, fit


def _loss_chart(points: int = 5) -> Chart:
    return Chart(
        title=Text("Loss per iteration", "反復ごとの損失"),
        x_label=Text("iteration", "反復"),
        y_label=Text("loss", "損失"),
        series=(
            Series(Text("yours", "あなた"), [(i, 1.0 / (i + 1)) for i in range(points)], "learner"),
            Series(
                Text("reference", "模範"), [(i, 0.9 / (i + 1)) for i in range(points)], "reference"
            ),
        ),
        markers=(Marker(3, Text("stopped here", "ここで停止")),),
    )


def _test(visibility: str = "visible", **extra) -> TestResult:
    return TestResult(
        name="t",
        title="t",
        score=1.0,
        max_score=1.0,
        status="passed",
        output="",
        visibility=visibility,
        **extra,
    )


def _result(*tests: TestResult, **extra) -> GradingResult:
    return GradingResult(
        status="graded",
        outcome="ok",
        score=1,
        max_score=1,
        execution_time=0.1,
        tests=tests,
        **extra,
    )


def test_charts_and_tables_round_trip_through_json():
    table = Table(
        title=Text("Parameters per layer", "層ごとのパラメータ数"),
        header=(Text("layer", "層"), "PyTorch", "Keras"),
        rows=[("fc1", "330", "330"), ("fc2", "22", "33")],
        highlight=[1],
    )
    result = _result(_test(charts=(_loss_chart(),), tables=(table,)), tables=(table,))
    again = GradingResult.from_dict(json.loads(result.to_json()))
    assert again == result
    assert again.tests[0].charts[0].series[0].points[2] == (2.0, 1.0 / 3)
    assert again.tests[0].charts[0].markers[0].label.ja == "ここで停止"
    assert again.tables[0].highlight == (1,)


def test_results_stored_before_artifacts_still_load():
    data = json.loads(_result(_test()).to_json())
    for owner in (data, data["tests"][0]):
        del owner["charts"], owner["tables"]
    assert GradingResult.from_dict(data).tests[0].charts == ()


def test_values_that_json_cannot_hold_become_gaps_and_bad_entries_are_dropped():
    series = Series("s", [(0, math.nan), (1, math.inf), (math.nan, 1), (2, True), "x", (3, 4)])
    assert series.points == ((0.0, None), (1.0, None), (2.0, None), (3.0, 4.0))
    data = json.loads(_result(_test(charts=(_loss_chart(),))).to_json())
    data["tests"][0]["charts"] += [{"no": "title"}, 7, {"title": "ok", "series": [{"x": 1}]}]
    data["tests"][0]["tables"] = [{"title": "t", "rows": [["a"]], "highlight": [5, -1, 0]}]
    test = GradingResult.from_dict(data).tests[0]
    assert len(test.charts) == 2 and test.charts[1].series == ()
    assert test.tables[0].highlight == (0,)
    json.dumps(test.charts[0].series[0].points, allow_nan=False)


def test_counts_are_capped():
    long = Series("s", [(i, i) for i in range(MAX_POINTS + 50)])
    assert len(long.points) == MAX_POINTS
    test = _test(charts=tuple(_loss_chart() for _ in range(MAX_CHARTS + 3)))
    assert len(test.charts) == MAX_CHARTS


def test_a_withheld_test_shows_none_of_its_charts_or_tables():
    table = Table("t", ("a",), [("1",)])
    result = _result(
        _test("hidden", charts=(_loss_chart(),), tables=(table,)),
        _test("after_due_date", charts=(_loss_chart(),)),
        _test("visible", charts=(_loss_chart(),)),
    )
    view = result.student_view()
    assert [bool(t.charts) for t in view.tests] == [False, False, True]
    assert view.tests[0].tables == ()
    assert [bool(t.charts) for t in result.student_view(after_due_date=True).tests] == [
        False,
        True,
        True,
    ]


def test_a_result_too_large_drops_the_strictest_charts_before_any_verdict():
    big = _loss_chart(MAX_POINTS)
    tests = [_test("hidden", charts=(big,) * MAX_CHARTS), _test(charts=(big,) * MAX_CHARTS)]
    result = fit(_result(*tests), STUDENT_VIEW_BYTES)
    assert len(result.to_json().encode()) <= STUDENT_VIEW_BYTES
    assert result.tests[0].charts == () and result.tests[1].charts != ()
    assert [t.status for t in result.tests] == ["passed", "passed"]
