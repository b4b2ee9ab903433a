"""Hidden checks: structure of both models, dropout behaviour, and cross-framework equivalence."""

import numpy as np
import pytest
from conftest import keras_out, torch_out

from grader.harness.feedback import check, check_close, check_equal, max_abs_diff

PARAMS = 235_146
LINEAR_SHAPES = [(784, 256), (256, 128), (128, 10)]


def linears(submission, model):
    return [m for m in submission.helper("torch_modules", model) if m["type"] == "Linear"]


@pytest.mark.points(2)
@pytest.mark.title(
    en="PyTorch: parameter count and layer shapes", ja="PyTorch: パラメータ数と層の形状"
)
def test_pytorch_structure(submission, torch_model):
    count = submission.helper("torch_param_count", torch_model)
    check_equal(
        count,
        PARAMS,
        "PyTorchModel has the wrong number of parameters.",
        "PyTorchModel のパラメータ数が違います。",
    )
    shapes = [(m["in_features"], m["out_features"]) for m in linears(submission, torch_model)]
    check_equal(
        shapes,
        LINEAR_SHAPES,
        "The nn.Linear layers (in, out) are not 784→256→128→10.",
        "nn.Linear 層の (入力, 出力) が 784→256→128→10 になっていません。",
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Keras: parameter count and layer shapes", ja="Keras: パラメータ数と層の形状")
def test_keras_structure(submission, keras_model):
    info = submission.helper("keras_layers", keras_model, 784)
    check_equal(
        info["params"],
        PARAMS,
        "keras_model has the wrong number of parameters.",
        "keras_model のパラメータ数が違います。",
    )
    kernels = [tuple(layer["weights"][0]) for layer in info["layers"] if layer["weights"]]
    check_equal(
        kernels,
        LINEAR_SHAPES,
        "The Dense kernels (in, out) are not 784→256→128→10.",
        "Dense 層のカーネル (入力, 出力) が 784→256→128→10 になっていません。",
    )


@pytest.mark.points(1)
@pytest.mark.title(en="Output shapes", ja="出力の形状")
def test_output_shapes(submission, torch_model, keras_model, batch):
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
@pytest.mark.title(en="Dropout rates are 0.3", ja="Dropout の割合が 0.3")
def test_dropout_rates(submission, torch_model, keras_model):
    torch_rates = [
        m["p"] for m in submission.helper("torch_modules", torch_model) if m["type"] == "Dropout"
    ]
    check_equal(
        torch_rates,
        [0.3, 0.3],
        "PyTorchModel needs two nn.Dropout(0.3) modules.",
        "PyTorchModel には nn.Dropout(0.3) が 2 つ必要です。",
    )
    info = submission.helper("keras_layers", keras_model, 784)
    keras_rates = [
        round(layer["rate"], 6) for layer in info["layers"] if layer["type"] == "Dropout"
    ]
    check_equal(
        keras_rates,
        [0.3, 0.3],
        "keras_model needs two Dropout(0.3) layers.",
        "keras_model には Dropout(0.3) 層が 2 つ必要です。",
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Training mode versus inference mode", ja="学習モードと推論モードの違い")
def test_train_versus_eval(submission, torch_model, keras_model, batch):
    for name, run in (
        ("PyTorchModel", lambda t: torch_out(submission, torch_model, batch, t)),
        ("keras_model", lambda t: keras_out(submission, keras_model, batch, t)),
    ):
        gap_eval = max_abs_diff(run(False), run(False))
        check(
            gap_eval == 0.0,
            f"{name}: two inference passes on the same input must agree "
            "(dropout is off in inference).",
            f"{name}: 推論モードでは同じ入力に対して同じ出力になるはずです(Dropout は無効)。",
            expected="identical outputs",
            actual=f"outputs differ by up to {gap_eval:.3g}",
        )
        gap_train = max_abs_diff(run(True), run(True))
        check(
            gap_train > 0.0,
            f"{name}: in training mode dropout should make two passes differ.",
            f"{name}: 学習モードでは Dropout により出力が毎回変わるはずです。",
            expected="different outputs",
            actual="identical outputs",
        )


@pytest.mark.points(2)
@pytest.mark.title(
    en="Same weights, same outputs in both frameworks", ja="同じ重みなら両フレームワークで同じ出力"
)
def test_equivalence(submission, torch_model, keras_model, batch):
    layers = linears(submission, torch_model)
    state = submission.helper("torch_state", torch_model)
    weights = [
        (state[f"{m['name']}.weight"].array, state[f"{m['name']}.bias"].array) for m in layers
    ]
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
    submission.helper(
        "keras_set_dense_weights", keras_model, [[w.T.copy(), b] for w, b in weights], 784
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
