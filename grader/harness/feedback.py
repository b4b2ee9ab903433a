"""Bilingual feedback for hidden tests: what was expected, what was found, in Japanese and English.

Hidden tests fail through ``check``/``fail`` so a learner reads a teaching message, never a test's
source line (pytest's own assertion text would reveal the hidden code).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from grader.contract import Text

MAX_SHOWN = 300


def both(en: str, ja: str) -> Text:
    """An Expected/Found description written in both languages (a plain value shows as itself)."""
    return Text(en=en, ja=ja)


class Failed(AssertionError):
    """A check did not hold; carries the message a learner will read."""

    def __init__(self, en: str, ja: str, expected: Any = None, actual: Any = None) -> None:
        super().__init__(en)
        self.text = render(en, ja, expected, actual)


def show(value: Any, lang: str = "en") -> str:
    if isinstance(value, Text):
        value = value.ja if lang == "ja" else value.en
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def render(en: str, ja: str, expected: Any = None, actual: Any = None) -> Text:
    if expected is None and actual is None:
        return Text(en=en, ja=ja)
    return Text(
        en=f"{en}\nExpected: {show(expected)}\nFound:    {show(actual)}",
        ja=f"{ja}\n期待値: {show(expected, 'ja')}\n実際の値: {show(actual, 'ja')}",
    )


def fail(en: str, ja: str, *, expected: Any = None, actual: Any = None) -> NoReturn:
    raise Failed(en, ja, expected, actual)


@contextmanager
def advice(en: str, ja: str) -> Iterator[None]:
    """Adds the author's advice, in both languages, under any failure raised inside the block,
    after its Expected/Found lines: the checks say what differs, the author says what usually
    causes it in this exercise.

    Example::

        with advice("Did you call optimizer.zero_grad() before backward()?",
                    "backward() の前に optimizer.zero_grad() を呼びましたか?"):
            check_gradient(grad, expected, name="weight.grad")
    """
    try:
        yield
    except Failed as failed:
        failed.text = Text(
            en=f"{failed.text.en}\nAdvice: {en}", ja=f"{failed.text.ja}\nヒント: {ja}"
        )
        raise


def check(condition: object, en: str, ja: str, *, expected: Any = None, actual: Any = None) -> None:
    if not condition:
        fail(en, ja, expected=expected, actual=actual)


def check_equal(actual: Any, expected: Any, en: str, ja: str) -> None:
    check(actual == expected, en, ja, expected=expected, actual=actual)


def max_abs_diff(a: Any, b: Any) -> float:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    # Either side may come from the submission (two of its passes compared): NaN anywhere is no
    # agreement, and must not vanish from the maximum.
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    return float(np.max(np.abs(a - b)))


def check_close(actual: Any, expected: Any, en: str, ja: str, *, atol: float = 1e-5) -> None:
    """Numeric closeness, decided here on the trusted side; the feedback gives the largest gap."""
    import numpy as np

    actual_arr = np.asarray(actual)
    expected_arr = np.asarray(expected)
    if actual_arr.shape != expected_arr.shape:
        fail(
            en + " (shape differs)",
            ja + "(形状が異なります)",
            expected=both(
                f"shape {tuple(expected_arr.shape)}", f"形状 {tuple(expected_arr.shape)}"
            ),
            actual=both(f"shape {tuple(actual_arr.shape)}", f"形状 {tuple(actual_arr.shape)}"),
        )
    gap = max_abs_diff(actual_arr, expected_arr)
    check(
        gap <= atol,
        en,
        ja,
        expected=both(f"values within {atol:g} of the reference", f"参照値との差が {atol:g} 以内"),
        actual=both(f"largest difference {gap:.3g}", f"最大の差 {gap:.3g}"),
    )
