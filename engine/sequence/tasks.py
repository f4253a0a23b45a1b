"""Sequence tasks whose answer depends on an early input, generated from a seed."""

from __future__ import annotations

import numpy as np

TASKS = ("copy_first", "adding")
TASK_LABELS = {
    "copy_first": "Copy the first value",
    "adding": "Add the two marked values",
}
# Inputs per time step: the value, and for the adding problem a marker channel.
TASK_INPUTS = {"copy_first": 1, "adding": 2}
# The loss of always answering 0, the mean target: the variance of the target.
# copy_first: Var(U[-1, 1]) = 1/3; adding: the sum of two of them, 2/3.
BASELINE_LOSS = {"copy_first": 1.0 / 3.0, "adding": 2.0 / 3.0}
MIN_LENGTH = 2  # the adding problem needs a first half and a second half


def make_batch(
    task: str, batch: int, length: int, rng: np.random.Generator, dtype=np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of sequences X (batch, length, n_in) and targets Y (batch, 1).

    copy_first: values x_t ~ U[-1, 1], target x_0.
    adding (Hochreiter & Schmidhuber 1997; as in Le et al. 2015): values ~ U[-1, 1] and a
    marker channel that is 1 at one position of the first half and one of the second half;
    the target is the sum of the two marked values.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if length < MIN_LENGTH or batch < 1:
        raise ValueError(
            f"need a sequence length of at least {MIN_LENGTH} and a batch of at least 1, "
            f"got length {length} and batch {batch}"
        )
    values = rng.uniform(-1.0, 1.0, size=(batch, length))
    if task == "copy_first":
        return values[:, :, None].astype(dtype), values[:, :1].astype(dtype)
    half = length // 2
    rows = np.arange(batch)
    first = rng.integers(0, half, size=batch)
    second = rng.integers(half, length, size=batch)
    markers = np.zeros((batch, length))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=2)
    Y = (values[rows, first] + values[rows, second])[:, None]
    return X.astype(dtype), Y.astype(dtype)


def early_positions(task: str, X: np.ndarray) -> np.ndarray:
    """(batch,): the early position each sample's answer depends on."""
    if task == "copy_first":
        return np.zeros(X.shape[0], dtype=int)
    return np.argmax(X[:, :, 1], axis=1)  # the first marker


def needed_positions(task: str, x: np.ndarray) -> list[int]:
    """The positions of one sequence x (T, n_in) whose values make up the answer."""
    if task == "copy_first":
        return [0]
    return [int(t) for t in np.flatnonzero(x[:, 1])]
