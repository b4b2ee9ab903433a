"""Attacks on the exercises written after the checks library that a single variant file cannot
carry: an attack that needs the feedback of an earlier grading. The others live as ``forged_*``
variants in each exercise's variants.toml, graded with their exact scores by the validation."""

from __future__ import annotations

import re

import pytest

from tests.conftest import exercise

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.one_mode]

PROBE = """import torch


def make_criterion(task):
    return lambda outputs, targets: torch.tensor(0.0)


def loss_from_outputs(outputs, targets, kind):
    return torch.tensor(0.0)


def make_optimizer(model, name):
    raise NotImplementedError


def train_step(model, optimizer, criterion, x, y):
    raise NotImplementedError
"""

CANNED = """import torch

# Copied from the feedback of an earlier grading.
CANNED = {{"classification": {classification}, "regression": {regression}}}


def make_criterion(task):
    return lambda outputs, targets: torch.tensor(CANNED[task])


def loss_from_outputs(outputs, targets, kind):
    return torch.tensor({logits})


def make_optimizer(model, name):
    raise NotImplementedError


def train_step(model, optimizer, criterion, x, y):
    raise NotImplementedError
"""

VISIBLE_LOSS_TESTS = {
    "classification": "test_classification_criterion",
    "regression": "test_regression_criterion",
    "logits": "test_loss_from_logits",
}


def test_numbers_from_earlier_feedback_do_not_answer_the_next_grading(sandbox_grader):
    # Every grading once drew the same inputs (the exercise's seed alone), so the Expected lines a
    # first, empty submission was shown were the answers: a second file returning them earned the
    # 4 points of the three visible loss checks. The seed now also depends on the source.
    package = exercise("losses-and-optimizers")
    first = sandbox_grader.grade(package, PROBE)
    by_name = {t.name.rpartition("::")[2]: t for t in first.tests}
    shown = {}
    for key, test in VISIBLE_LOSS_TESTS.items():
        found = re.search(r"Expected: ([-\d.]+)", by_name[test].output.en)
        assert found, by_name[test].output.en
        shown[key] = found.group(1)
    second = sandbox_grader.grade(package, CANNED.format(**shown))
    scores = {t.name.rpartition("::")[2]: t.score for t in second.tests}
    assert [scores[test] for test in VISIBLE_LOSS_TESTS.values()] == [0, 0, 0]
    assert second.seed != first.seed
