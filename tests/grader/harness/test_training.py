"""The trusted replay of a training loop: real runs verified, made-up records earn nothing."""

from __future__ import annotations

import copy
import socket
import threading
import time

import numpy as np
import pytest

from grader.harness.client import Submission, WorkerLink, WorkerLost
from grader.harness.protocol import Channel
from grader.harness.training import Reference, analyse, replay
from grader.harness.worker import Worker
from grader.settings import PROJECT_ROOT

VARIANTS = PROJECT_ROOT / "exercises" / "fix-training-loop" / "variants"


def build():
    import torch

    return torch.nn.Linear(10, 5)


def draw():
    import torch

    return torch.randn(32, 10), torch.randn(32, 5)


def mse(output, target):
    return ((output - target) ** 2).mean()


@pytest.fixture(scope="module")
def reference() -> Reference:
    return replay(0, build, draw, mse, lr=0.01, iterations=10)


def recorded_events(source: str, tmp_path, monkeypatch) -> list:
    monkeypatch.chdir(tmp_path)

    def link() -> WorkerLink:
        ours, theirs = socket.socketpair()
        threading.Thread(target=Worker(Channel(theirs)).serve, daemon=True).start()
        return WorkerLink(Channel(ours), lambda: time.monotonic() + 60, WorkerLost)

    request = {
        "source": source,
        "filename": "train.py",
        "run_name": "__main__",
        "seed": 0,
        "instrument": ["training"],
    }
    report = Submission(link, request).ensure_loaded()
    assert report["error"] is None, report["error"]
    return report["trace"]["events"]


@pytest.mark.parametrize(
    ("variant", "kinds"),
    [
        ("chapter_answer.py", ["fresh"] * 10),
        ("no_zero_grad.py", ["fresh"] + ["accumulated"] * 9),
        ("zero_grad_after_backward.py", ["still"] * 10),
        ("step_after_loop.py", ["fresh"]),
    ],
)
def test_each_recorded_step_is_classified_by_recomputation(
    variant, kinds, reference, tmp_path, monkeypatch
):
    events = recorded_events((VARIANTS / variant).read_text(), tmp_path, monkeypatch)
    run = analyse(events, reference, iterations=10)
    assert run.starts_like_reference
    assert [step.kind for step in run.steps] == kinds
    assert run.verified_losses() == 10


def test_the_replay_ends_where_the_learners_correct_run_ends(reference, tmp_path, monkeypatch):
    events = recorded_events((VARIANTS / "chapter_answer.py").read_text(), tmp_path, monkeypatch)
    last = [e for e in events if e["kind"] == "step_post"][-1]["values"]
    final = [np.asarray(v) for v in last.values()]
    assert all(
        np.allclose(a, reference.final[k], atol=1e-6)
        for a, k in zip(final, ["weight", "bias"], strict=True)
    )


def test_a_made_up_trace_is_not_verified(reference, tmp_path, monkeypatch):
    honest = recorded_events((VARIANTS / "chapter_answer.py").read_text(), tmp_path, monkeypatch)
    forged = copy.deepcopy(honest)
    rng = np.random.default_rng(1)
    for event in forged:
        if event["kind"] == "backward":
            event["loss"] *= 0.9  # plausible, decreasing, but not the computed loss
        elif event["kind"] == "step_post":
            for value in event["values"].values():
                value += rng.normal(0, 1e-3, value.shape).astype(value.dtype)
    run = analyse(forged, reference, iterations=10)
    assert run.verified_losses() == 0
    assert all(step.kind != "fresh" for step in run.steps)


def test_records_that_are_not_events_are_refused_without_error(reference):
    junk_values = {"p0": "not numbers", "p1": [[1, "x"]]}
    for junk in (
        None,
        "x",
        [1, 2],
        [{"kind": "step_pre", "values": {"a": [1.0]}}],
        [{"kind": "backward", "loss": "1.0"}, {"kind": "step_pre", "values": junk_values}],
    ):
        run = analyse(junk, reference, iterations=10)
        assert run.verified_losses() == 0
        assert all(step.kind == "unverified" for step in run.steps)
