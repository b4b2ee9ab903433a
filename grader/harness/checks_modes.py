"""Checks of train and eval modes: randomness, dropout and batch norm, judged from outputs on
inputs the test chose (part of ``checks``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.harness.checks_values import Name, as_array, check_close, en, ja
from grader.harness.feedback import both, fail

DROPOUT_MISS_PROBABILITY = 1e-9


# -- train and eval modes --------------------------------------------------------------------------
def _arrays(values: Sequence[Any], name: Name, least: int, mode: tuple[str, str]) -> list[Any]:
    if not isinstance(values, (list, tuple)) or len(values) < least:
        raise ValueError(f"give at least {least} outputs for the {mode[0]} mode")
    arrays = [as_array(v, name=name) for v in values]
    if not all(a.dtype.kind in "biuf" and np.all(np.isfinite(a)) for a in arrays):
        # NaN differs from itself: it must not pass for the randomness of dropout.
        fail(
            f"{en(name)} should give finite real numbers in {mode[0]} mode.",
            f"{ja(name)} の{mode[1]}モードの出力は有限の実数であるはずです。",
            expected=both("finite real numbers", "有限の実数"),
            actual=both("NaN, infinite or complex values", "NaN・無限大・複素数の値"),
        )
    arrays = [a.astype(np.float64) for a in arrays]
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        fail(
            f"{en(name)} gives outputs of different shapes for the same input in {mode[0]} mode.",
            f"{ja(name)} の{mode[1]}モードの出力形状が、同じ入力なのに呼び出しごとに異なります。",
            expected=both("the same shape every time", "毎回同じ形状"),
            actual=sorted(shapes),
        )
    return arrays


def _spread(arrays: list[Any]) -> float:
    return max(float(np.max(np.abs(a - arrays[0]), initial=0.0)) for a in arrays)


def check_modes(
    train_outputs: Sequence[Any], eval_outputs: Sequence[Any], *, name: Name, atol: float = 0.0
) -> None:
    """Fails unless passes of one input differ in training mode (dropout is random) and agree,
    within ``atol``, in eval mode (deterministic). Give at least two outputs of each.

    Example::

        runs = {t: [submission.helper("torch_forward", m, Tensor(x, "float32"), t) for _ in "ab"]
                for t in (True, False)}
        check_modes(runs[True], runs[False], name="PyTorchModel")
    """
    evals = _arrays(eval_outputs, name, 2, ("eval", "推論"))
    gap = _spread(evals)
    if not gap <= atol:
        fail(
            f"{en(name)}: passes of the same input in eval (inference) mode must agree: dropout is off "
            "there and nothing random remains (did you call model.eval() / pass training=False?).",
            f"{ja(name)}: 推論モードでは同じ入力に対して同じ出力になるはずです(Dropout は無効で、"
            "ランダムな要素は残りません。model.eval() や training=False を確認してください)。",
            expected=both("identical outputs", "同一の出力")
            if atol == 0
            else both(f"outputs within {atol:g} of each other", f"出力の差が {atol:g} 以内"),
            actual=both(f"outputs differ by up to {gap:.3g}", f"出力の差が最大 {gap:.3g}"),
        )
    trains = _arrays(train_outputs, name, 2, ("training", "学習"))
    if _spread(trains) == 0.0:
        fail(
            f"{en(name)}: in training mode dropout should make passes of the same input differ.",
            f"{ja(name)}: 学習モードでは Dropout により、同じ入力でも出力が毎回変わるはずです。",
            expected=both("different outputs", "異なる出力"),
            actual=both(f"{len(trains)} identical outputs", f"{len(trains)} 回とも同一の出力"),
        )


def check_dropout(
    inputs: Any,
    *,
    train_outputs: Sequence[Any],
    eval_outputs: Sequence[Any],
    rate: float,
    name: Name,
    rtol: float = 1e-5,
) -> None:
    """A dropout applied to ``inputs`` (chosen here, non-zero): in training mode it zeroes a share
    ``rate`` of the values (measured over all passes, within a Hoeffding bound a correct dropout
    misses with probability 1e-9), scales the others by 1/(1−rate), and differs between passes;
    in eval mode it is the identity.

    Example::

        x = rng.uniform(0.5, 1.5, (200, 50)).astype(np.float32)
        layer = submission.get("make_dropout").call(0.3)
        out = {t: [submission.helper("torch_forward", layer, Tensor(x, "float32"), t)
                   for _ in range(2)] for t in (True, False)}
        check_dropout(x, train_outputs=out[True], eval_outputs=out[False], rate=0.3, name="drop")
    """
    x = np.asarray(inputs, dtype=np.float64)
    trains = _arrays(train_outputs, name, 1, ("training", "学習"))
    evals = _arrays(eval_outputs, name, 1, ("eval", "推論"))
    for mode, arrays in (("training", trains), ("eval", evals)):
        if arrays[0].shape != x.shape:
            fail(
                f"{en(name)} in {mode} mode should keep the shape of its input.",
                f"{ja(name)} の{'学習' if mode == 'training' else '推論'}モードの出力は入力と同じ形状のはずです。",
                expected=str(x.shape),
                actual=str(arrays[0].shape),
            )
    live = x != 0
    outputs = np.stack(trains)
    dropped = (outputs == 0) & live
    count = int(live.sum()) * len(trains)
    share = float(dropped.sum()) / max(count, 1)
    tolerance = math.sqrt(math.log(2 / DROPOUT_MISS_PROBABILITY) / (2 * max(count, 1)))
    kept = (~dropped) & live
    ratio = outputs[kept] / np.broadcast_to(x, outputs.shape)[kept]
    scale = float(np.median(ratio)) if ratio.size else float("nan")
    keep = 1.0 - rate
    scaled_right = ratio.size > 0 and np.allclose(ratio, 1.0 / keep, rtol=rtol, atol=0.0)
    if abs(share - rate) > tolerance or not scaled_right:
        fail(
            f"{en(name)} in training mode should set about {rate:.0%} of the values to 0 and "
            f"multiply the others by 1/(1−{rate:g}) ≈ {1 / keep:.4g}. Measured on {count} values "
            f"(allowed share: {rate:g} ± {tolerance:.3f}, a margin a correct dropout misses with "
            f"probability below {DROPOUT_MISS_PROBABILITY:g}; factor within rtol={rtol:g}).",
            f"{ja(name)} の学習モードでは、値の約 {rate:.0%} を 0 にし、残りを 1/(1−{rate:g}) ≈ "
            f"{1 / keep:.4g} 倍するはずです。{count} 個の値で測定しました(0 の割合の許容範囲: "
            f"{rate:g} ± {tolerance:.3f}、正しい Dropout が外れる確率は {DROPOUT_MISS_PROBABILITY:g} "
            f"未満。倍率の許容誤差 rtol={rtol:g})。",
            expected=f"p={rate:.3f}, ×{1 / keep:.4g}",
            actual=f"p={share:.3f}, ×{scale:.4g}",
        )
    if len(trains) > 1 and _spread(trains) == 0.0:
        fail(
            f"{en(name)} in training mode drops the same values in every pass; dropout draws a new "
            "random mask each time.",
            f"{ja(name)} の学習モードで、毎回同じ値が 0 にされています。Dropout は呼び出しごとに"
            "新しいランダムなマスクを使います。",
            expected=both("a different mask per pass", "呼び出しごとに異なるマスク"),
            actual=both("the same mask", "同じマスク"),
        )
    for output in evals:
        check_close(
            output,
            x,
            name=both(f"{en(name)} (eval mode)", f"{ja(name)}(推論モード)"),
            rtol=rtol,
            atol=0.0,
            what=(
                "its input: in eval mode dropout passes every value through unchanged",
                "入力(推論モードの Dropout は値をそのまま通す)",
            ),
        )


# -- batch norm ------------------------------------------------------------------------------------
# (momentum: weight of the old running value, epsilon, channel axis, running variance unbiased)
BATCH_NORM = {"torch": (0.9, 1e-5, 1, True), "keras": (0.99, 1e-3, -1, False)}


def _normalized(x: Any, mean: Any, var: Any, eps: float, axis: int, weight: Any, bias: Any) -> Any:
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    gamma = np.ones(shape) if weight is None else np.reshape(weight, shape)
    beta = np.zeros(shape) if bias is None else np.reshape(bias, shape)
    return (x - np.reshape(mean, shape)) / np.sqrt(np.reshape(var, shape) + eps) * gamma + beta


def batch_norm_expected(
    inputs: Any, *, framework: str = "torch", weight: Any = None, bias: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """(training-mode output, eval-mode output) of a freshly created batch norm layer (running
    mean 0, variance 1) after one training pass over ``inputs``, with the framework's defaults.

    Example::

        train, evaluated = batch_norm_expected(x, framework="keras")
    """
    old, eps, axis, unbiased = BATCH_NORM[framework]
    x = np.asarray(inputs, dtype=np.float64)
    axis = axis % x.ndim
    over = tuple(i for i in range(x.ndim) if i != axis)
    mean, var = x.mean(axis=over), x.var(axis=over)
    n = x.size // x.shape[axis]
    running_var = old * 1.0 + (1 - old) * (var * n / (n - 1) if unbiased else var)
    running_mean = (1 - old) * mean
    train = _normalized(x, mean, var, eps, axis, weight, bias)
    evaluated = _normalized(x, running_mean, running_var, eps, axis, weight, bias)
    return train, evaluated


def check_batch_norm(
    inputs: Any,
    *,
    train_output: Any,
    eval_output: Any,
    name: Name,
    framework: str = "torch",
    weight: Any = None,
    bias: Any = None,
    rtol: float = 1e-3,
    atol: float = 1e-4,
) -> None:
    """A fresh batch norm layer run once in training mode on ``inputs`` (``train_output``), then in
    eval mode on the same inputs (``eval_output``): training mode normalizes with the batch's
    statistics, eval mode with the running statistics that one pass left
    (``framework``'s defaults: torch momentum 0.1, eps 1e-5, channels on axis 1; Keras momentum
    0.99, epsilon 1e-3, channels last).

    Example::

        layer = submission.get("make_norm").call(8)
        train = submission.helper("torch_forward", layer, Tensor(x, "float32"), True)
        evaluated = submission.helper("torch_forward", layer, Tensor(x, "float32"), False)
        check_batch_norm(x, train_output=train, eval_output=evaluated, name="make_norm(8)")
    """
    train, evaluated = batch_norm_expected(inputs, framework=framework, weight=weight, bias=bias)
    found_train = as_array(train_output, name=name).astype(np.float64)
    found_eval = as_array(eval_output, name=name).astype(np.float64)
    if found_train.shape == train.shape and np.allclose(found_train, evaluated, rtol, atol):
        fail(
            f"{en(name)} in training mode normalized with its running statistics; training mode uses "
            "the mean and variance of the current batch.",
            f"{ja(name)} の学習モードで移動平均の統計量が使われています。学習モードでは現在のバッチの"
            "平均と分散で正規化します。",
            expected=both("batch statistics", "バッチの統計量"),
            actual=both("running statistics", "移動平均の統計量"),
        )
    check_close(
        found_train,
        train,
        name=both(f"{en(name)} (training mode)", f"{ja(name)}(学習モード)"),
        rtol=rtol,
        atol=atol,
        what=(
            "the batch normalized with its own mean and variance",
            "バッチ自身の平均と分散で正規化した値",
        ),
    )
    if found_eval.shape == train.shape and np.allclose(found_eval, train, rtol, atol):
        fail(
            f"{en(name)} in eval mode still normalized with the batch's statistics; eval mode uses "
            "the running mean and variance (did you call model.eval() / pass training=False?).",
            f"{ja(name)} の推論モードでまだバッチの統計量が使われています。推論モードでは移動平均の"
            "平均と分散を使います(model.eval() や training=False を確認してください)。",
            expected=both("running statistics", "移動平均の統計量"),
            actual=both("batch statistics", "バッチの統計量"),
        )
    check_close(
        found_eval,
        evaluated,
        name=both(f"{en(name)} (eval mode)", f"{ja(name)}(推論モード)"),
        rtol=rtol,
        atol=atol,
        what=(
            "the inputs normalized with the running statistics one training pass leaves",
            "学習 1 回後の移動平均の統計量で正規化した値",
        ),
    )
