"""A stored result's charts and tables on the result page and in the API: a learner sees those of
the tests they may see and of the whole result, never a withheld test's; staff see all of them."""

from __future__ import annotations

import json
import re

from backend.models import Submission
from grader.artifacts import Chart, Marker, Series, Table
from grader.contract import GradingResult, TestResult, Text
from tests.backend.conftest import database, sign_in, token_for
from tests.backend.test_pages import assignment_id

LOSS = Chart(
    title=Text(en="Loss per iteration", ja="反復ごとの損失"),
    x_label=Text(en="iteration", ja="反復"),
    y_label=Text(en="loss", ja="損失"),
    series=(
        Series(
            Text(en="your loss", ja="あなたの損失"), ((0, 2.5), (1, 1.25), (2, None)), "learner"
        ),
        Series(Text(en="reference", ja="参照の損失"), ((0, 2.5), (1, 0.75), (2, 0.5)), "reference"),
    ),
    markers=(Marker(1, Text(en="stopped here", ja="ここで停止")),),
)
SHAPES = Table(
    title=Text(en="Layer shapes", ja="層の形"),
    header=(Text(en="layer", ja="層"), Text(en="PyTorch", ja="PyTorch")),
    rows=(("fc1", "(4, 8)"), ("fc2", "(8, 3)-mismatch-71a")),
    highlight=(1,),
)
SECRET_CHART = Chart(title="secret-chart-8d1", series=(Series("s", ((0, 1),)),))
SECRET_TABLE = Table(title="secret-table-2f0", header=("h",), rows=(("secret-cell-5b3",),))
MEANS = Chart(
    title=Text(en="Mean per column", ja="列ごとの平均"),
    kind="bar",
    series=(
        Series("yours", ((0, 0.01), (1, -0.02), (2, 0.4)), "learner"),
        Series("expected", ((0, 0), (1, 0), (2, 0)), "reference"),
    ),
)
SUMMARY = Table(
    title=Text(en="Per-column mean", ja="列ごとの平均"), header=("col",), rows=(("0",),)
)


def a_test(number: int, visibility: str, **artifacts) -> TestResult:  # type: ignore[no-untyped-def]
    return TestResult(
        name=f"test_x.py::test_{number}",
        title=Text(en=f"check {number}", ja=f"チェック {number}"),
        score=1.0,
        max_score=1.0,
        status="passed",
        output=Text("", ""),
        visibility=visibility,
        number=number,
        **artifacts,
    )


RESULT = GradingResult(
    status="graded",
    outcome="ok",
    score=2.0,
    max_score=2.0,
    execution_time=1.0,
    tests=(
        a_test(1, "visible", charts=(LOSS,), tables=(SHAPES,)),
        a_test(2, "hidden", charts=(SECRET_CHART,), tables=(SECRET_TABLE,)),
    ),
    charts=(MEANS,),
    tables=(SUMMARY,),
)
WITHHELD = ("secret-chart-8d1", "secret-table-2f0", "secret-cell-5b3")


def stored_submission(settings, result: GradingResult = RESULT) -> int:  # type: ignore[no-untyped-def]
    from backend.auth.repository import UserRepository
    from backend.exercises.repository import ExerciseRepository

    quiz = assignment_id(settings, "true-false")
    with database(settings) as session:
        student = UserRepository(session).by_email("student1@kadai.local")
        submission = Submission(
            assignment_id=quiz,
            user_id=student.id,
            attempt=1,
            code="{}",
            status="graded",
            result_json=result.to_json(),
            exercise_version=ExerciseRepository(session).get("true-false").current_version,
        )
        session.add(submission)
        session.flush()
        return submission.id


def chart_blocks(page: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/json" id="chart-[^"]+">(.*?)</script>', page)
    return [json.loads(block) for block in blocks]


def table_cells(html: str) -> list[list[str]]:
    """Each row's cells as text (tags dropped)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_a_learner_sees_the_visible_tests_charts_and_tables_with_fallbacks(app_client, settings):
    submission_id = stored_submission(settings)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}").text
    [loss, means] = chart_blocks(page)
    assert loss["title"] == "Loss per iteration" and loss["kind"] == "line"
    assert means["kind"] == "bar" and means["series"][0]["points"][2] == [2, 0.4]
    assert [s["role"] for s in loss["series"]] == ["learner", "reference"]
    assert loss["series"][0]["points"] == [[0, 2.5], [1, 1.25], [2, None]]
    assert loss["markers"] == [{"x": 1, "label": "stopped here"}]
    assert '<canvas role="img" aria-label="Loss per iteration">' in page
    assert '<script src="/static/charts.js" defer></script>' in page
    # The fallback table: one row per x, the learner's gap said in words, the marker on its row.
    fallback = page.split('data-testid="chart-table"')[1].split("</details>")[0]
    assert table_cells(fallback.split("<tbody>")[1]) == [
        ["0", "2.5", "2.5", ""],
        ["1", "1.25", "0.75", "stopped here"],
        ["2", "no value", "0.5", ""],
    ]
    # Tables: the highlighted row is marked by a symbol and words, not only by colour.
    assert page.count('data-testid="artifact-table"') == 2  # the test's and the whole result's
    highlighted = page.split('data-testid="highlighted-row"')[1].split("</tr>")[0]
    assert "▶" in highlighted and "(highlighted)" in highlighted and "mismatch-71a" in highlighted
    assert "Per-column mean" in page
    for secret in WITHHELD:
        assert secret not in page


def test_the_page_draws_in_japanese_when_the_learner_reads_japanese(app_client, settings):
    submission_id = stored_submission(settings)
    sign_in(app_client, "student1@kadai.local")
    app_client.cookies.set("lang", "ja")
    page = app_client.get(f"/submissions/{submission_id}").text
    [loss, _] = chart_blocks(page)
    assert loss["title"] == "反復ごとの損失" and loss["lang"] == "ja"
    assert (
        loss["series"][0]["name"] == "あなたの損失" and loss["markers"][0]["label"] == "ここで停止"
    )
    assert "グラフのデータ (表)" in page and "値なし" in page and "(注目)" in page


def test_the_api_returns_the_visible_charts_and_tables_only(app_client, settings):
    submission_id = stored_submission(settings)
    token = token_for(settings, "student1@kadai.local", "read")
    response = app_client.get(
        f"/api/v1/submissions/{submission_id}", headers={"Authorization": f"Bearer {token}"}
    )
    result = response.json()["result"]
    [visible, withheld] = result["tests"]
    assert visible["charts"][0]["series"][1]["points"] == [[0, 2.5], [1, 0.75], [2, 0.5]]
    assert visible["charts"][0]["markers"][0]["label"] == {"en": "stopped here", "ja": "ここで停止"}
    assert visible["tables"][0]["highlight"] == [1]
    assert withheld["status"] == "withheld" and withheld["charts"] == [] == withheld["tables"]
    assert result["tables"][0]["title"]["en"] == "Per-column mean"
    assert result["charts"][0]["kind"] == "bar"
    assert visible["stdout"] == "" and result["status"] == "graded"  # the rest passes through
    for secret in WITHHELD:
        assert secret not in response.text


def test_staff_see_every_tests_charts_and_tables(app_client, settings):
    submission_id = stored_submission(settings)
    sign_in(app_client, "teacher@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}").text
    assert [block["title"] for block in chart_blocks(page)] == [
        "Loss per iteration",
        "secret-chart-8d1",
        "Mean per column",
    ]
    for text in WITHHELD:
        assert text in page
    token = token_for(settings, "teacher@kadai.local", "read")
    api = app_client.get(
        f"/api/v1/submissions/{submission_id}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert api["result"]["tests"][1]["charts"][0]["title"]["en"] == "secret-chart-8d1"


def test_the_openapi_schema_describes_charts_and_tables(app_client):
    schemas = app_client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    result = schemas["SubmissionOut"]["properties"]["result"]
    assert {"$ref": "#/components/schemas/ResultOut"} in result["anyOf"]
    assert schemas["ResultOut"]["properties"]["charts"]["items"] == {
        "$ref": "#/components/schemas/ChartOut"
    }
    assert set(schemas["ChartOut"]["properties"]) >= {"title", "kind", "series", "markers"}
    assert schemas["SeriesOut"]["properties"]["role"]["enum"] == ["learner", "reference", "other"]
    assert set(schemas["TableOut"]["properties"]) >= {"header", "rows", "highlight"}


def test_a_label_cannot_break_out_of_the_charts_data_block(app_client, settings):
    from dataclasses import replace

    hostile = "</script><script>alert(1)</script>"
    chart = Chart(title=hostile, series=(Series(hostile, ((0, 1),), "learner"),))
    result = replace(RESULT, charts=(chart,))
    submission_id = stored_submission(settings, result)
    sign_in(app_client, "student1@kadai.local")
    page = app_client.get(f"/submissions/{submission_id}").text
    assert "<script>alert(1)" not in page
    assert chart_blocks(page)[-1]["series"][0]["name"] == hostile  # the data is intact
