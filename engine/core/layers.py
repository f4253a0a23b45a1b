"""Reference layers: backpropagation one small function at a time (the CS231n pattern).

Read this file top to bottom beside the Backward pass page. Every layer has a forward
function that returns its output and a cache of what its backward function will need,
and a backward function that takes dL/d(output) and the cache and returns dL/d(input)
(and dL/d(parameters)). Shapes use N for the batch, D for a layer's input width and
M for its output width; a leading stack of networks (the loss surface evaluates many
parameter vectors at once) may come before N everywhere.

`reference_forward` and `reference_loss_and_grads` chain the layers into a whole
network pass. `Network` (network.py) computes the same numbers with a faster loop,
and a test pins the two together on every combination of settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.losses import apply_output, loss_and_dlogits

LN_EPS = 1e-5  # LayerNorm's epsilon, as torch.nn.LayerNorm

Mask = np.ndarray | None


# --- sums --------------------------------------------------------------------------------
# Sums over the batch and means over a sample's units are matrix-vector products with a
# vector of ones: BLAS computes them about 3x faster than ndarray.sum on a 256 x 64 array,
# which makes a LayerNorm network's training step 10-15% faster (benchmarks/engine.py).

_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = _ONES.get((n, dtype))
    if ones is None:
        ones = _ONES[(n, dtype)] = np.ones(n, dtype=dtype)
    return ones


def batch_sum(x: np.ndarray) -> np.ndarray:
    """x (N, M) -> (M,): the sum over the batch, as x.sum(axis=-2)."""
    if x.ndim != 2:
        return x.sum(axis=-2)
    return _ones(x.shape[0], x.dtype) @ x


def unit_mean(x: np.ndarray) -> np.ndarray:
    """x (N, M) -> (N, 1): each sample's mean over its units, as x.mean(axis=-1, keepdims=True)."""
    return (x @ _ones(x.shape[-1], x.dtype))[..., None] / x.shape[-1]


# --- affine: z = h W + b -----------------------------------------------------------------


def affine_forward(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """z = h @ W + b.  h (N, D), W (D, M), b (M,) -> z (N, M)."""
    z = h @ W
    z += b  # in place: one pass less over z (every `+=` below is there for speed alone)
    return z, (h, W)


def affine_backward(dz: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dz (N, M) -> dh (N, D), dW (D, M), db (M,): each weight sums a_i * delta_j over samples."""
    h, W = cache
    dh = dz @ W.mT
    dW = h.mT @ dz
    db = batch_sum(dz)
    return dh, dW, db


# --- activation: a = f(z) ----------------------------------------------------------------


def activation_forward(z: np.ndarray, name: str) -> tuple[np.ndarray, tuple]:
    """a = f(z), elementwise.  z (N, M) -> a (N, M); f from activations.ACTIVATIONS."""
    a = ACTIVATIONS[name].f(z)
    return a, (name, z, a)


def activation_backward(da: np.ndarray, cache: tuple) -> np.ndarray:
    """da (N, M) -> dz (N, M) = f'(z) * da: the chain rule through one unit."""
    name, z, a = cache
    dz = ACTIVATIONS[name].df(z, a)
    dz *= da
    return dz


# --- LayerNorm over each sample's units (Ba et al. 2016) -----------------------------------


def layer_norm_forward(
    z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = LN_EPS
) -> tuple[np.ndarray, tuple]:
    """zn = gamma * (z - mean) / sqrt(var + eps) + beta per sample.  z (N, M), gamma, beta (M,)."""
    xhat = z - unit_mean(z)  # centred
    inv_std = 1.0 / np.sqrt(unit_mean(xhat * xhat) + eps)  # (N, 1)
    xhat *= inv_std  # (N, M): zero mean, unit variance per sample
    zn = xhat * gamma
    zn += beta
    return zn, (xhat, inv_std, gamma)


def layer_norm_backward(dzn: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dzn (N, M) -> dz (N, M), dgamma (M,), dbeta (M,).

    Every z_j moves the sample's mean and variance, so dz mixes all the sample's units:
    dz = inv_std * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = gamma * dzn.
    """
    xhat, inv_std, gamma = cache
    dgamma = batch_sum(dzn * xhat)
    dbeta = batch_sum(dzn)
    dxhat = dzn * gamma
    dz = dxhat - unit_mean(dxhat)
    dz -= xhat * unit_mean(dxhat * xhat)
    dz *= inv_std
    return dz, dgamma, dbeta


# --- inverted dropout --------------------------------------------------------------------


def dropout_forward(a: np.ndarray, mask: Mask) -> tuple[np.ndarray, Mask]:
    """a * mask, where mask (N, M) is 0 or 1/(1-p) per unit; mask None: no dropout."""
    return (a if mask is None else a * mask), mask


def dropout_backward(dout: np.ndarray, cache: Mask) -> np.ndarray:
    """dout (N, M) -> da (N, M): a dropped unit passes no gradient back."""
    return dout if cache is None else dout * cache


# --- residual add: h' = h + a ------------------------------------------------------------


def residual_forward(h: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, None]:
    """h' = h + a.  h, a (N, M) -> h' (N, M)."""
    return h + a, None


def residual_backward(dout: np.ndarray, cache: None) -> tuple[np.ndarray, np.ndarray]:
    """dout (N, M) -> (dh, da): an addition copies the gradient to both of its inputs."""
    return dout, dout


# --- output and loss ---------------------------------------------------------------------


def output_loss_forward(
    logits: np.ndarray, Y: np.ndarray, output: str, loss: str
) -> tuple[float, np.ndarray, tuple]:
    """Loss of y_hat = g(logits) against Y.  logits, Y (N, K) -> loss (scalar), y_hat (N, K).

    Output function and loss are one layer: bce after a sigmoid and cross-entropy after
    a softmax are computed from the logits, which is stable and gives dL/dlogits directly.
    """
    y_hat = apply_output(output, logits)
    value, dlogits = loss_and_dlogits(loss, output, logits, y_hat, Y)
    return value, y_hat, (dlogits,)


def output_loss_backward(cache: tuple) -> np.ndarray:
    """dL/dlogits (N, K), averaged over the batch like the loss."""
    return cache[0]


# --- a whole network pass, built only from the layers above -------------------------------


class NetworkSpec(Protocol):
    """What the reference pass needs to know of a network (a Network satisfies it)."""

    activation: str
    output: str
    layer_norm: bool

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        ...

    def is_residual(self, layer: int) -> bool:
        """Whether hidden layer `layer` (1-based) adds its input to its output."""
        ...


@dataclass
class LayerCaches:
    """The caches of one hidden layer, input to output."""

    affine: tuple
    norm: tuple | None
    act: tuple
    mask: Mask
    residual: bool


def reference_forward(
    net: NetworkSpec, params: Mapping[str, np.ndarray], X: np.ndarray, masks: Sequence[Mask]
) -> tuple[np.ndarray, list[LayerCaches], tuple]:
    """Logits (N, K) of the network for X (N, D), with every layer's cache.

    Layer l: z = h W + b; LayerNorm(z); a = f(z); a * mask; h' = h + a (residual) or a.
    """
    h = X
    caches = []
    for i in range(1, net.depth + 1):
        z, affine = affine_forward(h, params[f"h{i}.W"], params[f"h{i}.b"])
        norm = None
        if net.layer_norm:
            z, norm = layer_norm_forward(z, params[f"h{i}.gamma"], params[f"h{i}.beta"])
        a, act = activation_forward(z, net.activation)
        a, mask = dropout_forward(a, masks[i - 1])
        residual = net.is_residual(i)
        h = residual_forward(h, a)[0] if residual else a
        caches.append(LayerCaches(affine, norm, act, mask, residual))
    logits, out = affine_forward(h, params["out.W"], params["out.b"])
    return logits, caches, out


def reference_loss_and_grads(
    net: NetworkSpec,
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    masks: Sequence[Mask],
) -> tuple[float, dict[str, np.ndarray]]:
    """Loss on the batch and dL/dparam for every parameter: the backward pass, layer by layer.

    X (N, D), Y (N, K) as the network's targets; masks: one per hidden layer, or None.
    """
    logits, caches, out = reference_forward(net, params, X, masks)
    value, _, loss_cache = output_loss_forward(logits, Y, net.output, loss)
    grads: dict[str, np.ndarray] = {}
    dlogits = output_loss_backward(loss_cache)
    dh, grads["out.W"], grads["out.b"] = affine_backward(dlogits, out)
    for i in range(net.depth, 0, -1):
        c = caches[i - 1]
        # dh is dL/dh' for this layer's output h'.
        d_identity, da = residual_backward(dh, None) if c.residual else (None, dh)
        da = dropout_backward(da, c.mask)
        dz = activation_backward(da, c.act)
        if c.norm is not None:
            dz, grads[f"h{i}.gamma"], grads[f"h{i}.beta"] = layer_norm_backward(dz, c.norm)
        dh, grads[f"h{i}.W"], grads[f"h{i}.b"] = affine_backward(dz, c.affine)
        if d_identity is not None:
            dh = dh + d_identity
    return value, grads
