"""Hidden checks of device-agnostic code: the device is picked, not assumed; models and tensors end
where they are asked to; a prediction happens where its input is."""

import numpy as np
import pytest
from conftest import (
    device_type,
    holds_values,
    planted_linear,
    reference_linear,
    remote_tensor,
    state_of,
    value_devices,
    values_of,
)

from grader.contract import Text
from grader.harness import checks
from grader.harness.feedback import both, check, check_close, fail
from grader.harness.protocol import Tensor

FEATURES, CLASSES, ROWS = 6, 4, 8


def batch(rng):
    x = rng.normal(0.0, 1.0, size=(ROWS, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES, size=ROWS).astype(np.int64)
    return x, y


def check_on(submission, remote, device, what, is_model=False):
    """``remote`` reports ``device``; on the meta device, it must also hold no values."""
    found = device_type(remote, "model" if is_model else "tensor")
    check(
        found == device,
        f'{what} should be on the device "{device}".',
        f"{what} はデバイス「{device}」にあるはずです。",
        expected=device,
        actual=found,
    )
    if device == "meta":
        tensor = remote.attr("weight", keep=True) if is_model else remote
        check(
            not holds_values(tensor),
            f"{what} says it is on the meta device, yet its values can be read: a tensor on the "
            "meta device has none. Move it with .to(device).",
            f"{what} は meta デバイスにあると言いながら値を読み出せます。meta デバイスのテンソルは値を"
            "持ちません。.to(device) で移動してください。",
            expected=both("no values (meta)", "値なし(meta)"),
            actual=both("values", "値あり"),
        )


def moved(submission, rng, device):
    """Call to_device on a planted model and a batch on the CPU; the returned parts, kept."""
    model, values = planted_linear(submission, rng, FEATURES, CLASSES)
    x, y = batch(rng)
    remote_batch = (submission.put(Tensor(x, "float32")), submission.put(Tensor(y, "int64")))
    result = submission.get("to_device").call(model, remote_batch, device, keep=True)
    if result.type_name not in ("tuple", "list"):
        fail(
            "to_device must return the pair (model, batch).",
            "to_device は (model, batch) の組を返す必要があります。",
            expected="(model, batch)",
            actual=result.type_name,
        )
    model_out = result.method("__getitem__", 0, keep=True)
    batch_out = result.method("__getitem__", 1, keep=True)
    tensors = [batch_out.method("__getitem__", i, keep=True) for i in (0, 1)]
    return (model_out, values), (tensors, (x, y))


def check_moved(submission, rng, device):
    (model, planted), (tensors, originals) = moved(submission, rng, device)
    call = f'to_device(model, (x, y), "{device}")'
    for remote, original, name, dtype in zip(
        tensors, originals, ("x", "y"), ("float32", "int64"), strict=True
    ):
        check_on(submission, remote, device, f"{name} returned by {call}")
        if device == "meta":
            continue
        value = values_of(remote, name)
        same = np.array_equal(value.array, original)
        check(
            value.dtype == dtype and same,
            f"{call} must move {name} without changing its values or its dtype.",
            f"{call} は {name} の値とデータ型を変えずに移動する必要があります。",
            expected=both(f"torch.{dtype}, same values", f"torch.{dtype}、同じ値"),
            actual=both(
                f"torch.{value.dtype}, " + ("same values" if same else "other values"),
                f"torch.{value.dtype}、" + ("同じ値" if same else "異なる値"),
            ),
        )
    check_on(submission, model, device, f"The model returned by {call}", is_model=True)
    if device != "meta":
        found = state_of(submission, model)
        for name, original in planted.items():
            check_close(
                found.get(name),
                original,
                f"{call} must keep the model's weights.",
                f"{call} はモデルの重みを変えてはいけません。",
                atol=0.0,
            )


@pytest.mark.points(1)
@pytest.mark.title(
    en="pick_device follows what PyTorch can use", ja="pick_device が使えるデバイスを選ぶ"
)
def test_pick_device(submission):
    import torch

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    device = submission.get("pick_device").call()
    found = device if isinstance(device, str) else device.attr("type")
    check(
        isinstance(found, str) and found.split(":")[0] == expected,
        'pick_device() must give the GPU ("cuda") when torch.cuda.is_available(), the CPU '
        "otherwise.",
        'pick_device() は torch.cuda.is_available() のとき GPU("cuda")を、そうでなければ CPU を'
        "返す必要があります。",
        expected=expected,
        actual=found,
    )


@pytest.mark.points(1)
@pytest.mark.title(en="to_device on the CPU", ja="CPU への to_device")
def test_to_device_cpu(submission, rng):
    check_moved(submission, rng, "cpu")


@pytest.mark.points(2)
@pytest.mark.visibility("hidden")
@pytest.mark.title(
    en="to_device moves the model and the data to the device asked",
    ja="to_device がモデルとデータを指定のデバイスに移す",
)
def test_to_device_follows_the_argument(submission, rng):
    for device in ["meta", *value_devices()[1:]]:
        check_moved(submission, rng, device)


@pytest.mark.points(2)
@pytest.mark.title(
    en="predict works where its input is", ja="predict が入力のあるデバイスで計算する"
)
def test_predict_on_the_input_device(submission, rng):
    import torch

    for device in [*value_devices(), "meta"]:
        model, values = planted_linear(submission, rng, FEATURES, CLASSES)
        x, _ = batch(rng)
        remote_x = remote_tensor(submission, x, "float32", device)
        out = submission.get("predict").call(model, remote_x, keep=True)
        check_on(submission, out, device, f'The output of predict for an input on "{device}"')
        if device == "meta":
            continue
        with torch.no_grad():
            expected = reference_linear(values, "cpu")(torch.from_numpy(x)).double().numpy()
        checks.check_close(
            values_of(out, "predict(model, x)"),
            expected,
            name=Text(
                en=f'predict(model, x) for x on "{device}"',
                ja=f"「{device}」上の x に対する predict(model, x)",
            ),
            what=("the model's outputs for x", "x に対するモデルの出力"),
            rtol=1e-5,
            atol=1e-5,
        )
