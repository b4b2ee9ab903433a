"""Hidden checks for NormalizedDataset: dtypes, standardisation, epsilon, DataLoader, no mutation."""

import numpy as np
import pytest

from grader.artifacts import Chart, Series, Table
from grader.contract import Text
from grader.harness.attach import attach_chart, attach_table
from grader.harness.feedback import both, check, check_close, fail
from grader.harness.protocol import Tensor

ROWS, FEATURES = 100, 6


@pytest.fixture(scope="module")
def arrays():
    generator = np.random.default_rng(2024)
    data = generator.normal(10.0, 5.0, size=(ROWS, FEATURES)) * np.arange(1, FEATURES + 1)
    labels = generator.integers(0, 3, size=ROWS)
    return data, labels


def standardised(data):
    return (data - data.mean(axis=0)) / data.std(axis=0)


def build(submission, data, labels):
    return submission.get("NormalizedDataset").call(data, labels)


def items(dataset, count):
    pairs = [dataset.method("__getitem__", i) for i in range(count)]
    for pair in pairs[:1]:
        check(
            isinstance(pair, (tuple, list)) and len(pair) == 2,
            "dataset[i] must return a pair (features, label).",
            "dataset[i] は (特徴量, ラベル) の組を返す必要があります。",
            expected=both("(features, label)", "(特徴量, ラベル)"),
            actual=type(pair).__name__,
        )
    return pairs


def as_array(value, what):
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, np.ndarray):
        return value
    fail(
        f"{what} must be a tensor or an array.",
        f"{what} はテンソルか配列である必要があります。",
        expected="torch.Tensor",
        actual=type(value).__name__,
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Length, shapes and dtypes", ja="長さ・形状・データ型")
def test_length_and_item_types(submission, arrays):
    dataset = build(submission, *arrays)
    length = dataset.method("__len__")
    check(
        length == ROWS,
        "len(dataset) must be the number of samples.",
        "len(dataset) はサンプル数を返す必要があります。",
        expected=ROWS,
        actual=length,
    )
    features, label = items(dataset, 1)[0]
    for value, name, dtype, shape in (
        (features, "features", "float32", (FEATURES,)),
        (label, "label", "int64", ()),
    ):
        check(
            isinstance(value, Tensor),
            f"The {name} must be a PyTorch tensor.",
            f"{name} は PyTorch のテンソルにしてください。",
            expected="torch.Tensor",
            actual=type(value).__name__,
        )
        check(
            value.dtype == dtype,
            f"The {name} tensor has the wrong dtype.",
            f"{name} テンソルのデータ型が違います。",
            expected=f"torch.{dtype}",
            actual=f"torch.{value.dtype}",
        )
        check(
            value.shape == shape,
            f"The {name} tensor has the wrong shape.",
            f"{name} テンソルの形状が違います。",
            expected=shape,
            actual=value.shape,
        )


def attach_column_statistics(found):
    """Mean and (population) std of each column of what the dataset returned, computed here:
    after standardisation every column has mean 0 and std 1."""
    values = np.asarray(found, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] == 0:
        return
    means, stds = values.mean(axis=0), values.std(axis=0)
    columns = range(1, values.shape[1] + 1)
    attach_chart(
        Chart(
            title=Text(
                en="Per-column mean and std of your features (expected 0 and 1)",
                ja="返された特徴量の列ごとの平均と標準偏差(期待値は 0 と 1)",
            ),
            kind="bar",
            series=(
                Series(
                    Text(en="your mean", ja="あなたの平均"),
                    list(zip(columns, means, strict=True)),
                    "learner",
                ),
                Series(
                    Text(en="expected mean", ja="期待される平均"),
                    [(c, 0.0) for c in columns],
                    "reference",
                ),
                Series(
                    Text(en="your std", ja="あなたの標準偏差"),
                    list(zip(columns, stds, strict=True)),
                    "learner",
                ),
                Series(
                    Text(en="expected std", ja="期待される標準偏差"),
                    [(c, 1.0) for c in columns],
                    "reference",
                ),
            ),
            x_label=Text(en="feature column", ja="特徴量の列"),
            y_label=Text(en="value", ja="値"),
        )
    )
    off = [
        index
        for index in range(len(means))
        if not (abs(means[index]) <= 1e-3 and abs(stds[index] - 1.0) <= 1e-3)
    ]
    attach_table(
        Table(
            title=Text(
                en=f"Per-column statistics of the {len(values)} samples your dataset returned",
                ja=f"データセットが返した {len(values)} サンプルの列ごとの統計量",
            ),
            header=[
                Text(en="column", ja="列"),
                Text(en="mean", ja="平均"),
                Text(en="std (ddof=0)", ja="標準偏差 (ddof=0)"),
                Text(en="expected", ja="期待値"),
            ],
            rows=[
                [str(column), f"{round(mean, 4) + 0.0:.4f}", f"{std:.4f}", "0 / 1"]
                for column, mean, std in zip(columns, means, stds, strict=True)
            ],
            highlight=off,
        )
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Features are standardised per column", ja="特徴量が列ごとに標準化されている")
def test_standardised_values(submission, arrays):
    data, labels = arrays
    dataset = build(submission, data, labels)
    found = np.stack([as_array(f, "features") for f, _ in items(dataset, ROWS)])
    attach_column_statistics(found)
    check_close(
        found,
        standardised(data),
        "Each column must become (value - mean) / std, with the population std (ddof=0).",
        "各列を (値 - 平均) / 標準偏差(母標準偏差, ddof=0)に変換してください。",
        atol=1e-4,
    )
    # Each label flattened: a wrong label shape is the shape check's finding, not this one's.
    found_labels = np.concatenate(
        [as_array(y, "label").reshape(-1) for _, y in items(dataset, ROWS)]
    )
    check(
        np.array_equal(found_labels, labels),
        "Labels must stay with their samples, unchanged.",
        "ラベルは対応するサンプルと同じ順序で、値を変えずに返してください。",
    )


@pytest.mark.points(1)
@pytest.mark.title(en="mean and std attributes", ja="mean と std 属性")
def test_mean_and_std_attributes(submission, arrays):
    data, labels = arrays
    dataset = build(submission, data, labels)
    for name, reference in (("mean", data.mean(axis=0)), ("std", data.std(axis=0))):
        value = np.asarray(as_array(dataset.attr(name), name), dtype=np.float64).reshape(-1)
        check(
            value.shape == reference.shape,
            f"dataset.{name} must hold one value per feature.",
            f"dataset.{name} には特徴量ごとに 1 つの値が必要です。",
            expected=reference.shape,
            actual=value.shape,
        )
        gap = float(np.max(np.abs(value - reference) / np.abs(reference)))
        check(
            gap < 1e-4,
            f"dataset.{name} differs from the per-column {name} of the data"
            + (" (population std uses ddof=0)" if name == "std" else "")
            + ".",
            f"dataset.{name} が列ごとの値と一致しません"
            + ("(母標準偏差は ddof=0)" if name == "std" else "")
            + "。",
            expected=np.round(reference, 4).tolist(),
            actual=np.round(value, 4).tolist(),
        )


@pytest.mark.points(2)
@pytest.mark.title(
    en="A constant column gives no NaN or inf", ja="定数列でも NaN や inf にならない"
)
def test_constant_column(submission, arrays):
    data, labels = arrays
    constant = data.copy()
    constant[:, 2] = 3.0
    dataset = build(submission, constant, labels)
    found = np.stack([as_array(f, "features") for f, _ in items(dataset, ROWS)])
    check(
        np.all(np.isfinite(found)),
        "A column whose values are all equal produced NaN or inf: add a small epsilon to the std.",
        "すべて同じ値の列で NaN や inf が出ました。標準偏差に小さな ε を加えてください。",
        expected=both("finite values", "有限の値"),
        actual=both(
            f"{int(np.sum(~np.isfinite(found)))} non-finite values",
            f"有限でない値が {int(np.sum(~np.isfinite(found)))} 個",
        ),
    )
    check_close(
        found[:, 2],
        np.zeros(ROWS),
        "A constant column must become zeros.",
        "定数列は 0 になる必要があります。",
        atol=1e-4,
    )


@pytest.mark.points(2)
@pytest.mark.title(en="Batches through a DataLoader", ja="DataLoader でのバッチ")
def test_dataloader_batches(submission, arrays):
    data, labels = arrays
    dataset = build(submission, data, labels)
    batches = submission.helper("dataloader_batches", dataset, 16)
    sizes = [as_array(b[0], "batch").shape for b in batches]
    expected = [(16, FEATURES)] * (ROWS // 16) + [(ROWS % 16, FEATURES)]
    check(
        sizes == expected,
        "DataLoader(dataset, batch_size=16) gave batches of the wrong shape.",
        "DataLoader(dataset, batch_size=16) のバッチの形状が違います。",
        expected=expected,
        actual=sizes,
    )
    stacked = np.concatenate([as_array(b[0], "batch") for b in batches])
    single = np.stack([as_array(f, "features") for f, _ in items(dataset, ROWS)])
    check_close(
        stacked,
        single,
        "The batches must hold the same rows as dataset[i].",
        "バッチの内容は dataset[i] と同じである必要があります。",
        atol=1e-6,
    )
    batch_labels = np.concatenate([as_array(b[1], "labels").reshape(-1) for b in batches])
    check(
        np.array_equal(batch_labels, labels),
        "Batched labels do not match the samples.",
        "バッチのラベルがサンプルと一致しません。",
    )


@pytest.mark.points(1)
@pytest.mark.title(en="The caller's array is not modified", ja="呼び出し元の配列を変更しない")
def test_input_not_modified(submission, arrays):
    data, labels = arrays
    remote_data = submission.put(data.copy())
    build(submission, remote_data, labels)
    after = remote_data.attr()
    check(
        np.array_equal(after, data),
        "Creating the dataset changed the array that was passed in.",
        "データセットを作ると、渡した配列そのものが書き換えられていました。",
        expected=both("the original values", "元の値"),
        actual=both(
            f"largest change {float(np.max(np.abs(after - data))):.4g}",
            f"最大の変化 {float(np.max(np.abs(after - data))):.4g}",
        ),
    )
