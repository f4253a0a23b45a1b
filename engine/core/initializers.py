"""Weight initialisations; every one draws W of shape (fan_in, fan_out)."""

from __future__ import annotations

import numpy as np

INITS = (
    "standard",
    "xavier_uniform",
    "xavier_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "normal",
)


def init_weights(
    name: str, fan_in: int, fan_out: int, rng: np.random.Generator, std: float = 0.01
) -> np.ndarray:
    """Draw a (fan_in, fan_out) weight matrix in float64."""
    shape = (fan_in, fan_out)
    if name == "standard":
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, shape)
    if name == "xavier_uniform":
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-bound, bound, shape)
    if name == "xavier_normal":
        return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
    if name == "he_normal":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
    if name == "he_uniform":
        bound = np.sqrt(6.0 / fan_in)
        return rng.uniform(-bound, bound, shape)
    if name == "lecun_normal":
        return rng.normal(0.0, np.sqrt(1.0 / fan_in), shape)
    if name == "normal":
        return rng.normal(0.0, std, shape)
    raise ValueError(f"unknown initialisation {name!r}; choose one of {INITS}")
