"""A result's charts and tables in a real browser: the chart is drawn under the CSP with its
accessible name, learner and reference in their own colours, the fallback table holds the points,
axe finds nothing serious; and each exercise's real solution, graded through the served app, shows
at least one chart or table.

Set KADAI_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/result-<exercise>.png and
result-chart.png (the loop that never zeroes its gradients, beside the reference).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.app import create_app
from backend.bootstrap import prepare
from backend.settings import Settings
from grader.settings import PROJECT_ROOT
from tests.backend.test_result_artifacts import stored_submission
from tests.frontend.test_accessibility import axe_source, open_as, serious_violations
from tests.frontend.test_browser import browser, fill_editor, server, shot, sign_in, solve  # noqa: F401
from tests.services import live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NO_ZERO_GRAD = "exercises/fix-training-loop/variants/no_zero_grad.py"

# Pixels of the learner's line (#1d4ed8) and of the reference's (#b45309) on the canvas.
COUNT_COLOURS = """(canvas) => {
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const near = (i, [r, g, b]) =>
    Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40
    && data[i + 3] > 200;
  let learner = 0, reference = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (near(i, [29, 78, 216])) learner++;
    if (near(i, [180, 83, 9])) reference++;
  }
  return { learner, reference };
}"""


@pytest.fixture
def stored(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A served app (no grading) holding one graded submission with charts and tables."""
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        secret_key="browser",
        admin_password="admin-password-123",
        grading_threads=0,
    )
    prepare(settings, demo=True)
    submission_id = stored_submission(settings)
    with live_server(create_app(settings)) as base:
        yield base, submission_id


def watch_refusals(page) -> list[str]:  # type: ignore[no-untyped-def]
    refused: list[str] = []

    def watch(message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refused.append(message.text[:160])

    page.on("console", watch)
    page.on("pageerror", lambda error: refused.append(f"script error: {error}"))
    return refused


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_chart_draws_with_its_name_and_a_table_of_its_points(stored, browser, lang):  # noqa: F811
    base, submission_id = stored
    page = open_as(browser, base, "student1@kadai.local", lang)
    refused = watch_refusals(page)
    page.goto(f"{base}/submissions/{submission_id}")
    title = "Loss per iteration" if lang == "en" else "反復ごとの損失"
    canvas = page.get_by_role("img", name=title)
    canvas.wait_for()
    box = canvas.bounding_box()
    assert box is not None and box["height"] > 150 and box["width"] > 300
    page.wait_for_function(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v)",
        arg=canvas.element_handle(),
    )
    drawn = canvas.evaluate(COUNT_COLOURS)
    assert drawn["learner"] > 100 and drawn["reference"] > 100, drawn

    bars = page.get_by_role("img", name="Mean per column" if lang == "en" else "列ごとの平均")
    drawn = bars.evaluate(COUNT_COLOURS)  # the reference's bars are hatched in its colour
    assert drawn["learner"] > 100 and drawn["reference"] > 100, drawn

    details = page.locator("[data-testid=chart-table]").first
    details.locator("summary").click()
    rows = details.locator("tbody tr")
    assert rows.count() == 3
    no_value = "no value" if lang == "en" else "値なし"
    stopped = "stopped here" if lang == "en" else "ここで停止"
    assert rows.nth(1).locator("th, td").all_inner_texts() == ["1", "1.25", "0.75", stopped]
    assert rows.nth(2).locator("th, td").all_inner_texts() == ["2", no_value, "0.5", ""]
    highlighted = page.locator("[data-testid=highlighted-row]")
    assert highlighted.count() == 1 and "▶" in highlighted.inner_text()
    assert refused == []
    assert serious_violations(page, axe_source()) == []
    page.context.close()


@pytest.mark.docker
def test_each_exercise_shows_a_chart_or_table_for_its_real_solution(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused = watch_refusals(page)
    sign_in(page, server, "student1@kadai.local")
    missing = []
    for number, exercise_id in (
        (1, "true-false"),
        (2, "fix-training-loop"),
        (3, "normalized-dataset"),
        (4, "dual-framework-model"),
        (5, "early-stopping-checkpoint"),
    ):
        solve(page, server, f"Exercise {number}:", exercise_id)
        charts = page.locator("[data-testid=chart] canvas[role=img]")
        tables = page.locator("[data-testid=artifact-table] table")
        if charts.count() + tables.count() == 0:
            missing.append(exercise_id)
            continue
        for index in range(charts.count()):
            canvas = charts.nth(index)
            assert canvas.get_attribute("aria-label"), exercise_id
            page.wait_for_function(
                "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v)",
                arg=canvas.element_handle(),
            )
        shot(page, f"result-{exercise_id}")
    assert missing == [], f"no chart or table in the result of {missing}"

    # A loop that never zeroes its gradients: its loss leaves the reference replay's and its
    # gradient norm climbs; both series are drawn (the README's screenshot).
    page.goto(f"{server}/courses/1")
    page.click("text=Exercise 2:")
    fill_editor(page, (PROJECT_ROOT / NO_ZERO_GRAD).read_text())
    page.click("button:has-text('Submit')")
    page.locator("[data-testid=score]").wait_for(timeout=180_000)
    loss = page.locator("[data-testid=chart] canvas[role=img]").first
    page.wait_for_function(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v)",
        arg=loss.element_handle(),
    )
    drawn = loss.evaluate(COUNT_COLOURS)
    assert drawn["learner"] > 100 and drawn["reference"] > 100, drawn
    shot(page, "result-chart")
    assert refused == []
