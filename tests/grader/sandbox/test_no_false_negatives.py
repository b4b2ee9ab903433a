"""No false negatives: correct work written another way gets full marks.

Each code exercise carries correct alternatives in learners' styles (``alt_*`` variants, every one
graded at full marks by tests/exercises/test_exercise_packages.py). Here: that they are there, and
the two that lost a point on commit 1e54a15, when "Dropout rates are 0.3" counted nn.Dropout
modules instead of measuring what the model does (both got 9/10 then).
"""

from __future__ import annotations

import pytest

from grader.exercise import load_catalog
from grader.settings import PROJECT_ROOT
from tests.conftest import exercise

CATALOG = load_catalog(PROJECT_ROOT / "exercises")


@pytest.mark.parametrize(
    "exercise_id", sorted(i for i, p in CATALOG.items() if p.meta.kind == "code")
)
def test_each_code_exercise_has_four_correct_alternatives(exercise_id):
    package = CATALOG[exercise_id]
    alternatives = [
        v for v in package.variants if v.file.startswith("alt_") and v.score == package.meta.points
    ]
    assert len(alternatives) >= 4, [v.file for v in package.variants]


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.one_mode
@pytest.mark.parametrize("file", ["alt_functional_dropout.py", "alt_shared_dropout.py"])
def test_dropout_written_another_way_gets_full_marks(sandbox_grader, file):
    package = exercise("dual-framework-model")
    variant = next(v for v in package.variants if v.file == file)
    result = sandbox_grader.grade(package, package.variant_source(variant))
    assert (result.status, result.score) == ("graded", package.meta.points), [
        (t.title.en, t.status, t.output.en) for t in result.tests if t.status != "passed"
    ]
