"""Hidden checks of mixed precision: what autocast does to dtypes, and a GradScaler step that gives
the update the reference step gives, and skips a step whose gradients are not finite.

The reference is computed here with torch on the same device type, under the same autocast, with
the same planted weights and batch; on the CPU, autocast uses bfloat16.
"""

import numpy as np
import pytest
from conftest import (
    amp_dtype,
    as_number,
    learner_torch,
    planted_linear,
    reference_linear,
    remote_tensor,
    state_of,
    value_devices,
)

from grader.artifacts import Table
from grader.contract import Text
from grader.harness.attach import attach_table
from grader.harness.feedback import both, check, check_close, fail
from grader.harness.protocol import Tensor

FEATURES, CLASSES, ROWS = 6, 4, 8
INIT_SCALE = 4096.0
# The SGD and GradScaler handed to amp_train_step take settings drawn per grading, so that a step
# that ignores them (an SGD step written by hand at a guessed rate, a scale halved by hand) cannot
# match by guessing: never the rate this page once named (0.1) nor GradScaler's default backoff
# (0.5). Backoff factors are powers of two, so the lowered scale stays exact.
LR_RANGE = (0.15, 0.3)
BACKOFF_FACTORS = (0.0625, 0.125, 0.25)


def batch(rng):
    x = rng.normal(0.0, 1.0, size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES, size=ROWS).astype(np.int64)
    return x, y


def on_device(submission, rng, device):
    """A planted model and a batch, both on ``device`` in the worker."""
    model, values = planted_linear(submission, rng, FEATURES, CLASSES)
    model = model.method("to", device, keep=True)
    x, y = batch(rng)
    remote = (
        remote_tensor(submission, x, "float32", device),
        remote_tensor(submission, y, "int64", device),
    )
    return model, values, remote, (x, y)


def reference_forward(values, x, y, device):
    import torch
    import torch.nn.functional as F

    model = reference_linear(values, device)
    dtype = getattr(torch, amp_dtype(device))
    with torch.no_grad(), torch.autocast(device_type=device, dtype=dtype):
        logits = model(torch.from_numpy(x).to(device))
        loss = F.cross_entropy(logits, torch.from_numpy(y).to(device))
    return logits.float().cpu().double().numpy(), float(loss)


def attach_dtypes(rows, off):
    attach_table(
        Table(
            title=Text(
                en="Dtypes of what autocast_forward returned",
                ja="autocast_forward が返した値のデータ型",
            ),
            header=[
                Text(en="device", ja="デバイス"),
                Text(en="value", ja="値"),
                Text(en="expected", ja="期待される型"),
                Text(en="yours", ja="あなたの型"),
            ],
            rows=rows,
            highlight=off,
        )
    )


@pytest.mark.points(1)
@pytest.mark.title(
    en="autocast: low-precision logits, a float32 loss",
    ja="autocast: 低精度のロジットと float32 の損失",
)
def test_autocast_dtypes(submission, rng):
    results = []
    for device in value_devices():
        model, values, (x, y), (x_np, y_np) = on_device(submission, rng, device)
        found = submission.get("autocast_forward").call(model, x, y)
        if not (isinstance(found, (tuple, list)) and len(found) == 2):
            fail(
                "autocast_forward must return the pair (logits, loss).",
                "autocast_forward は (logits, loss) の組を返す必要があります。",
                expected="(logits, loss)",
                actual=type(found).__name__,
            )
        results.append((device, found, reference_forward(values, x_np, y_np, device)))
    rows, off = [], []
    for device, (logits, loss), _ in results:
        for name, value, dtype in (
            ("logits", logits, amp_dtype(device)),
            ("loss", loss, "float32"),
        ):
            yours = value.dtype if isinstance(value, Tensor) else type(value).__name__
            if yours != dtype:
                off.append(len(rows))
            rows.append([device, name, f"torch.{dtype}", str(yours)])
    attach_dtypes(rows, off)
    for device, (logits, loss), (expected_logits, expected_loss) in results:
        dtype = amp_dtype(device)
        for name, value, wanted in (("logits", logits, dtype), ("loss", loss, "float32")):
            check(
                isinstance(value, Tensor) and value.dtype == wanted,
                f'On "{device}", the {name} must be {wanted}: the forward pass runs under '
                f"torch.autocast(device_type=x.device.type, dtype=torch.{dtype}), and autocast "
                "computes the loss in float32.",
                f"「{device}」では {name} は {wanted} になるはずです。順伝播は "
                f"torch.autocast(device_type=x.device.type, dtype=torch.{dtype}) の中で行い、"
                "損失は autocast が float32 で計算します。",
                expected=f"torch.{wanted}",
                actual=f"torch.{value.dtype}"
                if isinstance(value, Tensor)
                else type(value).__name__,
            )
        check_close(
            logits.array,
            expected_logits,
            f'On "{device}", the logits differ from the model\'s forward pass under autocast '
            "(was it computed in full precision and converted afterwards?).",
            f"「{device}」のロジットが autocast の下での順伝播の結果と一致しません"
            "(float32 で計算してから変換していませんか)。",
            atol=1e-6,
        )
        found_loss = as_number(loss, "loss")
        check(
            abs(found_loss - expected_loss) <= 1e-5,
            f'On "{device}", the loss must be the cross-entropy of these logits.',
            f"「{device}」の損失は、このロジットの交差エントロピーである必要があります。",
            expected=round(expected_loss, 5),
            actual=round(found_loss, 5),
        )


def amp_setup(submission, rng, device):
    """The learner's step gets an SGD and a GradScaler built from its own torch; the reference
    takes the same scaled step here."""
    import torch

    learner = learner_torch(submission)
    model, values, remote_batch, arrays = on_device(submission, rng, device)
    lr = float(rng.uniform(*LR_RANGE))
    backoff = float(rng.choice(BACKOFF_FACTORS))
    optimizer = learner.attr("optim", "SGD").call(model.method("parameters"), lr=lr)
    scaler = learner.attr("amp", "GradScaler").call(
        device, init_scale=INIT_SCALE, backoff_factor=backoff
    )
    reference = reference_linear(values, device)
    reference_parts = (
        reference,
        torch.optim.SGD(reference.parameters(), lr=lr),
        torch.amp.GradScaler(device, init_scale=INIT_SCALE, backoff_factor=backoff),
    )
    return (model, optimizer, scaler, remote_batch), reference_parts, values, arrays


def reference_step(reference, optimizer, scaler, x, y, device):
    import torch
    import torch.nn.functional as F

    optimizer.zero_grad()
    dtype = getattr(torch, amp_dtype(device))
    with torch.autocast(device_type=device, dtype=dtype):
        loss = F.cross_entropy(
            reference(torch.from_numpy(x).to(device)), torch.from_numpy(y).to(device)
        )
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return float(loss)


def parameters_of(model):
    return {n: p.detach().cpu().double().numpy() for n, p in model.named_parameters()}


@pytest.mark.points(2)
@pytest.mark.title(
    en="A GradScaler step gives the reference update",
    ja="GradScaler を使ったステップが参照と同じ更新になる",
)
def test_amp_step_matches_the_reference(submission, rng):
    for device in value_devices():
        (model, optimizer, scaler, (x, y)), reference, values, (x_np, y_np) = amp_setup(
            submission, rng, device
        )
        loss = as_number(
            submission.get("amp_train_step").call(model, optimizer, scaler, x, y),
            "amp_train_step(...)",
        )
        expected_loss = reference_step(*reference, x_np, y_np, device)
        found, expected = state_of(submission, model), parameters_of(reference[0])
        attach_changes(device, values, found, expected)
        check(
            abs(loss - expected_loss) <= 1e-5,
            f'On "{device}", amp_train_step must return the batch\'s loss before the update.',
            f"「{device}」で amp_train_step は更新前のバッチの損失を返す必要があります。",
            expected=round(expected_loss, 5),
            actual=round(loss, 5),
        )
        for name in ("weight", "bias"):
            check_close(
                found.get(name),
                expected[name],
                f'On "{device}", model.{name} after amp_train_step is not what one step gives: '
                "forward and loss under autocast, scaler.scale(loss).backward() outside it, then "
                "scaler.step(optimizer) and scaler.update(). The scaling must cancel out exactly.",
                f"「{device}」で amp_train_step の後の model.{name} が 1 ステップ分の更新と一致しません。"
                "autocast の中で順伝播と損失、外で scaler.scale(loss).backward()、続けて "
                "scaler.step(optimizer) と scaler.update() です。スケーリングはちょうど打ち消される"
                "はずです。",
                atol=1e-6,
            )


def attach_changes(device, values, found, expected):
    rows, off = [], []
    for index, name in enumerate(("weight", "bias")):
        start = values[name].astype(np.float64)
        yours = found.get(name)
        moved = float(np.abs(yours - start).max()) if yours is not None else float("nan")
        should = float(np.abs(expected[name] - start).max())
        rows.append([f"model.{name}", f"{should:.6f}", f"{moved:.6f}"])
        if yours is None or not np.allclose(yours, expected[name], atol=1e-6):
            off.append(index)
    attach_table(
        Table(
            title=Text(
                en=f"Largest change of each parameter in one mixed-precision step on {device}",
                ja=f"{device} での混合精度 1 ステップによる各パラメータの最大変化量",
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


@pytest.mark.points(1)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="Non-finite gradients: the step is skipped and the scale lowered",
    ja="勾配が有限でないとき: 更新を飛ばしスケールを下げる",
)
def test_scaler_skips_non_finite_steps(submission, rng):
    for device in value_devices():
        (model, optimizer, scaler, _), reference, values, (x_np, y_np) = amp_setup(
            submission, rng, device
        )
        lowered = INIT_SCALE * reference[2].get_backoff_factor()
        x_np = x_np.copy()
        x_np[0, 0] = np.inf  # an overflowed input: the loss and the gradients are not finite
        x = remote_tensor(submission, x_np, "float32", device)
        y = remote_tensor(submission, y_np, "int64", device)
        submission.get("amp_train_step").call(model, optimizer, scaler, x, y)
        found = state_of(submission, model)
        for name in ("weight", "bias"):
            same = found.get(name) is not None and np.array_equal(found[name], values[name])
            check(
                same,
                f'On "{device}", a step whose gradients are inf or NaN must leave model.{name} '
                "unchanged: let scaler.step(optimizer) decide, rather than calling "
                "optimizer.step() yourself.",
                f"「{device}」で勾配が inf や NaN のステップでは model.{name} を変えてはいけません。"
                "optimizer.step() を直接呼ばず、scaler.step(optimizer) に判断させてください。",
                expected=both("unchanged", "変化なし"),
                actual=both("changed", "変化あり"),
            )
        scale = scaler.method("get_scale")
        check(
            scale == lowered,
            f'On "{device}", after a skipped step scaler.update() lowers the scale by the '
            "scaler's backoff_factor (this GradScaler's own setting).",
            f"「{device}」で更新を飛ばした後は、scaler.update() がスケールをその GradScaler の "
            "backoff_factor 倍に下げます。",
            expected=lowered,
            actual=scale,
        )
