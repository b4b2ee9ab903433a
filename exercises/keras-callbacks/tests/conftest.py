"""A tiny Keras run the test controls, and the numpy reference it is judged against.

The trusted side never imports TensorFlow. It reaches Keras inside the submission's process
through the submission's own builtins (``__import__("keras")``), builds there a one-layer linear
model without bias, trains it with plain SGD on data chosen here, one batch per epoch (calling the
learner's callback hooks as ``fit`` does, or through ``fit`` itself), and reads the weights back. Everything in that process is the learner's to rewrite, so
nothing it reports is believed: the learning rate each epoch really used is *measured* here from
two consecutive weight vectors (``w_next = w - lr * grad(w)``, with the gradient computed here in
numpy), and how many epochs ran is read off the final weights the same way.
"""

import numpy as np

from grader.harness.client import SubmissionError
from grader.harness.feedback import both, fail

ROWS, WIDTH = 16, 3

BASE_LR, WARMUP_EPOCHS, DROP_EVERY = 0.1, 3, 2


def expected_lr(epoch):
    """The statement's schedule, computed here."""
    if epoch < WARMUP_EPOCHS:
        return BASE_LR * (epoch + 1) / WARMUP_EPOCHS
    return BASE_LR * 0.5 ** ((epoch - WARMUP_EPOCHS) // DROP_EVERY)


def submission_error(what_en, what_ja, exc):
    message = exc.info.get("message", "")[:300]
    fail(
        f"{what_en} raised {exc.info.get('type', 'an error')}: {message}",
        f"{what_ja}で {exc.info.get('type', 'エラー')} が発生しました: {message}",
    )


def builtin(submission, name):
    """A builtin (``__import__``, ``dict``) as it exists in the submission's process."""
    try:
        return submission.get("__builtins__", "__getitem__").call(name)
    except SubmissionError:
        return submission.get("__builtins__", name)


class TinyRun:
    """A linear model y = x @ w (no bias) with MSE and SGD in the worker; data chosen here."""

    def __init__(self, submission, rng, learning_rate):
        self.x = rng.uniform(-1.0, 1.0, (ROWS, WIDTH)).astype(np.float32)
        w_true = rng.uniform(1.0, 2.0, (WIDTH, 1)) * rng.choice([-1.0, 1.0], (WIDTH, 1))
        noise = rng.normal(0.0, 0.3, (ROWS, 1))
        self.y = (self.x.astype(np.float64) @ w_true + noise).astype(np.float32)
        keras = builtin(submission, "__import__").call("keras")
        inputs = keras.attr("Input").call(shape=(WIDTH,))
        dense = keras.attr("layers", "Dense").call(1, use_bias=False)
        self.model = keras.attr("Sequential").call([inputs, dense])
        optimizer = keras.attr("optimizers", "SGD").call(learning_rate=learning_rate)
        self.model.method("compile", optimizer=optimizer, loss="mse")
        self.model.method("set_weights", [np.zeros((WIDTH, 1), np.float32)])
        self.keras = keras

    def weights(self):
        values = self.model.method("get_weights")
        if (
            not isinstance(values, list)
            or len(values) != 1
            or not isinstance(values[0], np.ndarray)
        ):
            fail(
                "The test model's weights could not be read back.",
                "テスト用モデルの重みを読み戻せませんでした。",
            )
        return values[0].astype(np.float64).reshape(WIDTH, 1)

    def fit(self, callbacks, epochs, initial_epoch=0):
        self.model.method(
            "fit",
            self.x,
            self.y,
            batch_size=ROWS,
            epochs=epochs,
            initial_epoch=initial_epoch,
            callbacks=callbacks,
            shuffle=False,
            verbose=0,
        )

    def gradient(self, w):
        x, y = self.x.astype(np.float64), self.y.astype(np.float64)
        return 2.0 / ROWS * x.T @ (x @ w - y)

    def loss(self, w):
        x, y = self.x.astype(np.float64), self.y.astype(np.float64)
        return float(np.mean((x @ w - y) ** 2))

    def measured_lr(self, before, after):
        """The step size that took ``before`` to ``after`` along the gradient (least squares)."""
        g = self.gradient(before)
        return float(np.sum((before - after) * g) / np.sum(g * g))

    def driven(self, callback, epochs):
        """Trains one batch per epoch for each of ``epochs``, calling ``callback``'s hooks as fit
        does (fit itself costs ~0.15 s a call; ``train_on_batch`` ~2 ms once traced), and returns
        the learning rate each epoch really used, measured from the weights."""
        callback.method("set_model", self.model)
        callback.method("on_train_begin", {})
        rates = []
        for epoch in epochs:
            before = self.weights()
            callback.method("on_epoch_begin", epoch, {})
            callback.method("on_train_batch_begin", 0, {})
            self.model.method("train_on_batch", self.x, self.y)
            logs = {"loss": self.loss(before)}
            callback.method("on_train_batch_end", 0, logs)
            callback.method("on_epoch_end", epoch, logs)
            rates.append(self.measured_lr(before, self.weights()))
        callback.method("on_train_end", {})
        return rates

    def steps_to(self, after, learning_rate, most):
        """How many SGD steps at ``learning_rate`` from zero weights give ``after`` (None: none)."""
        w = np.zeros((WIDTH, 1))
        for steps in range(most + 1):
            if np.allclose(w, after, rtol=1e-4, atol=1e-5):
                return steps
            w = w - learning_rate * self.gradient(w)
        return None


def number(value):
    """A returned learning rate as a float, or None when it is not one number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return float(value.reshape(-1)[0])
    return None


def shown(value):
    if isinstance(value, np.ndarray):
        return both(f"an array/tensor {value.tolist()}", f"配列またはテンソル {value.tolist()}")
    return repr(value)[:80]
