"""Hidden checks: the loss for each task and output kind, the two optimizers, and the training step.

Every value is decided here: inputs are drawn per test, the learner's functions run on them in the
learner's process, and the same computation is done with torch on this side.
"""

import numpy as np
import pytest
from conftest import (
    as_number,
    learner_torch,
    planted_linear,
    reference_linear,
    state_of,
)

from grader.artifacts import Table
from grader.contract import Text
from grader.harness import checks
from grader.harness.attach import attach_table
from grader.harness.feedback import both, check, check_close
from grader.harness.protocol import Tensor

CLASSES, ROWS = 5, 12
SGD_LR, SGD_MOMENTUM, ADAM_LR = 0.01, 0.9, 0.001
# The optimizer and loss the training-step checks hand to train_step (not the ones the learner
# makes) take settings drawn per grading, in these ranges: a train_step that ignores what it is
# given (an SGD step written by hand at a guessed rate, a cross-entropy of its own) cannot match:
# never the rate this page once named (0.1), never a loss without smoothing.
STEP_LR_RANGE = (0.15, 0.3)
LABEL_SMOOTHING_RANGE = (0.05, 0.2)


def logits_and_targets(rng):
    logits = rng.normal(0.0, 2.0, size=(ROWS, CLASSES)).astype(np.float32)
    targets = rng.integers(0, CLASSES, size=ROWS).astype(np.int64)
    return logits, targets


def cross_entropy(logits, targets):
    import torch
    import torch.nn.functional as F

    return float(F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)))


@pytest.mark.points(1)
@pytest.mark.title(
    en="Classification: a loss for raw logits and class indices",
    ja="分類: 生のロジットとクラス番号のための損失",
)
def test_classification_criterion(submission, rng):
    logits, targets = logits_and_targets(rng)
    criterion = submission.get("make_criterion").call("classification")
    found = as_number(
        criterion.call(Tensor(logits, "float32"), Tensor(targets, "int64")),
        'make_criterion("classification")(logits, targets)',
    )
    expected = cross_entropy(logits, targets)
    check(
        abs(found - expected) <= 1e-5,
        'make_criterion("classification") applied to raw logits (12 × 5) and class indices must '
        "give their mean cross-entropy: the loss that applies log-softmax itself.",
        'make_criterion("classification") を生のロジット(12 × 5)とクラス番号に適用したら、'
        "その平均交差エントロピーになる必要があります(log-softmax を内部で行う損失です)。",
        expected=round(expected, 5),
        actual=round(found, 5),
    )


@pytest.mark.points(1)
@pytest.mark.title(en="Regression: mean squared error", ja="回帰: 平均二乗誤差")
def test_regression_criterion(submission, rng):
    predictions = rng.normal(0.0, 1.0, size=(ROWS, 3)).astype(np.float32)
    targets = rng.normal(0.0, 1.0, size=(ROWS, 3)).astype(np.float32)
    criterion = submission.get("make_criterion").call("regression")
    found = as_number(
        criterion.call(Tensor(predictions, "float32"), Tensor(targets, "float32")),
        'make_criterion("regression")(predictions, targets)',
    )
    expected = float(np.mean((predictions.astype(np.float64) - targets) ** 2))
    check(
        abs(found - expected) <= 1e-5,
        'make_criterion("regression") must give the mean of the squared differences.',
        'make_criterion("regression") は差の二乗の平均を返す必要があります。',
        expected=round(expected, 5),
        actual=round(found, 5),
    )


@pytest.mark.points(2)
@pytest.mark.title(
    en="The loss of a model that outputs logits", ja="ロジットを出力するモデルの損失"
)
def test_loss_from_logits(submission, rng):
    logits, targets = logits_and_targets(rng)
    found = as_number(
        submission.get("loss_from_outputs").call(
            Tensor(logits, "float32"), Tensor(targets, "int64"), "logits"
        ),
        'loss_from_outputs(..., "logits")',
    )
    expected = cross_entropy(logits, targets)
    check(
        abs(found - expected) <= 1e-5,
        'loss_from_outputs(outputs, targets, "logits") must be the mean cross-entropy of the '
        "classes the logits stand for. Raw logits go into the loss as they are: no softmax "
        "before CrossEntropyLoss, and NLLLoss only after a log-softmax.",
        'loss_from_outputs(outputs, targets, "logits") はロジットが表すクラス分布の平均交差エントロピー'
        "になる必要があります。生のロジットはそのまま損失に渡します。CrossEntropyLoss の前に "
        "softmax をかけず、NLLLoss を使うなら log-softmax の後にします。",
        expected=round(expected, 5),
        actual=round(found, 5),
    )


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="The loss of a model that outputs (log-)probabilities",
    ja="(対数)確率を出力するモデルの損失",
)
def test_loss_from_probabilities(submission, rng):
    import torch

    logits, targets = logits_and_targets(rng)
    expected = cross_entropy(logits, targets)
    log_probs = torch.log_softmax(torch.from_numpy(logits), dim=1).numpy()
    for kind, outputs in (("log_probs", log_probs), ("probs", np.exp(log_probs))):
        found = as_number(
            submission.get("loss_from_outputs").call(
                Tensor(outputs.astype(np.float32), "float32"), Tensor(targets, "int64"), kind
            ),
            f'loss_from_outputs(..., "{kind}")',
        )
        check(
            abs(found - expected) <= 1e-4,
            f'loss_from_outputs(outputs, targets, "{kind}") must give the same cross-entropy as '
            "the logits these outputs came from. NLLLoss takes log-probabilities; probabilities "
            "need a log first.",
            f'loss_from_outputs(outputs, targets, "{kind}") は、この出力の元になったロジットと同じ'
            "交差エントロピーになる必要があります。NLLLoss は対数確率を受け取ります。確率なら先に log を"
            "とります。",
            expected=both("the cross-entropy of the logits", "元のロジットの交差エントロピー"),
            actual=both(f"off by {abs(found - expected):.4g}", f"{abs(found - expected):.4g} の差"),
        )


def optimizer_run(submission, rng, name):
    """Three steps of the learner's optimizer with gradients chosen here, and the same three
    steps of the reference optimizer; returns (found, expected) parameters by name."""
    import torch

    model, values = planted_linear(submission, rng, 4, 3)
    optimizer = submission.get("make_optimizer").call(model, name)
    params = {"weight": model.attr("weight", keep=True), "bias": model.attr("bias", keep=True)}
    reference = reference_linear(values)
    if name == "sgd":
        expected_opt = torch.optim.SGD(reference.parameters(), lr=SGD_LR, momentum=SGD_MOMENTUM)
    else:
        expected_opt = torch.optim.Adam(reference.parameters(), lr=ADAM_LR)
    for _ in range(3):
        for param_name, remote in params.items():
            grad = rng.normal(0.0, 1.0, size=values[param_name].shape).astype(np.float32)
            remote.set("grad", Tensor(grad, "float32"))
            getattr(reference, param_name).grad = torch.from_numpy(grad)
        optimizer.method("step")
        expected_opt.step()
    expected = {n: p.detach().double().numpy() for n, p in reference.named_parameters()}
    return state_of(submission, model), expected


def check_optimizer(submission, rng, name, description_en, description_ja):
    found, expected = optimizer_run(submission, rng, name)
    for param_name in ("weight", "bias"):
        checks.check_close(
            found.get(param_name),
            expected[param_name],
            name=Text(
                en=f'model.{param_name} after three steps of make_optimizer(model, "{name}")',
                ja=f'make_optimizer(model, "{name}") で 3 回更新した後の model.{param_name}',
            ),
            what=(
                f"three steps of {description_en} with the same gradients",
                f"同じ勾配による {description_ja} の 3 回の更新",
            ),
            rtol=0.0,
            atol=1e-6,
        )


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(en="SGD with momentum", ja="モメンタム付き SGD")
def test_sgd_optimizer(submission, rng):
    check_optimizer(
        submission,
        rng,
        "sgd",
        f"SGD with lr={SGD_LR} and momentum={SGD_MOMENTUM}",
        f"lr={SGD_LR}、momentum={SGD_MOMENTUM} の SGD",
    )


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(en="Adam", ja="Adam オプティマイザ")
def test_adam_optimizer(submission, rng):
    check_optimizer(submission, rng, "adam", f"Adam with lr={ADAM_LR}", f"lr={ADAM_LR} の Adam")


def step_setup(submission, rng):
    """A planted model in the worker, an SGD and a CrossEntropyLoss with settings drawn here,
    built from the learner's torch, and the same three on this side (with the learning rate)."""
    import torch

    learner = learner_torch(submission)
    model, values = planted_linear(submission, rng, 6, 4)
    lr = float(rng.uniform(*STEP_LR_RANGE))
    smoothing = float(rng.uniform(*LABEL_SMOOTHING_RANGE))
    optimizer = learner.attr("optim", "SGD").call(model.method("parameters"), lr=lr)
    criterion = learner.attr("nn", "CrossEntropyLoss").call(label_smoothing=smoothing)
    reference = reference_linear(values)
    reference_opt = torch.optim.SGD(reference.parameters(), lr=lr)
    reference_loss = torch.nn.CrossEntropyLoss(label_smoothing=smoothing)
    return (model, optimizer, criterion), (reference, reference_opt, reference_loss), values, lr


def batch(rng):
    x = rng.normal(0.0, 1.0, size=(8, 6)).astype(np.float32)
    y = rng.integers(0, 4, size=8).astype(np.int64)
    return x, y


def reference_step(reference, optimizer, criterion, x, y):
    import torch

    optimizer.zero_grad()
    loss = criterion(reference(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    optimizer.step()
    return float(loss)


def attach_changes(values, found, expected, lr):
    """How far each parameter moved in your step and in the reference step."""
    rows, off = [], []
    for index, name in enumerate(("weight", "bias")):
        start = values[name].astype(np.float64)
        yours = found.get(name)
        moved = float(np.abs(yours - start).max()) if yours is not None else float("nan")
        should = float(np.abs(expected[name] - start).max())
        rows.append([f"model.{name}", f"{should:.5f}", f"{moved:.5f}"])
        if yours is None or not np.allclose(yours, expected[name], atol=1e-6):
            off.append(index)
    attach_table(
        Table(
            title=Text(
                en=f"Largest change of each parameter in one step (SGD, lr={lr:.3g})",
                ja=f"1 回の更新での各パラメータの最大変化量(SGD、lr={lr:.3g})",
            ),
            header=[
                Text(en="parameter", ja="パラメータ"),
                Text(en="reference step", ja="参照の更新"),
                Text(en="your step", ja="あなたの更新"),
            ],
            rows=rows,
            highlight=off,
        )
    )


@pytest.mark.points(2)
@pytest.mark.title(
    en="One training step gives the reference update", ja="1 回の学習ステップが参照と同じ更新になる"
)
def test_one_training_step(submission, rng):
    (model, optimizer, criterion), reference_parts, values, lr = step_setup(submission, rng)
    reference = reference_parts[0]
    x, y = batch(rng)
    loss = as_number(
        submission.get("train_step").call(
            model, optimizer, criterion, Tensor(x, "float32"), Tensor(y, "int64")
        ),
        "train_step(...)",
    )
    expected_loss = reference_step(*reference_parts, x, y)
    found = state_of(submission, model)
    expected = {n: p.detach().double().numpy() for n, p in reference.named_parameters()}
    attach_changes(values, found, expected, lr)
    check(
        abs(loss - expected_loss) <= 1e-5,
        "train_step must return the loss of the batch, computed with the criterion it is given, "
        "before the update.",
        "train_step は、渡された損失関数で計算した、更新前のバッチの損失を返す必要があります。",
        expected=round(expected_loss, 5),
        actual=round(loss, 5),
    )
    for name in ("weight", "bias"):
        check_close(
            found.get(name),
            expected[name],
            f"After train_step, model.{name} is not what one step of the given optimizer on the "
            "gradient of this batch's loss gives. Order: zero the gradients, forward, loss, "
            "backward(), then optimizer.step().",
            f"train_step の後の model.{name} が、このバッチの損失の勾配で渡されたオプティマイザを 1 回"
            "更新した値と一致しません。順序は、勾配のリセット → 順伝播 → 損失 → backward() → "
            "optimizer.step() です。",
            atol=1e-6,
        )


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="Consecutive steps do not mix their gradients", ja="連続したステップで勾配が混ざらない"
)
def test_consecutive_steps(submission, rng):
    (model, optimizer, criterion), reference_parts, _, _ = step_setup(submission, rng)
    reference = reference_parts[0]
    for _ in range(2):
        x, y = batch(rng)
        submission.get("train_step").call(
            model, optimizer, criterion, Tensor(x, "float32"), Tensor(y, "int64")
        )
        reference_step(*reference_parts, x, y)
    found = state_of(submission, model)
    for name, param in reference.named_parameters():
        check_close(
            found.get(name),
            param.detach().double().numpy(),
            f"After two train_step calls on two batches, model.{name} differs from two reference "
            "steps: each step must use only its own batch's gradient (backward() adds to .grad).",
            f"2 つのバッチで train_step を 2 回呼んだ後の model.{name} が、参照の 2 ステップと一致しません。"
            "各ステップは自分のバッチの勾配だけを使う必要があります(backward() は .grad に足し込みます)。",
            atol=1e-6,
        )
