"""Shared helpers: objects built inside the learner's process, planted weights, and the trusted
reference computed here with torch.

The learner's functions receive real PyTorch objects: a ``nn.Linear`` made by the harness helper
with weights this side chose, parameters whose gradients this side sets, and (for the training
step) an optimizer and a loss built from the learner's own ``torch`` module. Every verdict compares
values read back from that process with the same computation done here, on data drawn per test.
"""

import numpy as np

from grader.harness.client import Remote
from grader.harness.feedback import both, fail
from grader.harness.protocol import Tensor


def planted_linear(submission, rng, inputs, outputs):
    """An ``nn.Linear(inputs, outputs)`` in the worker holding weights drawn here; returns the
    remote model and the planted values."""
    model = submission.helper("torch_linear", inputs, outputs, 0)
    values = {
        "weight": rng.normal(0.0, 0.5, size=(outputs, inputs)).astype(np.float32),
        "bias": rng.normal(0.0, 0.5, size=outputs).astype(np.float32),
    }
    submission.helper("torch_load_values", model, values)
    return model, values


def reference_linear(values):
    import torch

    model = torch.nn.Linear(*values["weight"].shape[::-1])
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(values["weight"]))
        model.bias.copy_(torch.from_numpy(values["bias"]))
    return model


def state_of(submission, model):
    """The remote model's parameters as float64 arrays, by name."""
    state = submission.helper("torch_state", model)
    return {
        name: np.asarray(value.array if isinstance(value, Tensor) else value, dtype=np.float64)
        for name, value in state.items()
    }


def learner_torch(submission):
    """The learner's ``torch`` module, which the training-step checks build their optimizer with."""
    if not submission.has("torch"):
        fail(
            "This check builds the optimizer and the loss it passes to train_step with your "
            "file's `torch`: keep the starter's `import torch` at the top.",
            "このチェックでは train_step に渡すオプティマイザと損失をあなたのファイルの `torch` で"
            "作ります。スターターにある `import torch` を先頭に残してください。",
            expected="import torch",
            actual=both("no name `torch`", "`torch` という名前がない"),
        )
    torch = submission.get("torch")
    if not isinstance(torch, Remote):
        fail(
            "`torch` in your file must be the PyTorch module.",
            "ファイル中の `torch` は PyTorch のモジュールである必要があります。",
            expected="import torch",
            actual=repr(torch)[:80],
        )
    return torch


def as_number(value, what):
    """A loss the learner returned (float or 0-d/1-element tensor) as a float."""
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    fail(
        f"{what} must be a single number (a 0-d tensor or a float).",
        f"{what} は 1 つの数値(0 次元テンソルか float)である必要があります。",
        expected=both("a number", "数値"),
        actual=type(value).__name__,
    )
