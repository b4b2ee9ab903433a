"""Checks of layers: parameter counts, known weights that make a count trustworthy, and weights
moved between PyTorch's Linear (out, in) and Keras's Dense (in, out) layouts (part of ``checks``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from grader.harness.checks_values import Name, as_array, check_close, en, ja
from grader.harness.feedback import both, fail
from grader.harness.protocol import Tensor

MODEL = both("the model", "モデル")


# -- parameter counts ------------------------------------------------------------------------------
def _unreadable(name: Name, detail: str) -> Any:
    fail(
        f"The layer description of {en(name)} cannot be read ({detail}).",
        f"{ja(name)} の層の情報を読み取れません({detail})。",
    )


def _dims(shape: Any, name: Name) -> list[int]:
    if isinstance(shape, (Tensor, np.ndarray)):
        return list(np.shape(shape.array if isinstance(shape, Tensor) else shape))
    if not isinstance(shape, (list, tuple)) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**40 for d in shape
    ):
        _unreadable(name, "a weight shape is not a list of sizes")
    return list(shape)


def layer_parameter_counts(layers: Any, *, name: Name = MODEL) -> list[int]:
    """Parameters per layer that has any, in the order given, computed here from weight shapes.

    ``layers`` is what the test received: ``submission.helper("torch_modules", m)`` rows,
    ``submission.helper("keras_layers", m, width)``, a ``torch_state`` dict (grouped by the name
    before the last dot) or a list of per-layer lists of shapes/arrays.

    Example::

        counts = layer_parameter_counts(submission.helper("torch_state", model))  # [200960, ...]
    """
    if isinstance(layers, Mapping) and "layers" in layers:
        layers = layers["layers"]
    groups: list[list[Any]] = []
    if isinstance(layers, Mapping):
        by_layer: dict[str, list[Any]] = {}
        for key, value in layers.items():
            by_layer.setdefault(str(key).rpartition(".")[0], []).append(value)
        groups = list(by_layer.values())
    elif isinstance(layers, (list, tuple)):
        for row in layers:
            if isinstance(row, Mapping):
                shapes = row.get("params", row.get("weights", []))
                groups.append(list(shapes.values()) if isinstance(shapes, Mapping) else shapes)
            else:
                groups.append(row)
    else:
        _unreadable(name, type(layers).__name__)
    counts = []
    for group in groups:
        if not isinstance(group, (list, tuple)):
            _unreadable(name, "a layer's weights are not a list")
        count = sum(int(np.prod(_dims(shape, name), dtype=np.int64)) for shape in group)
        if count:
            counts.append(count)
    return counts


def check_parameter_counts(
    layers: Any,
    *,
    name: Name,
    per_layer: Sequence[int] | None = None,
    total: int | None = None,
    ordered: bool = True,
) -> list[int]:
    """Fails unless the per-layer counts (computed here from the weight shapes the test got) are
    ``per_layer`` (in that order, or as a multiset with ``ordered=False``) and sum to ``total``.

    Shapes a probe reports are the submission's claim: confirm them with ``check_uses_weights``.

    Example::

        check_parameter_counts(submission.helper("torch_state", model), name="PyTorchModel",
                               per_layer=[200_960, 32_896, 1_290], total=235_146)
    """
    counts = layer_parameter_counts(layers, name=name)
    found_total = sum(counts)
    if total is not None and found_total != total:
        fail(
            f"{en(name)} has the wrong number of parameters (weights and biases of all layers).",
            f"{ja(name)} のパラメータ数(全層の重みとバイアスの合計)が違います。",
            expected=f"{total:,}",
            actual=f"{found_total:,}",
        )
    if per_layer is not None:
        same = list(counts) == list(per_layer) if ordered else sorted(counts) == sorted(per_layer)
        order_en = "in the order the layers were given" if ordered else "in any order"
        order_ja = "層の順に" if ordered else "順不同で"
        if not same:
            fail(
                f"The parameters per layer of {en(name)} are wrong ({order_en}).",
                f"{ja(name)} の層ごとのパラメータ数が違います({order_ja}比較)。",
                expected=" / ".join(f"{c:,}" for c in per_layer),
                actual=" / ".join(f"{c:,}" for c in counts),
            )
    return counts


def known_weights(
    rng: np.random.Generator, widths: Sequence[int], *, low: float = 0.0, high: float = 1.0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Float32 (weight (out, in), bias) pairs for the dense chain ``widths[0] → … → widths[-1]``,
    in PyTorch's layout, drawn from ``rng`` (weights scaled by 1/in so outputs stay moderate).

    Example::

        weights = known_weights(rng, [784, 256, 128, 10])
    """
    pairs = []
    for n_in, n_out in itertools.pairwise(widths):
        weight = rng.uniform(low, high, (n_out, n_in)) / n_in
        bias = rng.uniform(low, high, n_out) * 0.5
        pairs.append((weight.astype(np.float32), bias.astype(np.float32)))
    return pairs


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda v: np.maximum(v, 0.0),
    "linear": lambda v: v,
    "tanh": np.tanh,
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
}


def dense_forward(
    inputs: Any,
    weights: Sequence[tuple[Any, Any]],
    *,
    activation: str = "relu",
    final: str = "linear",
) -> np.ndarray:
    """The reference output of a dense chain, computed here in float64: ``activation`` after every
    layer but the last, ``final`` after the last. Weights in PyTorch's (out, in) layout.

    Example::

        expected = dense_forward(x, weights)  # relu(x W1ᵀ + b1) … W3ᵀ + b3
    """
    hidden = np.asarray(inputs, dtype=np.float64)
    for index, (weight, bias) in enumerate(weights):
        hidden = hidden @ np.asarray(weight, dtype=np.float64).T + np.asarray(bias, np.float64)
        last = index == len(weights) - 1
        hidden = ACTIVATIONS[final if last else activation](hidden)
    return hidden


def check_uses_weights(
    outputs: Any,
    *,
    inputs: Any,
    weights: Sequence[tuple[Any, Any]],
    name: Name,
    activation: str = "relu",
    final: str = "linear",
    rtol: float = 1e-4,
    atol: float = 1e-4,
) -> np.ndarray:
    """Makes a parameter count trustworthy: after the test put ``weights`` (known, chosen here) into
    the learner's layers, the ``outputs`` it got on ``inputs`` must be the reference chain's.
    A model whose layers are not those shapes, or that leaves one out, cannot pass.

    Example::

        submission.helper("torch_load_values", model, {"fc1.weight": w1, ...})
        out = submission.helper("torch_forward", model, Tensor(x, "float32"), False)
        check_uses_weights(out, inputs=x, weights=weights, name="PyTorchModel")
    """
    expected = dense_forward(inputs, weights, activation=activation, final=final)
    widths = " → ".join(str(np.shape(w)[1]) for w, _ in weights)
    widths += f" → {np.shape(weights[-1][0])[0]}" if weights else ""
    return check_close(
        outputs,
        expected,
        name=name,
        rtol=rtol,
        atol=atol,
        what=(
            f"the outputs of the network {widths} with the weights the grader put into its layers",
            f"採点側が層に設定した重みで計算した {widths} のネットワークの出力",
        ),
    )


# -- PyTorch and Keras -----------------------------------------------------------------------------
def torch_to_keras(weights: Sequence[tuple[Any, Any]]) -> list[list[np.ndarray]]:
    """PyTorch Linear (weight (out, in), bias) pairs as Keras Dense ``[kernel (in, out), bias]``,
    ready for ``submission.helper("keras_set_dense_weights", model, pairs, width)``.

    Example::

        submission.helper("keras_set_dense_weights", keras_model, torch_to_keras(weights), 784)
    """
    return [[np.ascontiguousarray(np.asarray(w).T), np.asarray(b)] for w, b in weights]


def keras_to_torch(weights: Sequence[Sequence[Any]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Keras Dense ``[kernel (in, out), bias]`` pairs as PyTorch Linear (weight (out, in), bias).

    Example::

        pairs = keras_to_torch(keras_model.method("get_weights")[0::2] ...)  # kernel, bias pairs
    """
    return [(np.ascontiguousarray(np.asarray(k).T), np.asarray(b)) for k, b in weights]


def check_frameworks_agree(
    torch_outputs: Any,
    keras_outputs: Any,
    *,
    reference: Any = None,
    torch_name: Name = "PyTorchModel",
    keras_name: Name = "keras_model",
    rtol: float = 1e-4,
    atol: float = 1e-4,
) -> None:
    """After the test copied one set of weights into both models, their outputs on the same
    inputs must agree within the tolerance, and each must match ``reference`` (computed here,
    e.g. with ``dense_forward``) when given: two models wrong the same way do not pass.

    Example::

        check_frameworks_agree(torch_out, keras_out, reference=dense_forward(x, weights))
    """
    if reference is not None:
        check_close(torch_outputs, reference, name=torch_name, rtol=rtol, atol=atol)
    torch_values = as_array(torch_outputs, name=torch_name).astype(np.float64)
    check_close(
        keras_outputs,
        torch_values,
        name=both(
            f"{en(keras_name)} with {en(torch_name)}'s weights",
            f"{ja(torch_name)} の重みを入れた {ja(keras_name)}",
        ),
        rtol=rtol,
        atol=atol,
        what=(
            f"{en(torch_name)}'s outputs (a Dense kernel is (in, out): the Linear weight (out, in) "
            "transposed)",
            f"{ja(torch_name)} の出力(Dense のカーネルは (入力, 出力) で、Linear の重み (出力, 入力) の転置)",
        ),
    )
