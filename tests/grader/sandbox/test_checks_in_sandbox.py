"""The checks library in the real sandbox: a fixture exercise whose hidden tests use it, graded
with a correct submission, one with a mistake in every function, and one that forges its layers.
The library runs on the trusted side, and each of its verdicts reaches the learner in both
languages with what was expected and what was found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.contract import GradingResult
from grader.exercise import ExercisePackage, load_exercise

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_mode]

PACKAGE = Path(__file__).parents[2] / "fixtures" / "exercises" / "checks"


@pytest.fixture(scope="module")
def package() -> ExercisePackage:
    return load_exercise(PACKAGE)


@pytest.fixture(scope="module")
def graded(sandbox_grader, package):
    results: dict[str, GradingResult] = {}

    def grade(name: str) -> GradingResult:
        if name not in results:
            results[name] = sandbox_grader.grade(package, (PACKAGE / name).read_text())
        return results[name]

    return grade


def outputs(result: GradingResult) -> dict[str, tuple[str, str]]:
    return {t.title.en: (t.output.en, t.output.ja) for t in result.tests if t.status == "failed"}


def test_a_correct_submission_gets_every_point(graded):
    result = graded("solution.py")
    assert result.status == "graded", result.message
    assert (result.score, result.max_score) == (8, 8), outputs(result)


def test_each_mistake_is_found_and_explained_in_both_languages(graded):
    result = graded("variants/wrong.py")
    assert result.status == "graded" and result.score == 1, outputs(result)
    failed = outputs(result)
    assert set(failed) == {
        "Parameters per layer, confirmed",
        "Training and inference modes",
        "Dropout",
        "Batch normalization",
        "Gradient of the squared error",
        "The checkpoint of step 3",
        "Inference within the time budget",
    }
    for en, ja in failed.values():
        assert "Expected:" in en and "Found:" in en, en
        assert "期待値:" in ja and "実際の値:" in ja, ja
    en, ja = failed["Parameters per layer, confirmed"]
    assert "Expected: 67" in en and "Found:    131" in en and "パラメータ数" in ja
    en, ja = failed["Dropout"]
    assert "Expected: p=0.300, ×1.429" in en and re.search(r"Found:    p=0\.\d+, ×1$", en)
    en, ja = failed["Batch normalization"]
    assert "still normalized with the batch's statistics" in en and "移動平均" in ja
    en, ja = failed["Gradient of the squared error"]
    assert "atol=1e-06, rtol=0.0001" in en and "atol=1e-06, rtol=0.0001" in ja
    en, ja = failed["The checkpoint of step 3"]
    assert "Found:    the weights of epoch 5" in en and "エポック 5 の重み" in ja
    en, ja = failed["Inference within the time budget"]
    assert "Expected: at most 1 s" in en and "1 秒以内" in ja
    # The hidden tests' source reaches no one, not even the instructor's view.
    assert "def test_" not in result.to_json() and "check_dropout(" not in result.to_json()


def test_layers_claimed_by_a_forged_state_dict_earn_nothing(graded):
    result = graded("variants/forged_state.py")
    assert result.status == "graded", result.message
    assert result.score == 6, outputs(result)
    assert set(outputs(result)) == {
        "Parameters per layer, confirmed",
        "Training and inference modes",
    }
