"""Hidden checks for the fixed training loop.

The learner's script runs under a tracer in its own process, and that record proves nothing by
itself: each check below counts a recorded loss or step only where the numbers are what the real
computation gives on the batches drawn here under the same seed (grader.harness.training).
"""

import ast

import pytest
from conftest import ITERATIONS, LR

from grader.harness.attach import attach_chart
from grader.harness.feedback import both, check, fail
from grader.harness.training import gradient_chart, loss_chart

STEP_KINDS = {
    "still": (
        "the parameters did not move: the gradients were zero or cleared when optimizer.step() "
        "ran (is zero_grad() called between backward() and step()?)",
        "パラメータが動いていません。step() の時点で勾配がゼロか消去されていました"
        "(backward() と step() の間で zero_grad() を呼んでいませんか?)",
    ),
    "accumulated": (
        "the step used the sum of this and earlier iterations' gradients. Gradients add up in "
        ".grad unless you reset them (optimizer.zero_grad()) before backward()",
        "この反復とそれ以前の反復の勾配の合計で更新されています。backward() の前に "
        "optimizer.zero_grad() でリセットしないと、勾配は .grad に足し込まれていきます",
    ),
    "unverified": (
        f"the parameters did not change the way one SGD step (lr={LR}) with this iteration's "
        "gradient changes them",
        f"この反復の勾配による SGD(lr={LR})の 1 回の更新とは異なる変化をしています",
    ),
}


def require_replayable(run, trajectory):
    """The record must be a run the grader can follow, or no check can give credit."""
    if not trajectory.backwards:
        fail(
            "No loss.backward() call was recorded, so this cannot be checked yet.",
            "loss.backward() の呼び出しが記録されなかったため、この項目はまだ確認できません。",
        )
    if not trajectory.starts_like_reference:
        fail(
            "Your model's starting weights differ from the original script's. The grader replays "
            "the original loop with the same random seed and compares the numbers, so keep its "
            "order (nn.Linear(10, 5) first, then x and y drawn with torch.randn in each "
            "iteration) and do not set a seed yourself.",
            "モデルの初期の重みが元のスクリプトと異なります。採点では同じ乱数シードで元のループを"
            "再現して数値を比較するため、順序(最初に nn.Linear(10, 5)、各反復で x と y を "
            "torch.randn で生成)を変えず、シードも自分で設定しないでください。",
            expected=both(
                "the weights nn.Linear(10, 5) gets under the grading seed",
                "採点用のシードで nn.Linear(10, 5) が得る重み",
            ),
            actual=both("other weights", "別の重み"),
        )
    if not trajectory.verified_losses():
        fail(
            "None of the losses passed to backward() is the mean squared error of the model's "
            "output on that iteration's batch.",
            "backward() に渡された損失のどれも、その反復のバッチに対するモデル出力の平均二乗誤差に"
            "なっていません。",
            expected=both(
                "loss = criterion(model(x), y) with the batch of that iteration",
                "その反復のバッチでの loss = criterion(model(x), y)",
            ),
            actual=both("other values", "別の値"),
        )


def counted(trajectory):
    return trajectory.backwards[:ITERATIONS]


def instantiates_a_loss(source):
    """Whether the script creates a loss module (nn.MSELoss() and the like), read from the
    grading's own copy of the source, not from the submission's process."""
    import torch

    losses = {name for name in dir(torch.nn) if name.endswith("Loss")}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            losses |= {a.asname for a in node.names if a.asname and a.name in losses}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and not node.args:
            func = node.func
            name = getattr(func, "attr", None) or getattr(func, "id", None)
            if name in losses:
                return True
    return False


@pytest.mark.points(2)
@pytest.mark.title(en="The script runs to the end", ja="スクリプトが最後まで実行される")
def test_script_runs(run, trajectory):
    error = run["error"]
    if error:
        fail(
            "The script stopped with an error.\n" + str(error.get("traceback", "")),
            "スクリプトがエラーで停止しました。\n" + str(error.get("traceback", "")),
            expected=both("no exception", "例外なし"),
            actual=f"{error.get('type')}: {error.get('message')}",
        )
    require_replayable(run, trajectory)


@pytest.mark.points(2)
@pytest.mark.title(
    en="The loss comes from an instantiated criterion",
    ja="損失は損失関数のインスタンスから得られる",
)
def test_loss_from_criterion(run, trajectory, grading):
    require_replayable(run, trajectory)
    check(
        instantiates_a_loss(grading.source),
        "The loss should come from a loss module: create the criterion once "
        "(criterion = nn.MSELoss()) and call it on the output and the target.",
        "損失は損失関数のモジュールから得てください。criterion = nn.MSELoss() のように一度"
        "インスタンスを作り、出力と正解に対して呼び出します。",
        expected="criterion = nn.MSELoss(); loss = criterion(output, y)",
        actual=both("no loss module is created", "損失モジュールが作られていません"),
    )
    for number, entry in enumerate(counted(trajectory), start=1):
        check(
            entry.verified,
            f"In iteration {number}, the loss passed to backward() is not the mean squared error "
            "of the model's output on that iteration's batch.",
            f"{number} 回目の反復で backward() に渡された損失が、その反復のバッチに対する"
            "平均二乗誤差になっていません。",
            expected="MSE(model(x), y)",
            actual=entry.loss,
        )


@pytest.mark.points(3)
@pytest.mark.title(
    en="Gradients do not accumulate across iterations", ja="勾配が反復をまたいで蓄積されない"
)
def test_gradients_are_reset(run, trajectory, reference):
    # Drawn before any check can fail: a failing run is where the curves teach most.
    if trajectory.backwards:
        attach_chart(loss_chart(trajectory, reference, iterations=ITERATIONS))
        attach_chart(gradient_chart(trajectory, reference))
    require_replayable(run, trajectory)
    if not trajectory.steps:
        fail("optimizer.step() was never called.", "optimizer.step() が一度も呼ばれていません。")
    for number, step in enumerate(trajectory.steps, start=1):
        if step.kind == "fresh":
            continue
        en, ja = STEP_KINDS[step.kind]
        fail(
            f"At optimizer.step() number {number}, {en}.",
            f"{number} 回目の optimizer.step() で、{ja}。",
            expected=both(
                "one SGD step with the gradient of this iteration's loss alone",
                "この反復の損失の勾配だけを使った SGD の 1 ステップ",
            ),
            actual={
                "still": both("no change", "変化なし"),
                "accumulated": both("summed gradients", "累積された勾配"),
            }.get(step.kind, both("another change", "別の変化")),
        )


@pytest.mark.points(1)
@pytest.mark.title(
    en="One optimizer step per iteration", ja="反復ごとにオプティマイザが 1 回更新する"
)
def test_steps_every_iteration(run, trajectory):
    require_replayable(run, trajectory)
    steps = trajectory.steps
    paired = sum(
        1
        for number, step in enumerate(steps, start=1)
        if step.after_backward and step.iteration == number
    )
    losses = sum(1 for entry in counted(trajectory) if entry.verified)
    check(
        len(steps) == ITERATIONS and paired == ITERATIONS and losses == ITERATIONS,
        "The optimizer must take one step right after each backward(), in every one of the "
        f"{ITERATIONS} iterations.",
        f"{ITERATIONS} 回の反復それぞれで、backward() の直後に optimizer.step() を 1 回実行してください。",
        expected=both(
            f"{ITERATIONS} steps, each right after that iteration's backward()",
            f"{ITERATIONS} 回の更新(それぞれその反復の backward() の直後)",
        ),
        actual=both(
            f"{len(steps)} steps, {paired} right after their iteration's backward()",
            f"{len(steps)} 回の更新(うち {paired} 回がその反復の backward() の直後)",
        ),
    )


@pytest.mark.points(1)
@pytest.mark.title(en="The parameters change", ja="パラメータが更新される")
def test_parameters_change(run, trajectory):
    require_replayable(run, trajectory)
    steps = trajectory.steps
    if not steps:
        fail("optimizer.step() was never called.", "optimizer.step() が一度も呼ばれていません。")
    moved = sum(1 for step in steps if step.kind in ("fresh", "accumulated"))
    check(
        moved == len(steps),
        "Every optimizer step should move the parameters by a gradient step; some steps left "
        "them unchanged (were the gradients zero at that moment?).",
        "すべての step で勾配に沿ってパラメータが変化するはずですが、変化しない step がありました"
        "(その時点で勾配がゼロでしたか?)。",
        expected=both(
            f"{len(steps)} steps that change the parameters",
            f"パラメータを変える更新が {len(steps)} 回",
        ),
        actual=both(f"{moved} steps that change them", f"パラメータを変える更新が {moved} 回"),
    )


@pytest.mark.points(1)
@pytest.mark.title(en="The loss is finite", ja="損失が有限の値である")
def test_loss_is_finite(run, trajectory):
    require_replayable(run, trajectory)
    entries = counted(trajectory)
    bad = [
        number
        for number, entry in enumerate(entries, start=1)
        if not (isinstance(entry.loss, float) and entry.verified)
    ]
    check(
        not bad,
        "The loss became NaN or infinite, or is not the loss of that iteration.",
        "損失が NaN や無限大になったか、その反復の損失ではありません。",
        expected=both(
            "finite losses, each the MSE of its iteration", "各反復の MSE に等しい有限の損失"
        ),
        actual=both(f"other values in iteration(s) {bad}", f"反復 {bad} で別の値"),
    )
