"""Hidden checks for EarlyStoppingWithCheckpoint, driven by scripted validation-loss sequences."""

import hashlib
import os

import numpy as np
import pytest

from grader.artifacts import Chart, Marker, Series, Table
from grader.contract import Text
from grader.harness.attach import attach_chart, attach_table
from grader.harness.client import SubmissionError
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


# -- what the learner's run looked like ------------------------------------------------------------
# Built from the losses these tests feed, what the rule gives for them (computed here), and the
# learner's answers only as booleans and integers: nothing the submission returns shows as text.


def expected_run(losses, patience):
    """(counter after each call, index of the call that should stop or None), by the rule."""
    best, counter, counters, stop = None, 0, [], None
    for index, loss in enumerate(losses):
        if best is None or loss < best:
            best, counter = loss, 0
        else:
            counter += 1
            if counter >= patience and stop is None:
                stop = index
        counters.append(counter)
    return counters, stop


def shown(value):
    """A learner's answer as plain text: a bool or an int as itself, anything else as a dash."""
    if isinstance(value, bool) or (isinstance(value, int) and abs(value) < 10**9):
        return str(value)
    return "—"


def counter_of(stopper):
    """The learner's counter for the table; a missing one is the counter check's finding."""
    try:
        return stopper.attr("counter")
    except SubmissionError:
        return None


def first_stop(returned):
    return next((index for index, value in enumerate(returned) if value is True), None)


def attach_stop_chart(losses, patience, returned):
    _, should = expected_run(losses, patience)
    stopped = first_stop(returned)
    markers = []
    if should is not None and should == stopped:
        markers.append(
            Marker(should + 1, Text(en="you stopped here, on time", ja="正しくここで停止"))
        )
    else:
        if should is not None:
            markers.append(Marker(should + 1, Text(en="should stop here", ja="ここで停止すべき")))
        if stopped is not None:
            markers.append(
                Marker(stopped + 1, Text(en="you stopped here", ja="あなたの実装が停止"))
            )
    attach_chart(
        Chart(
            title=Text(
                en=f"Validation losses fed (patience={patience}); you stopped at epoch "
                + (str(stopped + 1) if stopped is not None else "— (never)"),
                ja=f"与えた検証損失(patience={patience})。停止したエポック: "
                + (str(stopped + 1) if stopped is not None else "なし(停止せず)"),
            ),
            series=(
                Series(
                    Text(en="validation loss", ja="検証損失"),
                    list(enumerate(losses, start=1)),
                    "other",
                ),
                Series(
                    Text(en="best so far", ja="それまでの最良値"),
                    list(enumerate(np.minimum.accumulate(losses).tolist(), start=1)),
                    "reference",
                ),
            ),
            x_label=Text(en="epoch (call)", ja="エポック(呼び出し回数)"),
            y_label=Text(en="validation loss", ja="検証損失"),
            markers=tuple(markers),
        )
    )


def attach_counter_table(losses, patience, counters, returned=None):
    expected, should = expected_run(losses, patience)
    header = [
        Text(en="epoch", ja="エポック"),
        Text(en="val loss", ja="検証損失"),
        Text(en="expected counter", ja="期待される counter"),
        Text(en="your counter", ja="あなたの counter"),
    ]
    if returned is not None:
        header += [Text(en="should stop", ja="停止すべき"), Text(en="you returned", ja="戻り値")]
    rows, wrong = [], []
    for index, loss in enumerate(losses):
        row = [str(index + 1), f"{loss:g}", str(expected[index]), shown(counters[index])]
        mismatch = counters[index] != expected[index] or isinstance(counters[index], bool)
        if returned is not None:
            should_stop = should is not None and index >= should
            row += [str(should_stop), shown(returned[index])]
            mismatch = mismatch or returned[index] is not should_stop
        rows.append(row)
        if mismatch:
            wrong.append(index)
    attach_table(
        Table(
            title=Text(
                en=f"The counter after each call (patience={patience})",
                ja=f"各呼び出し後の counter(patience={patience})",
            ),
            header=header,
            rows=rows,
            highlight=wrong,
        )
    )


def held_epoch(state, epochs):
    """The epoch whose weights ``state`` holds exactly (compared here), or None."""
    for epoch in range(epochs):
        wanted = weights_for(epoch)
        if sorted(state) == sorted(wanted) and all(
            np.shape(state[k]) == wanted[k].shape and np.array_equal(state[k], wanted[k])
            for k in wanted
        ):
            return epoch
    return None


def attach_checkpoint_table(losses, state):
    best = int(np.argmin(losses))
    held = held_epoch(state, len(losses))
    rows = [
        [
            str(epoch + 1),
            f"{loss:g}",
            "✓" if epoch == best else "",
            "✓" if epoch == held else "",
        ]
        for epoch, loss in enumerate(losses)
    ]
    attach_table(
        Table(
            title=Text(
                en="Which epoch's weights the checkpoint holds"
                + ("" if held is not None else " (none of the epochs fed)"),
                ja="チェックポイントに入っている重みのエポック"
                + ("" if held is not None else "(与えたどのエポックの重みでもありません)"),
            ),
            header=[
                Text(en="epoch", ja="エポック"),
                Text(en="val loss", ja="検証損失"),
                Text(en="should hold (best)", ja="保持すべき(最良)"),
                Text(en="your checkpoint holds", ja="あなたのチェックポイント"),
            ],
            rows=rows,
            highlight=[] if held == best else [best] + ([held] if held is not None else []),
        )
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
        returned, counters = [], []
        for epoch, loss in enumerate(losses):
            submission.helper("torch_load_values", model, weights_for(epoch))
            returned.append(stopper.call(loss, model))
            counters.append(counter_of(stopper))
        attach_stop_chart(losses, patience, returned)
        attach_counter_table(losses, patience, counters, returned)
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
    attach_counter_table(losses, 5, counters)
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
    losses = [1.0, 0.6, *feed_from]
    attach_checkpoint_table(losses, state)
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
