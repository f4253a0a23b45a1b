"""Central finite-difference check of the network's analytic gradients."""

from __future__ import annotations

import numpy as np

from engine.core.losses import loss_and_dlogits
from engine.core.network import Network


def _loss(net: Network, X: np.ndarray, Y: np.ndarray, loss: str, masks: list) -> float:
    # Forward pass and loss only: the finite difference needs no backward pass.
    trace = net.forward(X, masks)
    return loss_and_dlogits(loss, net.output, trace.logits, trace.y_hat, Y)[0]


def numerical_grad(
    net: Network, X: np.ndarray, Y: np.ndarray, loss: str, name: str, masks=None, eps: float = 1e-6
) -> np.ndarray:
    """dL/d(param `name`) by central differences, one entry at a time."""
    fixed = masks if masks is not None else [None] * net.depth
    Yt = net.targets(Y)
    param = net.params[name]
    grad = np.zeros_like(param, dtype=np.float64)
    for idx in np.ndindex(param.shape):
        old = param[idx]
        param[idx] = old + eps
        plus = _loss(net, X, Yt, loss, fixed)
        param[idx] = old - eps
        minus = _loss(net, X, Yt, loss, fixed)
        param[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||a - n|| / (||a|| + ||n||), and 0 when both are zero."""
    denom = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if denom == 0 else float(np.linalg.norm(analytic - numeric) / denom)


def gradcheck(
    net: Network, X: np.ndarray, Y: np.ndarray, loss: str = "mse", masks=None, eps: float = 1e-6
) -> dict[str, float]:
    """Relative error between analytic and numerical gradient for every parameter.

    Needs a float64 network; dropout is checked with the fixed `masks` given.
    """
    if net.dtype != np.float64:
        raise ValueError("gradcheck needs a float64 network")
    fixed = masks if masks is not None else [None] * net.depth
    _, analytic = net.loss_and_grads(X, Y, loss, masks=fixed)
    analytic = analytic.copy()
    return {
        name: relative_error(analytic[name], numerical_grad(net, X, Y, loss, name, fixed, eps))
        for name in net.params
    }
