"""Checks of what training left behind: checkpoint files read here without pickle, and which
step of the seeded replay (``grader.harness.training``) a set of weights is (part of ``checks``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from grader.harness.checks_values import Name, en, ja
from grader.harness.feedback import both, fail
from grader.harness.files import MAX_FILE_BYTES, MAX_TENSOR_ELEMENTS, UnsafeFile, load_state_dict
from grader.harness.training import Reference, State, Trajectory

CHECKPOINT = both("The checkpoint", "チェックポイント")
TRAINING_LOOP = both("Your training loop", "あなたの学習ループ")


# -- checkpoints and replays -----------------------------------------------------------------------
def _unsafe_ja(reason: str) -> str:
    """``files.UnsafeFile``'s reason (English, from the trusted reader) in Japanese."""
    if "link" in reason or "regular" in reason:
        return "リンク・デバイス・パイプなど、通常のファイルではありません"
    if "values" in reason:
        return "テンソルの値の数が上限を超えています"
    if "bytes" in reason:
        return "ファイルが大きすぎます"
    return "torch.save で保存した形式ではありません(圧縮されているか zip 形式でない)"


def load_checkpoint(
    path: str,
    *,
    name: Name = CHECKPOINT,
    max_bytes: int = MAX_FILE_BYTES,
    max_elements: int = MAX_TENSOR_ELEMENTS,
) -> dict[str, np.ndarray]:
    """A file the learner's process wrote, loaded here as ``{key: float32 array}`` with
    ``torch.load(weights_only=True)`` after size and format checks (never pickle); fails with
    feedback when it is missing, unsafe, or not a state_dict.

    Example::

        state = load_checkpoint(os.path.join(grading.student_dir, "best.pth"))
    """
    file = path.rpartition("/")[2]
    try:
        return load_state_dict(path, max_bytes=max_bytes, max_elements=max_elements)
    except FileNotFoundError:
        fail(
            f"{en(name)} was not written.",
            f"{ja(name)} のファイルが保存されていません。",
            expected=file,
            actual=both("no such file", "ファイルがありません"),
        )
    except UnsafeFile as exc:
        fail(
            f"{en(name)} must be an ordinary file written by torch.save(model.state_dict(), path), "
            f"of at most {max_bytes:,} bytes and {max_elements:,} values.",
            f"{ja(name)} は torch.save(model.state_dict(), path) で保存した通常のファイルで、"
            f"{max_bytes:,} バイト・{max_elements:,} 個の値以内である必要があります。",
            expected=both("a regular torch.save file", "torch.save で保存した通常のファイル"),
            actual=both(str(exc), _unsafe_ja(str(exc))),
        )
    except ValueError as exc:
        fail(
            f"{en(name)} cannot be loaded as a state_dict with torch.load(path, weights_only=True). "
            "Save model.state_dict(), not the model object.",
            f"{ja(name)} を torch.load(path, weights_only=True) で state_dict として読み込めません。"
            "モデルそのものではなく model.state_dict() を保存してください。",
            expected=both("a state_dict (name → tensor)", "state_dict(名前 → テンソル)"),
            actual=both(str(exc), "state_dict として読み込めない内容"),
        )


def replay_states(reference: Reference) -> list[State]:
    """The parameters of the seeded replay (``grader.harness.training.replay``) before the first
    step and after each one: ``states[k]`` is what ``k`` SGD steps give, recomputed here.

    Example::

        states = replay_states(replay(grading.seed, build, draw, mse, lr=0.1, iterations=5))
    """
    states = [reference.initial]
    for iteration in range(len(reference.batches)):
        gradient = reference.gradient(states[-1], iteration)
        states.append({k: v - reference.lr * gradient[k] for k, v in states[-1].items()})
    return states


def matching_state(
    state: dict[str, Any],
    candidates: Sequence[dict[str, Any]],
    *,
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> int | None:
    """The index of the candidate whose values ``state`` holds (closest if several), or None.

    Example::

        epoch = matching_state(load_checkpoint(path), replay_states(reference))
    """
    best, best_gap = None, float("inf")
    for index, candidate in enumerate(candidates):
        if sorted(candidate) != sorted(state):
            continue
        gaps = []
        for key, wanted in candidate.items():
            found, wanted = np.asarray(state[key], np.float64), np.asarray(wanted, np.float64)
            if found.shape != wanted.shape or not np.all(np.isfinite(found)):
                break
            gaps.append(float(np.max(np.abs(found - wanted) - rtol * np.abs(wanted), initial=0)))
        else:
            gap = max(gaps, default=0.0)
            if gap <= atol and gap < best_gap:
                best, best_gap = index, gap
    return best


def check_checkpoint_epoch(
    state: dict[str, Any],
    candidates: Sequence[dict[str, Any]],
    *,
    expected: int,
    name: Name = CHECKPOINT,
    rtol: float = 1e-4,
    atol: float = 1e-5,
) -> int | None:
    """Fails unless ``state`` (from ``load_checkpoint``) holds ``candidates[expected]``: the
    weights of that epoch, as the test fed them or ``replay_states`` recomputed them. Epochs are
    shown counting from 0 as indices of ``candidates``. Returns the epoch found (None: none).

    Example::

        check_checkpoint_epoch(state, replay_states(reference), expected=3)
    """
    keys = sorted(candidates[expected])
    if sorted(state) != keys:
        fail(
            f"{en(name)} does not hold the model's parameters under their state_dict names.",
            f"{ja(name)} のキーがモデルの state_dict の名前と一致しません。",
            expected=keys,
            actual=sorted(str(k)[:60] for k in list(state)[:20]),
        )
    found = matching_state(state, candidates, rtol=rtol, atol=atol)
    if found != expected:
        fail(
            f"{en(name)} holds the wrong epoch's weights (compared with the weights of every epoch, "
            f"within atol={atol:g} + rtol={rtol:g} × |value|).",
            f"{ja(name)} に入っている重みのエポックが違います(各エポックの重みと比較、"
            f"許容誤差 atol={atol:g} + rtol={rtol:g} × |値|)。",
            expected=both(f"the weights of epoch {expected}", f"エポック {expected} の重み"),
            actual=both(f"the weights of epoch {found}", f"エポック {found} の重み")
            if found is not None
            else both("weights of none of the epochs", "どのエポックの重みでもない"),
        )
    return found


def check_training_replayed(
    trajectory: Trajectory, *, iterations: int, name: Name = TRAINING_LOOP
) -> None:
    """Fails unless the learner's recorded run (``grader.harness.training.analyse`` against the
    seeded replay) starts from the replay's weights, has ``iterations`` losses verified here and
    makes every optimizer step a plain SGD step with that iteration's fresh gradient.

    Example::

        run = analyse(events, replay(grading.seed, build, draw, mse, lr=LR, iterations=10),
                      iterations=10)
        check_training_replayed(run, iterations=10)
    """
    if not trajectory.starts_like_reference:
        fail(
            f"{en(name)} does not start from the weights the model gets under the grading's seed: "
            "keep the order of the random draws and do not set a seed yourself.",
            f"{ja(name)} の初期の重みが、採点用のシードでモデルが得る重みと異なります。"
            "乱数を使う順序を変えず、シードも自分で設定しないでください。",
            expected=both("the seeded replay's initial weights", "同じシードで再現した初期の重み"),
            actual=both("other weights", "別の重み"),
        )
    verified = trajectory.verified_losses()
    if verified < iterations:
        fail(
            f"{en(name)}: the losses passed to backward() were checked against the loss recomputed "
            "here at the recorded weights on that iteration's batch (same seed).",
            f"{ja(name)}: backward() に渡された損失を、記録された重みとその反復のバッチ(同じシード)で"
            "再計算した損失と比較しました。",
            expected=both(f"{iterations} matching losses", f"一致する損失 {iterations} 個"),
            actual=both(f"{verified} matching losses", f"一致する損失 {verified} 個"),
        )
    steps = trajectory.steps[:iterations]
    wrong = next((n for n, step in enumerate(steps, start=1) if step.kind != "fresh"), None)
    if len(steps) < iterations or wrong is not None:
        fail(
            f"{en(name)}: each optimizer step should be one plain SGD step with that iteration's own "
            "gradient, recomputed here.",
            f"{ja(name)}: 各 optimizer.step() は、その反復自身の勾配(採点側で再計算)による"
            "通常の SGD の 1 回の更新であるはずです。",
            expected=both(f"{iterations} such steps", f"そのような更新 {iterations} 回"),
            actual=both(f"step {wrong} was not", f"{wrong} 回目の更新が異なる")
            if wrong is not None
            else both(f"{len(steps)} steps", f"更新 {len(steps)} 回"),
        )
