"""Hidden checks for ScaledNet: output shapes, each layer's parameters (by what the layer computes
with weights planted here), evaluation and training behaviour, and gradients for every parameter."""

import numpy as np
import pytest
from conftest import (
    HIDDEN,
    IN,
    LAYERS,
    OUT,
    PARAMETERS,
    RATE,
    draw_state,
    forward,
    plant,
    reference,
    set_mode,
    tensor,
)

from grader.artifacts import Table
from grader.contract import Text
from grader.harness.attach import attach_table
from grader.harness.checks import check_batch_norm, check_parameter_counts
from grader.harness.client import SubmissionError
from grader.harness.feedback import both, check, check_close, fail, max_abs_diff
from grader.harness.protocol import Tensor

ATOL = 1e-4
# Training-mode probe: rows of one batch, so each of the OUT outputs shows one hidden unit's
# dropout draw per row. Each drop fraction is the mean of OUT × PROBE_ROWS = 4000 independent
# draws: by Hoeffding a correct model misses RATE by more than RATE_TOLERANCE with probability
# at most 2·exp(−2·4000·0.05²) ≈ 4e-9.
PROBE_ROWS = 1000
BUFFERS = ("running_mean", "running_var", "num_batches_tracked")
RATE_TOLERANCE = 0.05


@pytest.mark.points(2)
@pytest.mark.title(
    en="Output shape for several batch sizes, in both modes",
    ja="いくつかのバッチサイズでの出力の形状(両モード)",
)
def test_output_shapes(model, rng):
    parameter_table(model)
    for train, sizes in ((True, (2, 7, 32)), (False, (1, 7, 32))):
        set_mode(model, train)
        mode_en, mode_ja = ("training", "学習") if train else ("evaluation", "評価")
        for rows in sizes:
            out = model.call(tensor(rng.standard_normal((rows, IN))))
            shape = out.shape if isinstance(out, Tensor) else type(out).__name__
            check(
                isinstance(out, Tensor) and out.shape == (rows, OUT) and out.dtype == "float32",
                f"In {mode_en} mode, a batch of shape ({rows}, {IN}) must give a float32 output "
                f"of shape ({rows}, {OUT}).",
                f"{mode_ja}モードで形状 ({rows}, {IN}) のバッチを入れたとき、出力は形状 "
                f"({rows}, {OUT}) の float32 になる必要があります。",
                expected=f"({rows}, {OUT}) float32",
                actual=f"{shape} {getattr(out, 'dtype', '')}".strip(),
            )


def parameter_table(model):
    """Each asked-for parameter's shape and count beside what the learner's state_dict lists
    (shown to help; the verdict comes from what the layers compute)."""
    try:
        found = model.method("state_dict")
    except Exception:  # noqa: BLE001 — a broken state_dict is the verdict's to explain
        found = {}
    found = found if isinstance(found, dict) else {}
    shapes = {k: v.shape for k, v in found.items() if isinstance(v, Tensor)}
    rows, highlight = [], []
    for layer, params in LAYERS.items():
        for name, shape in params.items():
            yours = shapes.get(name)
            if yours != shape:
                highlight.append(len(rows))
            rows.append(
                [layer, name, str(shape), str(int(np.prod(shape))), str(yours) if yours else "—"]
            )
    for name in sorted(set(shapes) - set(PARAMETERS)):
        if not name.endswith(BUFFERS):
            highlight.append(len(rows))
            rows.append(["?", name, "—", "—", str(shapes[name])])
    total = sum(int(np.prod(shape)) for shape in PARAMETERS.values())
    rows.append(["Σ", "", "", str(total), ""])
    attach_table(
        Table(
            title=Text(
                en="Parameters asked for, per layer, and the shapes in your state_dict()",
                ja="層ごとに求められるパラメータと、あなたの state_dict() にある形状",
            ),
            header=[
                Text(en="layer", ja="層"),
                Text(en="parameter", ja="パラメータ"),
                Text(en="shape", ja="形状"),
                Text(en="count", ja="個数"),
                Text(en="yours", ja="あなたのモデル"),
            ],
            rows=rows,
            highlight=highlight,
        )
    )


def distinct_entries(submission, model, listed):
    """``listed`` (the learner's state_dict) with one key per tensor, and {alias: key kept}.

    state_dict() lists a layer reachable under two names twice (an nn.Sequential chaining the
    named layers, say) while parameters() counts its tensors once: the tensors are told apart by
    their data_ptr() in the learner's process. A key that does not resolve counts on its own."""
    first, distinct, aliases = {}, {}, {}
    for key, value in listed.items():
        try:
            ref = {"handle": model.handle.id, "attrs": [*key.split("."), "data_ptr"]}
            address = submission.invoke(ref, (), {})
        except SubmissionError:
            address = None
        if isinstance(address, int) and address and address in first:
            aliases[key] = first[address]
            continue
        first.setdefault(address, key)
        distinct[key] = value
    return distinct, aliases


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="Each layer has the parameters asked for, and uses them",
    ja="各層が指定どおりのパラメータを持ち、それを使っている",
)
def test_layer_parameters(submission, model, rng):
    # What the learner's state_dict lists is a claim, checked first because its message names
    # the counts; the verdict is the planted weights' outputs, layer by layer, below.
    listed = model.method("state_dict")
    listed = listed if isinstance(listed, dict) else {}
    listed, aliases = distinct_entries(submission, model, listed)
    check_parameter_counts(
        {k: v for k, v in listed.items() if not k.endswith(BUFFERS)},
        name="ScaledNet",
        per_layer=[sum(int(np.prod(s)) for s in layer.values()) for layer in LAYERS.values()],
        total=sum(int(np.prod(s)) for s in PARAMETERS.values()),
        ordered=False,
    )
    state = draw_state(rng)
    # A strict load needs every key state_dict() lists: a second name gets its tensor's values.
    plant(model, state | {a: state[k] for a, k in aliases.items() if k in state}, strict=True)
    set_mode(model, False)
    x = rng.standard_normal((8, IN))
    h1 = x @ state["fc1.weight"].T + state["fc1.bias"]
    h2 = (h1 - state["bn.running_mean"]) / np.sqrt(state["bn.running_var"] + 1e-5)
    h2 = h2 * state["bn.weight"] + state["bn.bias"]
    h3 = np.maximum(h2, 0) * state["scale.weight"]
    h4 = h3 @ state["fc2.weight"].T + state["fc2.bias"]
    steps = (
        ("fc1", x, h1, f"nn.Linear({IN}, {HIDDEN})"),
        ("bn", h1, h2, f"nn.BatchNorm1d({HIDDEN}) (evaluation mode: running statistics)"),
        ("scale", np.maximum(h2, 0), h3, "LearnableScale: x * weight"),
        ("fc2", h3, h4, f"nn.Linear({HIDDEN}, {OUT})"),
    )
    for name, inputs, expected, what in steps:
        out = model.attr(name).call(tensor(inputs))
        found = out.array.astype(np.float64) if isinstance(out, Tensor) else np.asarray(np.nan)
        check_close(
            found,
            expected,
            f"With known weights loaded, model.{name} does not compute what {what} computes "
            f"with them ({sum(int(np.prod(s)) for s in LAYERS[name].values())} parameters).",
            f"既知の重みを読み込んだ model.{name} の出力が、その重みでの {what} の出力と一致しません"
            f"(パラメータ {sum(int(np.prod(s)) for s in LAYERS[name].values())} 個)。",
            atol=ATOL,
        )


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="Evaluation mode: running statistics, no dropout, the same output every time",
    ja="評価モード: 移動平均の統計量を使い、Dropout なしで、毎回同じ出力",
)
def test_eval_mode(model, rng):
    state = draw_state(rng, scale_ones=True)
    plant(model, state, strict=False)
    set_mode(model, False)
    for rows in (8, 1):
        x = rng.standard_normal((rows, IN))
        first, second = forward(model, x), forward(model, x)
        dropped = float(np.mean(np.abs(first - second) > ATOL))
        check(
            max_abs_diff(first, second) <= ATOL,
            "In evaluation mode (model.eval()) the same input gave two different outputs: "
            "dropout must be off there (with F.dropout, pass training=self.training).",
            "評価モード(model.eval())で同じ入力から違う出力が出ました。評価時は Dropout を"
            "無効にする必要があります(F.dropout なら training=self.training を渡します)。",
            expected=both("identical outputs", "同じ出力"),
            actual=both(f"{dropped:.0%} of the values differ", f"{dropped:.0%} の値が異なる"),
        )
        expected, _ = reference(state, x, train=False)
        check_close(
            first,
            expected.detach().numpy(),
            f"In evaluation mode, with known weights and a batch of {rows}, the output is not "
            "fc1 → BatchNorm (with its running mean and variance) → ReLU → scale → fc2.",
            f"評価モードで既知の重みと {rows} 件のバッチを使ったとき、出力が fc1 → BatchNorm"
            "(移動平均の平均・分散を使用)→ ReLU → scale → fc2 の結果になっていません。",
            atol=ATOL,
        )


def train_probe_state(rng):
    """Known weights under which output j is hidden unit j after dropout: fc2 picks units 0-3,
    and BatchNorm's shift keeps every unit well above 0 so that ReLU passes it."""
    state = draw_state(rng, scale_ones=True)
    state["bn.weight"] = np.full(HIDDEN, 0.5, np.float32)
    state["bn.bias"] = np.full(HIDDEN, 3.0, np.float32)
    state["fc2.weight"] = np.eye(OUT, HIDDEN, dtype=np.float32)
    state["fc2.bias"] = np.zeros(OUT, np.float32)
    return state


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="Training mode: batch statistics and active dropout",
    ja="学習モード: バッチの統計量と有効な Dropout",
)
def test_train_mode(model, rng):
    # The fresh model's own BatchNorm first, on a batch far from mean 0 / variance 1: one pass in
    # training mode, then the same batch in evaluation mode.
    batch = (rng.standard_normal((16, HIDDEN)) * 3 + 2).astype(np.float32)
    norm = model.attr("bn")
    set_mode(model, True)
    trained = norm.call(tensor(batch))
    set_mode(model, False)
    check_batch_norm(
        batch, train_output=trained, eval_output=norm.call(tensor(batch)), name="model.bn"
    )
    state = train_probe_state(rng)
    plant(model, state, strict=False)
    set_mode(model, True)
    x = rng.standard_normal((PROBE_ROWS, IN))
    found = forward(model, x)
    check(
        found.shape == (PROBE_ROWS, OUT),
        "In training mode the output has the wrong shape.",
        "学習モードの出力の形状が違います。",
        expected=(PROBE_ROWS, OUT),
        actual=found.shape,
    )
    kept_value = reference(state, x, train=True)[0].detach().numpy() / (1 - RATE)
    dropped = np.abs(found) < 1e-4
    kept = np.abs(found - kept_value) <= 1e-3 * np.maximum(1.0, np.abs(kept_value))
    unexplained = float(np.mean(~(dropped | kept)))
    undropped = reference(state, x, train=True)[0].detach().numpy()
    if unexplained and max_abs_diff(found, undropped) <= 1e-3:
        fail(
            "In training mode nothing is dropped: Dropout(0.25) must set about a quarter of the "
            "hidden values to 0 while the model trains.",
            "学習モードで何も 0 にされていません。学習中は Dropout(0.25) が隠れ層の値の約 4 分の 1 "
            "を 0 にする必要があります。",
            expected=both("about 25% of the values dropped", "約 25% の値が 0"),
            actual=both("none dropped", "0 にされた値なし"),
        )
    check(
        not unexplained,
        "In training mode, with known weights, each hidden value must be BatchNorm with the "
        "batch's own mean and variance, then ReLU and scale, and then either dropped (0) or "
        f"multiplied by 1/(1-{RATE}).",
        "学習モードで既知の重みを使ったとき、隠れ層の各値は、バッチ自身の平均・分散による "
        f"BatchNorm → ReLU → scale の後、0 にされるか 1/(1-{RATE}) 倍される必要があります。",
        expected=both("every value explained", "すべての値が説明できる"),
        actual=both(
            f"{unexplained:.1%} of the values are neither",
            f"{unexplained:.1%} の値がどちらでもない",
        ),
    )
    rate = float(np.mean(dropped))
    check(
        abs(rate - RATE) <= RATE_TOLERANCE,
        f"In training mode dropout should set about {RATE:.0%} of the hidden values to 0.",
        f"学習モードでは Dropout が隠れ層の値の約 {RATE:.0%} を 0 にするはずです。",
        expected=f"p = {RATE:.2f} ± {RATE_TOLERANCE}",
        actual=f"p = {rate:.2f}",
    )
    # A second pass of the same batch: a mask drawn from a generator seeded on every call (or
    # derived from the input) drops the same values again, which is a fixed pruning, not dropout.
    # Two real masks over these 4000 values are equal with probability 0.625^4000.
    again = np.abs(forward(model, x)) < 1e-4
    check(
        not np.array_equal(again, dropped),
        "In training mode dropout dropped exactly the same values in two passes of the same "
        "batch: it must draw a new random mask on every pass (do not seed a random generator "
        "inside forward).",
        "学習モードで同じバッチを 2 回入れたところ、Dropout がまったく同じ値を 0 にしました。"
        "Dropout は呼び出しごとに新しいランダムなマスクを使う必要があります(forward の中で"
        "乱数のシードを設定しないでください)。",
        expected=both("a different mask per pass", "呼び出しごとに異なるマスク"),
        actual=both("the same mask twice", "2 回とも同じマスク"),
    )


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(en="Gradients reach every parameter", ja="すべてのパラメータに勾配が届く")
def test_gradients(submission, model, rng):
    state = draw_state(rng, scale_ones=True)
    plant(model, state, strict=False)
    set_mode(model, False)
    x = rng.standard_normal((6, IN))
    weights = rng.standard_normal((6, OUT))
    check(
        max_abs_diff(forward(model, x), forward(model, x)) <= ATOL,
        "Gradients are compared in evaluation mode, but there your model's output changes from "
        "one call to the next (dropout still active?), so they cannot match.",
        "勾配は評価モードで比べますが、あなたのモデルは評価モードでも呼ぶたびに出力が変わるため"
        "(Dropout が有効なまま?)、一致させることができません。",
    )
    output = model.call(tensor(x), keep=True)
    total = output.method("mul", tensor(weights), keep=True).method("sum", keep=True)
    total.method("backward", keep=True)
    out, params = reference(state, x, train=False)
    import torch

    (out * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    for name in PARAMETERS:
        grad = model.attr(*name.split("."), "grad")
        if not isinstance(grad, Tensor):
            fail(
                f"{name} received no gradient after backward(). A plain tensor attribute is not "
                "a parameter: wrap it in nn.Parameter (and use every layer in forward).",
                f"backward() の後、{name} に勾配が入っていません。ただのテンソルの属性はパラメータに"
                "なりません。nn.Parameter で包んでください(また、すべての層を forward で使うこと)。",
                expected=both("a gradient tensor", "勾配のテンソル"),
                actual=repr(grad) if grad is None else type(grad).__name__,
            )
        check_close(
            grad.array.astype(np.float64),
            params[name].grad.numpy(),
            f"The gradient of {name} differs from the one the specified model gives.",
            f"{name} の勾配が、指定どおりのモデルの勾配と一致しません。",
            atol=ATOL,
        )
