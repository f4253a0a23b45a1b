"""Hidden-layer activation functions, each with its derivative."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# Derivatives take both z and a = f(z): several are simplest written in terms of a.
Forward = Callable[[np.ndarray], np.ndarray]
Derivative = Callable[[np.ndarray, np.ndarray], np.ndarray]

LEAKY_SLOPE = 0.01
# A Python float, not np.float64: a NumPy scalar would turn float32 arrays into float64.
_GELU_C = math.sqrt(2.0 / math.pi)


@dataclass(frozen=True)
class Activation:
    """An activation f with its derivative f'(z), expressed from z and a = f(z)."""

    name: str
    f: Forward
    df: Derivative
    max_slope: float  # sup |f'(z)|: the factor a layer can contribute to the chain rule


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid, without overflow for large |z|."""
    # sigma(z) = (1 + tanh(z/2)) / 2: exact algebraically, and tanh never overflows.
    return np.tanh(z * 0.5) * 0.5 + 0.5


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    # With a slope below 1, max(z, slope*z) is z for z > 0 and slope*z otherwise.
    return np.maximum(z, z * LEAKY_SLOPE)


def _elu(z: np.ndarray) -> np.ndarray:
    # expm1 of a clipped argument, so exp(z) for large positive z is never computed.
    # e^z - 1 >= z for every z, so the maximum picks e^z - 1 exactly where z <= 0.
    return np.maximum(z, np.expm1(np.minimum(z, 0)))


def _gelu(z: np.ndarray) -> np.ndarray:
    return 0.5 * z * (1.0 + np.tanh(_GELU_C * (z + 0.044715 * z**3)))


def _softsign(z: np.ndarray) -> np.ndarray:
    return z / (1.0 + np.abs(z))


def _linear(z: np.ndarray) -> np.ndarray:
    return z


def _d_sigmoid(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _d_tanh(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


# relu, leaky relu and elu: a > 0 exactly where z > 0, so their slopes follow from a.
def _d_relu(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(a.dtype)


def _d_leaky_relu(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.where(a > 0, 1.0, LEAKY_SLOPE).astype(a.dtype)


def _d_elu(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # For z <= 0, f(z) = e^z - 1, so f'(z) = e^z = a + 1.
    return np.where(a > 0, 1.0, a + 1.0).astype(a.dtype)


def _d_gelu(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    u = _GELU_C * (z + 0.044715 * z**3)
    t = np.tanh(u)
    du = _GELU_C * (1.0 + 3 * 0.044715 * z * z)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du


def _d_softsign(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    d = 1.0 + np.abs(z)
    return 1.0 / (d * d)


def _d_linear(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.ones_like(a)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("sigmoid", sigmoid, _d_sigmoid, 0.25),
        Activation("tanh", _tanh, _d_tanh, 1.0),
        Activation("relu", _relu, _d_relu, 1.0),
        Activation("leaky_relu", _leaky_relu, _d_leaky_relu, 1.0),
        Activation("elu", _elu, _d_elu, 1.0),
        Activation("gelu", _gelu, _d_gelu, 1.13),
        Activation("softsign", _softsign, _d_softsign, 1.0),
        Activation("linear", _linear, _d_linear, 1.0),
    ]
}
