"""Shared pieces of the hidden checks: the spec, weights drawn here, this side's reference model,
and calls into the learner's model that keep their result in the learner's process.

The reference is built here from torch.nn with the weights drawn here; the learner's model gets the
same weights through its own load_state_dict, and only outputs and gradients it computes on inputs
chosen here are compared. What its process reports about itself (a parameter count, a module
list) decides nothing.
"""

import numpy as np
import pytest

from grader.harness.client import SubmissionError
from grader.harness.feedback import both, fail
from grader.harness.protocol import Tensor

IN, HIDDEN, OUT = 12, 16, 4
RATE = 0.25
BN_EPS = 1e-5
# Parameter name → shape, per layer, as the statement asks for them.
LAYERS = {
    "fc1": {"fc1.weight": (HIDDEN, IN), "fc1.bias": (HIDDEN,)},
    "bn": {"bn.weight": (HIDDEN,), "bn.bias": (HIDDEN,)},
    "scale": {"scale.weight": (HIDDEN,)},
    "fc2": {"fc2.weight": (OUT, HIDDEN), "fc2.bias": (OUT,)},
}
PARAMETERS = {name: shape for layer in LAYERS.values() for name, shape in layer.items()}


def tensor(array):
    return Tensor(np.ascontiguousarray(array, dtype=np.float32), "float32")


@pytest.fixture
def model(submission):
    """A fresh ScaledNet() in the learner's process, for this test alone."""
    return submission.get("ScaledNet").call()


def draw_state(rng, scale_ones=False):
    """Parameters and BatchNorm running statistics drawn here (float32 arrays by name)."""
    state = {
        name: rng.normal(0.0, 0.5, size=shape).astype(np.float32)
        for name, shape in PARAMETERS.items()
    }
    state["bn.weight"] = rng.uniform(0.5, 1.5, HIDDEN).astype(np.float32)
    state["scale.weight"] = (
        np.ones(HIDDEN, np.float32)
        if scale_ones
        else rng.uniform(0.5, 2.0, HIDDEN).astype(np.float32)
    )
    # Running statistics far from any batch's own, so that using one for the other shows.
    state["bn.running_mean"] = rng.normal(2.0, 1.0, HIDDEN).astype(np.float32)
    state["bn.running_var"] = rng.uniform(2.0, 6.0, HIDDEN).astype(np.float32)
    return state


def plant(model, state, strict):
    """Load ``state`` through the learner's own load_state_dict; a refusal is the learner's."""
    try:
        model.method("load_state_dict", {k: tensor(v) for k, v in state.items()}, strict=strict)
    except SubmissionError as error:
        if not strict:
            fail(
                "Known weights could not be loaded into your ScaledNet (load_state_dict raised), "
                "so this cannot be checked: see the check of each layer's parameters.",
                "既知の重みを ScaledNet に読み込めなかった(load_state_dict でエラー)ため、この項目は"
                "確認できません。各層のパラメータのチェックを見てください。",
            )
        fail(
            "Loading known weights into your ScaledNet with load_state_dict failed, so its "
            "parameters are not the ones the statement asks for (names fc1, bn, scale, fc2; "
            "the parameter of LearnableScale is `weight`; sizes 12 → 16 → 4).\n"
            + error.info.get("message", "")[:600],
            "既知の重みを load_state_dict で ScaledNet に読み込めませんでした。パラメータが問題文の"
            "指定(名前 fc1・bn・scale・fc2、LearnableScale のパラメータ名は `weight`、"
            "サイズ 12 → 16 → 4)と一致していません。\n" + error.info.get("message", "")[:600],
            expected=both("the parameters of the statement", "問題文どおりのパラメータ"),
            actual=both("load_state_dict raised an error", "load_state_dict でエラー"),
        )


def set_mode(model, train):
    model.method("train", train)


def forward(model, x):
    out = model.call(tensor(x))
    if not isinstance(out, Tensor):
        fail(
            "ScaledNet's forward must return a tensor.",
            "ScaledNet の forward はテンソルを返す必要があります。",
            expected="torch.Tensor",
            actual=type(out).__name__,
        )
    return out.array.astype(np.float64)


def reference(state, x, train, dropout_mask=None):
    """This side's ScaledNet with ``state``: (output, gradients of sum(output * weights) or None).

    In training mode BatchNorm normalises with the batch's own statistics; ``dropout_mask``
    (kept units, same shape as the hidden layer) stands for dropout, None for no dropout."""
    import torch

    params = {
        name: torch.tensor(state[name], dtype=torch.float64, requires_grad=True)
        for name in PARAMETERS
    }
    inputs = torch.tensor(x, dtype=torch.float64)
    h = inputs @ params["fc1.weight"].T + params["fc1.bias"]
    if train:
        mean, var = h.mean(dim=0), h.var(dim=0, unbiased=False)
    else:
        mean = torch.tensor(state["bn.running_mean"], dtype=torch.float64)
        var = torch.tensor(state["bn.running_var"], dtype=torch.float64)
    h = (h - mean) / torch.sqrt(var + BN_EPS) * params["bn.weight"] + params["bn.bias"]
    h = torch.relu(h) * params["scale.weight"]
    if dropout_mask is not None:
        h = h * torch.tensor(dropout_mask, dtype=torch.float64) / (1 - RATE)
    out = h @ params["fc2.weight"].T + params["fc2.bias"]
    return out, params
