"""Structure confirmed by behaviour: weights of the required shapes go into the learner's layers,
and the model must then compute with them on inputs chosen here.

What the submission's process reports about its own layers (names, shapes, counts) is a claim it
can rewrite; a model that really is 784 → 256 → 128 → 10 is the only cheap way to turn planted
weights into the right outputs. Weights and inputs are non-negative, so every ReLU passes its
input through and a missing or extra ReLU (judged by the equivalence check) does not matter here;
a final softmax is allowed for (judged there too). Each input row is sent many times and the
outputs averaged, so a dropout wrongly left on in inference (judged by the dropout checks) is
averaged out instead of being counted against the structure a third time.
"""

import numpy as np
from conftest import INPUT_WIDTH

from grader.harness.client import SubmissionError
from grader.harness.feedback import both, check, fail

SHAPES = [(784, 256), (256, 128), (128, 10)]
ROWS, COPIES = 4, 64
# Per output the mean of COPIES draws: a deviation beyond 6 standard errors has probability < 2e-9.
STANDARD_ERRORS = 6.0


def planted(rng):
    """(weight (out, in), bias) pairs of the required shapes, inputs, and the expected logits."""
    pairs = [
        (
            rng.uniform(0.0, 2.0 / n_in, (n_out, n_in)).astype(np.float32),
            rng.uniform(0.05, 0.5, n_out).astype(np.float32),
        )
        for n_in, n_out in SHAPES
    ]
    rows = rng.uniform(0.0, 1.0, (ROWS, INPUT_WIDTH)).astype(np.float32)
    expected = rows.astype(np.float64)
    for weight, bias in pairs:
        expected = expected @ weight.T.astype(np.float64) + bias
    return pairs, rows, expected


def repeated(rows):
    return np.tile(rows, (COPIES, 1))


def judge(name, plant, forward, expected):
    """``plant()`` puts the weights in (False: the layers do not take them); ``forward()`` runs
    inference on ``repeated(rows)``."""
    try:
        accepted = plant()
        outputs = np.asarray(forward(), dtype=np.float64) if accepted else None
    except SubmissionError as exc:
        accepted, outputs = False, None
        reason = exc.info.get("message", "")[:200]
    else:
        reason = ""
    if not accepted:
        fail(
            f"{name}'s layers do not take weights of the shapes 784→256→128→10"
            + (f" ({reason})." if reason else "."),
            f"{name} の層に 784→256→128→10 の形状の重みを設定できません"
            + (f"({reason})。" if reason else "。"),
            expected=both(
                "layers that hold 784×256, 256×128 and 128×10 weights",
                "784×256、256×128、128×10 の重みを持つ層",
            ),
            actual=both("other shapes", "別の形状"),
        )
    if outputs.shape != (ROWS * COPIES, 10) or not np.all(np.isfinite(outputs)):
        fail(
            f"{name} does not return finite outputs of shape (rows, 10).",
            f"{name} の出力が有限の値で形状 (行数, 10) になっていません。",
            expected=f"({ROWS * COPIES}, 10)",
            actual=both(f"shape {outputs.shape}", f"形状 {outputs.shape}"),
        )
    per_copy = outputs.reshape(COPIES, ROWS, 10)
    target = expected
    if np.all(per_copy >= 0) and np.allclose(per_copy.sum(axis=2), 1.0, atol=1e-4):
        shifted = np.exp(expected - expected.max(axis=1, keepdims=True))
        target = shifted / shifted.sum(axis=1, keepdims=True)
    mean = per_copy.mean(axis=0)
    spread = per_copy.std(axis=0) / np.sqrt(COPIES)
    gap = np.abs(mean - target)
    allowed = 1e-4 * np.maximum(1.0, np.abs(target)) + STANDARD_ERRORS * spread
    check(
        bool(np.all(gap <= allowed)),
        f"With weights of the shapes 784→256→128→10 put into its layers, {name} does not compute "
        "with them: its layers are not the required ones, or not all of them are used.",
        f"784→256→128→10 の形状の重みを層に設定しても、{name} はその重みで計算していません。"
        "層が要件どおりでないか、使われていない層があります。",
        expected=both(
            "outputs of the network 784→256→128→10 with those weights",
            "その重みを使った 784→256→128→10 のネットワークの出力",
        ),
        actual=both(
            f"outputs differing by up to {float(np.max(gap)):.3g}",
            f"最大 {float(np.max(gap)):.3g} 異なる出力",
        ),
    )
