"""The checks library: correct values pass, wrong ones fail with bilingual Expected/Found feedback
that names the tolerance used. Real torch layers (and one real Keras model) produce the values."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import torch

from grader.harness import checks
from grader.harness.checks import (
    advice,
    as_array,
    batch_norm_expected,
    check_batch_norm,
    check_checkpoint_epoch,
    check_close,
    check_dropout,
    check_dtype,
    check_frameworks_agree,
    check_gradient,
    check_gradient_numerically,
    check_modes,
    check_parameter_counts,
    check_shape,
    check_time_budget,
    check_training_replayed,
    check_uses_weights,
    dense_forward,
    keras_to_torch,
    known_weights,
    layer_parameter_counts,
    load_checkpoint,
    numerical_gradient,
    replay_states,
    torch_to_keras,
)
from grader.harness.feedback import Failed
from grader.harness.probes import torch_modules
from grader.harness.protocol import Tensor
from grader.harness.training import analyse, replay

# Words only an English sentence has; code (torch.float32, model.eval()) has none of them.
ENGLISH = re.compile(
    r"\b(the|of|no|not|with|values?|outputs?|weights|shape|file|other|different|identical|"
    r"within|largest|should|must|expected|found)\b",
    re.I,
)


def failure(call, *args, **kwargs):
    with pytest.raises(Failed) as caught:
        call(*args, **kwargs)
    text = caught.value.text
    assert not ENGLISH.search(text.ja), text.ja
    assert "Expected:" in text.en and "期待値:" in text.ja, text.en
    return text


def tensor(array, dtype="float32"):
    return Tensor(np.asarray(array, dtype=dtype), dtype)


# -- shapes and dtypes -----------------------------------------------------------------------------
def test_a_right_shape_passes_and_returns_the_values():
    out = check_shape(tensor(np.ones((4, 10))), (None, 10), name="model(x)")
    assert out.shape == (4, 10)


def test_a_wrong_shape_shows_expected_and_found_in_both_languages():
    text = failure(check_shape, tensor(np.ones((4, 5))), (None, 10), name="model(x)")
    assert "Expected: (any, 10)" in text.en and "Found:    (4, 5)" in text.en
    assert "期待値: (任意, 10)" in text.ja and "実際の値: (4, 5)" in text.ja
    assert "model(x)" in text.en and "model(x)" in text.ja


def test_something_that_is_not_numbers_is_named_by_its_type_only():
    text = failure(check_shape, "print('secret')", (3,), name="f(x)")
    assert "a str object" in text.en and "secret" not in text.en


def test_dtypes_accept_torch_and_numpy_spellings():
    assert check_dtype(tensor([1.0]), "torch.float32", name="x", framework="torch") == "float32"
    assert check_dtype(tensor([1], "int64"), "long", name="y") == "int64"
    assert check_dtype(np.zeros(2, np.float32), np.float32, name="x", framework="numpy")
    assert check_dtype(np.zeros(2), ["float32", "float64"], name="x") == "float64"


def test_a_wrong_dtype_names_both():
    text = failure(check_dtype, tensor([1.0], "float64"), "float32", name="x", framework="torch")
    assert "Expected: torch.float32" in text.en and "Found:    torch.float64" in text.en
    assert "データ型" in text.ja and "torch.float64" in text.ja


def test_a_numpy_array_where_a_tensor_is_required_fails():
    text = failure(check_dtype, np.zeros(3, np.float32), "float32", name="x", framework="torch")
    assert "Found:    a numpy array" in text.en and "numpy 配列" in text.ja


def test_closeness_explains_the_tolerance_and_the_worst_value():
    check_close([1.0, 2.0005], [1.0, 2.0], name="f(x)", rtol=1e-3, atol=0.0)
    text = failure(check_close, [1.0, 2.1], [1.0, 2.0], name="f(x)", rtol=1e-3, atol=1e-4)
    assert "atol=0.0001, rtol=0.001" in text.en and "atol=0.0001, rtol=0.001" in text.ja
    assert "1 of 2 values outside" in text.en and "2 個中 1 個が範囲外" in text.ja
    assert "2.1 where 2 was expected" in text.en


def test_advice_follows_the_expected_and_found_lines_in_both_languages():
    def checked(found):
        with advice("Did you call zero_grad()?", "zero_grad() を呼びましたか?"):
            check_gradient(found, [1.0, 2.0], name="w.grad")

    checked([1.0, 2.0])
    text = failure(checked, [2.0, 4.0])
    assert text.en.endswith("\nAdvice: Did you call zero_grad()?")
    assert text.en.index("Found:") < text.en.index("Advice:")
    assert text.ja.endswith("\nヒント: zero_grad() を呼びましたか?")
    with pytest.raises(ValueError), advice("a", "b"):
        raise ValueError("a grader bug is not the learner's failure: no advice is added")


def test_nan_is_never_close():
    text = failure(check_close, [np.nan, 1.0], [1.0, 1.0], name="f(x)")
    assert "1 of 2 values are NaN or infinite" in text.en and "NaN" in text.ja


def test_nan_in_a_reference_made_of_submitted_values_is_never_close():
    # check_frameworks_agree compares the Keras outputs with the torch outputs, both submitted:
    # NaN torch outputs made every comparison False, so nothing counted as outside.
    finite = np.ones((2, 3))
    text = failure(check_close, finite, np.full((2, 3), np.nan), name="f(x)")
    assert "6 of 6 values outside" in text.en
    failure(check_frameworks_agree, np.full((2, 3), np.nan), finite)


def test_an_array_of_text_is_not_numbers():
    # "1.5" converts to a float; a string array must be refused as feedback, never converted.
    text = failure(as_array, np.array(["1.5", "oops"]), name="x")
    assert "ndarray object, not numbers" in text.en


def test_as_array_takes_tensors_lists_and_numbers():
    assert as_array(tensor([1, 2]), name="x").tolist() == [1.0, 2.0]
    assert as_array([[1, 2]], name="x").shape == (1, 2)
    assert as_array(3.5, name="x") == 3.5
    with pytest.raises(Failed):
        as_array({"a": 1}, name="x")


# -- parameter counts ------------------------------------------------------------------------------
class Net(torch.nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        # Declared out of flow order on purpose.
        self.fc3 = torch.nn.Linear(128, 10)
        self.fc1 = torch.nn.Linear(784, hidden)
        self.fc2 = torch.nn.Linear(hidden, 128)
        self.drop = torch.nn.Dropout(0.3)

    def forward(self, x):
        x = self.drop(torch.relu(self.fc1(x)))
        return self.fc3(self.drop(torch.relu(self.fc2(x))))


def state_of(model):
    return {k: Tensor(v.detach().numpy(), "float32") for k, v in model.state_dict().items()}


def test_parameter_counts_from_a_state_dict_and_from_module_rows():
    model = Net()
    assert layer_parameter_counts(state_of(model)) == [1_290, 200_960, 32_896]
    rows = torch_modules(model)
    assert layer_parameter_counts(rows) == [1_290, 200_960, 32_896]
    check_parameter_counts(
        rows, name="PyTorchModel", per_layer=[200_960, 32_896, 1_290], total=235_146, ordered=False
    )


def test_keras_layer_reports_count_like_torch():
    report = {"layers": [{"weights": [[784, 256], [256]]}, {"weights": []}], "params": 0}
    assert layer_parameter_counts(report) == [200_960]


def test_a_wrong_total_and_wrong_layers_are_shown_with_thousands_separators():
    text = failure(check_parameter_counts, state_of(Net(64)), name="PyTorchModel", total=235_146)
    assert "Expected: 235,146" in text.en and "パラメータ数" in text.ja
    text = failure(
        check_parameter_counts, state_of(Net(64)), name="M", per_layer=[1_290, 200_960, 32_896]
    )
    assert "Found:    1,290 / 50,240 / 8,320" in text.en and "層ごと" in text.ja


def test_forged_layer_descriptions_fail_as_feedback_not_as_a_crash():
    with pytest.raises(Failed):
        layer_parameter_counts([{"params": {"w": ["many"]}}], name="M")
    with pytest.raises(Failed):
        layer_parameter_counts(42, name="M")


def test_known_weights_confirm_that_the_layers_compute():
    rng = np.random.default_rng(0)
    weights = known_weights(rng, [784, 256, 128, 10])
    model = Net().eval()
    with torch.no_grad():
        for layer, (w, b) in zip((model.fc1, model.fc2, model.fc3), weights, strict=True):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
    x = rng.uniform(0, 1, (8, 784)).astype(np.float32)
    out = model(torch.from_numpy(x)).detach().numpy()
    check_uses_weights(out, inputs=x, weights=weights, name="PyTorchModel")
    # A layer that ignores its bias reports the same shapes, and computes something else.
    no_bias = [weights[0], (weights[1][0], np.zeros(128)), weights[2]]
    wrong = dense_forward(x, no_bias)
    text = failure(check_uses_weights, wrong, inputs=x, weights=weights, name="PyTorchModel")
    assert "784 → 256 → 128 → 10" in text.en and "784 → 256 → 128 → 10" in text.ja


# -- gradients -------------------------------------------------------------------------------------
def test_numerical_gradient_matches_autograd():
    x = np.random.default_rng(1).standard_normal((3, 2))

    def f(v):
        return float(np.sum(np.tanh(v) ** 2))

    t = torch.tensor(x, requires_grad=True)
    (torch.tanh(t) ** 2).sum().backward()
    np.testing.assert_allclose(numerical_gradient(f, x), t.grad.numpy(), rtol=1e-5)
    check_gradient_numerically(tensor(t.grad.numpy()), f, x, name="my_grad(x)")
    check_gradient(t.grad.numpy(), t.grad.numpy() * (1 + 1e-6), name="grad")


def test_a_wrong_gradient_names_the_finite_differences_and_tolerances():
    x = np.array([0.5, -1.0, 2.0])
    text = failure(check_gradient_numerically, x, lambda v: np.sum(v**2), x, name="grad")
    assert "central finite differences" in text.en and "h=0.001" in text.en
    assert "中心差分" in text.ja and "rtol=0.01" in text.ja
    text = failure(check_gradient, x, 2 * x, name="grad", rtol=1e-4, atol=1e-6)
    assert "reference gradient" in text.en and "参照の勾配" in text.ja


def test_a_function_that_returns_no_scalar_fails_with_feedback():
    with pytest.raises(Failed) as caught:
        numerical_gradient(lambda v: v, np.zeros(2), name="loss(x)")
    assert "one finite number" in caught.value.text.en


# -- train and eval modes --------------------------------------------------------------------------
def forward(layer, x, train):
    layer.train(train)
    with torch.no_grad():
        return Tensor(layer(torch.from_numpy(x)).numpy(), "float32")


@pytest.fixture
def inputs():
    return np.random.default_rng(2).uniform(0.5, 1.5, (200, 50)).astype(np.float32)


def test_real_dropout_passes(inputs):
    layer = torch.nn.Dropout(0.3)
    train = [forward(layer, inputs, True) for _ in range(2)]
    evaluated = [forward(layer, inputs, False) for _ in range(2)]
    check_dropout(inputs, train_outputs=train, eval_outputs=evaluated, rate=0.3, name="drop")
    check_modes(train, evaluated, name="drop")


def test_a_wrong_rate_is_measured_and_the_bound_explained(inputs):
    layer = torch.nn.Dropout(0.5)
    train = [forward(layer, inputs, True) for _ in range(2)]
    text = failure(
        check_dropout,
        inputs,
        train_outputs=train,
        eval_outputs=[inputs],
        rate=0.3,
        name="drop",
    )
    assert "Expected: p=0.300, ×1.429" in text.en
    assert re.search(r"Found:    p=0\.[45]\d\d, ×2$", text.en), text.en
    assert "0.3 ± 0.023" in text.en and "0.3 ± 0.023" in text.ja


def test_dropout_left_on_in_eval_mode_fails(inputs):
    layer = torch.nn.Dropout(0.3)
    train = [forward(layer, inputs, True) for _ in range(2)]
    text = failure(
        check_dropout, inputs, train_outputs=train, eval_outputs=train[:1], rate=0.3, name="drop"
    )
    assert "eval mode dropout passes every value through unchanged" in text.en
    text = failure(check_modes, train, train[::-1], name="Net")
    assert "model.eval()" in text.en and "推論モード" in text.ja


def test_nan_is_not_randomness(inputs):
    noisy = np.full(inputs.shape, np.nan)
    text = failure(check_modes, [noisy, noisy], [inputs, inputs], name="Net")
    assert "finite real numbers" in text.en and "有限の実数" in text.ja


def test_complex_values_are_compared_as_complex():
    check_close(np.array([1 + 1j]), np.array([1 + 1j]), name="fft(x)")
    failure(check_close, np.array([1 + 1j]), np.array([1.0]), name="fft(x)")


def test_a_fixed_mask_is_not_dropout(inputs):
    mask = np.random.default_rng(3).random(inputs.shape) >= 0.3
    fixed = inputs * mask / 0.7
    text = failure(
        check_dropout,
        inputs,
        train_outputs=[fixed, fixed],
        eval_outputs=[inputs],
        rate=0.3,
        name="drop",
    )
    assert "same mask" in text.en and "同じマスク" in text.ja
    text = failure(check_modes, [fixed, fixed], [inputs, inputs], name="Net")
    assert "Found:    2 identical outputs" in text.en


def test_real_batch_norm_passes_and_eval_with_batch_statistics_is_diagnosed():
    x = (np.random.default_rng(4).standard_normal((16, 6)) * 3 + 2).astype(np.float32)
    layer = torch.nn.BatchNorm1d(6)
    train, evaluated = forward(layer, x, True), forward(layer, x, False)
    check_batch_norm(x, train_output=train, eval_output=evaluated, name="bn")
    text = failure(check_batch_norm, x, train_output=train, eval_output=train, name="bn")
    assert "running mean and variance" in text.en and "移動平均" in text.ja
    text = failure(check_batch_norm, x, train_output=evaluated, eval_output=evaluated, name="bn")
    assert "mean and variance of the current batch" in text.en


def test_batch_norm_over_images_uses_the_channel_axis():
    x = np.random.default_rng(5).standard_normal((4, 3, 5, 5)).astype(np.float32) + 1
    layer = torch.nn.BatchNorm2d(3)
    train, evaluated = forward(layer, x, True), forward(layer, x, False)
    check_batch_norm(x, train_output=train, eval_output=evaluated, name="bn2d")


# -- PyTorch and Keras -----------------------------------------------------------------------------
def test_weights_cross_between_layouts_and_a_real_keras_model_agrees():
    import keras

    rng = np.random.default_rng(6)
    weights = known_weights(rng, [8, 5, 3], low=-1.0)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(3)]
    )
    for layer, pair in zip(model.layers, torch_to_keras(weights), strict=True):
        layer.set_weights(pair)
    x = rng.standard_normal((10, 8)).astype(np.float32)
    reference = dense_forward(x, weights)
    check_frameworks_agree(reference, np.asarray(model(x)), reference=reference)
    back = keras_to_torch([layer.get_weights() for layer in model.layers])
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(back, weights, strict=True))
    # The learner's usual slip: the (out, in) weight given to Dense untransposed.
    text = failure(check_frameworks_agree, reference, reference[:, ::-1], reference=reference)
    assert "(in, out)" in text.en and "転置" in text.ja
    # Keras's batch norm follows its own defaults (momentum 0.99, epsilon 1e-3, channels last).
    bn = keras.layers.BatchNormalization()
    train, evaluated = np.asarray(bn(x, training=True)), np.asarray(bn(x, training=False))
    check_batch_norm(x, train_output=train, eval_output=evaluated, name="bn", framework="keras")
    assert np.allclose(batch_norm_expected(x, framework="keras")[1], evaluated, atol=1e-4)


# -- checkpoints and replays -----------------------------------------------------------------------
def build():
    return torch.nn.Linear(3, 2)


def draw():
    return torch.randn(4, 3), torch.randn(4, 2)


def mse(output, target):
    return ((output - target) ** 2).mean()


@pytest.fixture(scope="module")
def reference():
    return replay(7, build, draw, mse, lr=0.1, iterations=5)


def learner_run(seed, steps, save_at=None, path=None):
    """The loop as a learner writes it; saves the state after ``save_at`` steps."""
    torch.manual_seed(seed)
    model = build()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(steps):
        x, y = draw()
        optimizer.zero_grad()
        mse(model(x), y).backward()
        optimizer.step()
        if save_at == step + 1:
            torch.save(model.state_dict(), path)
    return model


def test_replay_states_end_where_the_replay_ended(reference):
    states = replay_states(reference)
    assert len(states) == 6
    for key in reference.final:
        np.testing.assert_allclose(states[-1][key], reference.final[key], atol=1e-6)


def test_the_checkpoint_epoch_is_found_by_comparison_with_the_replay(reference, tmp_path):
    path = str(tmp_path / "best.pth")
    learner_run(7, 5, save_at=3, path=path)
    state = load_checkpoint(path)
    states = replay_states(reference)
    assert check_checkpoint_epoch(state, states, expected=3) == 3
    text = failure(check_checkpoint_epoch, state, states, expected=5)
    assert "Expected: the weights of epoch 5" in text.en
    assert "Found:    the weights of epoch 3" in text.en and "エポック 3" in text.ja


def test_a_checkpoint_of_other_weights_or_keys_fails(reference, tmp_path):
    path = str(tmp_path / "other.pth")
    torch.save({"weight": torch.zeros(2, 3), "bias": torch.zeros(2)}, path)
    text = failure(
        check_checkpoint_epoch, load_checkpoint(path), replay_states(reference), expected=2
    )
    assert "weights of none of the epochs" in text.en
    torch.save({"fc.weight": torch.zeros(2, 3)}, path)
    text = failure(
        check_checkpoint_epoch, load_checkpoint(path), replay_states(reference), expected=2
    )
    assert "['bias', 'weight']" in text.en


def test_unsafe_or_missing_checkpoints_fail_as_feedback(tmp_path):
    text = failure(load_checkpoint, str(tmp_path / "none.pth"))
    assert "was not written" in text.en and "none.pth" in text.en
    pickled = tmp_path / "model.pth"
    torch.save(torch.nn.Linear(2, 2), pickled)
    text = failure(load_checkpoint, str(pickled))
    assert "weights_only=True" in text.en and "state_dict()" in text.ja
    (tmp_path / "link.pth").symlink_to("/dev/zero")
    text = failure(load_checkpoint, str(tmp_path / "link.pth"))
    assert "ordinary file" in text.en
    big = tmp_path / "big.pth"
    torch.save({"w": torch.zeros(1000)}, big)
    text = failure(load_checkpoint, str(big), max_elements=10)
    assert "10 values" in text.en


def traced(seed, steps, accumulate=False):
    """Events as the worker's tracer records them, for a loop run here."""
    from grader.harness.probes import TrainingTracer

    tracer = TrainingTracer()
    tracer.install()
    try:
        torch.manual_seed(seed)
        model = build()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(steps):
            x, y = draw()
            if not accumulate:
                optimizer.zero_grad()
            mse(model(x), y).backward()
            optimizer.step()
    finally:
        tracer.uninstall()
    return tracer.report()["events"]


def test_a_replayed_training_loop_passes_and_a_broken_one_is_located(reference):
    check_training_replayed(analyse(traced(7, 5), reference, iterations=5), iterations=5)
    run = analyse(traced(7, 5, accumulate=True), reference, iterations=5)
    text = failure(check_training_replayed, run, iterations=5)
    assert "step 2 was not" in text.en and "2 回目の更新" in text.ja
    text = failure(
        check_training_replayed, analyse(traced(8, 5), reference, iterations=5), iterations=5
    )
    assert "seed" in text.en and "シード" in text.ja


# -- timing ----------------------------------------------------------------------------------------
def test_timing_is_measured_here_and_reported_with_the_budget():
    assert check_time_budget(lambda: 7, budget_s=1.0, name="fast()") == 7
    text = failure(
        check_time_budget, lambda: time.sleep(0.05), budget_s=0.01, name="slow()", repeat=2
    )
    assert "Expected: at most 0.01 s" in text.en and "(fastest of 2 runs)" in text.en
    assert "0.01 秒以内" in text.ja and "2 回中最速" in text.ja


def test_a_cache_is_not_timed_in_place_of_the_work():
    # A submission that is slow on every new input but remembers its answers: asked the same
    # question three times, its fastest run was the cache's. Given the run number, the test
    # asks three different questions and times the work each time.
    answers = {}

    def cached_slow(x):
        if x not in answers:
            time.sleep(0.05)
            answers[x] = x * 2
        return answers[x]

    inputs = [1.0, 2.0, 3.0]
    assert check_time_budget(lambda: cached_slow(9.0), budget_s=0.02, name="f", repeat=3) == 18
    text = failure(
        check_time_budget, lambda run: cached_slow(inputs[run]), budget_s=0.02, name="f", repeat=3
    )
    assert "(fastest of 3 runs)" in text.en
    assert check_time_budget(lambda run: run * 10, budget_s=1.0, name="f", repeat=3) == 20


def test_every_public_helper_is_documented_with_an_example():
    for name in checks.__all__:
        doc = getattr(checks, name).__doc__ or ""
        assert "Example::" in doc, name
