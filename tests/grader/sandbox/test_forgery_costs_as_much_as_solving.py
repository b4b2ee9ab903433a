"""Forgery costs as much as solving: what the submission's process reports is never evidence.

Each forgery rewrites the public harness or its records from inside the worker. Before the trusted
replay and behaviour checks, the first and the third got full marks (checked on commit 1e54a15).
"""

from __future__ import annotations

import pytest

from tests.conftest import exercise

pytestmark = [pytest.mark.docker, pytest.mark.slow]


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
