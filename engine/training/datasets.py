"""Toy data sets in two dimensions, and users' own tables."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CLASSIFICATION = ("circle", "xor", "blobs", "spiral", "moons")
MULTICLASS = ("spiral3",)
REGRESSION = ("plane", "sine")
DATASETS = CLASSIFICATION + MULTICLASS + REGRESSION


MIN_SAMPLES, MAX_SAMPLES = 20, 2000
MAX_UPLOAD_BYTES = 1_000_000


@dataclass(frozen=True, eq=False)
class Dataset:
    """Train and test splits of 2-D inputs with targets, and what kind of task they pose."""

    name: str
    task: str  # "binary" | "multiclass" | "regression"
    X_train: np.ndarray
    y_train: np.ndarray  # binary: (n,) 0/1; multiclass: (n,) int labels; regression: (n,)
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: tuple[str, ...] = ("x1", "x2")
    target_name: str = "y"

    @property
    def n_classes(self) -> int:
        """Number of classes (1 output unit for binary and regression)."""
        if self.task != "multiclass":
            return 1
        # Both splits: a class whose few rows all landed in the test set still needs an output.
        return int(max(self.y_train.max(), self.y_test.max(initial=0))) + 1

    @property
    def n_outputs(self) -> int:
        """Width of the output layer this task needs."""
        return self.n_classes if self.task == "multiclass" else 1

    @property
    def X(self) -> np.ndarray:
        """All inputs, train then test."""
        return np.concatenate([self.X_train, self.X_test])


def task_of(name: str) -> str:
    """The task a built-in data set (or upload_<task>) poses."""
    if name.startswith("upload_"):
        return name.removeprefix("upload_")
    if name in MULTICLASS:
        return "multiclass"
    if name in REGRESSION:
        return "regression"
    return "binary"


def _circle(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # Half the points inside radius 0.5, half in the ring 0.7..1 (as TF Playground).
    y = np.arange(n) % 2
    r = np.where(y == 1, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[r * np.cos(t), r * np.sin(t)], y


def _xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, 2))
    X += np.sign(X) * 0.05  # a small margin around the axes
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _blobs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    centres = np.where(y[:, None] == 1, [0.5, 0.5], [-0.5, -0.5])
    return centres + rng.normal(0, 0.25, (n, 2)), y


def _spiral_arms(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % k
    r = rng.uniform(0.05, 1.0, n)
    t = 1.75 * 2 * np.pi * r + y * 2 * np.pi / k
    return np.c_[r * np.sin(t), r * np.cos(t)], y


def _moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    t = rng.uniform(0, np.pi, n)
    X = np.where(
        np.equal(y[:, None], 0),
        np.c_[np.cos(t), np.sin(t)],
        np.c_[1 - np.cos(t), 0.5 - np.sin(t)],
    )
    return (np.asarray(X) - [0.5, 0.25]) * [0.8, 1.2], y


def _plane(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, 2))
    return X, 0.5 * X[:, 0] + 0.3 * X[:, 1]


def _sine(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, 2))
    return X, np.sin(np.pi * X[:, 0]) * 0.8 + 0.2 * X[:, 1]


_GENERATORS = {
    "circle": _circle,
    "xor": _xor,
    "blobs": _blobs,
    "spiral": lambda n, rng: _spiral_arms(n, 2, rng),
    "moons": _moons,
    "spiral3": lambda n, rng: _spiral_arms(n, 3, rng),
    "plane": _plane,
    "sine": _sine,
}


def make_dataset(
    name: str, samples: int = 300, noise: float = 0.1, train_share: float = 0.7, seed: int = 0
) -> Dataset:
    """A built-in data set: inputs in about [-1, 1]^2, noise as a Gaussian std."""
    if name not in _GENERATORS:
        raise ValueError(f"unknown data set {name!r}; choose one of {DATASETS}")
    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[name](int(samples), rng)
    task = task_of(name)
    if task == "regression":
        y = y + rng.normal(0, noise, len(y))
    else:
        X = X + rng.normal(0, noise, X.shape)
    return _split(name, task, X, y, train_share, rng)


def _split(
    name: str,
    task: str,
    X: np.ndarray,
    y: np.ndarray,
    train_share: float,
    rng: np.random.Generator,
    feature_names: tuple[str, ...] = ("x1", "x2"),
    target_name: str = "y",
) -> Dataset:
    order = rng.permutation(len(X))
    n_train = min(max(1, round(len(X) * train_share)), len(X) - 1)
    tr, te = order[:n_train], order[n_train:]
    return Dataset(
        name, task, X[tr], y[tr], X[te], y[te], feature_names=feature_names, target_name=target_name
    )


class TableError(ValueError):
    """A user's table cannot be used as a data set; the message says why."""


def dataset_from_table(
    df: pd.DataFrame,
    features: tuple[str, str],
    target: str,
    train_share: float = 0.7,
    seed: int = 0,
) -> Dataset:
    """A data set from two numeric feature columns and a target column of a user's table.

    Features are standardised. A target with at most 10 distinct integer values is a
    class label (2 values: binary); anything else numeric is a regression target,
    standardised too.
    """
    import pandas as pd  # on demand: training itself needs only numpy

    if df is None or df.empty:
        raise TableError("The table is empty.")
    cols = [*features, target]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise TableError(f"Column(s) not found: {', '.join(map(str, missing))}.")
    if len(set(cols)) < 3:
        raise TableError("Pick two different feature columns and a separate target column.")
    if len(df) < MIN_SAMPLES:
        raise TableError(f"The table has {len(df)} rows; at least {MIN_SAMPLES} are needed.")
    if len(df) > MAX_SAMPLES:
        raise TableError(f"The table has {len(df)} rows; at most {MAX_SAMPLES} are allowed.")
    values = {}
    for c in cols:
        col = pd.to_numeric(df[c], errors="coerce")
        bad = int(col.isna().sum())
        if bad:
            raise TableError(
                f"Column {c!r} has {bad} value(s) that are missing or not numbers; "
                "clean them and upload again."
            )
        arr = col.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            raise TableError(f"Column {c!r} contains infinite values.")
        values[c] = arr
    X = np.c_[values[features[0]], values[features[1]]]
    std = X.std(axis=0)
    if np.any(std == 0):
        raise TableError("A feature column has the same value in every row.")
    X = (X - X.mean(axis=0)) / std
    y = values[target]
    distinct = np.unique(y)
    if len(distinct) < 2:
        raise TableError(f"The target {target!r} has only one value; there is nothing to learn.")
    is_label = len(distinct) <= 10 and np.all(distinct == np.round(distinct))
    if is_label:
        y = np.searchsorted(distinct, y)
        task = "binary" if len(distinct) == 2 else "multiclass"
    else:
        # Standardised like the features, so the default learning rates suit any units.
        y = (y - y.mean()) / y.std()
        task = "regression"
    rng = np.random.default_rng(seed)
    return _split("upload", task, X, y, train_share, rng, tuple(map(str, features)), str(target))


def read_table(data: bytes) -> pd.DataFrame:
    """Parse an uploaded CSV file, enforcing the size limit."""
    import pandas as pd  # on demand: training itself needs only numpy

    if len(data) > MAX_UPLOAD_BYTES:
        raise TableError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )
    if not data.strip():
        raise TableError("The file is empty.")
    try:
        df = pd.read_csv(io.BytesIO(data), nrows=MAX_SAMPLES + 1)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise TableError(f"This is not a readable CSV file ({type(err).__name__}).") from err
    if df.empty or df.shape[1] < 3:
        raise TableError("The CSV needs a header row and at least three columns.")
    return df


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns whose every value parses as a number."""
    import pandas as pd  # on demand: training itself needs only numpy

    return [str(c) for c in df.columns if pd.to_numeric(df[c], errors="coerce").notna().all()]
