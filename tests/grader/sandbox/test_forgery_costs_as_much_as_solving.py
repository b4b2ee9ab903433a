"""Forgery costs as much as solving: what the submission's process reports is never evidence.

Each forgery rewrites the public harness or its records from inside the worker. Before the trusted
replay and behaviour checks, the first and the third got full marks (checked on commit 1e54a15).
"""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, exercise

HOSTILE = FIXTURES / "hostile"

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_mode]


def grade_variant(sandbox_grader, exercise_id: str, file: str):
    package = exercise(exercise_id)
    variant = next(v for v in package.variants if v.file == file)
    return sandbox_grader.grade(package, package.variant_source(variant))


def test_a_made_up_training_record_earns_nothing(sandbox_grader):
    result = grade_variant(sandbox_grader, "fix-training-loop", "forged_trace.py")
    assert (result.status, result.outcome, result.score) == ("graded", "ok", 0)
    feedback = " ".join(t.output.en for t in result.tests)
    assert "None of the losses passed to backward()" in feedback


def test_patching_the_tracer_and_the_helper_table_earns_nothing(sandbox_grader):
    result = grade_variant(sandbox_grader, "fix-training-loop", "forged_report_patch.py")
    assert (result.status, result.score) == ("graded", 0)


def test_a_patched_state_helper_does_not_pass_load_best_model(sandbox_grader):
    forged = grade_variant(sandbox_grader, "early-stopping-checkpoint", "forged_state_helper.py")
    honest = grade_variant(sandbox_grader, "early-stopping-checkpoint", "load_does_nothing.py")
    assert forged.score == honest.score == 8
    restore = next(t for t in forged.tests if "load_best_model" in t.title.en)
    assert restore.status == "failed"
    assert "outputs on fresh inputs" in restore.output.en


def test_rewritten_structure_helpers_earn_less_than_the_honest_wrong_model(sandbox_grader):
    # On commit 1e54a15 this forgery got 10/10: the structure checks took the helpers' word.
    forged = grade_variant(sandbox_grader, "dual-framework-model", "forged_structure_helpers.py")
    honest = grade_variant(sandbox_grader, "dual-framework-model", "hidden_64.py")
    assert honest.score == 6
    assert forged.score < honest.score
    structure = [t for t in forged.tests if "layer shapes" in t.title.en]
    assert [t.status for t in structure] == ["failed", "failed"]
    assert all("784→256→128→10" in t.output.en for t in structure)


def test_a_junk_training_record_is_graded_not_blamed_on_the_grader(sandbox_grader):
    # Strings, NaN, bools, wrong shapes and 3,000 steps: read as untrusted data, verified as nothing.
    package = exercise("fix-training-loop")
    source = (HOSTILE / "junk_training_record.py").read_text()
    result = sandbox_grader.grade(package, source)
    assert (result.status, result.outcome, result.score) == ("graded", "ok", 0)
    feedback = " ".join(t.output.en for t in result.tests)
    assert "problem in the grader" not in feedback
