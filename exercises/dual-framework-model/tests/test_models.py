"""Hidden checks: structure of both models, dropout behaviour, and cross-framework equivalence."""

import numpy as np
import pytest
import structure_probe
from conftest import INPUT_WIDTH, keras_denses, keras_out, plant_keras, torch_linears, torch_out

from grader.artifacts import Table
from grader.contract import Text
from grader.harness.attach import attach_table
from grader.harness.checks import check_modes
from grader.harness.client import SubmissionError
from grader.harness.feedback import both, check, check_close, check_equal, fail, max_abs_diff

PARAMS = 235_146
LINEAR_SHAPES = [(784, 256), (256, 128), (128, 10)]
RATE = 0.3

# -- the dropout probe ----------------------------------------------------------------------------
# Dropout rates are measured, never read from module attributes: F.dropout(x, 0.3,
# training=self.training), or one nn.Dropout(0.3) applied twice, is as correct as two modules.
# Known weights turn the network into a probe whose logits are, in every row,
#   columns 0-3  hidden 1 is 1 everywhere (bias only); fc2 passes units 0-3 through one to one,
#                so each column is 0 or 1/((1-p1)(1-p2)): both dropouts in a row;
#   columns 4-8  a bias-only unit of hidden 2, so 0 or 1/(1-p2): the second dropout alone;
#   column 9     always 0: a reference that undoes a softmax or log-softmax at the end, so that a
#                wrong last activation is judged by its own check and not here.
# In inference every column 0-8 is exactly 1.
PROBE_ROWS = 1000
THROUGH_BOTH, SECOND_ONLY = 4, 5
# Each drop fraction is the mean of at least 4 × 1000 independent Bernoulli draws, so by
# Hoeffding's inequality a correct model lands farther than RATE_TOLERANCE from the expected
# fraction with probability at most 2·exp(−2·4000·0.05²) = 2·exp(−20) ≈ 4e-9 per check (four
# per grading). 1000 rows keep each message under the protocol's frame limit. A wrong rate is also caught, exactly, by the inverted-dropout scale 1/(1−p).
RATE_TOLERANCE = 0.05
SCALE_RTOL = 1e-3
ZERO_ATOL = 1e-3


def probe_pairs(chain):
    """(weight (out, in), bias) for each layer of the chain, or None if it cannot hold the probe."""
    if chain is None or len(chain) != 3:
        return None
    hidden1, hidden2, outputs = (layer["out"] for layer in chain)
    if hidden1 < THROUGH_BOTH or hidden2 < THROUGH_BOTH + SECOND_ONLY or outputs != 10:
        return None
    w1, b1 = np.zeros((hidden1, INPUT_WIDTH), np.float32), np.ones(hidden1, np.float32)
    w2, b2 = np.zeros((hidden2, hidden1), np.float32), np.zeros(hidden2, np.float32)
    w3, b3 = np.zeros((outputs, hidden2), np.float32), np.zeros(outputs, np.float32)
    for unit in range(THROUGH_BOTH):
        w2[unit, unit] = 1.0
    b2[THROUGH_BOTH : THROUGH_BOTH + SECOND_ONLY] = 1.0
    for unit in range(THROUGH_BOTH + SECOND_ONLY):
        w3[unit, unit] = 1.0
    return [(w1, b1), (w2, b2), (w3, b3)]


def as_logits(outputs):
    """Outputs relative to the reference column, a final softmax undone; None if not (rows, 10)."""
    values = np.asarray(outputs, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != 10 or not np.all(np.isfinite(values)):
        return None
    if np.all(values >= 0) and np.allclose(values.sum(axis=1), 1.0, atol=1e-4):
        values = np.log(np.maximum(values, 1e-30))
    return values - values[:, 9:10]


def measure(logits):
    """Drop fraction and kept-value scale of each dropout, read off the probe's logits."""
    both, second = logits[:, :THROUGH_BOTH], logits[:, THROUGH_BOTH : THROUGH_BOTH + SECOND_ONLY]
    zero_both, zero_second = np.abs(both) < ZERO_ATOL, np.abs(second) < ZERO_ATOL
    kept_both, kept_second = both[~zero_both], second[~zero_second]
    drop2, drop_both = float(zero_second.mean()), float(zero_both.mean())
    scale2 = float(np.median(kept_second)) if kept_second.size else float("nan")
    scale_both = float(np.median(kept_both)) if kept_both.size else float("nan")
    keep = 1.0 - RATE
    ok = (
        abs(drop2 - RATE) <= RATE_TOLERANCE
        and abs(drop_both - (1.0 - keep * keep)) <= RATE_TOLERANCE
        and np.allclose(kept_second, 1.0 / keep, rtol=SCALE_RTOL, atol=0.0)
        and np.allclose(kept_both, 1.0 / keep**2, rtol=SCALE_RTOL, atol=0.0)
    )
    drop1 = max(0.0, 1.0 - (1.0 - drop_both) / (1.0 - drop2)) if drop2 < 1.0 else float("nan")
    return ok, [(drop1, scale_both / scale2), (drop2, scale2)]


def describe(rates):
    return " / ".join(
        f"Dropout {number}: p={drop:.2f} ×{scale:.2f}"
        for number, (drop, scale) in enumerate(rates, start=1)
    )


def judge_dropout(name, train_outputs, eval_outputs):
    for mode, outputs in (("training", train_outputs), ("inference", eval_outputs)):
        logits = as_logits(outputs)
        check(
            logits is not None,
            f"{name} in {mode} mode should give finite outputs of shape ({PROBE_ROWS}, 10).",
            f"{name} の{'学習' if mode == 'training' else '推論'}モードの出力は、有限の値で形状 "
            f"({PROBE_ROWS}, 10) になるはずです。",
            expected=both(f"({PROBE_ROWS}, 10), finite", f"({PROBE_ROWS}, 10)、有限の値"),
            actual=both(f"shape {np.shape(outputs)}", f"形状 {np.shape(outputs)}"),
        )
    ok, rates = measure(as_logits(train_outputs))
    check(
        ok,
        f"{name} in training mode: each of the two dropouts (after each hidden ReLU) should zero "
        f"about {RATE:.0%} of the values and multiply the others by 1/(1-{RATE}) ≈ "
        f"{1 / (1 - RATE):.2f}. Measured with known weights on {PROBE_ROWS} rows "
        "(p: share of values set to 0, ×: factor applied to the values kept).",
        f"{name} の学習モード: 2 つの Dropout(各隠れ層の ReLU の後)はそれぞれ値の約 {RATE:.0%} を "
        f"0 にし、残りを 1/(1-{RATE}) ≈ {1 / (1 - RATE):.2f} 倍するはずです。"
        f"既知の重みと {PROBE_ROWS} 行の入力で測定しました(p: 0 にされた値の割合、×: 残った値にかかる倍率)。",
        expected=describe([(RATE, 1 / (1 - RATE))] * 2),
        actual=describe(rates),
    )
    logits = as_logits(eval_outputs)[:, : THROUGH_BOTH + SECOND_ONLY]
    gap = max_abs_diff(logits, np.ones_like(logits))
    dropped = float(np.mean(np.abs(logits) < ZERO_ATOL))
    check(
        gap <= 1e-4,
        f"{name} in inference mode: dropout must be off, passing every value through unchanged"
        + (" (with F.dropout, pass training=self.training)" if name == "PyTorchModel" else "")
        + ". p: share of values set to 0, Δ: change from the values without dropout.",
        f"{name} の推論モードでは Dropout は無効になり、値をそのまま通すはずです"
        + (
            "(F.dropout を使うなら training=self.training を渡してください)"
            if name == "PyTorchModel"
            else ""
        )
        + "。p: 0 にされた値の割合、Δ: Dropout がない場合の値との差。",
        expected="p=0.00, max |Δ| = 0",
        actual=f"p={dropped:.2f}, max |Δ| = {gap:.3g}",
    )


def cannot_probe(name, layer):
    fail(
        f"The dropout rates of {name} are measured by giving its {layer} layers known weights; "
        f"that needs exactly three {layer} layers 784 → hidden → hidden → 10 holding all the "
        "parameters (see the structure check).",
        f"{name} の Dropout の割合は {layer} 層に既知の重みを入れて測定します。そのためには "
        f"784 → 隠れ層 → 隠れ層 → 10 の {layer} 層 3 つだけがパラメータを持つ必要があります"
        "(構造のチェックを参照)。",
    )


def keras_shapes(layers):
    return [(layer["in"], layer["out"]) if layer["dense"] else layer["type"] for layer in layers]


def torch_values(chain, pairs):
    """Parameter name → value for the chain's layers, named as the learner named them."""
    values = {}
    for layer, (weight, bias) in zip(chain, pairs, strict=True):
        prefix = f"{layer['name']}." if layer["name"] else ""
        values[prefix + "weight"], values[prefix + "bias"] = weight, bias
    return values


@pytest.mark.points(2)
@pytest.mark.title(
    en="PyTorch: parameter count and layer shapes", ja="PyTorch: パラメータ数と層の形状"
)
def test_pytorch_structure(submission, torch_model, rng):
    count = submission.helper("torch_param_count", torch_model)
    check_equal(
        count,
        PARAMS,
        "PyTorchModel has the wrong number of parameters.",
        "PyTorchModel のパラメータ数が違います。",
    )
    chain, linears, _ = torch_linears(submission, torch_model)
    check_equal(
        [(layer["in"], layer["out"]) for layer in chain or linears],
        LINEAR_SHAPES,
        "The nn.Linear layers (in, out), in the order the data flows, are not 784→256→128→10.",
        "データが通る順の nn.Linear 層の (入力, 出力) が 784→256→128→10 になっていません。",
    )
    pairs, rows, expected = structure_probe.planted(rng)

    def plant():
        # torch_model is a fresh instance for this test alone.
        submission.helper("torch_load_values", torch_model, torch_values(chain, pairs))
        return True

    structure_probe.judge(
        "PyTorchModel",
        plant,
        lambda: torch_out(submission, torch_model, structure_probe.repeated(rows), False),
        expected,
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Keras: parameter count and layer shapes", ja="Keras: パラメータ数と層の形状")
def test_keras_structure(submission, keras_model, rng):
    chain, weighted, params = keras_denses(submission, keras_model)
    check_equal(
        params,
        PARAMS,
        "keras_model has the wrong number of parameters.",
        "keras_model のパラメータ数が違います。",
    )
    check_equal(
        keras_shapes(chain or weighted),
        LINEAR_SHAPES,
        "The Dense kernels (in, out), in the order the data flows, are not 784→256→128→10.",
        "データが通る順の Dense 層のカーネル (入力, 出力) が 784→256→128→10 になっていません。",
    )
    pairs, rows, expected = structure_probe.planted(rng)
    # keras_model is one object for the whole grading: its own weights go back afterwards.
    saved = keras_model.method("get_weights")
    try:
        structure_probe.judge(
            "keras_model",
            lambda: plant_keras(submission, keras_model, pairs),
            lambda: keras_out(submission, keras_model, structure_probe.repeated(rows), False),
            expected,
        )
    finally:
        keras_model.method("set_weights", saved)


# -- the two models side by side -------------------------------------------------------------------
# Only integers the submission reported (layer widths, parameter totals) go in, each checked to be
# an int here; per-layer parameter counts are computed here from the widths. Layer names and types
# are the submission's strings and never shown.


def dim(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def layer_cells(layer, batch_rows):
    """(output shape, parameter count) of a weighted layer, as text."""
    width_in, width_out = dim(layer.get("in")), dim(layer.get("out"))
    if width_in is None or width_out is None:
        return "?", "?"
    return f"({batch_rows}, {width_out})", f"{width_in * width_out + width_out:,}"


def attach_layer_table(submission, torch_model, keras_model, batch_rows):
    """Per layer (in the order the data flows): output shape and parameters in each framework
    beside the expected ones; rows where they differ are highlighted."""
    try:
        chain, linears, _ = torch_linears(submission, torch_model)
        torch_layers = chain or linears
        torch_total = dim(submission.helper("torch_param_count", torch_model))
        chain, weighted, keras_total = keras_denses(submission, keras_model)
        keras_layers = chain or weighted
    except SubmissionError:
        return  # the checks below say what went wrong
    keras_total = dim(keras_total)
    missing = ("—", "—")
    rows, highlight = [], []
    for index in range(max(len(LINEAR_SHAPES), len(torch_layers), len(keras_layers))):
        expected = (
            layer_cells(dict(zip(("in", "out"), LINEAR_SHAPES[index], strict=True)), batch_rows)
            if index < len(LINEAR_SHAPES)
            else missing
        )
        torch_cells = (
            layer_cells(torch_layers[index], batch_rows) if index < len(torch_layers) else missing
        )
        keras_cells = (
            layer_cells(keras_layers[index], batch_rows) if index < len(keras_layers) else missing
        )
        rows.append([str(index + 1), *expected, *torch_cells, *keras_cells])
        if not torch_cells == keras_cells == expected:
            highlight.append(index)
    totals = [f"{t:,}" if t is not None else "?" for t in (torch_total, keras_total)]
    rows.append(["Σ", "", f"{PARAMS:,}", "", totals[0], "", totals[1]])
    if not totals[0] == totals[1] == f"{PARAMS:,}":
        highlight.append(len(rows) - 1)
    attach_table(
        Table(
            title=Text(
                en=f"Layers with weights, PyTorch vs Keras, for a ({batch_rows}, {INPUT_WIDTH}) batch",
                ja=f"重みを持つ層の比較(PyTorch と Keras、({batch_rows}, {INPUT_WIDTH}) のバッチ)",
            ),
            header=[
                Text(en="layer", ja="層"),
                Text(en="expected output", ja="期待される出力形状"),
                Text(en="expected params", ja="期待されるパラメータ数"),
                Text(en="PyTorch output", ja="PyTorch の出力形状"),
                Text(en="PyTorch params", ja="PyTorch のパラメータ数"),
                Text(en="Keras output", ja="Keras の出力形状"),
                Text(en="Keras params", ja="Keras のパラメータ数"),
            ],
            rows=rows,
            highlight=highlight,
        )
    )


@pytest.mark.points(1)
@pytest.mark.title(en="Output shapes", ja="出力の形状")
def test_output_shapes(submission, torch_model, keras_model, batch):
    attach_layer_table(submission, torch_model, keras_model, len(batch))
    check_equal(
        torch_out(submission, torch_model, batch, False).shape,
        (32, 10),
        "PyTorchModel output shape for a (32, 784) batch.",
        "(32, 784) のバッチに対する PyTorchModel の出力形状。",
    )
    check_equal(
        keras_out(submission, keras_model, batch, False).shape,
        (32, 10),
        "keras_model output shape for a (32, 784) batch.",
        "(32, 784) のバッチに対する keras_model の出力形状。",
    )


@pytest.mark.points(1)
@pytest.mark.title(
    en="Dropout rates: 0.3 in training, none in inference",
    ja="Dropout の割合: 学習時は 0.3、推論時は 0",
)
def test_dropout_rates(submission, torch_model, keras_model, rng):
    probe = rng.standard_normal((PROBE_ROWS, INPUT_WIDTH)).astype(np.float32)

    chain, _, holders = torch_linears(submission, torch_model)
    pairs = probe_pairs(chain)
    plantable = pairs is not None and sorted(
        (m["name"], sorted(m["params"])) for m in holders
    ) == sorted((layer["name"], ["bias", "weight"]) for layer in chain)
    if not plantable:
        cannot_probe("PyTorchModel", "nn.Linear")
    # torch_model is a fresh instance for this test alone, so its planted weights go nowhere else.
    submission.helper("torch_load_values", torch_model, torch_values(chain, pairs))
    judge_dropout(
        "PyTorchModel",
        torch_out(submission, torch_model, probe, True),
        torch_out(submission, torch_model, probe, False),
    )

    chain, _, _ = keras_denses(submission, keras_model)
    pairs = probe_pairs(chain)
    # keras_model is one object for the whole grading: measure, then put its weights back.
    saved = keras_model.method("get_weights")
    if pairs is None or not plant_keras(submission, keras_model, pairs):
        cannot_probe("keras_model", "Dense")
    outputs = [keras_out(submission, keras_model, probe, training) for training in (True, False)]
    keras_model.method("set_weights", saved)
    judge_dropout("keras_model", *outputs)


@pytest.mark.points(2)
@pytest.mark.title(en="Training mode versus inference mode", ja="学習モードと推論モードの違い")
def test_train_versus_eval(submission, torch_model, keras_model, batch):
    for name, run in (
        ("PyTorchModel", lambda t: torch_out(submission, torch_model, batch, t)),
        ("keras_model", lambda t: keras_out(submission, keras_model, batch, t)),
    ):
        # check_modes wants finite outputs: NaN differs from itself and must not pass for the
        # randomness of dropout (nor make two inference passes look equal).
        check_modes([run(True), run(True)], [run(False), run(False)], name=name, atol=0.0)


@pytest.mark.points(2)
@pytest.mark.title(
    en="Same weights, same outputs in both frameworks", ja="同じ重みなら両フレームワークで同じ出力"
)
def test_equivalence(submission, torch_model, keras_model, batch):
    chain, linears, _ = torch_linears(submission, torch_model)
    if chain is None:
        fail(
            "The nn.Linear layers of PyTorchModel do not form one chain from 784 inputs, so "
            "its weights cannot be copied.",
            "PyTorchModel の nn.Linear 層が入力 784 から一続きにつながっていないため、重みをコピーできません。",
            expected="784 → … → 10",
            actual=[(layer["in"], layer["out"]) for layer in linears],
        )
    state = submission.helper("torch_state", torch_model)
    weights = []
    for layer in chain:
        prefix = f"{layer['name']}." if layer["name"] else ""
        bias = state.get(prefix + "bias")
        weight = state[prefix + "weight"].array
        weights.append((weight, bias.array if bias is not None else np.zeros(len(weight))))
    hidden = batch.astype(np.float64)
    for index, (weight, bias) in enumerate(weights):
        hidden = hidden @ weight.T.astype(np.float64) + bias
        if index < len(weights) - 1:
            hidden = np.maximum(hidden, 0.0)
    check_close(
        torch_out(submission, torch_model, batch, False),
        hidden,
        "PyTorchModel in eval mode should compute relu(fc1) → relu(fc2) → fc3 with no softmax.",
        "推論モードの PyTorchModel は relu(fc1) → relu(fc2) → fc3(softmax なし)を計算するはずです。",
        atol=1e-4,
    )
    pairs = [(w.astype(np.float32), b.astype(np.float32)) for w, b in weights]
    if not plant_keras(submission, keras_model, pairs):
        _, weighted, _ = keras_denses(submission, keras_model)
        fail(
            "keras_model's Dense layers do not have the shapes of PyTorchModel's nn.Linear "
            "layers, so the PyTorch weights cannot be copied into it.",
            "keras_model の Dense 層の形状が PyTorchModel の nn.Linear 層と対応しないため、重みをコピーできません。",
            expected=[(w.shape[1], w.shape[0]) for w, _ in pairs],
            actual=keras_shapes(weighted),
        )
    outputs = keras_out(submission, keras_model, batch, False)
    sums = outputs.sum(axis=1)
    looks_softmax = bool(np.all(outputs >= 0) and np.allclose(sums, 1.0, atol=1e-4))
    check_close(
        outputs,
        hidden,
        "With the PyTorch weights copied in, keras_model gives different outputs"
        + (" — it seems to end with a softmax, but logits are expected." if looks_softmax else "."),
        "PyTorch の重みをコピーした keras_model の出力が一致しません"
        + (
            "(最後に softmax がかかっているようです。ロジットを出力してください)。"
            if looks_softmax
            else "。"
        ),
        atol=1e-4,
    )
