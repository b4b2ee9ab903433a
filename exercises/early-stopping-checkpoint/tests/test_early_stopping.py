"""Hidden checks for EarlyStoppingWithCheckpoint, driven by scripted validation-loss sequences."""

import hashlib
import os

import numpy as np
import pytest

from grader.harness.feedback import both, check, check_equal, fail, max_abs_diff
from grader.harness.files import UnsafeFile, load_state_dict, read_student_file
from grader.harness.protocol import Tensor


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
    """What the learner saved, as plain arrays, read here without trusting the file."""
    try:
        return load_state_dict(path)
    except FileNotFoundError:
        fail(
            "No checkpoint file was written to checkpoint_path.",
            "checkpoint_path にチェックポイントのファイルが保存されていません。",
            expected=os.path.basename(path),
            actual=both("no such file", "ファイルがありません"),
        )
    except UnsafeFile as exc:
        fail(
            "The checkpoint must be an ordinary file written by torch.save(model.state_dict(), "
            "path), of reasonable size.",
            "チェックポイントは torch.save(model.state_dict(), path) で保存した、"
            "適切な大きさの通常のファイルである必要があります。",
            expected=both("a regular torch.save file", "torch.save で保存した通常のファイル"),
            actual=str(exc),
        )
    except ValueError as exc:
        fail(
            "The checkpoint cannot be loaded as a state_dict with torch.load(path, "
            "weights_only=True). Save model.state_dict(), not the model object.",
            "torch.load(path, weights_only=True) でチェックポイントを state_dict として読み込めません。"
            "モデルそのものではなく model.state_dict() を保存してください。",
            expected=both(
                "a state_dict (parameter name → tensor)", "state_dict(パラメータ名 → テンソル)"
            ),
            actual=str(exc),
        )


def check_flag(stopper, expected, en, ja):
    found = stopper.attr("early_stop")
    check(found is expected, en, ja, expected=expected, actual=found)


def digest(path):
    try:
        return hashlib.sha256(read_student_file(path)).hexdigest()
    except (OSError, UnsafeFile):
        return None


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
    saved = digest(path)
    feed_from = [0.9, 0.95]
    for offset, loss in enumerate(feed_from, start=2):
        submission.helper("torch_load_values", model, weights_for(offset))
        stopper.call(loss, model)
    state = read_checkpoint(path)
    check(
        digest(path) == saved,
        "The checkpoint file was rewritten in an epoch whose loss did not improve.",
        "損失が改善しなかったエポックでチェックポイントが上書きされました。",
        expected=both("unchanged after losses 0.9 and 0.95", "損失 0.9 と 0.95 の後も変更なし"),
        actual=both("rewritten", "上書きされた"),
    )
    best = weights_for(1)
    gap = max(float(np.max(np.abs(state[k] - best[k]))) for k in best)
    check(
        gap == 0.0,
        "The checkpoint does not hold the weights of the best epoch (loss 0.6).",
        "チェックポイントに最良エポック(損失 0.6)の重みが入っていません。",
        expected=both("weights from the epoch with loss 0.6", "損失 0.6 のエポックの重み"),
        actual=both(f"weights differing by {gap:.3g}", f"{gap:.3g} 異なる重み"),
    )


@pytest.mark.points(2)
@pytest.mark.title(
    en="load_best_model restores the best weights", ja="load_best_model で最良の重みが戻る"
)
def test_load_best_model(submission, grading, rng):
    stopper, model, _ = make(submission, grading, "restore")
    feed(submission, stopper, model, [1.0, 0.4, 0.8, 0.9])
    submission.helper("torch_load_values", model, weights_for(50))
    stopper.method("load_best_model", model)
    # Judged by behaviour on inputs chosen here, against weights this test fed: whatever the
    # submission's process reports about its own state is not evidence.
    inputs = rng.standard_normal((16, 4)).astype(np.float32)
    best = weights_for(1)
    expected = inputs.astype(np.float64) @ best["weight"].T + best["bias"]
    out = model.call(Tensor(inputs, "float32"))
    found = out.array if isinstance(out, Tensor) else None
    gap = max_abs_diff(found, expected) if found is not None else float("inf")
    check(
        gap <= 1e-5,
        "After load_best_model, the model should compute with the weights of the best epoch "
        "(loss 0.4); its outputs on fresh inputs show other weights.",
        "load_best_model の後は、最良エポック(損失 0.4)の重みで計算するはずですが、"
        "新しい入力に対する出力が別の重みを示しています。",
        expected=both("outputs of the best epoch's weights", "最良のエポックの重みによる出力"),
        actual=both("no tensor returned", "テンソルが返されていません")
        if found is None
        else both(f"outputs differing by up to {gap:.3g}", f"最大 {gap:.3g} 異なる出力"),
    )
