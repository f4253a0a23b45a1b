"""Built-in data sets and users' uploaded tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine import DATASETS, TableError, dataset_from_table, make_dataset
from engine.training.datasets import (
    MAX_SAMPLES,
    MAX_UPLOAD_BYTES,
    MIN_SAMPLES,
    numeric_columns,
    read_table,
)

TASKS = {
    "circle": "binary",
    "xor": "binary",
    "blobs": "binary",
    "spiral": "binary",
    "moons": "binary",
    "spiral3": "multiclass",
    "plane": "regression",
    "sine": "regression",
}


def test_every_dataset_is_listed():
    assert set(DATASETS) == set(TASKS)


@pytest.mark.parametrize("name", DATASETS)
def test_shapes_and_task(name):
    d = make_dataset(name, samples=200, noise=0.1, train_share=0.7, seed=0)
    assert d.task == TASKS[name]
    assert d.X_train.shape == (140, 2) and d.X_test.shape == (60, 2)
    assert d.y_train.shape == (140,) and d.y_test.shape == (60,)
    assert np.all(np.isfinite(d.X)) and np.all(np.abs(d.X) < 2.5)
    assert d.X.shape == (200, 2)
    y = np.concatenate([d.y_train, d.y_test])
    if d.task == "binary":
        assert set(np.unique(y)) == {0, 1} and d.n_outputs == 1
        assert abs(y.mean() - 0.5) < 0.1  # balanced classes
    elif d.task == "multiclass":
        assert set(np.unique(y)) == {0, 1, 2} and d.n_outputs == 3 and d.n_classes == 3
    else:
        assert d.n_outputs == 1 and np.all(np.isfinite(y)) and y.std() > 0.1


@pytest.mark.parametrize("name", DATASETS)
def test_same_seed_same_data_other_seed_other_data(name):
    a = make_dataset(name, 100, 0.2, 0.5, seed=3)
    b = make_dataset(name, 100, 0.2, 0.5, seed=3)
    c = make_dataset(name, 100, 0.2, 0.5, seed=4)
    for field in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize("name", DATASETS)
def test_noise_moves_the_points_and_zero_noise_is_clean(name):
    clean = make_dataset(name, 100, 0.0, 0.5, seed=1)
    noisy = make_dataset(name, 100, 0.3, 0.5, seed=1)
    if clean.task == "regression":
        assert not np.allclose(clean.y_train, noisy.y_train)
    else:
        assert not np.allclose(clean.X_train, noisy.X_train)


def test_clean_datasets_follow_their_rules():
    xor = make_dataset("xor", 400, 0.0, 0.5, seed=0)
    np.testing.assert_array_equal(xor.y_train, xor.X_train[:, 0] * xor.X_train[:, 1] > 0)
    circle = make_dataset("circle", 400, 0.0, 0.5, seed=0)
    r = np.hypot(*circle.X_train.T)
    assert np.all((r < 0.5) == (circle.y_train == 1))
    plane = make_dataset("plane", 100, 0.0, 0.5, seed=0)
    np.testing.assert_allclose(plane.y_train, plane.X_train @ [0.5, 0.3])


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_split_sizes(share):
    d = make_dataset("circle", 20, 0.1, share, seed=0)
    assert len(d.X_train) == round(20 * share) and len(d.X_train) + len(d.X_test) == 20


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="unknown data set"):
        make_dataset("mnist")


def table(n: int = 50, seed: int = 0, **extra) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "height": rng.normal(170, 10, n),
            "weight": rng.normal(70, 15, n),
            "label": np.arange(n) % 2,
            "grade": np.arange(n) % 4 + 1,
            "price": rng.normal(100, 20, n),
        }
    )
    for k, v in extra.items():
        df[k] = v
    return df


@pytest.mark.parametrize(
    ("target", "task", "n_outputs"),
    [("label", "binary", 1), ("grade", "multiclass", 4), ("price", "regression", 1)],
)
def test_good_table(target, task, n_outputs):
    d = dataset_from_table(table(), ("height", "weight"), target, train_share=0.8, seed=0)
    assert (d.task, d.n_outputs) == (task, n_outputs)
    assert len(d.X_train) == 40 and len(d.X_test) == 10
    # Features are standardised over the whole table.
    np.testing.assert_allclose(d.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(d.X.std(axis=0), 1, atol=1e-12)
    assert d.feature_names == ("height", "weight") and d.target_name == target
    if task != "regression":
        y = np.concatenate([d.y_train, d.y_test])
        assert set(np.unique(y)) == set(range(max(n_outputs, 2)))


def test_class_labels_are_renumbered_from_zero():
    df = table(label=np.where(np.arange(50) % 2, 7, -3))
    d = dataset_from_table(df, ("height", "weight"), "label")
    assert set(np.unique(np.concatenate([d.y_train, d.y_test]))) == {0, 1}


def test_a_class_only_in_the_test_split_still_gets_an_output():
    # 20 rows, one of them the only member of class 2: whichever split it lands in, the
    # network needs three outputs or that row's target has nowhere to go.
    df = table(20, label=np.r_[np.zeros(10), np.ones(9), [2]])
    for seed in range(6):
        d = dataset_from_table(df, ("height", "weight"), "label", seed=seed)
        assert d.task == "multiclass" and d.n_outputs == 3


def test_numeric_text_is_accepted():
    df = table().astype({"height": str})
    d = dataset_from_table(df, ("height", "weight"), "label")
    assert d.task == "binary"


BAD = {
    "missing column": (lambda df: df, ("height", "nope"), "label", "not found: nope"),
    "text": (
        lambda df: df.assign(height=["tall"] * 3 + list(df.height[3:])),
        ("height", "weight"),
        "label",
        "'height' has 3 value",
    ),
    "NaN": (
        lambda df: df.assign(weight=[np.nan] + list(df.weight[1:])),
        ("height", "weight"),
        "label",
        "'weight' has 1 value",
    ),
    "infinite": (
        lambda df: df.assign(weight=[np.inf] + list(df.weight[1:])),
        ("height", "weight"),
        "label",
        "infinite",
    ),
    "empty": (lambda df: df.iloc[:0], ("height", "weight"), "label", "empty"),
    "too few rows": (
        lambda df: df.iloc[: MIN_SAMPLES - 1],
        ("height", "weight"),
        "label",
        f"{MIN_SAMPLES - 1} rows; at least {MIN_SAMPLES}",
    ),
    "too many rows": (
        lambda df: pd.concat([df] * 41).iloc[: MAX_SAMPLES + 1],
        ("height", "weight"),
        "label",
        f"at most {MAX_SAMPLES}",
    ),
    "constant column": (
        lambda df: df.assign(height=1.0),
        ("height", "weight"),
        "label",
        "same value in every row",
    ),
    "one-valued target": (
        lambda df: df.assign(label=1),
        ("height", "weight"),
        "label",
        "only one value",
    ),
    "same column twice": (lambda df: df, ("height", "height"), "label", "two different"),
    "feature as target": (lambda df: df, ("height", "weight"), "weight", "two different"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_tables_are_refused_with_a_clear_message(kind):
    change, features, target, message = BAD[kind]
    with pytest.raises(TableError, match=message.replace("(", r"\(")):
        dataset_from_table(change(table()), features, target)


def test_none_table_is_refused():
    with pytest.raises(TableError, match="empty"):
        dataset_from_table(None, ("a", "b"), "c")


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def test_read_table_reads_a_csv():
    df = read_table(csv_bytes(table()))
    assert list(df.columns) == ["height", "weight", "label", "grade", "price"]
    assert len(df) == 50
    assert numeric_columns(df) == ["height", "weight", "label", "grade", "price"]
    assert numeric_columns(df.assign(name="x")) == ["height", "weight", "label", "grade", "price"]


def test_read_table_stops_after_the_row_limit():
    df = read_table(csv_bytes(pd.concat([table()] * 50)))  # 2500 rows, under 1 MB
    assert len(df) == MAX_SAMPLES + 1  # enough for dataset_from_table to say "too many"
    with pytest.raises(TableError, match="at most"):
        dataset_from_table(df, ("height", "weight"), "label")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"x" * (MAX_UPLOAD_BYTES + 1), "limit is 1 MB"),
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a readable CSV"),
        (bytes(range(256)) * 10, "not a readable CSV"),
        (b"only,two\n1,2\n3,4\n", "at least three columns"),
        (b"a,b,c\n", "at least three columns"),
        (b'{"a": 1, "b": [1, 2]}', "at least three columns"),
        (b"<html><body><table></table></body></html>", "at least three columns"),
    ],
)
def test_read_table_refuses_bad_files(data, message):
    with pytest.raises(TableError, match=message):
        read_table(data)
