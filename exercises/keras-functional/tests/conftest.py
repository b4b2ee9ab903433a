"""The learner's model, reached through requests, and the numpy reference it is judged against.

The trusted side never imports TensorFlow: weights the test chooses go into the learner's named
layers (``get_layer(name).set_weights``), inputs the test chooses go through the learner's model,
and what comes back is compared with the same network computed here in numpy. Whatever the
submission's process says about its layers is only a claim; the outputs computed from planted
weights are what correct work alone produces.
"""

import numpy as np
import pytest

from grader.harness.client import SubmissionError
from grader.harness.feedback import both, fail

FEATURES, CONTEXT = 12, 4
# name → (inputs, units) of every Dense layer, in the statement's order.
DENSE = {
    "feature_dense": (FEATURES, 16),
    "context_dense": (CONTEXT, 16),
    "shared": (32, 16),
    "class_output": (16, 3),
    "value_output": (16, 1),
}
INPUT_NAMES = ("features", "context")
MERGE_NAME = "merged"
TOTAL_PARAMS = sum(n_in * n_out + n_out for n_in, n_out in DENSE.values())


@pytest.fixture
def model(submission):
    """A fresh model from the learner's build_model() for each test."""
    try:
        built = submission.get("build_model").call()
    except SubmissionError as exc:
        fail(
            "build_model() raised an error: " + exc.info.get("message", "")[:300],
            "build_model() がエラーになりました: " + exc.info.get("message", "")[:300],
        )
    if not hasattr(built, "handle"):
        fail(
            "build_model() must return a keras.Model.",
            "build_model() は keras.Model を返す必要があります。",
            expected=both("a keras.Model", "keras.Model のインスタンス"),
            actual=repr(built)[:100],
        )
    return built


def forward(model, features, context):
    """The learner's outputs for inputs chosen here, as a list of float64 arrays (or a failure)."""
    try:
        outputs = model.call([features, context], training=False)
    except SubmissionError as exc:
        fail(
            "Calling the model on [features, context] raised an error: "
            + exc.info.get("message", "")[:300],
            "モデルを [features, context] で呼び出すとエラーになりました: "
            + exc.info.get("message", "")[:300],
            expected=both("two outputs", "2 つの出力"),
            actual=both("an error", "エラー"),
        )
    if isinstance(outputs, np.ndarray):
        outputs = [outputs]
    if not isinstance(outputs, (list, tuple)) or not all(
        isinstance(o, np.ndarray) and o.dtype.kind == "f" for o in outputs
    ):
        fail(
            "The model should return a list of two arrays: [class_output, value_output].",
            "モデルは 2 つの配列のリスト [class_output, value_output] を返す必要があります。",
            expected=both("a list of 2 arrays", "2 つの配列のリスト"),
            actual=both(f"a {type(outputs).__name__}", f"{type(outputs).__name__}"),
        )
    return [o.astype(np.float64) for o in outputs]


def inputs(rng, rows, low=-1.0):
    return (
        rng.uniform(low, 1.0, (rows, FEATURES)).astype(np.float32),
        rng.uniform(low, 1.0, (rows, CONTEXT)).astype(np.float32),
    )


def plant(model, weights):
    """Put (kernel (in, out), bias) into each named Dense layer; fails the test if one refuses."""
    for name, (kernel, bias) in weights.items():
        try:
            model.method("get_layer", name).method("set_weights", [kernel, bias])
        except SubmissionError as exc:
            fail(
                f"The layer {name!r} does not take a kernel of shape {kernel.shape} and a bias of "
                f"shape {bias.shape}: " + exc.info.get("message", "")[:200],
                f"層 {name!r} に形状 {kernel.shape} のカーネルと {bias.shape} のバイアスを設定"
                "できません: " + exc.info.get("message", "")[:200],
                expected=both(
                    f"a Dense layer named {name!r} with that kernel shape",
                    f"その形状のカーネルを持つ {name!r} という名前の Dense 層",
                ),
                actual=both("no such layer, or other shapes", "そのような層がないか、形状が違う"),
            )


def random_weights(rng, positive=False):
    low = 0.0 if positive else -1.0
    return {
        name: (
            (rng.uniform(low, 1.0, (n_in, n_out)) / np.sqrt(n_in)).astype(np.float32),
            rng.uniform(low, 0.5, n_out).astype(np.float32),
        )
        for name, (n_in, n_out) in DENSE.items()
    }


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x):
    shifted = np.exp(x - x.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def reference(weights, features, context):
    """The statement's network in numpy (float64): [class_output, value_output]."""

    def dense(name, x):
        kernel, bias = weights[name]
        return x @ kernel.astype(np.float64) + bias.astype(np.float64)

    f = relu(dense("feature_dense", features.astype(np.float64)))
    c = relu(dense("context_dense", context.astype(np.float64)))
    shared = relu(dense("shared", np.concatenate([f, c], axis=1)))
    return [softmax(dense("class_output", shared)), dense("value_output", shared)]
