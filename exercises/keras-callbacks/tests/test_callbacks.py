"""Hidden checks: the schedule's values, its effect in training, the custom callbacks' effects."""

import numpy as np
import pytest
from conftest import TinyRun, builtin, expected_lr, number, shown, submission_error

from grader.artifacts import Chart, Marker, Series
from grader.contract import Text
from grader.harness.attach import attach_chart
from grader.harness.client import SubmissionError
from grader.harness.feedback import both, check

SHOWN_EPOCHS = list(range(12))
RTOL = 1e-6
# Measured from float32 weights after one step: a relative error far below a wrong rate's.
MEASURED_RTOL = 2e-3


def lr_chart(title_en, title_ja, expected, yours, yours_en, yours_ja):
    attach_chart(
        Chart(
            title=Text(en=title_en, ja=title_ja),
            series=(
                Series(Text(en="expected", ja="期待される学習率"), expected, "reference"),
                Series(Text(en=yours_en, ja=yours_ja), yours, "learner"),
            ),
            x_label=Text(en="epoch (from 0)", ja="エポック(0 から)"),
            y_label=Text(en="learning rate", ja="学習率"),
        )
    )


def call_schedule(schedule, epoch, lr):
    try:
        return schedule.call(epoch, lr)
    except SubmissionError as exc:
        submission_error(f"lr_schedule({epoch}, {lr})", f"lr_schedule({epoch}, {lr})", exc)


def close(a, b, rtol):
    return a is not None and abs(a - b) <= rtol * abs(b)


@pytest.mark.points(3)
@pytest.mark.title(en="lr_schedule: the rate for each epoch", ja="lr_schedule: 各エポックの学習率")
def test_schedule_values(submission, rng):
    schedule = submission.get("lr_schedule")
    # The current rate passed in is arbitrary: the schedule depends on the epoch alone.
    epochs = [*SHOWN_EPOCHS, *sorted(int(e) for e in rng.integers(12, 40, 3))]
    returned = [call_schedule(schedule, e, float(rng.uniform(0.001, 0.5))) for e in epochs]
    values = [number(v) for v in returned]
    lr_chart(
        "lr_schedule(epoch, lr) for epochs 0–11",
        "エポック 0〜11 の lr_schedule(epoch, lr)",
        [(e, expected_lr(e)) for e in SHOWN_EPOCHS],
        [(e, v) for e, v in zip(SHOWN_EPOCHS, values, strict=False)],
        "your lr_schedule",
        "あなたの lr_schedule",
    )
    for epoch, value, raw in zip(epochs, values, returned, strict=True):
        check(
            value is not None,
            f"lr_schedule({epoch}, lr) should return a number (the learning rate).",
            f"lr_schedule({epoch}, lr) は数値(学習率)を返す必要があります。",
            expected=both("a float", "float の値"),
            actual=shown(raw),
        )
        check(
            close(value, expected_lr(epoch), RTOL),
            f"lr_schedule({epoch}, lr) returns the wrong learning rate. Epochs count from 0: "
            "epochs 0, 1, 2 warm up, the halving starts after that.",
            f"lr_schedule({epoch}, lr) の学習率が違います。エポックは 0 から数えます。"
            "エポック 0, 1, 2 がウォームアップで、半減はその後に始まります。",
            expected=round(expected_lr(epoch), 6),
            actual=value,
        )


@pytest.mark.points(2)
@pytest.mark.title(
    en="lr_schedule drives keras.callbacks.LearningRateScheduler",
    ja="lr_schedule で LearningRateScheduler が学習率を変える",
)
@pytest.mark.visibility("hidden")
def test_schedule_in_training(submission, rng):
    schedule = submission.get("lr_schedule")
    for epoch in (0, 4):
        raw = call_schedule(schedule, epoch, 0.05)
        # Keras refuses anything but a float (a tensor, None, an int) when it sets the rate.
        check(
            isinstance(raw, float),
            "LearningRateScheduler accepts only a Python float from the schedule "
            f"(lr_schedule({epoch}, lr) returns something else).",
            f"LearningRateScheduler はスケジュール関数の戻り値として Python の float しか受け付け"
            f"ません(lr_schedule({epoch}, lr) が別の型を返しています)。",
            expected=both("a float", "float の値"),
            actual=shown(raw),
        )
    run = TinyRun(submission, rng, learning_rate=0.5)
    scheduler = run.keras.attr("callbacks", "LearningRateScheduler").call(schedule)
    # The warm-up, its last epoch, the first epoch at 0.1 and the first halving.
    epochs = [0, 2, 3, 5]
    try:
        measured = run.driven(scheduler, epochs)
    except SubmissionError as exc:
        submission_error("Training with LearningRateScheduler(lr_schedule)", "学習", exc)
    expected = [expected_lr(e) for e in epochs]
    lr_chart(
        "Learning rate used in each epoch of training (measured from the weights)",
        "学習の各エポックで使われた学習率(重みの変化から測定)",
        list(zip(epochs, expected, strict=True)),
        list(zip(epochs, measured, strict=True)),
        "used with your schedule",
        "あなたのスケジュールで使われた学習率",
    )
    check(
        all(close(m, e, MEASURED_RTOL) for m, e in zip(measured, expected, strict=True)),
        "In training with LearningRateScheduler(lr_schedule), the learning rates "
        "used (measured from how the weights moved) are not the schedule's.",
        "LearningRateScheduler(lr_schedule) を使った学習で、使われた学習率(重みの変化から"
        "測定)がスケジュールどおりではありません。",
        expected=both("the statement's schedule", "問題文のスケジュール"),
        actual=[round(m, 5) for m in measured],
    )


@pytest.mark.points(2)
@pytest.mark.title(
    en="ScheduledLR really changes the optimizer's learning rate",
    ja="ScheduledLR がオプティマイザの学習率を実際に変える",
)
@pytest.mark.visibility("hidden")
def test_scheduled_lr_callback(submission, rng):
    # The schedule is the test's own, a dict lookup living in the worker: dict.get(epoch, lr).
    # Epochs out of order and with gaps: the callback must use the number fit gives it.
    epochs = [0, 3, 1, 6]
    rates = [float(r) for r in rng.uniform(0.01, 0.12, len(epochs))]
    table = builtin(submission, "dict").call([[e, r] for e, r in zip(epochs, rates, strict=True)])
    run = TinyRun(submission, rng, learning_rate=0.3)
    try:
        callback = submission.get("ScheduledLR").call(table.attr("get"))
        measured = run.driven(callback, epochs)
    except SubmissionError as exc:
        submission_error("Training with ScheduledLR(schedule)", "ScheduledLR を使った学習", exc)
    lr_chart(
        "ScheduledLR with a schedule chosen by the grader: rate used per epoch",
        "採点側が選んだスケジュールでの ScheduledLR: 各エポックで使われた学習率",
        sorted(zip(epochs, rates, strict=True)),
        sorted(zip(epochs, measured, strict=True)),
        "used with your callback",
        "あなたのコールバックで使われた学習率",
    )
    check(
        all(close(m, r, MEASURED_RTOL) for m, r in zip(measured, rates, strict=True)),
        "With ScheduledLR(schedule), the optimizer does not train each epoch with "
        "schedule(epoch, lr): the rate must be set on self.model.optimizer, at the start of the "
        "epoch, for that epoch's number.",
        "ScheduledLR(schedule) を使っても、各エポックの学習が schedule(epoch, lr) の学習率で"
        "行われていません。学習率はエポックの開始時に、そのエポック番号で "
        "self.model.optimizer に設定する必要があります。",
        expected=both(
            "the schedule's rate in every epoch", "各エポックでスケジュールどおりの学習率"
        ),
        actual=[round(m, 5) for m in measured],
    )


# Fed directly, as fit would: on_epoch_end(epoch, logs) with the losses chosen here.
FED = [
    ([1.3, 0.95, 0.8, 0.82, 0.66, 0.58, 0.41], 0.6),
    ([0.9, 0.6, 0.7, 0.61, 0.59, 0.5], 0.6),  # equal to the target is not below it
    ([0.8, 0.75, 0.7, 0.72, 0.69], 0.5),  # never below: never stops
]


def stop_chart(losses, target, should, stopped):
    markers = []
    if should is not None:
        markers.append(Marker(should, Text(en="should stop here", ja="ここで停止すべき")))
    if stopped is not None and stopped != should:
        markers.append(Marker(stopped, Text(en="you stopped here", ja="あなたの実装が停止")))
    attach_chart(
        Chart(
            title=Text(
                en=f"Losses fed to StopBelowLoss({target})",
                ja=f"StopBelowLoss({target}) に与えた損失",
            ),
            series=(
                Series(Text(en="loss", ja="損失"), list(enumerate(losses)), "other"),
                Series(
                    Text(en="target", ja="目標"),
                    [(0, target), (len(losses) - 1, target)],
                    "reference",
                ),
            ),
            x_label=Text(en="epoch (from 0)", ja="エポック(0 から)"),
            y_label=Text(en="loss", ja="損失"),
            markers=tuple(markers),
        )
    )


def first_below(losses, target):
    return next((e for e, loss in enumerate(losses) if loss < target), None)


@pytest.mark.points(3)
@pytest.mark.title(
    en="StopBelowLoss stops at the end of the right epoch",
    ja="StopBelowLoss が正しいエポックの終わりで停止する",
)
@pytest.mark.visibility("hidden")
def test_stop_below_loss(submission, rng):
    run = TinyRun(submission, rng, learning_rate=0.05)
    for losses, target in FED:
        stopped = None
        try:
            callback = submission.get("StopBelowLoss").call(target)
            callback.method("set_model", run.model)
            run.model.set("stop_training", False)
            for epoch, loss in enumerate(losses):
                callback.method("on_epoch_begin", epoch, {})
                callback.method("on_epoch_end", epoch, {"loss": loss})
                if run.model.attr("stop_training") is True:
                    stopped = epoch
                    break
        except SubmissionError as exc:
            submission_error("StopBelowLoss", "StopBelowLoss", exc)
        should = first_below(losses, target)
        if stopped != should:
            stop_chart(losses, target, should, stopped)
        check(
            stopped == should,
            f"Fed the losses {losses} with target={target}, StopBelowLoss should set "
            "self.model.stop_training = True at the end of the first epoch whose loss is "
            "strictly below the target (epochs count from 0).",
            f"損失 {losses} を target={target} で与えたとき、StopBelowLoss は損失が目標を下回った"
            "(目標未満になった)最初のエポックの終わりに self.model.stop_training = True にする必要が"
            "あります(エポックは 0 から数えます)。",
            expected=both(
                f"stop at the end of epoch {should}" if should is not None else "never stop",
                f"エポック {should} の終わりで停止" if should is not None else "停止しない",
            ),
            actual=both(
                f"stopped at the end of epoch {stopped}"
                if stopped is not None
                else "never stopped",
                f"エポック {stopped} の終わりで停止" if stopped is not None else "停止しなかった",
            ),
        )
    # In a real fit: the loss of epoch t is the loss of the weights after t SGD steps (one batch
    # per epoch), so a target between two consecutive losses fixes the epoch to stop at, and the
    # final weights tell how many epochs really ran. (The fed losses above left the weights at 0.)
    lr, most = 0.05, 6
    w, losses = np.zeros_like(run.gradient(run.weights())), []
    for _ in range(most):
        losses.append(run.loss(w))
        w = w - lr * run.gradient(w)
    stop_at = int(rng.integers(1, 4))
    target = (losses[stop_at - 1] + losses[stop_at]) / 2
    try:
        run.fit([submission.get("StopBelowLoss").call(target)], most)
    except SubmissionError as exc:
        submission_error("fit with StopBelowLoss", "StopBelowLoss を使った fit", exc)
    ran = run.steps_to(run.weights(), lr, most)
    check(
        ran == stop_at + 1,
        f"In model.fit(..., epochs={most}) with StopBelowLoss, the losses fall below the target "
        f"first in epoch {stop_at}, so training should end after that epoch.",
        f"StopBelowLoss を使った model.fit(..., epochs={most}) では、損失はエポック {stop_at} で"
        "初めて目標を下回るので、学習はそのエポックの後に終わるはずです。",
        expected=both(f"{stop_at + 1} epochs run", f"{stop_at + 1} エポック実行"),
        actual=both(
            f"{ran} epochs run" if ran is not None else "the weights match no number of epochs",
            f"{ran} エポック実行" if ran is not None else "重みがどのエポック数にも一致しない",
        ),
    )
