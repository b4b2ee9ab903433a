"""Hidden checks: output shapes, named layers and their parameters, and outputs from planted weights."""

import numpy as np
import pytest
from conftest import (
    DENSE,
    INPUT_NAMES,
    MERGE_NAME,
    TOTAL_PARAMS,
    forward,
    inputs,
    plant,
    random_weights,
    reference,
)

from grader.harness.checks import check_close, check_parameter_counts, check_shape
from grader.harness.client import SubmissionError
from grader.harness.feedback import both, check, fail, max_abs_diff

BATCH_SIZES = (1, 5, 33)
OUTPUT_NAMES = ("class_output", "value_output")
# float32 in the model against float64 here, through four small layers.
ATOL = 2e-4


def shapes_of(outputs):
    return [tuple(o.shape) for o in outputs]


@pytest.mark.points(2)
@pytest.mark.title(en="Two outputs of the right shapes", ja="2 つの出力の形状")
def test_output_shapes(model, rng):
    for rows in BATCH_SIZES:
        outputs = forward(model, *inputs(rng, rows))
        check(
            len(outputs) == 2,
            "The model should return two outputs, [class_output, value_output].",
            "モデルは 2 つの出力 [class_output, value_output] を返す必要があります。",
            expected=2,
            actual=len(outputs),
        )
        for number, (output, width) in enumerate(zip(outputs, (3, 1), strict=True), start=1):
            label = OUTPUT_NAMES[number - 1]
            check_shape(
                output,
                (rows, width),
                name=both(
                    f"{label} (output {number} of 2) for a batch of {rows}",
                    f"バッチ数 {rows} での {label}({number} つ目の出力)",
                ),
            )


def reported_layers(submission, model):
    """The layer description the model's process reports, and name → parameter count computed
    here from its weight shapes; claims, confirmed by behaviour in the same test."""
    try:
        info = submission.helper("keras_layers", model, 12)
        counts = {}
        for row in info["layers"]:
            shapes = [[int(d) for d in shape] for shape in row["weights"]]
            counts[str(row["name"])[:60]] = int(sum(np.prod(shape) for shape in shapes))
        return info, counts
    except (SubmissionError, KeyError, TypeError, ValueError):
        fail(
            "The layers of the model cannot be read (is it a keras.Model?).",
            "モデルの層を読み取れません(keras.Model になっていますか)。",
        )


@pytest.mark.points(3)
@pytest.mark.title(en="Layer names and parameter counts", ja="層の名前とパラメータ数")
def test_layer_names_and_parameters(submission, model, rng):
    info, counts = reported_layers(submission, model)
    wanted = [*INPUT_NAMES, *DENSE, MERGE_NAME]
    missing = [name for name in wanted if name not in counts]
    check(
        not missing,
        "Some layers named in the statement are missing (check the name= of each Input and layer).",
        "問題文で指定した名前の層が見つかりません(各 Input と層の name= を確認してください)。",
        expected=wanted,
        actual=both(f"missing: {missing}", f"見つからない層: {missing}"),
    )
    expected_counts = {name: n_in * n_out + n_out for name, (n_in, n_out) in DENSE.items()}
    found_counts = {name: counts[name] for name in DENSE}
    check(
        found_counts == expected_counts,
        "The number of parameters (kernel + bias) of some Dense layers is not as specified.",
        "いくつかの Dense 層のパラメータ数(カーネル + バイアス)が指定と違います。",
        expected=expected_counts,
        actual=found_counts,
    )
    check_parameter_counts(info, name=both("the model", "モデル"), total=TOTAL_PARAMS)
    # Confirmed by behaviour: these layers must really compute the value output. Positive weights
    # and inputs keep every ReLU open, and both halves of `shared`'s kernel are equal, so neither
    # the activations nor the order of concatenation (judged elsewhere) matter here.
    weights = random_weights(rng, positive=True)
    kernel, bias = weights["shared"]
    weights["shared"] = (np.concatenate([kernel[:16], kernel[:16]]), bias)
    plant(model, weights)
    features, context = inputs(rng, 6, low=0.0)
    outputs = forward(model, features, context)
    value = [o for o in outputs if o.shape == (6, 1)]
    check(
        bool(value),
        "The model has no output of shape (batch, 1) (value_output).",
        "モデルに形状 (バッチ数, 1) の出力(value_output)がありません。",
        expected="(6, 1)",
        actual=[tuple(o.shape) for o in outputs],
    )
    check_close(
        value[0],
        reference(weights, features, context)[1],
        name=both(
            "value_output with known weights in the named layers",
            "名前付きの層に既知の重みを設定したときの value_output",
        ),
        rtol=1e-4,
        atol=ATOL,
        what=(
            "the value computed from those layers (the named layers must be the ones the "
            "outputs are computed with)",
            "それらの層から計算した値(出力の計算に使われる層が、名前を付けた層である必要があります)",
        ),
    )


def planted_run(model, rng):
    """Mixed-sign weights (ReLUs matter) and inputs chosen here; the learner's outputs and the
    reference, for two batch sizes together."""
    weights = random_weights(rng)
    plant(model, weights)
    found, expected = [[], []], [[], []]
    for rows in (7, 2):
        features, context = inputs(rng, rows)
        outputs = forward(model, features, context)
        if len(outputs) != 2:
            fail(
                "The model should return two outputs: [class_output, value_output].",
                "モデルは 2 つの出力 [class_output, value_output] を返す必要があります。",
                expected=2,
                actual=len(outputs),
            )
        for k in range(2):
            found[k].append(outputs[k])
            expected[k].append(reference(weights, features, context)[k])
    return weights, found, expected


def gap_of(found, expected):
    return max(max_abs_diff(f, e) for f, e in zip(found, expected, strict=True))


def likely_cause(found, k):
    """A hint at the mistake, found by trying common ones on the reference here."""
    if any(f.shape[1:] != ((3,) if k == 0 else (1,)) for f in found):
        return both(
            "this output has the other output's shape: are the outputs in the wrong order?",
            "この出力はもう一方の出力の形状です。出力の順番が逆になっていませんか?",
        )
    if k == 0 and all(np.allclose(f.sum(axis=1), 1.0, atol=1e-4) for f in found):
        return both(
            "its rows sum to 1, so check the layers and the order of concatenation",
            "各行の和は 1 です。層の構成と連結の順番を確認してください",
        )
    if k == 0:
        return both(
            "its rows do not sum to 1: what activation should class_output have?",
            "各行の和が 1 になっていません。class_output の活性化関数は何にすべきでしょうか?",
        )
    if all(np.all(f >= 0) for f in found):
        return both(
            "it is never negative: value_output should have no activation",
            "負の値が 1 つもありません。value_output には活性化関数を付けません",
        )
    return both(
        "check the activations and the order of concatenation",
        "活性化関数と連結の順番を確認してください",
    )


def judge(model, rng, k, name_en, name_ja):
    _, found, expected = planted_run(model, rng)
    gap = gap_of(found[k], expected[k])
    check(
        gap <= ATOL,
        f"With weights chosen by the grader put into your layers, {name_en} is not what the "
        "statement's network computes from them.",
        f"採点側が選んだ重みを層に設定すると、{name_ja}が問題文のネットワークの計算結果と"
        "一致しません。",
        expected=both(
            "the statement's network with those weights", "その重みを使った問題文のネットワーク"
        ),
        actual=likely_cause(found[k], k) if gap > ATOL else gap,
    )


@pytest.mark.points(3)
@pytest.mark.title(
    en="class_output computed from planted weights", ja="既知の重みから計算した class_output"
)
@pytest.mark.visibility("hidden")
def test_class_output(model, rng):
    judge(model, rng, 0, "class_output (the first output)", "class_output(1 つ目の出力)")


@pytest.mark.points(2)
@pytest.mark.title(
    en="value_output computed from planted weights", ja="既知の重みから計算した value_output"
)
@pytest.mark.visibility("hidden")
def test_value_output(model, rng):
    judge(model, rng, 1, "value_output (the second output)", "value_output(2 つ目の出力)")
