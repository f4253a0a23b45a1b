"""Per-sample losses and the loss of one output unit as a curve over its pre-activation.

Everything goes through engine.core.losses, so the curves are the engine's own definitions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.losses import apply_output, check_pair, loss_and_dlogits

# The losses drawn side by side, each with the output function it follows in the curve.
# Cosine needs two output units: with one unit, cos(y_hat, y) is only the sign of y_hat * y.
CURVE_OUTPUTS: dict[str, str] = {"mse": "sigmoid", "bce": "sigmoid", "cosine": "softmax"}


@dataclass(frozen=True)
class LossCurve:
    """One sample's loss and its gradient as the output pre-activation z varies."""

    loss: str
    output: str
    target: float
    z: np.ndarray  # pre-activation of the output unit (for cosine: the logit difference)
    y_hat: np.ndarray  # predicted probability of class 1
    value: np.ndarray  # loss of the sample
    dz: np.ndarray  # dL/dz


def z_grid(lo: float = -8.0, hi: float = 8.0, n: int = 401) -> np.ndarray:
    """Evenly spaced output pre-activations for drawing curves."""
    return np.linspace(lo, hi, n)


def per_sample_loss(loss: str, output: str, logits: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The loss of each row on its own; their mean is the batch loss."""
    check_pair(loss, output)
    y_hat = apply_output(output, logits)
    return np.array(
        [
            loss_and_dlogits(loss, output, logits[i : i + 1], y_hat[i : i + 1], Y[i : i + 1])[0]
            for i in range(logits.shape[0])
        ]
    )


def _curve_inputs(loss: str, z: np.ndarray, target: float) -> tuple[np.ndarray, np.ndarray]:
    """Logits and targets of a batch with one sample per z."""
    n = z.shape[0]
    if CURVE_OUTPUTS[loss] == "softmax":
        # Two units with logits (0, z): softmax gives (1 - sigmoid(z), sigmoid(z)), and
        # softmax ignores a shift, so z is the logit difference of the two units.
        logits = np.column_stack([np.zeros(n), z])
        Y = np.tile([1.0 - target, target], (n, 1))
    else:
        logits = z.reshape(-1, 1)
        Y = np.full((n, 1), float(target))
    return logits, Y


def loss_curve(loss: str, z: np.ndarray, target: float = 1.0) -> LossCurve:
    """Loss and dL/dz of a single sample with the given target, at each pre-activation z."""
    if loss not in CURVE_OUTPUTS:
        raise ValueError(f"no curve for loss {loss!r}; choose one of {tuple(CURVE_OUTPUTS)}")
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    output = CURVE_OUTPUTS[loss]
    logits, Y = _curve_inputs(loss, z, target)
    y_hat = apply_output(output, logits)
    # The engine's gradient is of the batch mean, so each row carries a factor 1/n; every
    # row depends on its own logits only, so n times the row is that sample's gradient.
    _, d_logits = loss_and_dlogits(loss, output, logits, y_hat, Y)
    return LossCurve(
        loss=loss,
        output=output,
        target=float(target),
        z=z,
        y_hat=y_hat[:, -1],
        value=per_sample_loss(loss, output, logits, Y),
        dz=d_logits[:, -1] * z.shape[0],
    )


def loss_curves(z: np.ndarray, target: float = 1.0) -> dict[str, LossCurve]:
    """The curves of every loss in CURVE_OUTPUTS over the same pre-activations."""
    return {name: loss_curve(name, z, target) for name in CURVE_OUTPUTS}
