"""Each shipped exercise's result carries what teaches beyond a verdict: a chart or a table, for
the solution and for a typical mistake alike; fix-training-loop's curves through `kadai grade`."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.exercise import load_catalog
from grader.quiz import grade_quiz
from grader.settings import PROJECT_ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow]

EXERCISES = PROJECT_ROOT / "exercises"
CATALOG = load_catalog(EXERCISES)
KADAI = Path(sys.executable).parent / "kadai"
ITERATIONS = 10  # fix-training-loop's loop
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A typical mistake per exercise, next to its solution.
FAILING = {
    "fix-training-loop": "zero_grad_after_backward.py",
    "normalized-dataset": "sample_std.py",
    "dual-framework-model": "hidden_64.py",
    "early-stopping-checkpoint": "off_by_one.py",
    "true-false": "all_true.json",
}


def artifacts(result: dict) -> list[dict]:
    found = [*result["charts"], *result["tables"]]
    for test in result["tests"]:
        found += [*test["charts"], *test["tables"]]
    return found


def kadai_grade(variant: str, *extra: str) -> dict:
    path = EXERCISES / "fix-training-loop" / "variants" / variant
    completed = subprocess.run(
        [str(KADAI), "grade", "--exercise", "fix-training-loop", str(path), "--json", *extra],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def curves(result: dict) -> dict[str, dict[str, list]]:
    """Per chart (by English title's first word), each series' y values by role."""
    charts = {}
    for test in result["tests"]:
        for chart in test["charts"]:
            charts[chart["title"]["en"].split()[0]] = {
                series["role"]: [y for _, y in series["points"]] for series in chart["series"]
            }
    return charts


@pytest.mark.parametrize(
    ("exercise_id", "variant"),
    [(e, None) for e in sorted(FAILING)] + sorted(FAILING.items()),
    ids=lambda value: value or "solution",
)
def test_the_result_carries_a_chart_or_a_table(graded, exercise_id, variant):
    package = CATALOG[exercise_id]
    source = (package.root / "variants" / variant).read_text() if variant else package.solution
    if package.meta.kind == "quiz":
        result = grade_quiz(package, source)
    else:
        result = graded.grade(package, source)
    assert result.status == "graded", result.message
    assert (result.score == package.meta.points) == (variant is None)
    shown = json.loads(result.student_view().to_json())
    assert artifacts(shown), f"{exercise_id}: no chart or table in the learner's view"
    for item in artifacts(shown):
        assert item["title"]["en"] and item["title"]["ja"]


def test_the_fixed_loop_follows_the_reference_curve_point_for_point(tmp_path):
    result = kadai_grade("chapter_answer.py", "--plots", str(tmp_path / "plots"))
    assert result["score"] == 10
    loss = curves(result)["Loss"]
    assert len(loss["learner"]) == len(loss["reference"]) == ITERATIONS
    assert None not in loss["learner"]
    gap = max(abs(a - b) for a, b in zip(loss["learner"], loss["reference"], strict=True))
    assert gap < 1e-4  # the same run: float64 here against the replay's float32
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert len(pngs) == 2
    for png in pngs:
        data = png.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000


def test_gradients_that_are_never_reset_show_in_both_curves():
    result = kadai_grade("no_zero_grad.py")
    assert result["score"] == 7
    charts = curves(result)
    loss, norms = charts["Loss"], charts["Norm"]
    assert len(loss["learner"]) == len(loss["reference"]) == ITERATIONS
    gaps = [abs(a - b) for a, b in zip(loss["learner"], loss["reference"], strict=True)]
    # The first two iterations see the same weights (step 1 has one gradient only); from the
    # third on, the summed gradients move the weights elsewhere.
    assert max(gaps[:2]) < 1e-4 and max(gaps[2:]) > 0.05
    learner, reference = norms["learner"], norms["reference"]
    assert all(b > a for a, b in itertools.pairwise(learner))  # climbing
    assert learner[-1] > 3 * max(reference)
