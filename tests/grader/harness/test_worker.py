"""The worker and the trusted client, in process over a socket pair (the sandbox tests do it for real)."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest

from grader.harness.client import Remote, Submission, SubmissionError, WorkerLink, WorkerLost
from grader.harness.protocol import Channel, Tensor
from grader.harness.worker import Worker


def submission_for(source: str, tmp_path, monkeypatch, **load) -> Submission:
    monkeypatch.chdir(tmp_path)

    def link() -> WorkerLink:
        ours, theirs = socket.socketpair()
        threading.Thread(target=Worker(Channel(theirs)).serve, daemon=True).start()
        return WorkerLink(Channel(ours), lambda: time.monotonic() + 30, WorkerLost)

    request = {"source": source, "filename": "sub.py", "run_name": "submission", "seed": 0}
    return Submission(link, request | load)


SOURCE = """
import numpy as np
import torch

class Box:
    def __init__(self, values):
        self.values = np.asarray(values)
    def total(self):
        return float(self.values.sum())

def scalar_label():
    return torch.tensor(3)

def boom():
    raise ValueError("no luck")
"""


def test_calls_return_plain_data_and_objects_stay_behind_handles(tmp_path, monkeypatch):
    sub = submission_for(SOURCE, tmp_path, monkeypatch)
    box = sub.get("Box").call([1.0, 2.0, 3.5])
    assert box.type_name == "Box"
    assert box.method("total") == 6.5
    assert np.array_equal(box.attr("values"), [1.0, 2.0, 3.5])
    label = sub.get("scalar_label").call()
    assert isinstance(label, Tensor) and label.dtype == "int64" and label.shape == ()


def test_put_keeps_an_array_in_the_worker_for_later_inspection(tmp_path, monkeypatch):
    sub = submission_for(SOURCE, tmp_path, monkeypatch)
    kept = sub.put(np.arange(3.0))
    assert sub.get("Box").call(kept).method("total") == 3.0
    assert np.array_equal(kept.attr(), np.arange(3.0))


def test_keep_leaves_results_in_the_worker_and_set_assigns_there(tmp_path, monkeypatch):
    sub = submission_for(SOURCE, tmp_path, monkeypatch)
    label = sub.get("scalar_label").call(keep=True)
    assert isinstance(label, Remote) and label.type_name == "Tensor"
    doubled = label.method("mul", 2, keep=True)
    assert isinstance(doubled, Remote)
    assert int(doubled.method("item")) == 6
    values = sub.get("Box").call([1.0, 2.0], keep=True).attr("values", keep=True)
    assert isinstance(values, Remote) and values.type_name == "ndarray"
    weight = sub.get("torch").method("zeros", 2, keep=True)
    weight.set("requires_grad", True)
    weight.set("grad", Tensor(np.array([0.5, -1.0], dtype=np.float32), "float32"))
    assert np.array_equal(weight.attr("grad").array, [0.5, -1.0])
    assert weight.attr("requires_grad") is True


def test_student_exceptions_come_back_with_their_own_frames_only(tmp_path, monkeypatch):
    sub = submission_for(SOURCE, tmp_path, monkeypatch)
    with pytest.raises(SubmissionError) as caught:
        sub.get("boom").call()
    assert caught.value.info["type"] == "ValueError"
    assert "sub.py" in caught.value.info["traceback"]
    assert "worker.py" not in caught.value.info["traceback"]
    assert not sub.has("missing_name")


def test_a_load_error_fails_every_request_with_the_learners_error(tmp_path, monkeypatch):
    sub = submission_for("import sys\nsys.exit(3)\n", tmp_path, monkeypatch)
    assert "sys.exit(3)" in sub.ensure_loaded()["error"]["message"]
    with pytest.raises(SubmissionError):
        sub.get("anything")


def test_training_tracer_records_losses_and_parameters_around_each_step(tmp_path, monkeypatch):
    script = """
import torch
model = torch.nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
crit = torch.nn.MSELoss()
for _ in range(2):
    loss = crit(model(torch.ones(4, 3)), torch.zeros(4, 1))
    loss.backward()
    opt.step()
"""
    sub = submission_for(
        script, tmp_path, monkeypatch, run_name="__main__", instrument=["training"]
    )
    report = sub.ensure_loaded()
    assert report["error"] is None
    events = report["trace"]["events"]
    assert [e["kind"] for e in events] == ["backward", "step_pre", "step_post"] * 2
    assert isinstance(events[0]["loss"], float) and events[0]["loss"] > 0
    before, after = events[1]["values"], events[2]["values"]
    assert sorted(before) == ["p0", "p1"] and before["p0"].shape == (1, 3)
    assert not np.allclose(before["p0"], after["p0"])


def test_patching_the_harness_after_start_changes_nothing_in_the_worker(tmp_path, monkeypatch):
    from grader.harness import probes

    # Registered so that monkeypatch puts back what the script below overwrites in this process.
    monkeypatch.setitem(probes.HELPERS, "torch_param_count", probes.HELPERS["torch_param_count"])
    monkeypatch.setattr(probes.TrainingTracer, "report", probes.TrainingTracer.report)
    script = """
from grader.harness import probes
probes.HELPERS["torch_param_count"] = lambda model: 235146
probes.TrainingTracer.report = lambda self: {"events": ["forged"], "params": 0}
import torch
loss = torch.nn.Linear(2, 1)(torch.ones(1, 2)).sum()
loss.backward()
"""
    sub = submission_for(
        script, tmp_path, monkeypatch, run_name="__main__", instrument=["training"]
    )
    report = sub.ensure_loaded()
    assert [e["kind"] for e in report["trace"]["events"]] == ["backward"]
    model = sub.helper("torch_linear", 3, 2, 0)
    assert sub.helper("torch_param_count", model) == 8


def test_a_worker_lost_while_preloading_is_the_first_requests_loss_only(tmp_path, monkeypatch):
    started = []

    def link() -> WorkerLink:
        started.append(1)
        raise WorkerLost("memory")

    sub = Submission(link, {"source": "", "filename": "sub.py", "run_name": "submission"})
    with pytest.raises(WorkerLost):
        sub.preload()
    with pytest.raises(WorkerLost):
        sub.get("answer")  # the first test: the preload's verdict, no second worker
    assert len(started) == 1
    with pytest.raises(WorkerLost):
        sub.get("answer")  # later tests try again, as before
    assert len(started) == 2
