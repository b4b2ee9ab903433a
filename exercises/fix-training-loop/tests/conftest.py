"""Shared fixtures: the learner's recorded run, the reference loop replayed here under the same
seed, and the learner's run with every loss and step verified against that replay."""

import pytest

from grader.harness.training import analyse, replay

ITERATIONS = 10
LR = 0.01


def build_model():
    import torch

    return torch.nn.Linear(10, 5)


def draw_batch():
    import torch

    return torch.randn(32, 10), torch.randn(32, 5)


def mse(output, target):
    return ((output - target) ** 2).mean()


@pytest.fixture(scope="session")
def run(submission):
    report = submission.ensure_loaded()
    trace = report.get("trace")
    events = trace.get("events") if isinstance(trace, dict) else None
    return {"error": report.get("error"), "events": events if isinstance(events, list) else []}


@pytest.fixture(scope="session")
def reference(grading):
    return replay(grading.seed, build_model, draw_batch, mse, lr=LR, iterations=ITERATIONS)


@pytest.fixture(scope="session")
def trajectory(run, reference):
    return analyse(run["events"], reference, iterations=ITERATIONS)
