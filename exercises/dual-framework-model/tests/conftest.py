"""Fixtures and shared helpers: the learner's two models, a fixed batch, and layer look-ups.

Layers are found by what they do to shapes (the chain 784 → … → 10), never by their names or the
order in which a learner happened to create them: ``fc3`` defined before ``fc1``, a
``nn.Sequential`` inside the module, or a functional Keras model are all the same network.
"""

import numpy as np
import pytest

from grader.harness.feedback import both, fail
from grader.harness.protocol import Tensor

INPUT_WIDTH = 784


@pytest.fixture
def torch_model(submission):
    return submission.get("PyTorchModel").call()


@pytest.fixture
def keras_model(submission):
    model = submission.get("keras_model")
    if model is None or not hasattr(model, "handle"):
        fail(
            "keras_model must be a Keras model defined at the top level of your file.",
            "keras_model にはファイルのトップレベルで Keras モデルを代入してください。",
            expected=both("a keras.Model", "keras.Model のインスタンス"),
            actual=repr(model),
        )
    # One call first, as any real use would: a subclassed model marked built by build() gets its
    # weights only then, and its parameter count would otherwise read 0.
    submission.helper(
        "keras_forward", model, np.zeros((1, INPUT_WIDTH), np.float32), False, INPUT_WIDTH
    )
    return model


@pytest.fixture
def batch(rng):
    return rng.standard_normal((32, INPUT_WIDTH)).astype(np.float32)


def torch_out(submission, model, batch, train):
    out = submission.helper("torch_forward", model, Tensor(batch, "float32"), train)
    return out.array if isinstance(out, Tensor) else np.asarray(out)


def keras_out(submission, model, batch, training):
    return np.asarray(submission.helper("keras_forward", model, batch, training, INPUT_WIDTH))


def flow_order(layers):
    """``layers`` (dicts with ``in``/``out``) in data-flow order from the input; None if no chain."""
    remaining = list(layers)
    ordered, width = [], INPUT_WIDTH
    while remaining:
        following = [layer for layer in remaining if layer["in"] == width]
        if len(following) != 1:
            return None
        ordered.append(following[0])
        remaining.remove(following[0])
        width = following[0]["out"]
    return ordered


def torch_linears(submission, model):
    """(chain in flow order or None, every module that holds parameters) of a PyTorch model."""
    modules = submission.helper("torch_modules", model)
    linears = [
        {"name": m["name"], "in": m["in_features"], "out": m["out_features"]}
        for m in modules
        if m["type"] == "Linear"
    ]
    return flow_order(linears), linears, [m for m in modules if m["params"]]


def keras_denses(submission, model):
    """(chain in flow order or None, layers with weights in the model's own order, param count)."""
    info = submission.helper("keras_layers", model, INPUT_WIDTH)
    weighted = []
    for layer in (row for row in info["layers"] if row["weights"]):
        shapes = layer["weights"]
        dense = layer.get("units") is not None and len(shapes) == 2 and len(shapes[0]) == 2
        weighted.append(
            {
                "type": layer["type"],
                "in": shapes[0][0] if dense else None,
                "out": shapes[0][1] if dense else None,
                "dense": dense,
            }
        )
    chain = flow_order(weighted) if all(layer["dense"] for layer in weighted) else None
    return chain, weighted, info["params"]


def plant_keras(submission, model, pairs):
    """Give each Dense layer the (weight (out, in), bias) pair of its shape, whatever its position.

    Returns False when the layers do not match the pairs one to one (then nothing is written).
    """
    _, weighted, _ = keras_denses(submission, model)
    by_shape = {(w.shape[1], w.shape[0]): (w, b) for w, b in pairs}
    ordered = []
    for layer in weighted:
        pair = by_shape.pop((layer["in"], layer["out"]), None) if layer["dense"] else None
        if pair is None:
            return False
        ordered.append([np.ascontiguousarray(pair[0].T), pair[1]])
    if by_shape:
        return False
    submission.helper("keras_set_dense_weights", model, ordered, INPUT_WIDTH)
    return True
