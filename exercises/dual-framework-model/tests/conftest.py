"""Fixtures: fresh instances of the learner's two models, and a fixed input batch."""

import numpy as np
import pytest

from grader.harness.feedback import fail
from grader.harness.protocol import Tensor


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
            expected="a keras.Model",
            actual=repr(model),
        )
    return model


@pytest.fixture
def batch(rng):
    return rng.standard_normal((32, 784)).astype(np.float32)


def torch_out(submission, model, batch, train):
    out = submission.helper("torch_forward", model, Tensor(batch, "float32"), train)
    return out.array if isinstance(out, Tensor) else np.asarray(out)


def keras_out(submission, model, batch, training):
    return np.asarray(submission.helper("keras_forward", model, batch, training, 784))
