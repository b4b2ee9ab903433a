"""Checks of values: shapes, dtypes, closeness, gradients and timing (part of ``checks``).

Hidden tests import these from ``grader.harness.checks``, which documents the library.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from grader.contract import Text
from grader.harness.feedback import both, fail
from grader.harness.protocol import Tensor

# What the learner calls the value checked: code (``"model(x)"``) reads the same in both
# languages; anything else is given as ``both(en, ja)``.
Name = str | Text

T = TypeVar("T")
# Torch's other names for its dtypes, as a test author may write them.
DTYPE_ALIASES = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
}


def en(name: Name) -> str:
    return name.en if isinstance(name, Text) else name


def ja(name: Name) -> str:
    return name.ja if isinstance(name, Text) else name


# -- values as arrays ------------------------------------------------------------------------------
def describe(value: Any) -> Any:
    """What a value that is not an array is, in both languages (its type, not its text)."""
    if value is None:
        return "None"
    kind = getattr(value, "type_name", None) or type(value).__name__
    return both(f"a {kind} object, not numbers", f"数値ではなく {kind} オブジェクト")


def as_array(value: Any, *, name: Name) -> np.ndarray:
    """``value`` (a ``Tensor``, ndarray, number or nested list of numbers) as a numpy array.

    Example::

        out = as_array(model.call(Tensor(x, "float32")), name="model(x)")
    """
    if isinstance(value, Tensor):
        return np.asarray(value.array)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return value
    numeric = isinstance(value, (int, float, np.generic)) and not isinstance(value, str)
    if numeric or isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            array = None
        if array is not None and array.dtype.kind in "biufc":
            return array
    fail(
        f"{en(name)} should be a tensor or an array of numbers.",
        f"{ja(name)} はテンソルまたは数値の配列であるはずです。",
        expected=both("a tensor of numbers", "数値のテンソル"),
        actual=describe(value),
    )


def dtype_name(value: Any) -> str:
    """The dtype as the learner's framework names it, without a ``torch.`` prefix."""
    if isinstance(value, Tensor):
        return str(value.dtype)
    return np.asarray(value).dtype.name


def normalize_dtype(dtype: Any) -> str:
    """``"torch.float32"``, ``"float"``, ``np.float32`` and ``"float32"`` all as ``"float32"``."""
    text = str(dtype).removeprefix("torch.")
    if not isinstance(dtype, str):
        try:
            text = np.dtype(dtype).name
        except TypeError:
            pass
    return DTYPE_ALIASES.get(text, text)


def _shape_text(shape: Sequence[Any], lang: str) -> str:
    any_dim = "任意" if lang == "ja" else "any"
    dims = [any_dim if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


# -- shapes and dtypes -----------------------------------------------------------------------------
def check_shape(value: Any, expected: Sequence[int | None], *, name: Name) -> np.ndarray:
    """Fails unless ``value`` has the ``expected`` shape (``None``: any size on that axis).
    Returns the values as an array.

    Example::

        out = check_shape(model.call(Tensor(x, "float32")), (len(x), 10), name="model(x)")
    """
    array = as_array(value, name=name)
    found = tuple(array.shape)
    fits = len(found) == len(expected) and all(
        e is None or e == f for e, f in zip(expected, found, strict=False)
    )
    if not fits:
        fail(
            f"{en(name)} has the wrong shape.",
            f"{ja(name)} の形状が違います。",
            expected=both(_shape_text(expected, "en"), _shape_text(expected, "ja")),
            actual=_shape_text(found, "en"),
        )
    return array


def check_dtype(
    value: Any, expected: Any | Sequence[Any], *, name: Name, framework: str | None = None
) -> str:
    """Fails unless ``value``'s dtype is ``expected`` (or one of several). ``framework="torch"``
    also requires a torch tensor, ``"numpy"`` a numpy array. Returns the dtype found.

    Example::

        check_dtype(dataset.method("__getitem__", 0)[0], "torch.float32", name="x", framework="torch")
    """
    wanted = expected if isinstance(expected, (list, tuple, set)) else [expected]
    names = [normalize_dtype(d) for d in wanted]
    prefix = "torch." if framework == "torch" else ""
    shown = " / ".join(prefix + n for n in names)
    if framework == "torch" and not isinstance(value, Tensor):
        kind = "numpy array" if isinstance(value, np.ndarray) else None
        fail(
            f"{en(name)} should be a torch tensor.",
            f"{ja(name)} は torch のテンソルであるはずです。",
            expected=both(f"a torch tensor of {shown}", f"{shown} の torch テンソル"),
            actual=both("a numpy array", "numpy 配列") if kind else describe(value),
        )
    if framework == "numpy" and not isinstance(value, np.ndarray):
        fail(
            f"{en(name)} should be a numpy array.",
            f"{ja(name)} は numpy 配列であるはずです。",
            expected=both(f"a numpy array of {shown}", f"{shown} の numpy 配列"),
            actual=both("a torch tensor", "torch のテンソル")
            if isinstance(value, Tensor)
            else describe(value),
        )
    found = (
        dtype_name(value) if isinstance(value, Tensor) else as_array(value, name=name).dtype.name
    )
    if found not in names:
        fail(
            f"{en(name)} has the wrong dtype.",
            f"{ja(name)} のデータ型(dtype)が違います。",
            expected=shown,
            actual=(prefix if isinstance(value, Tensor) else "") + found,
        )
    return found


# -- closeness -------------------------------------------------------------------------------------
def check_close(
    found: Any,
    expected: Any,
    *,
    name: Name,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    what: tuple[str, str] = ("the reference values", "参照値"),
) -> np.ndarray:
    """Fails unless every value of ``found`` is within ``atol + rtol * |expected|`` of
    ``expected`` (computed here); the message gives the rule, the worst value and how many miss.
    ``what`` names the reference (en, ja). Returns ``found`` as an array.

    Example::

        check_close(model.call(Tensor(x, "float32")), x @ w.T + b, name="model(x)", rtol=1e-4)
    """
    got = as_array(found, name=name)
    want = np.asarray(expected)
    want = want.astype(np.complex128 if want.dtype.kind == "c" else np.float64)
    if got.shape != want.shape:
        fail(
            f"{en(name)} has the wrong shape.",
            f"{ja(name)} の形状が違います。",
            expected=_shape_text(want.shape, "en"),
            actual=_shape_text(got.shape, "en"),
        )
    values = got.astype(np.complex128 if got.dtype.kind == "c" else np.float64)
    rule_en = f"every value within atol + rtol × |expected value| (atol={atol:g}, rtol={rtol:g})"
    rule_ja = f"各値の差が atol + rtol × |期待値| 以内(atol={atol:g}, rtol={rtol:g})"
    if not np.all(np.isfinite(values)):
        bad = int(np.sum(~np.isfinite(values)))
        fail(
            f"{en(name)} contains NaN or infinite values.",
            f"{ja(name)} に NaN または無限大の値が含まれています。",
            expected=both(f"finite values; {rule_en}", f"有限の値。{rule_ja}"),
            actual=both(
                f"{bad} of {values.size} values are NaN or infinite",
                f"{values.size} 個中 {bad} 個が NaN または無限大",
            ),
        )
    allowed = atol + rtol * np.abs(want)
    gap = np.abs(values - want)
    # Not ``gap > allowed``: a NaN in ``expected`` (a reference built from values the submission
    # gave, such as its other framework's outputs) compares False both ways and must not pass.
    outside = ~(gap <= allowed)
    if values.size and np.any(outside):
        worst = np.unravel_index(int(np.argmax(gap - allowed)), gap.shape)
        at = tuple(int(i) for i in worst)
        where = f" at index {at}" if values.ndim else ""
        where_ja = f"(位置 {at})" if values.ndim else ""
        fail(
            f"{en(name)} differs from {what[0]}.",
            f"{ja(name)} の値が、{what[1]}と一致しません。",
            expected=both(rule_en, rule_ja),
            actual=both(
                f"{int(outside.sum())} of {values.size} values outside; the worst{where}: "
                f"{values[worst]:.6g} where {want[worst]:.6g} was expected "
                f"(difference {gap[worst]:.3g}, allowed {allowed[worst]:.3g})",
                f"{values.size} 個中 {int(outside.sum())} 個が範囲外。最も外れた値{where_ja}: "
                f"{values[worst]:.6g}(期待値 {want[worst]:.6g}、差 {gap[worst]:.3g}、"
                f"許容 {allowed[worst]:.3g})",
            ),
        )
    return got


# -- gradients -------------------------------------------------------------------------------------
def _scalar(value: Any, name: Name) -> float:
    array = as_array(value, name=name)
    if array.size != 1 or not np.isfinite(array).all():
        fail(
            f"{en(name)} should return one finite number.",
            f"{ja(name)} は有限の数値を 1 つ返すはずです。",
            expected=both("a finite scalar", "有限のスカラー"),
            actual=both(f"shape {array.shape}", f"形状 {array.shape}")
            if array.size != 1
            else str(array.reshape(-1)[0]),
        )
    return float(array.reshape(-1)[0].real)


def numerical_gradient(
    f: Callable[[np.ndarray], Any], x: Any, *, eps: float = 1e-3, name: Name = "f"
) -> np.ndarray:
    """Central finite differences ``(f(x + h·e_i) − f(x − h·e_i)) / 2h`` for every element of
    ``x``, in float64; ``f`` is evaluated by the test (2 calls per element: keep ``x`` small).

    Example::

        g = numerical_gradient(lambda v: loss_fn.call(Tensor(v, "float64")), x)
    """
    point = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        saved = point[index]
        point[index] = saved + eps
        up = _scalar(f(point.copy()), name)
        point[index] = saved - eps
        down = _scalar(f(point.copy()), name)
        point[index] = saved
        gradient[index] = (up - down) / (2 * eps)
    return gradient


def check_gradient(
    found: Any, expected: Any, *, name: Name, rtol: float = 1e-4, atol: float = 1e-6
) -> np.ndarray:
    """Fails unless the gradient ``found`` matches the reference gradient computed here.

    Example::

        check_gradient(grad_w, x.T @ (x @ w - y) * 2 / len(x), name="grad of w", rtol=1e-4)
    """
    return check_close(
        found,
        expected,
        name=name,
        rtol=rtol,
        atol=atol,
        what=("the reference gradient", "参照の勾配"),
    )


def check_gradient_numerically(
    found: Any,
    f: Callable[[np.ndarray], Any],
    x: Any,
    *,
    name: Name,
    eps: float = 1e-3,
    rtol: float = 1e-2,
    atol: float = 1e-4,
) -> np.ndarray:
    """Fails unless ``found`` matches central finite differences of ``f`` at ``x`` (computed here
    by calling ``f``, which the test can evaluate: a reference, or the learner's function reached
    through the client and checked on its own). The tolerance allows for the O(eps²) error of the
    differences and float32 rounding.

    Example::

        check_gradient_numerically(grad, lambda v: np.sum(np.tanh(v) ** 2), x, name="my_grad(x)")
    """
    expected = numerical_gradient(f, x, eps=eps, name=name)
    return check_close(
        found,
        expected,
        name=name,
        rtol=rtol,
        atol=atol,
        what=(
            f"central finite differences (f(x+h) − f(x−h)) / 2h with h={eps:g}",
            f"中心差分 (f(x+h) − f(x−h)) / 2h(h={eps:g})",
        ),
    )


# -- timing ----------------------------------------------------------------------------------------
def timed(call: Callable[[], T]) -> tuple[T, float]:
    """``call()``'s value and its wall time in seconds, measured here (request and answer
    included), so the submission cannot report a time of its own.

    Example::

        out, seconds = timed(lambda: model.call(Tensor(x, "float32")))
    """
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def _takes_run_number(call: Callable[..., Any]) -> bool:
    try:
        inspect.signature(call).bind(0)
    except (TypeError, ValueError):
        return False
    return True


def check_time_budget(
    call: Callable[[], T] | Callable[[int], T], *, budget_s: float, name: Name, repeat: int = 1
) -> T:
    """Calls ``call`` ``repeat`` times and fails unless the fastest took at most ``budget_s``
    seconds of wall time, measured here. Returns the last call's value.

    With ``repeat > 1``, give ``call`` one parameter, the run number (0, 1, …), and draw a fresh
    input for each run from it: asked the same question again, a submission can answer from a
    cache, and the fastest of the runs would time only the cache.

    Example::

        xs = rng.standard_normal((3, 64, 4)).astype(np.float32)
        check_time_budget(lambda run: fn.call(Tensor(xs[run], "float32")), budget_s=0.5,
                          name="fast_norm(x)", repeat=3)
    """
    numbered = _takes_run_number(call)
    best, value = float("inf"), None
    for run in range(max(1, repeat)):
        value, seconds = timed(functools.partial(call, run) if numbered else call)  # type: ignore[arg-type]
        best = min(best, seconds)
    if best > budget_s:
        runs_en = f" (fastest of {repeat} runs)" if repeat > 1 else ""
        runs_ja = f"({repeat} 回中最速)" if repeat > 1 else ""
        fail(
            f"{en(name)} is too slow: the grader measured its wall time, including the few "
            "milliseconds of communication with your code.",
            f"{ja(name)} の実行が遅すぎます。採点側で実時間を計測しました"
            "(コードとの通信の数ミリ秒を含みます)。",
            expected=both(f"at most {budget_s:g} s", f"{budget_s:g} 秒以内"),
            actual=both(f"{best:.3g} s{runs_en}", f"{best:.3g} 秒{runs_ja}"),
        )
    return value  # type: ignore[return-value]
