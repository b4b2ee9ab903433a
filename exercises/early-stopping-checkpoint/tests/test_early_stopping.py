"""Hidden checks for EarlyStoppingWithCheckpoint, driven by scripted validation-loss sequences."""

import hashlib
import os
import stat

import numpy as np
import pytest

from grader.harness.feedback import check, check_equal, fail
from grader.harness.protocol import Tensor

MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024


def make(submission, grading, name, patience=5):
    path = os.path.join(grading.student_dir, f"ckpt-{name}.pth")
    stopper = submission.get("EarlyStoppingWithCheckpoint").call(
        patience=patience, checkpoint_path=path, verbose=True
    )
    model = submission.helper("torch_linear", 4, 2, 0)
    return stopper, model, path


def weights_for(epoch):
    """Distinct, recognisable parameter values for each epoch."""
    base = np.arange(10, dtype=np.float32) / 10 + epoch
    return {"weight": base[:8].reshape(2, 4), "bias": base[8:]}


def feed(submission, stopper, model, losses):
    returned = []
    for epoch, loss in enumerate(losses):
        submission.helper("torch_load_values", model, weights_for(epoch))
        returned.append(stopper.call(loss, model))
    return returned


def read_checkpoint(path):
    """Load what the learner saved, as plain arrays, trusting nothing about the file."""
    import torch

    try:
        info = os.lstat(path)
    except FileNotFoundError:
        fail(
            "No checkpoint file was written to checkpoint_path.",
            "checkpoint_path にチェックポイントのファイルが保存されていません。",
            expected=os.path.basename(path),
            actual="no such file",
        )
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CHECKPOINT_BYTES:
        fail(
            "The checkpoint must be a regular file of reasonable size.",
            "チェックポイントは通常のファイルである必要があります。",
        )
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as exc:  # noqa: BLE001 — any failure to load is the finding
        fail(
            "The checkpoint cannot be loaded with torch.load(path, weights_only=True). "
            "Save model.state_dict(), not the model object.",
            "torch.load(path, weights_only=True) でチェックポイントを読み込めません。"
            "モデルそのものではなく model.state_dict() を保存してください。",
            expected="a state_dict",
            actual=type(exc).__name__,
        )
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        fail(
            "The checkpoint should hold a state_dict (parameter name → tensor).",
            "チェックポイントには state_dict(パラメータ名 → テンソル)を保存してください。",
            expected="dict of tensors",
            actual=type(state).__name__,
        )
    return {k: v.detach().float().numpy() for k, v in state.items()}


def check_flag(stopper, expected, en, ja):
    found = stopper.attr("early_stop")
    check(found is expected, en, ja, expected=expected, actual=found)


def digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.mark.points(2)
@pytest.mark.title(
    en="Stops after `patience` epochs without improvement", ja="patience 回改善しなければ停止する"
)
def test_stops_after_patience(submission, grading):
    for patience, losses, expected in (
        (5, [1.0, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05], [False] * 6 + [True]),
        (2, [1.0, 1.1, 1.2], [False, False, True]),
    ):
        stopper, model, _ = make(submission, grading, f"stop{patience}", patience)
        returned = feed(submission, stopper, model, losses)
        check_equal(
            returned,
            expected,
            f"With patience={patience} and validation losses {losses}, the calls return "
            "the wrong stop decisions.",
            f"patience={patience}、検証損失 {losses} のときの戻り値が違います。",
        )
        check_flag(
            stopper,
            True,
            "early_stop should be True after stopping.",
            "停止後は early_stop が True になるはずです。",
        )


@pytest.mark.points(2)
@pytest.mark.title(en="The counter resets on improvement", ja="改善するとカウンターが 0 に戻る")
def test_counter_resets(submission, grading):
    stopper, model, _ = make(submission, grading, "counter")
    losses = [1.0, 1.1, 1.2, 0.7, 0.9]
    counters = []
    for epoch, loss in enumerate(losses):
        submission.helper("torch_load_values", model, weights_for(epoch))
        stopper.call(loss, model)
        counters.append(stopper.attr("counter"))
    check_equal(
        counters,
        [0, 1, 2, 0, 1],
        f"counter after each of the losses {losses}.",
        f"検証損失 {losses} の各呼び出し後の counter。",
    )
    check_equal(
        stopper.attr("best_loss"),
        0.7,
        "best_loss should be the lowest loss seen.",
        "best_loss はこれまでで最小の損失であるはずです。",
    )
    check_flag(stopper, False, "It must not stop here.", "ここでは停止しないはずです。")


@pytest.mark.points(2)
@pytest.mark.title(
    en="The checkpoint is a loadable state_dict",
    ja="チェックポイントが読み込み可能な state_dict である",
)
def test_checkpoint_is_state_dict(submission, grading):
    stopper, model, path = make(submission, grading, "format")
    feed(submission, stopper, model, [0.5])
    state = read_checkpoint(path)
    check_equal(
        sorted(state),
        ["bias", "weight"],
        "The checkpoint's keys should be the model's state_dict keys.",
        "チェックポイントのキーはモデルの state_dict と同じはずです。",
    )
    check_equal(
        {k: v.shape for k, v in state.items()},
        {"bias": (2,), "weight": (2, 4)},
        "Shapes of the saved tensors.",
        "保存されたテンソルの形状。",
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Only the best epoch is saved", ja="最良のエポックだけが保存される")
def test_checkpoint_holds_best_weights(submission, grading):
    stopper, model, path = make(submission, grading, "best")
    feed(submission, stopper, model, [1.0, 0.6])
    saved = digest(path) if os.path.exists(path) else None
    feed_from = [0.9, 0.95]
    for offset, loss in enumerate(feed_from, start=2):
        submission.helper("torch_load_values", model, weights_for(offset))
        stopper.call(loss, model)
    state = read_checkpoint(path)
    check(
        digest(path) == saved,
        "The checkpoint file was rewritten in an epoch whose loss did not improve.",
        "損失が改善しなかったエポックでチェックポイントが上書きされました。",
        expected="unchanged after losses 0.9 and 0.95",
        actual="rewritten",
    )
    best = weights_for(1)
    gap = max(float(np.max(np.abs(state[k] - best[k]))) for k in best)
    check(
        gap == 0.0,
        "The checkpoint does not hold the weights of the best epoch (loss 0.6).",
        "チェックポイントに最良エポック(損失 0.6)の重みが入っていません。",
        expected="weights from the epoch with loss 0.6",
        actual=f"weights differing by {gap:.3g}",
    )


@pytest.mark.points(2)
@pytest.mark.title(
    en="load_best_model restores the best weights", ja="load_best_model で最良の重みが戻る"
)
def test_load_best_model(submission, grading):
    stopper, model, _ = make(submission, grading, "restore")
    feed(submission, stopper, model, [1.0, 0.4, 0.8, 0.9])
    submission.helper("torch_load_values", model, weights_for(50))
    stopper.method("load_best_model", model)
    state = submission.helper("torch_state", model)
    best = weights_for(1)
    for name in best:
        value = state[name].array if isinstance(state.get(name), Tensor) else None
        check(
            value is not None and np.array_equal(value, best[name]),
            "After load_best_model, the model should have the weights of the best epoch "
            "(loss 0.4).",
            "load_best_model の後は、最良エポック(損失 0.4)の重みに戻っているはずです。",
            expected=best[name].tolist(),
            actual=None if value is None else value.tolist(),
        )
