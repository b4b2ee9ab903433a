"""Shared helpers: devices to grade on, objects made and kept inside the learner's process, planted
weights, and the reference computed here with torch.

Devices: "cpu" always; "meta" (PyTorch's device of shapes without data) to prove that code follows
the device it is given, which needs no GPU; "cuda" too where this sandbox has a GPU. On "cpu" and
"cuda" every verdict compares values read back with the same computation done here. A meta tensor
has no values: its placement can only be read from the tensor's own ``device``, so each such claim
is cross-checked — a tensor that says "meta" and still gives up values is not on the meta device.
"""

import numpy as np

from grader.harness.client import Remote, SubmissionError
from grader.harness.feedback import both, fail
from grader.harness.protocol import Tensor


def value_devices():
    """Devices whose tensors have values: the CPU, and the GPU where this sandbox has one."""
    import torch

    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def remote_tensor(submission, array, dtype, device):
    """A tensor of ``array``'s values placed on ``device`` inside the worker."""
    on_cpu = submission.put(Tensor(array, dtype))
    return on_cpu.method("to", device, keep=True)


def planted_linear(submission, rng, inputs, outputs):
    """An ``nn.Linear`` in the worker (on the CPU) with weights drawn here, and those weights."""
    model = submission.helper("torch_linear", inputs, outputs, 0)
    values = {
        "weight": rng.normal(0.0, 0.5, size=(outputs, inputs)).astype(np.float32),
        "bias": rng.normal(0.0, 0.5, size=outputs).astype(np.float32),
    }
    submission.helper("torch_load_values", model, values)
    return model, values


def reference_linear(values, device):
    import torch

    model = torch.nn.Linear(*values["weight"].shape[::-1])
    with torch.no_grad():
        model.weight.copy_(torch.from_numpy(values["weight"]))
        model.bias.copy_(torch.from_numpy(values["bias"]))
    return model.to(device)


def amp_dtype(device):
    return "float16" if device == "cuda" else "bfloat16"


def device_type(remote, what):
    """The device type a remote tensor (or a module's weight) reports."""
    found = (
        remote.attr("device", "type")
        if what != "model"
        else remote.attr("weight", "device", "type")
    )
    return found if isinstance(found, str) else repr(found)[:40]


def holds_values(remote):
    """Whether this tensor gives up its values as plain numbers (a meta tensor has none to give).

    ``tolist()`` rather than the harness's tensor encoder: a tensor subclass from the learner's
    own module is never encoded (it comes back as a handle) yet still lists its values."""
    try:
        remote.method("tolist")
    except SubmissionError:
        return False
    return True


def values_of(remote, what):
    value = remote.attr()
    if isinstance(value, Tensor):
        return value
    fail(
        f"{what} must be a tensor.",
        f"{what} はテンソルである必要があります。",
        expected="torch.Tensor",
        actual=type(value).__name__,
    )


def learner_torch(submission):
    """The learner's ``torch`` module, which builds the optimizer and scaler these checks pass."""
    torch = submission.get("torch") if submission.has("torch") else None
    if not isinstance(torch, Remote):
        fail(
            "This check builds the optimizer and the GradScaler it passes to amp_train_step with "
            "your file's `torch`: keep the starter's `import torch` at the top.",
            "このチェックでは amp_train_step に渡すオプティマイザと GradScaler をあなたのファイルの "
            "`torch` で作ります。スターターにある `import torch` を先頭に残してください。",
            expected="import torch",
            actual=both("no module `torch`", "`torch` モジュールがない"),
        )
    return torch


def state_of(submission, model):
    state = submission.helper("torch_state", model)
    return {
        name: np.asarray(value.array if isinstance(value, Tensor) else value, dtype=np.float64)
        for name, value in state.items()
    }


def as_number(value, what):
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    fail(
        f"{what} must be a single number.",
        f"{what} は 1 つの数値である必要があります。",
        expected=both("a number", "数値"),
        actual=type(value).__name__,
    )
