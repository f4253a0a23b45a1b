"""Losses and output functions, paired so the output gradient is computed stably."""

from __future__ import annotations

import numpy as np

from engine.core.activations import sigmoid

OUTPUTS = ("identity", "sigmoid", "softmax")
LOSSES = ("mse", "bce", "cross_entropy", "cosine")

# Which output function each loss may follow. bce and cross_entropy are computed from
# the logits (log-sum-exp form), so they need the matching output.
VALID_OUTPUTS: dict[str, tuple[str, ...]] = {
    "mse": ("identity", "sigmoid", "softmax"),
    "bce": ("sigmoid",),
    "cross_entropy": ("softmax",),
    "cosine": ("identity", "sigmoid", "softmax"),
}

COSINE_EPS = 1e-8  # as torch.nn.CosineSimilarity


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row max so exp never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def apply_output(name: str, logits: np.ndarray) -> np.ndarray:
    """Output function g applied to the output layer's pre-activation."""
    if name == "identity":
        return logits
    if name == "sigmoid":
        return sigmoid(logits)
    if name == "softmax":
        return softmax(logits)
    raise ValueError(f"unknown output {name!r}; choose one of {OUTPUTS}")


def check_pair(loss: str, output: str) -> None:
    """Raise ValueError unless the loss can follow this output function."""
    if loss not in VALID_OUTPUTS:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    if output not in VALID_OUTPUTS[loss]:
        raise ValueError(
            f"loss {loss!r} needs output {' or '.join(VALID_OUTPUTS[loss])}, not {output!r}"
        )


def one_hot_targets(Y: np.ndarray, n_out: int, dtype: np.dtype) -> np.ndarray:
    """Targets as a (batch, n_out) float array; integer class labels become one-hot."""
    Y = np.asarray(Y)
    if Y.ndim == 1 or (Y.ndim == 2 and Y.shape[1] == 1 and n_out > 1):
        labels = Y.reshape(-1).astype(np.int64)
        out = np.zeros((labels.shape[0], n_out), dtype=dtype)
        out[np.arange(labels.shape[0]), labels] = 1
        return out
    return Y.astype(dtype, copy=False)


def loss_and_dlogits(
    loss: str, output: str, logits: np.ndarray, y_hat: np.ndarray, Y: np.ndarray
) -> tuple[float, np.ndarray]:
    """Loss value and dL/dlogits for a batch; Y has the shape of y_hat."""
    n, k = logits.shape
    if loss == "mse":
        # Mean over batch and output units, like torch.nn.MSELoss.
        diff = y_hat - Y
        value = float(np.vdot(diff, diff)) / (n * k)
        dy = diff * (2.0 / (n * k))
    elif loss == "bce":
        # log(1 + e^z) - y z, written with |z| so neither term overflows.
        z = logits
        value = float(np.mean(np.maximum(z, 0) - z * Y + np.log1p(np.exp(-np.abs(z)))))
        return value, (y_hat - Y) / (n * k)
    elif loss == "cross_entropy":
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        value = float(-np.vdot(Y, log_probs)) / n
        return value, (y_hat - Y) / n
    elif loss == "cosine":
        nx = np.sqrt((y_hat * y_hat).sum(axis=1, keepdims=True))
        ny = np.sqrt((Y * Y).sum(axis=1, keepdims=True))
        denom = np.maximum(nx * ny, COSINE_EPS)
        dot = (y_hat * Y).sum(axis=1, keepdims=True)
        cos = dot / denom
        value = float(np.mean(1.0 - cos))
        # d cos / d y_hat = y/denom - cos * y_hat / nx^2 (where the eps clamp is inactive).
        active = nx * ny > COSINE_EPS
        # finfo.tiny, not a literal like 1e-300: that rounds to 0 in float32.
        tiny = np.finfo(y_hat.dtype).tiny
        d_cos = Y / denom - np.where(active, cos / np.maximum(nx * nx, tiny), 0.0) * y_hat
        dy = -d_cos / n
    else:
        raise ValueError(f"unknown loss {loss!r}; choose one of {LOSSES}")
    return value, output_backward(output, y_hat, dy)


def output_backward(output: str, y_hat: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Chain dL/dy_hat back through the output function to dL/dlogits."""
    if output == "identity":
        return dy
    if output == "sigmoid":
        return dy * y_hat * (1.0 - y_hat)
    # softmax Jacobian-vector product: s * (dy - <dy, s>).
    return y_hat * (dy - (dy * y_hat).sum(axis=1, keepdims=True))


def loss_value(loss: str, output: str, logits: np.ndarray, Y: np.ndarray) -> float:
    """Loss of a batch of logits against targets of the same shape."""
    y_hat = apply_output(output, logits)
    return loss_and_dlogits(loss, output, logits, y_hat, Y)[0]
