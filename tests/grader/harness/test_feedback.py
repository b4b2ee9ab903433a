"""Expected/Found lines of hidden-test feedback read in the learner's language."""

from __future__ import annotations

import ast
import re

import pytest

from grader.harness.feedback import Failed, both, check_close, fail, max_abs_diff
from grader.settings import PROJECT_ROOT

# Words that only an English description uses; code (nn.MSELoss(), torch.float32) has none.
ENGLISH = re.compile(
    r"\b(the|of|no|not|with|values?|outputs?|weights|steps?|shape|file|other|different|"
    r"identical|finite|after|from|change|within|largest|exception)\b"
)


def test_check_close_describes_the_gap_in_japanese():
    with pytest.raises(Failed) as caught:
        check_close([1.0, 2.0], [1.0, 2.5], "Wrong values.", "値が違います。", atol=1e-4)
    ja = caught.value.text.ja
    assert "参照値との差が 0.0001 以内" in ja and "最大の差 0.5" in ja
    assert not ENGLISH.search(ja), ja
    assert "values within 0.0001 of the reference" in caught.value.text.en


def test_nan_on_either_side_is_no_agreement():
    # Two passes of the submission compared: NaN in the second one once vanished from the
    # maximum, and NaN anywhere must read as the largest gap.
    assert max_abs_diff([1.0, 2.0], [1.0, float("nan")]) == float("inf")
    assert max_abs_diff([float("nan")], [1.0]) == float("inf")
    assert max_abs_diff([1.0, 2.0], [1.0, 2.5]) == 0.5


def test_shape_mismatch_is_described_in_japanese():
    with pytest.raises(Failed) as caught:
        check_close([1.0], [1.0, 2.0], "Wrong values.", "値が違います。")
    assert "形状 (2,)" in caught.value.text.ja and "shape (2,)" in caught.value.text.en


def test_a_bilingual_value_is_shown_per_language_and_a_plain_one_as_it_is():
    with pytest.raises(Failed) as caught:
        fail("x", "x", expected=both("no exception", "例外なし"), actual=[(784, 256)])
    assert "期待値: 例外なし" in caught.value.text.ja
    assert "Expected: no exception" in caught.value.text.en
    assert "実際の値: [(784, 256)]" in caught.value.text.ja


def looks_like_code(text: str) -> bool:
    return "=" in text and "(" in text and ")" in text


def english_values(path):
    """String literals given as ``expected=``/``actual=`` that read as English prose."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.keyword) and node.arg in ("expected", "actual"):
            for part in ast.walk(node.value):
                if isinstance(part, ast.Call) and getattr(part.func, "id", "") == "both":
                    break  # bilingual
            else:
                words = [
                    part.value
                    for part in ast.walk(node.value)
                    if isinstance(part, ast.Constant) and isinstance(part.value, str)
                ]
                if any(ENGLISH.search(text) and not looks_like_code(text) for text in words):
                    found.append(f"{path.name}:{node.value.lineno}: {ast.unparse(node.value)}")
    return found


def test_no_exercise_describes_expected_or_found_values_in_english_only():
    paths = sorted((PROJECT_ROOT / "exercises").glob("*/tests/*.py"))
    assert paths
    left = [line for path in paths for line in english_values(path)]
    assert not left, "\n".join(left)
