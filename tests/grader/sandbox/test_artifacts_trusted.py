"""Charts and tables come from the hidden tests' side only: a submission that prints result
framing, writes artifact files or patches the attach helpers in its own process adds nothing, and
the tests' own artifacts come through, passed or failed, under each test's visibility."""

from __future__ import annotations

from dataclasses import replace

import pytest

from grader.contract import GradingResult

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_mode]

# The probe's two checks, each attaching artifacts before it checks: one visible (also a table
# for the whole result), one hidden (which asks for the whole result too, and must not get it).
ATTACHING_TESTS = """
import numpy as np
import pytest

from grader.artifacts import Chart, Series, Table
from grader.harness.attach import attach_chart, attach_table
from grader.harness.feedback import check
from grader.harness.protocol import Tensor


@pytest.mark.points(1)
@pytest.mark.title(en="answer() returns 42", ja="answer() が 42 を返す")
def test_answer(submission):
    value = submission.get("answer").call()
    ok = type(value) is int and value == 42
    # Only a value checked here goes into the chart.
    points = [(1, 42.0 if ok else None)]
    attach_chart(Chart(title="trusted: answer", series=(Series("answer", points, "learner"),)))
    summary = Table(title="trusted: summary", header=("check",), rows=(("answer",),))
    attach_table(summary, whole_result=True)
    check(ok, "answer() must return 42.", "answer() は 42 を返す必要があります。")


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(en="tensor() returns [1, 2, 3]", ja="tensor() が [1, 2, 3] を返す")
def test_tensor(submission):
    value = submission.get("tensor").call()
    attach_chart(Chart(title="trusted: hidden tensor", series=()))
    attach_table(Table(title="trusted: hidden wants the result", header=(), rows=()), whole_result=True)
    check(
        isinstance(value, Tensor) and np.array_equal(value.array, [1.0, 2.0, 3.0]),
        "tensor() must return [1, 2, 3].",
        "tensor() は [1, 2, 3] を返す必要があります。",
    )
"""


@pytest.fixture(scope="module")
def attaching(probe):
    # The probe's 10 s are for hostile loops; on a loaded machine these checks need more.
    limits = probe.meta.limits.model_copy(update={"time_s": 60})
    return replace(
        probe,
        meta=probe.meta.model_copy(update={"limits": limits}),
        tests={"test_probe.py": ATTACHING_TESTS},
        version="attaching-probe",
    )


def titles(result: GradingResult) -> dict[str, list[str]]:
    """Every artifact's title, by where it sits."""
    found = {"result": [a.title.en for a in (*result.charts, *result.tables)]}
    for test in result.tests:
        found[test.name.rpartition("::")[2]] = [a.title.en for a in (*test.charts, *test.tables)]
    return found


def test_a_submission_cannot_inject_or_alter_artifacts(sandbox_grader, attaching, hostile_source):
    result = sandbox_grader.grade(attaching, hostile_source("forged_artifacts.py"))
    assert (result.status, result.outcome, result.score) == ("graded", "ok", 2), result.message
    # The attack ran: it framed, wrote files, and patched the helpers in its own process.
    assert "forged: patched attach in" in result.stdout, result.stdout
    assert "KADAI-RESULT" in result.stdout and "forged: wrote" in result.stdout
    assert titles(result) == {
        "result": ["trusted: summary"],
        "test_answer": ["trusted: answer"],
        "test_tensor": ["trusted: hidden tensor", "trusted: hidden wants the result"],
    }
    (chart,) = result.tests[0].charts
    assert chart.series[0].points == ((1.0, 42.0),)
    shown = result.student_view()
    assert titles(shown) == {
        "result": ["trusted: summary"],
        "test_answer": ["trusted: answer"],
        "hidden-2": [],
    }


def test_artifacts_come_with_failed_checks_too(sandbox_grader, attaching, probe):
    result = sandbox_grader.grade(attaching, probe.starter)
    assert (result.status, result.outcome, result.score) == ("graded", "ok", 0), result.message
    assert {t.status for t in result.tests} == {"failed"}
    # The starter has no tensor(): that check fails before it attaches anything.
    assert titles(result) == {
        "result": ["trusted: summary"],
        "test_answer": ["trusted: answer"],
        "test_tensor": [],
    }, result.grader_log
    (chart,) = result.tests[0].charts
    assert chart.series[0].points == ((1.0, None),)  # nothing unchecked is drawn


# Values the charts are drawn from, chosen to break a careless chart builder: NaN, infinities and
# numbers far outside float32, in the features the trusted side computes its statistics from.
NON_FINITE_DATASET = """
import numpy as np
import torch
from torch.utils.data import Dataset


class NormalizedDataset(Dataset):
    def __init__(self, data, labels, eps=1e-8):
        rows, columns = np.asarray(data).shape
        values = np.full((rows, columns), np.nan)
        values[:, 1] = np.inf
        values[:, 2] = -np.inf
        values[:, 3] = 1e300
        self.mean, self.std = np.zeros(columns), np.ones(columns)
        self.data = torch.tensor(values, dtype=torch.float64)
        self.labels = torch.as_tensor(np.asarray(labels), dtype=torch.int64)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]
"""


def test_non_finite_values_in_what_the_charts_show_are_the_learners_failure(sandbox_grader):
    from tests.conftest import exercise

    package = exercise("normalized-dataset")
    result = sandbox_grader.grade(package, NON_FINITE_DATASET)
    assert (result.status, result.outcome) == ("graded", "ok"), result.message.en
    assert result.score < package.meta.points
    # Never the grader's fault, and every value the page would draw survives strict JSON.
    assert "not your fault" not in result.to_json()
    import json

    charts = [chart for test in result.tests for chart in test.charts]
    assert charts, "the standardisation check still shows its per-column chart"
    points = [point for chart in charts for s in chart.series for point in s.points]
    assert any(y is None for _, y in points)  # NaN and infinities are drawn as gaps
    json.dumps(points, allow_nan=False)
