"""Hidden checks for the fixed training loop, computed from the recorded gradients and steps."""

import itertools
import math

import numpy as np
import pytest

from grader.harness.feedback import check, fail

ITERATIONS = 10


def backwards(run):
    return [e for e in run["events"] if e["kind"] == "backward"]


def steps(run):
    return [e for e in run["events"] if e["kind"] == "step_pre"]


def require_backward(run):
    if not backwards(run):
        fail(
            "No loss.backward() call was recorded, so this cannot be checked yet.",
            "loss.backward() の呼び出しが記録されなかったため、この項目はまだ確認できません。",
        )


@pytest.mark.points(2)
@pytest.mark.title(en="The script runs to the end", ja="スクリプトが最後まで実行される")
def test_script_runs(run):
    error = run["error"]
    if error:
        fail(
            "The script stopped with an error.\n" + error.get("traceback", ""),
            "スクリプトがエラーで停止しました。\n" + error.get("traceback", ""),
            expected="no exception",
            actual=f"{error.get('type')}: {error.get('message')}",
        )
    require_backward(run)


@pytest.mark.points(2)
@pytest.mark.title(
    en="The loss comes from an instantiated criterion",
    ja="損失は損失関数のインスタンスから得られる",
)
def test_loss_from_criterion(run):
    require_backward(run)
    for number, event in enumerate(backwards(run), start=1):
        check(
            event["criterion"] is not None,
            f"In iteration {number}, the tensor passed to backward() was not produced by a loss "
            "module. Create the criterion once (criterion = nn.MSELoss()) and call it.",
            f"{number} 回目の反復で backward() した損失が損失関数のモジュールから得られていません。"
            "criterion = nn.MSELoss() のように一度インスタンスを作り、それを呼び出してください。",
            expected="loss = criterion(output, y) with criterion = nn.MSELoss()",
            actual="a loss computed without a loss module",
        )


def latest_backward_before(run, step_event):
    latest = None
    for event in run["events"]:
        if event is step_event:
            return latest
        if event["kind"] == "backward":
            latest = event
    return latest


@pytest.mark.points(3)
@pytest.mark.title(
    en="Gradients do not accumulate across iterations", ja="勾配が反復をまたいで蓄積されない"
)
def test_gradients_are_reset(run):
    require_backward(run)
    if not steps(run):
        fail("optimizer.step() was never called.", "optimizer.step() が一度も呼ばれていません。")
    for number, step in enumerate(steps(run), start=1):
        fresh = latest_backward_before(run, step)
        if fresh is None:
            fail(
                f"Step {number} happened before any backward().",
                f"{number} 回目の step が backward() より前に実行されました。",
            )
        for key, grad in step["grads"].items():
            own = fresh["fresh_grad"].get(key)
            if own is None or not np.all(np.isfinite(own)):
                continue
            used = np.zeros_like(own) if grad is None else grad
            gap = float(np.max(np.abs(used - own)))
            scale = float(np.max(np.abs(own)))
            if gap > 1e-6 + 1e-4 * scale:
                fail(
                    f"At optimizer.step() number {number}, the gradient is not the gradient of "
                    "this iteration's loss. Gradients add up in .grad unless you reset them "
                    "(optimizer.zero_grad()) before backward().",
                    f"{number} 回目の optimizer.step() の時点の勾配が、その反復の損失の勾配と一致しません。"
                    "backward() の前に optimizer.zero_grad() で勾配をリセットしないと、.grad に足し込まれていきます。",
                    expected=f"gradient with largest entry {scale:.4g} (this iteration only)",
                    actual=f"gradient differing from it by up to {gap:.4g}",
                )


@pytest.mark.points(1)
@pytest.mark.title(
    en="One optimizer step per iteration", ja="反復ごとにオプティマイザが 1 回更新する"
)
def test_steps_every_iteration(run):
    require_backward(run)
    order = [e["kind"] for e in run["events"] if e["kind"] in ("backward", "step_pre")]
    paired = sum(1 for pair in itertools.pairwise(order) if pair == ("backward", "step_pre"))
    check(
        len(steps(run)) == ITERATIONS and paired == ITERATIONS,
        "The optimizer must take one step after each backward(), in every iteration.",
        "各反復で backward() の後に optimizer.step() を 1 回実行してください。",
        expected=f"{ITERATIONS} steps, each right after a backward()",
        actual=f"{len(steps(run))} steps, {paired} right after a backward()",
    )


@pytest.mark.points(1)
@pytest.mark.title(en="The parameters change", ja="パラメータが更新される")
def test_parameters_change(run):
    require_backward(run)
    before = [e for e in run["events"] if e["kind"] == "step_pre"]
    after = [e for e in run["events"] if e["kind"] == "step_post"]
    if not before or not after:
        fail("optimizer.step() was never called.", "optimizer.step() が一度も呼ばれていません。")
    moved = sum(
        1
        for pre, post in zip(before, after, strict=False)
        if any(np.any(pre["values"][k] != post["values"][k]) for k in pre["values"])
    )
    check(
        moved == len(before),
        "Every optimizer step should move the parameters; some steps left them unchanged "
        "(were the gradients zero at that moment?).",
        "すべての step でパラメータが変化するはずですが、変化しない step がありました(その時点で勾配がゼロでしたか?)。",
        expected=f"{len(before)} steps that change the parameters",
        actual=f"{moved} steps that change them",
    )


@pytest.mark.points(1)
@pytest.mark.title(en="The loss is finite", ja="損失が有限の値である")
def test_loss_is_finite(run):
    require_backward(run)
    losses = [e["loss"] for e in backwards(run)]
    bad = [i + 1 for i, value in enumerate(losses) if not math.isfinite(value)]
    check(
        not bad,
        "The loss became NaN or infinite.",
        "損失が NaN または無限大になりました。",
        expected="finite losses",
        actual=f"non-finite loss in iteration(s) {bad}",
    )
