"""Hidden checks for the autograd exercise: gradients the learner computes on inputs chosen here.

Every input (tensor shapes, values, a linear model's weights) is drawn in this process from the
grading's seed, and every expected gradient is computed here, by the formula and by this side's own
torch autograd. Nothing the learner's process says about itself is believed: only the values its
functions return for inputs it could not choose count.
"""

from contextlib import nullcontext

import numpy as np
import pytest

from grader.artifacts import Table
from grader.contract import Text
from grader.harness.attach import attach_table
from grader.harness.checks import advice, check_gradient, check_gradient_numerically
from grader.harness.feedback import both, check, check_close, fail
from grader.harness.protocol import Tensor

SQUARE_SHAPES = [(3,), (4, 5), (2, 3, 4)]
FORMULA_SHAPES = [(5,), (3, 4), (2, 2, 5)]
# (in_features, out_features, batch) of the linear models the gradients are asked for.
LINEAR_CASES = [(4, 2, 8), (3, 1, 5), (6, 3, 16)]
ATOL = 1e-4
# The checks library's rule, |found - expected| <= atol + rtol * |expected|, for float32 results
# against float64 references.
RTOL, ATOL_LIBRARY = 1e-4, 1e-5


def tensor(array):
    return Tensor(np.ascontiguousarray(array, dtype=np.float32), "float32")


def mean_square_reference(x):
    """dy/dx of y = mean((2x)^2) = 8x / n, and the same by torch autograd on this side."""
    import torch

    formula = 8.0 * np.asarray(x, dtype=np.float64) / x.size
    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    ((2 * leaf) ** 2).mean().backward()
    by_autograd = leaf.grad.numpy()
    assert np.allclose(formula, by_autograd), "the two references disagree"
    return formula


def gradient_values(value, what):
    """The array of a returned gradient, or a failure that says what came back instead."""
    if isinstance(value, Tensor):
        return value.array.astype(np.float64)
    if value is None:
        fail(
            f"{what} returned None. The .grad of a tensor that is not a leaf (one computed from "
            "another tensor, such as 2 * x) stays None: read .grad from the tensor you created "
            "with requires_grad=True.",
            f"{what} が None を返しました。ほかのテンソルから計算されたテンソル(2 * x など、"
            "リーフでないテンソル)の .grad は None のままです。requires_grad=True で作った"
            "テンソルの .grad を読んでください。",
            expected="torch.Tensor",
            actual="None",
        )
    fail(
        f"{what} must return a PyTorch tensor.",
        f"{what} は PyTorch のテンソルを返す必要があります。",
        expected="torch.Tensor",
        actual=type(value).__name__,
    )


def ratio_hint(found, expected):
    """A likely cause, in both languages, when found is a whole multiple of expected."""
    scale = float(
        np.dot(found.ravel(), expected.ravel())
        / max(np.dot(expected.ravel(), expected.ravel()), 1e-30)
    )
    if not np.allclose(found, scale * expected, atol=ATOL, rtol=1e-4) or abs(scale - 1) < 1e-3:
        return "", ""
    rounded = round(scale)
    if abs(scale - rounded) > 1e-3 or rounded < 2:
        return "", ""
    return (
        f" Your values are exactly {rounded} times the gradient: was backward() called more than "
        "once into the same .grad, or a sum taken where the mean is asked for?",
        f" 返された値はちょうど勾配の {rounded} 倍です。同じ .grad に backward() を複数回"
        "足し込んでいないか、平均ではなく合計を取っていないか確認しましょう。",
    )


def judge_gradient(found, expected, en, ja, *, name=None):
    """``found`` against the gradient computed here: the shape, then a whole multiple of the
    gradient (a telling mistake, named), then every value. With ``name`` the values are compared by
    the checks library (the worst value shown, a whole multiple named as advice); without it,
    ``en``/``ja`` explain the context."""
    check(
        found.shape == expected.shape,
        en + " The gradient must have the shape of the tensor it is taken for.",
        ja + " 勾配は微分する対象のテンソルと同じ形状になる必要があります。",
        expected=expected.shape,
        actual=found.shape,
    )
    hint_en, hint_ja = ratio_hint(found, expected)
    if name is None:
        check_close(found, expected, en + hint_en, ja + hint_ja, atol=ATOL)
        return
    with advice(hint_en.strip(), hint_ja.strip()) if hint_en else nullcontext():
        check_gradient(found, expected, name=name, rtol=RTOL, atol=ATOL_LIBRARY)


def mean_square_table(x, found, expected):
    """The first few elements side by side: the input, the gradient returned, 8x/n."""
    flat_x, flat_found, flat_expected = x.ravel(), found.ravel(), expected.ravel()
    rows = min(6, flat_x.size)
    attach_table(
        Table(
            title=Text(
                en=f"Gradient of mean((2x)^2) for x of shape {x.shape} (n = {x.size})",
                ja=f"形状 {x.shape} の x に対する mean((2x)^2) の勾配(n = {x.size})",
            ),
            header=[
                Text(en="x", ja="x"),
                Text(en="your gradient", ja="あなたの勾配"),
                Text(en="8x / n", ja="8x / n"),
            ],
            rows=[
                [f"{flat_x[i]:.4f}", f"{flat_found[i]:.4f}", f"{flat_expected[i]:.4f}"]
                for i in range(rows)
            ],
            highlight=[i for i in range(rows) if abs(flat_found[i] - flat_expected[i]) > ATOL],
        )
    )


@pytest.mark.points(2)
@pytest.mark.title(
    en="mean_square_grad: the gradient of mean((2x)^2) by autograd",
    ja="mean_square_grad: autograd による mean((2x)^2) の勾配",
)
def test_mean_square_grad(submission, rng):
    function = submission.get("mean_square_grad")
    for shape in SQUARE_SHAPES:
        x = rng.standard_normal(shape).astype(np.float32)
        found = gradient_values(function.call(tensor(x)), "mean_square_grad(x)")
        expected = mean_square_reference(x)
        if found.shape == expected.shape:
            mean_square_table(x, found, expected)
        judge_gradient(
            found,
            expected,
            f"mean_square_grad(x) for x of shape {shape} is not the gradient of y = mean((2x)^2).",
            f"形状 {shape} の x に対する mean_square_grad(x) が y = mean((2x)^2) の勾配に"
            "なっていません。",
            name=both(
                f"mean_square_grad(x) for x of shape {shape}",
                f"形状 {shape} の x に対する mean_square_grad(x)",
            ),
        )


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="mean_square_grad: the same tensor, again and again",
    ja="mean_square_grad: 同じテンソルで繰り返し呼ぶ",
)
def test_mean_square_grad_repeated(submission, rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    expected = mean_square_reference(x)
    held = submission.put(tensor(x))
    function = submission.get("mean_square_grad")
    for call in range(1, 4):
        found = gradient_values(function.call(held), "mean_square_grad(x)")
        if call == 1:
            judge_gradient(
                found,
                expected,
                "mean_square_grad(x) is not the gradient of y = mean((2x)^2).",
                "mean_square_grad(x) が y = mean((2x)^2) の勾配になっていません。",
            )
        judge_gradient(
            found,
            expected,
            f"Call number {call} of mean_square_grad on the same tensor x gave another "
            "gradient than the first. Gradients add up in .grad: work on a fresh leaf "
            "(x.detach().clone().requires_grad_()) or reset .grad, and leave the caller's "
            "tensor as it was.",
            f"同じテンソル x で mean_square_grad を {call} 回目に呼んだとき、1 回目と違う勾配に"
            "なりました。勾配は .grad に足し込まれます。新しいリーフ"
            "(x.detach().clone().requires_grad_())で計算するか .grad をリセットし、"
            "呼び出し元のテンソルは元のままにしてください。",
        )
    after = held.attr()
    check(
        isinstance(after, Tensor) and np.array_equal(after.array, x),
        "mean_square_grad changed the values of the tensor it was given.",
        "mean_square_grad が渡されたテンソルの値を書き換えました。",
        expected=both("the values passed in", "渡した値のまま"),
        actual=both("other values", "別の値"),
    )
    check(
        not after.requires_grad,
        "mean_square_grad switched requires_grad on for the caller's tensor: make your own leaf "
        "(x.detach().clone().requires_grad_()) instead.",
        "mean_square_grad が呼び出し元のテンソルの requires_grad を True に変えました。"
        "x.detach().clone().requires_grad_() のように自分用のリーフを作ってください。",
        expected="requires_grad=False",
        actual="requires_grad=True",
    )


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="mean_square_grad_formula: the gradient worked out by hand",
    ja="mean_square_grad_formula: 手で導いた勾配の式",
)
def test_mean_square_grad_formula(submission, rng):
    function = submission.get("mean_square_grad_formula")
    for shape in FORMULA_SHAPES:
        x = rng.standard_normal(shape).astype(np.float32)
        found = gradient_values(function.call(tensor(x)), "mean_square_grad_formula(x)")
        judge_gradient(
            found,
            mean_square_reference(x),
            f"mean_square_grad_formula(x) for x of shape {shape} does not match the derivative "
            "of mean((2x)^2); n is the number of elements of x, all dimensions together.",
            f"形状 {shape} の x に対する mean_square_grad_formula(x) が mean((2x)^2) の導関数と"
            "一致しません。n は x の全要素数(すべての次元を合わせた数)です。",
            name=both(
                f"mean_square_grad_formula(x) for x of shape {shape} (n: every element of x)",
                f"形状 {shape} の x に対する mean_square_grad_formula(x)(n は x の全要素数)",
            ),
        )


def linear_model(submission, rng, in_features, out_features):
    """An nn.Linear in the learner's process holding weights drawn here; (model, weight, bias)."""
    model = submission.helper("torch_linear", in_features, out_features, 0)
    weight = rng.standard_normal((out_features, in_features)).astype(np.float32)
    bias = rng.standard_normal(out_features).astype(np.float32)
    model.method("load_state_dict", {"weight": tensor(weight), "bias": tensor(bias)})
    return model, weight, bias


def linear_reference(weight, bias, x, target):
    """Gradients of mean((x W^T + b - target)^2) for W and b, by this side's torch autograd."""
    import torch

    w = torch.tensor(weight, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(bias, dtype=torch.float64, requires_grad=True)
    inputs = torch.tensor(x, dtype=torch.float64)
    ((inputs @ w.T + b - torch.tensor(target, dtype=torch.float64)) ** 2).mean().backward()
    return w.grad.numpy(), b.grad.numpy()


def mse_of(weight, bias, x, target):
    """The loss, here in float64, as a function of the weight or of the bias alone."""
    x, target = x.astype(np.float64), target.astype(np.float64)
    return (
        lambda w: np.mean((x @ w.T + bias - target) ** 2),
        lambda b: np.mean((x @ weight.T + b - target) ** 2),
    )


def check_linear_grads(returned, weight, bias, x, target, en, ja, *, case=None):
    """The pair returned against this side's autograd; with ``case`` (the model and batch, named
    for the learner) through the checks library, then against central finite differences too."""
    check(
        isinstance(returned, (tuple, list)) and len(returned) == 2,
        "linear_grads must return a pair (grad_weight, grad_bias).",
        "linear_grads は (grad_weight, grad_bias) の組を返す必要があります。",
        expected="(grad_weight, grad_bias)",
        actual=type(returned).__name__,
    )
    expected_w, expected_b = linear_reference(weight, bias, x, target)
    loss_of_weight, loss_of_bias = mse_of(
        weight.astype(np.float64), bias.astype(np.float64), x, target
    )
    for value, expected, name, loss, at in (
        (returned[0], expected_w, "weight", loss_of_weight, weight),
        (returned[1], expected_b, "bias", loss_of_bias, bias),
    ):
        found = gradient_values(value, f"linear_grads (grad_{name})")
        label = None if case is None else both(f"grad_{name} {case[0]}", f"{case[1]}の grad_{name}")
        judge_gradient(found, expected, f"{en} (grad_{name})", f"{ja}(grad_{name})", name=label)
        if label is not None:
            check_gradient_numerically(found, loss, at, name=label)


@pytest.mark.points(3)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="linear_grads: gradients of a linear model's MSE loss",
    ja="linear_grads: 線形モデルの MSE 損失の勾配",
)
def test_linear_grads(submission, rng):
    function = submission.get("linear_grads")
    for in_features, out_features, rows in LINEAR_CASES:
        model, weight, bias = linear_model(submission, rng, in_features, out_features)
        x = rng.standard_normal((rows, in_features)).astype(np.float32)
        target = rng.standard_normal((rows, out_features)).astype(np.float32)
        returned = function.call(model, tensor(x), tensor(target))
        check_linear_grads(
            returned,
            weight,
            bias,
            x,
            target,
            f"For nn.Linear({in_features}, {out_features}) and a batch of {rows}, the gradients "
            "are not those of the mean squared error mean((model(x) - target)^2).",
            f"nn.Linear({in_features}, {out_features}) と {rows} 件のバッチで、勾配が平均二乗誤差 "
            "mean((model(x) - target)^2) の勾配になっていません。",
            case=(
                f"for nn.Linear({in_features}, {out_features}) and a batch of {rows}",
                f"nn.Linear({in_features}, {out_features}) と {rows} 件のバッチで",
            ),
        )


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="linear_grads: each call gives its own batch's gradients",
    ja="linear_grads: 呼び出しごとにそのバッチだけの勾配を返す",
)
def test_linear_grads_repeated(submission, rng):
    function = submission.get("linear_grads")
    model, weight, bias = linear_model(submission, rng, 5, 2)
    for call in range(1, 4):
        x = rng.standard_normal((10, 5)).astype(np.float32)
        target = rng.standard_normal((10, 2)).astype(np.float32)
        returned = function.call(model, tensor(x), tensor(target))
        check_linear_grads(
            returned,
            weight,
            bias,
            x,
            target,
            *(
                (
                    "The first call of linear_grads on a fresh model did not give the gradients "
                    "of the mean squared error.",
                    "新しいモデルで linear_grads を初めて呼んだとき、平均二乗誤差の勾配に"
                    "なっていません。",
                )
                if call == 1
                else (
                    f"Call number {call} of linear_grads on the same model did not give the "
                    "gradients of that call's batch alone. backward() adds into .grad: reset the "
                    "model's gradients (model.zero_grad()) before each backward().",
                    f"同じモデルで linear_grads を {call} 回目に呼んだとき、そのバッチだけの勾配に"
                    "なっていません。backward() は .grad に足し込むので、毎回 backward() の前に"
                    "model.zero_grad() で勾配をリセットしてください。",
                )
            ),
        )
